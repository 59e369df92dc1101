//! The one-line prompts drawn over the status line: the `/` filter, which
//! narrows the table as it is typed, and the `:` command line, which runs
//! when Enter is pressed and completes with Tab. Both are typing mode.

use super::Reply;
use crate::tui::action::Action;
use crate::tui::command_line;
use crate::tui::input;
use crate::tui::theme::{Slot, Theme};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The longest filter or command line kept.
const MAX_LINE: usize = 256;

/// What the filter prompt offers.
pub const FILTER_HINTS: &[Action] = &[Action::Confirm, Action::Cancel];

/// What the command line offers.
pub const COMMAND_HINTS: &[Action] = &[Action::Complete, Action::Confirm, Action::Cancel];

/// A key typed into the filter: the table follows every change.
pub fn filter_key(text: &mut String, key: &KeyEvent) -> Option<Reply> {
    input::edit(text, MAX_LINE, key).then(|| Reply::Filter {
        text: text.clone(),
        close: false,
    })
}

/// Enter keeps the filter (the header shows it); Esc clears it.
pub fn filter_handle(action: Action) -> Reply {
    match action {
        Action::Confirm => Reply::Close(Vec::new()),
        Action::Cancel | Action::Close => Reply::Filter {
            text: String::new(),
            close: true,
        },
        _ => Reply::Pass,
    }
}

/// A key typed into the command line; Tab completes.
pub fn command_key(text: &mut String, themes: &[String], key: &KeyEvent) -> Option<Reply> {
    if key.code == KeyCode::Tab {
        *text = command_line::complete(text, themes);
        return Some(Reply::Stay(Vec::new()));
    }
    input::edit(text, MAX_LINE, key).then_some(Reply::Stay(Vec::new()))
}

/// Enter runs the line; Esc leaves it.
pub fn command_handle(text: &str, action: Action) -> Reply {
    match action {
        Action::Confirm => Reply::Run(text.to_string()),
        Action::Cancel | Action::Close => Reply::Close(Vec::new()),
        _ => Reply::Pass,
    }
}

/// Draws `/text` or `:text` with a cursor on the bottom line of `area`,
/// then, dimmed, `after`: the match count, or what Tab would offer.
pub fn render(lead: char, text: &str, after: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(y) = area.bottom().checked_sub(1) else {
        return;
    };
    let line = Rect {
        y,
        height: 1,
        ..area
    };
    let spans = vec![
        Span::styled(lead.to_string(), theme.slot(Slot::Key)),
        Span::raw(text.to_string()),
        Span::styled("▏", theme.slot(Slot::Key)),
        Span::styled(format!("  {after}"), theme.slot(Slot::KeyDesc)),
    ];
    frame.render_widget(Clear, line);
    frame.render_widget(Paragraph::new(Line::from(spans)), line);
}
