//! One file per screen or overlay. Each owns its keys: it declares the
//! actions it offers (`HINTS`, for the footer) and answers them (`handle`),
//! so the app only routes.

pub mod browser_login;
pub mod compare;
pub mod confirm;
pub mod copy;
pub mod decode;
pub mod detail;
pub mod doctor;
pub mod downscope;
mod downscope_form;
pub mod help;
pub mod journal;
pub mod login;
pub mod prompt;
pub mod reveal;
pub mod selected;
pub mod table;

use crate::engine::protocol::Level;
use crate::tui::action::Action;
use crate::tui::event::Effect;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;

/// What a screen did with a key or an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Not this screen's: the table and the global keys answer.
    Pass,
    /// Taken; the screen stays, and the runner does these.
    Stay(Vec<Effect>),
    /// Taken; the screen closes, and the runner does these.
    Close(Vec<Effect>),
    /// Taken; the screen stays and the status line says this.
    Say(Level, String),
    /// The table shows only the rows this filter keeps; `close` closes the
    /// filter prompt too.
    Filter {
        /// The filter as typed.
        text: String,
        /// Whether the prompt closes.
        close: bool,
    },
    /// The command line closes and this line is run.
    Run(String),
}

/// Draws a scrolling text view (its block included) over `area`, held to
/// its last screenful however far `scroll` went; returns how far it may
/// scroll, which the App holds the view's scroll to.
pub fn render_text(frame: &mut Frame, area: Rect, text: Paragraph<'_>, scroll: u16) -> u16 {
    let lines = text.line_count(area.width.saturating_sub(2));
    let most = u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .saturating_sub(area.height);
    frame.render_widget(text.scroll((scroll.min(most), 0)), area);
    most
}

/// The scrolling every text view shares: down, up, and close.
pub fn scroll(at: &mut u16, action: Action) -> Reply {
    match action {
        Action::ScrollDown => *at = at.saturating_add(1),
        Action::ScrollUp => *at = at.saturating_sub(1),
        Action::Close | Action::Cancel => return Reply::Close(Vec::new()),
        _ => return Reply::Pass,
    }
    Reply::Stay(Vec::new())
}
