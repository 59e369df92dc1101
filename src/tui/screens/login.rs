//! A sign-in waiting for its user: the URL to open on any device and the
//! code to enter there, large enough to read across a room, with the time
//! left. Nothing here needs a browser on this machine.

use super::Reply;
use crate::engine::protocol::{Command, Update};
use crate::model::CredentialId;
use crate::tui::action::Action;
use crate::tui::event::Effect;
use crate::tui::theme::{Slot, Theme};
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

impl Prompt {
    /// The prompt a [`Update::LoginPrompt`] carries.
    pub fn from_update(update: &Update) -> Option<Self> {
        match update {
            Update::LoginPrompt {
                verification_uri,
                verification_uri_complete,
                user_code,
                expires_at,
                ..
            } => Some(Self {
                verification_uri: verification_uri.clone(),
                verification_uri_complete: verification_uri_complete.clone(),
                user_code: user_code.clone(),
                expires_at: *expires_at,
            }),
            _ => None,
        }
    }
}

/// What a sign-in's view offers (both kinds).
pub const HINTS: &[Action] = &[Action::Cancel];

/// Giving up a sign-in closes its view and stops its polling.
pub fn handle(id: &CredentialId, action: Action) -> Reply {
    match action {
        Action::Cancel | Action::Close => {
            Reply::Close(vec![Effect::Send(Command::CancelLogin(id.clone()))])
        }
        _ => Reply::Pass,
    }
}

/// The text's size: the view without a QR code.
const TEXT: (u16, u16) = (72, 13);

use crate::model::qr_code;

/// What the QR code encodes: the URL with the code filled in, if given.
fn qr_url(prompt: &Prompt) -> &str {
    prompt
        .verification_uri_complete
        .as_deref()
        .unwrap_or(&prompt.verification_uri)
}

/// The view's size on `screen`: the text, and the QR code beside it when
/// the screen has room for it.
pub fn size(prompt: Option<&Prompt>, screen: Rect) -> (u16, u16) {
    let qr = prompt.and_then(|p| qr_code(qr_url(p)));
    match qr {
        Some(lines) => {
            let width = lines.first().map_or(0, |l| l.chars().count()) as u16;
            let height = lines.len() as u16 + 2;
            let wide = (TEXT.0 + width + 1, TEXT.1.max(height));
            if screen.width >= wide.0 && screen.height >= wide.1 {
                wide
            } else {
                TEXT
            }
        }
        None => TEXT,
    }
}

/// Draws the sign-in of `profile`: waiting for a code, or the prompt.
pub fn render(
    profile: &str,
    prompt: Option<&Prompt>,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let strong = theme.slot(Slot::Title).add_modifier(Modifier::BOLD);
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
        theme.slot(Slot::Title),
    ));
    frame.render_widget(Clear, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let qr = prompt
        .filter(|_| area.width > TEXT.0)
        .and_then(|p| qr_code(qr_url(p)));
    let text_width = match &qr {
        Some(_) => TEXT.0 - 2,
        None => inner.width,
    };
    let text_area = Rect {
        width: text_width.min(inner.width),
        ..inner
    };
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
    if let Some(lines) = qr {
        let qr_area = Rect {
            x: inner.x + text_area.width + 1,
            width: inner.width.saturating_sub(text_area.width + 1),
            ..inner
        };
        let lines: Vec<Line> = lines.into_iter().map(Line::from).collect();
        frame.render_widget(Paragraph::new(lines), qr_area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt() -> Prompt {
        Prompt {
            verification_uri: "https://idp.example/device".into(),
            verification_uri_complete: Some(
                "https://idp.example/device?user_code=WDJB-MJHT".into(),
            ),
            user_code: "WDJB-MJHT".into(),
            expires_at: Utc::now(),
        }
    }

    #[test]
    fn the_qr_code_is_beside_the_text_only_where_it_fits() {
        let lines = qr_code("https://idp.example/device?user_code=WDJB-MJHT").expect("a code");
        assert!(
            lines.len() > 10
                && lines
                    .iter()
                    .all(|l| l.chars().count() == lines[0].chars().count())
        );
        let wide = size(Some(&prompt()), Rect::new(0, 0, 160, 40));
        assert!(
            wide.0 > TEXT.0 && wide.1 >= lines.len() as u16 + 2,
            "{wide:?}"
        );
        assert_eq!(
            size(Some(&prompt()), Rect::new(0, 0, 80, 24)),
            TEXT,
            "80x24: text only"
        );
        assert_eq!(size(None, Rect::new(0, 0, 160, 40)), TEXT);
    }
}
