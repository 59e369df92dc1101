//! The copy menu (`c`): the selected token as itself, an `Authorization`
//! header, a curl line for its target, or an `export` line. The engine
//! makes the text (and journals it); the dashboard sends it to the
//! terminal's clipboard with OSC 52.

use super::Reply;
use crate::engine::protocol::{Command, CopyForm, Reveal};
use crate::model::CredentialId;
use crate::tui::action::Action;
use crate::tui::event::Effect;
use crate::tui::theme::{Slot, Theme};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use strum::IntoEnumIterator;

/// What the copy menu offers.
pub const HINTS: &[Action] = &[
    Action::ScrollDown,
    Action::ScrollUp,
    Action::Confirm,
    Action::Cancel,
];

/// The menu's lines: (form, what it says).
fn choices() -> Vec<(CopyForm, &'static str)> {
    CopyForm::iter()
        .map(|form| {
            let says = match form {
                CopyForm::Token => "the token",
                CopyForm::Header => "Authorization: Bearer header",
                CopyForm::Curl => "curl line for its target (token on stdin)",
                CopyForm::Export => "export line for a shell",
            };
            (form, says)
        })
        .collect()
}

/// j/k move, Enter copies the form chosen, Esc closes.
pub fn handle(id: &CredentialId, chosen: &mut usize, action: Action) -> Reply {
    let last = choices().len() - 1;
    match action {
        Action::ScrollDown => *chosen = (*chosen + 1).min(last),
        Action::ScrollUp => *chosen = chosen.saturating_sub(1),
        Action::Confirm => return pick(id, *chosen),
        Action::Cancel | Action::Close => return Reply::Close(Vec::new()),
        _ => return Reply::Pass,
    }
    Reply::Stay(Vec::new())
}

/// A digit picks its line at once.
pub fn type_key(id: &CredentialId, key: &KeyEvent) -> Option<Reply> {
    let KeyCode::Char(c) = key.code else {
        return None;
    };
    let n = c.to_digit(10)? as usize;
    (1..=choices().len()).contains(&n).then(|| pick(id, n - 1))
}

fn pick(id: &CredentialId, chosen: usize) -> Reply {
    let form = choices()[chosen].0;
    let ask = Command::Reveal(id.clone(), Reveal::Copy(form));
    Reply::Close(vec![Effect::Send(ask)])
}

/// Draws the menu for `profile` with line `chosen` marked.
pub fn render(profile: &str, chosen: usize, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = Vec::new();
    for (i, (_, says)) in choices().iter().enumerate() {
        let mark = if i == chosen { "▶ " } else { "  " };
        let style = if i == chosen {
            theme.slot(Slot::Selection)
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(vec![
            Span::raw(mark),
            Span::styled(format!("{} ", i + 1), theme.slot(Slot::Key)),
            Span::styled(says.to_string(), style),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "Sent to your terminal's clipboard with OSC 52 (works over SSH; tmux needs set-clipboard on).",
        theme.slot(Slot::KeyDesc),
    ));
    let block = Block::bordered()
        .title(Span::styled(
            format!(" copy · {profile} "),
            theme.slot(Slot::Title),
        ))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
