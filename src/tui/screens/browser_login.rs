//! A browser sign-in waiting for its user: the address to open, the
//! `ssh -L` line that brings a laptop's browser back to this machine, and
//! a field where the address the browser ended on can be pasted instead.

use super::Reply;
use crate::engine::protocol::{Command, Update};
use crate::model::CredentialId;
use crate::tui::event::Effect;
use crate::tui::input;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// The longest address taken.
const MAX_PASTE: usize = 8 * 1024;

/// What the user is asked to do, and what they have pasted so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// The issuer's sign-in address.
    pub url: String,
    /// The loopback port the browser returns to.
    pub port: u16,
    /// The line that forwards that port from a laptop.
    pub forward: String,
    /// When tokentop stops waiting.
    pub expires_at: DateTime<Utc>,
    /// The address being pasted.
    pub pasted: String,
}

impl Prompt {
    /// The prompt a [`Update::BrowserPrompt`] carries.
    pub fn from_update(update: &Update) -> Option<Self> {
        match update {
            Update::BrowserPrompt {
                url,
                port,
                forward,
                expires_at,
                ..
            } => Some(Self {
                url: url.clone(),
                port: *port,
                forward: forward.clone(),
                expires_at: *expires_at,
                pasted: String::new(),
            }),
            _ => None,
        }
    }

    /// Typing and pasting are text here; Enter sends what was pasted, Tab
    /// copies the address to open.
    pub fn type_key(&mut self, id: &CredentialId, key: &KeyEvent) -> Option<Reply> {
        if input::edit(&mut self.pasted, MAX_PASTE, key) {
            return Some(Reply::Stay(Vec::new()));
        }
        // A long address copies whole where a terminal selection would
        // take the border and line breaks with it.
        if key.code == KeyCode::Tab && crate::tui::clipboard::fits(&self.url) {
            let copy = Effect::Clipboard(crate::model::Secret::new(self.url.clone()));
            return Some(Reply::Stay(vec![copy]));
        }
        if key.code != KeyCode::Enter || self.pasted.is_empty() {
            return None;
        }
        let address = std::mem::take(&mut self.pasted);
        let send = Command::LoginRedirect(id.clone(), address);
        Some(Reply::Stay(vec![Effect::Send(send)]))
    }
}

/// The view's height for `width` columns: the address wraps.
pub fn height(prompt: &Prompt, width: u16) -> u16 {
    let room = usize::from(width.saturating_sub(2).max(1));
    let url = prompt.url.chars().count().div_ceil(room);
    (url as u16).saturating_add(13)
}

/// Draws the sign-in of `profile` (the device code's view waits for the
/// issuer's answer; this one has it).
pub fn render(
    profile: &str,
    p: &Prompt,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let strong = theme.slot(Slot::Title).add_modifier(Modifier::BOLD);
    let left = (p.expires_at - now).num_seconds().max(0);
    // The address and the paste field first: on a small terminal they
    // are what must stay in view.
    let text = vec![
        Line::from("Open this address in a browser (Tab copies it, OSC 52):"),
        Line::from(Span::styled(p.url.clone(), strong)),
        Line::from("then paste here the address the browser ends on (it may fail to load):"),
        Line::from(vec![
            Span::styled("> ", theme.slot(Slot::Key)),
            Span::raw(p.pasted.clone()),
            Span::styled("▏", theme.slot(Slot::Key)),
        ]),
        Line::default(),
        Line::from("A browser on this machine comes back by itself; one on a laptop does"),
        Line::from("too once the port is forwarded:"),
        Line::from(Span::styled(format!("  {}", p.forward), strong)),
        Line::default(),
        Line::from(format!(
            "Enter sends it · Esc gives up · waiting {}m{:02}s more",
            left / 60,
            left % 60
        )),
    ];
    let block = Block::bordered().title(Span::styled(
        format!(" sign in · {profile} "),
        theme.slot(Slot::Title),
    ));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        area,
    );
}
