//! The copy menu (`c`): the selected token as itself, an `Authorization`
//! header, a curl line for its target, or an `export` line, sent to the
//! terminal's clipboard with OSC 52. The lines that hold a token start with
//! a space, so shells that ignore such lines (bash's `ignorespace`, zsh's
//! `HIST_IGNORE_SPACE`) keep them out of history, and curl reads the
//! header from stdin, so the token is not in its arguments either.

use super::Reply;
use crate::engine::protocol::{Command, CopyForm, Reveal};
use crate::model::{CredentialId, Platform, Row, Secret, TokenRole};
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

/// The text to copy for `row`'s `token` in `form`; `target` is where the
/// token is used (for the curl line).
pub fn text(
    form: CopyForm,
    row: &Row,
    token: &Secret,
    target: Option<&str>,
) -> Result<Secret, String> {
    let token = token.expose();
    let shell_safe = token
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._~+/=-".contains(c));
    if matches!(form, CopyForm::Curl | CopyForm::Export) && !shell_safe {
        return Err(format!(
            "{}: the token has characters a shell line would change; copy the token or the header instead",
            row.profile
        ));
    }
    Ok(Secret::new(match form {
        CopyForm::Token => token.to_string(),
        CopyForm::Header => format!("Authorization: Bearer {token}"),
        CopyForm::Curl => {
            let target = target.ok_or_else(|| {
                format!(
                    "{}: no target known for a curl line (set `probe` under the profile's [profile.endpoints])",
                    row.profile
                )
            })?;
            let quoted = shlex::try_quote(target).map_err(|e| format!("{target}: {e}"))?;
            format!(" curl -sS -H @- {quoted} <<<'Authorization: Bearer {token}'")
        }
        CopyForm::Export => format!(" export {}={token}", variable(row)),
    }))
}

/// The variable tools read the token from.
fn variable(row: &Row) -> &'static str {
    match (row.platform, row.token_role) {
        (_, Some(TokenRole::Id)) => "ID_TOKEN",
        (Platform::Databricks, _) => "DATABRICKS_TOKEN",
        (Platform::Oidc, _) => "ACCESS_TOKEN",
        // gcloud uses it instead of its own credentials.
        _ => "CLOUDSDK_AUTH_ACCESS_TOKEN",
    }
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
