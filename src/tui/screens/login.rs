//! A sign-in waiting for its user: the URL to open on any device and the
//! code to enter there, large enough to read across a room, with the time
//! left. Nothing here needs a browser on this machine.

use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// What the issuer asks the user to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Where to go.
    pub verification_uri: String,
    /// The same with the code filled in.
    pub verification_uri_complete: Option<String>,
    /// What to enter.
    pub user_code: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
}

/// The view's height.
pub const HEIGHT: u16 = 13;

/// Draws the sign-in of `profile`: waiting for a code, or the prompt.
pub fn render(
    profile: &str,
    prompt: Option<&Prompt>,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let strong = theme.slot("chrome.title").add_modifier(Modifier::BOLD);
    let text = match prompt {
        None => vec![Line::from("Asking the issuer for a sign-in code…")],
        Some(p) => {
            let left = (p.expires_at - now).num_seconds().max(0);
            let mut lines = vec![
                Line::from("On any device (your laptop, your phone), open"),
                Line::default(),
                Line::from(Span::styled(format!("  {}", p.verification_uri), strong)),
                Line::default(),
                Line::from("and enter the code"),
                Line::default(),
                Line::from(Span::styled(format!("  {}", p.user_code), strong)),
                Line::default(),
            ];
            if let Some(complete) = &p.verification_uri_complete {
                lines.push(Line::from(format!("(or open {complete})")));
            }
            lines.push(Line::from(format!(
                "The code works for {}m{:02}s more. Esc gives up.",
                left / 60,
                left % 60
            )));
            lines
        }
    };
    let block = Block::bordered().title(Span::styled(
        format!(" sign in · {profile} "),
        theme.slot("chrome.title"),
    ));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
