//! "Revoke this token?": a destructive action waits for a yes.

use super::Reply;
use crate::engine::protocol::Command;
use crate::model::{CredentialId, Row};
use crate::tui::action::Action;
use crate::tui::event::Effect;
use crate::tui::theme::{Slot, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// What the confirmation offers.
pub const HINTS: &[Action] = &[Action::Confirm, Action::Cancel];

/// Yes revokes `id`; no closes.
pub fn handle(id: &CredentialId, action: Action) -> Reply {
    match action {
        Action::Confirm => Reply::Close(vec![Effect::Send(Command::Revoke(id.clone()))]),
        Action::Cancel | Action::Close => Reply::Close(Vec::new()),
        _ => Reply::Pass,
    }
}

/// Draws the revoke confirmation for `row`. The question and its keys come
/// first, so a small terminal cuts the explanation, never the choice.
pub fn render(row: Option<&Row>, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (profile, fingerprint) = row.map_or(("?".to_string(), "?".to_string()), |r| {
        (r.profile.clone(), r.fingerprint.clone().unwrap_or_default())
    });
    let mut text = vec![
        Line::from(vec![
            Span::raw("Revoke the token "),
            Span::styled(fingerprint, theme.slot(Slot::Fingerprint)),
            Span::raw(format!(" of {profile}?")),
        ]),
        Line::from(vec![
            Span::styled("y", theme.slot(Slot::Key)),
            Span::raw(" revoke   "),
            Span::styled("n", theme.slot(Slot::Key)),
            Span::raw(" keep it"),
        ]),
        Line::default(),
        Line::from("It stops working everywhere it is used."),
    ];
    if let Some(r) = row.filter(|r| r.kind == crate::model::Kind::DatabricksPat) {
        // A PAT is deleted for good: name it as its maker knows it.
        let comment = r
            .tokens
            .iter()
            .find_map(|t| t.note.as_deref())
            .map_or("(no comment)".to_string(), |c| format!("\"{c}\""));
        let host = r.host.as_deref().unwrap_or("its workspace");
        text.push(Line::from(format!(
            "This deletes the personal access token {comment} on {host} through the token API."
        )));
    }
    if let Some(r) = row.filter(|r| r.kind.revoke_ends_login()) {
        // Google revokes the refresh token with it: say whose sign-in ends.
        let who = match r.principal.as_str() {
            "" => "this sign-in".to_string(),
            principal => principal.to_string(),
        };
        text.push(Line::from(format!(
            "This signs you out of {who}: its refresh token goes too, and you will have to log in again."
        )));
    }
    let block = Block::bordered()
        .title(Span::styled(" revoke ", theme.slot(Slot::Warn)))
        .border_style(theme.slot(Slot::Warn));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        area,
    );
}
