//! What the engine says, taken into the dashboard's state: the table,
//! reports for the screens waiting on them, and revealed tokens.

use super::app::{App, JOURNAL_KEPT, REVEAL_FOR, ShownToken};
use super::event::Effect;
use super::overlay::Overlay;
use crate::engine::protocol::{Level, Reveal, Update};
use crate::model::{CredentialId, Secret};

impl App {
    pub(super) fn absorb(&mut self, update: Update) -> Vec<Effect> {
        match update {
            Update::Snapshot {
                rows,
                source_errors,
                skipped,
                ..
            } => {
                self.rows = rows;
                self.source_errors = source_errors;
                self.skipped = skipped;
                self.loaded = true;
                // A view about a credential that is gone has nothing to show.
                let present = |id: &CredentialId| self.rows.iter().any(|r| &r.id == id);
                self.overlays.retain(|o| o.about().is_none_or(&present));
            }
            Update::Row(row) => {
                // A sign-in that ended (signed in, refused, expired) closes
                // its view; the row and the status line say how it went.
                let ended = |prompt: &Option<_>| prompt.is_some() || row.error.is_some();
                if row.busy.is_none() {
                    self.overlays.retain(|o| match o {
                        Overlay::Login { id, prompt } => !(*id == row.id && ended(prompt)),
                        Overlay::BrowserLogin { id, .. } => *id != row.id,
                        _ => true,
                    });
                }
                let old = self.rows.iter().find(|r| r.id == row.id);
                self.changes.arrived(old, &row, self.clock.now());
                match self.rows.iter_mut().find(|r| r.id == row.id) {
                    Some(slot) => *slot = *row,
                    None => self.rows.push(*row),
                }
            }
            Update::Removed(id) => {
                // The selection goes back to the row it hung under.
                if self.selected.as_ref() == Some(&id) {
                    self.selected = self
                        .rows
                        .iter()
                        .find(|r| r.id == id)
                        .and_then(|r| r.derived_from.clone());
                }
                self.rows.retain(|r| r.id != id);
                self.overlays.retain(|o| o.about() != Some(&id));
            }
            Update::Revealed { id, token, purpose } => return self.revealed(id, token, purpose),
            Update::Notice { level, text } => self.say(level, text),
            Update::Journaled(line) => {
                if self.journal.len() == JOURNAL_KEPT {
                    self.journal.pop_front();
                }
                self.journal.push_back(line);
            }
            Update::Decoded(_)
            | Update::Diagnosed(_)
            | Update::LoginPrompt { .. }
            | Update::BrowserPrompt { .. } => {
                for overlay in &mut self.overlays {
                    overlay.absorb(&update);
                }
            }
        }
        self.sort();
        Vec::new()
    }

    /// A token the user asked to see or copy.
    fn revealed(&mut self, id: CredentialId, token: Secret, purpose: Reveal) -> Vec<Effect> {
        let Some(row) = self.rows.iter().find(|r| r.id == id) else {
            return Vec::new();
        };
        match purpose {
            Reveal::Print => Vec::new(),
            Reveal::Show => {
                let until = self.clock.now() + REVEAL_FOR;
                let fingerprint = row.fingerprint.clone();
                self.shown_token = Some(ShownToken {
                    id,
                    token,
                    fingerprint,
                    until,
                });
                Vec::new()
            }
            // The engine made the text, and journalled it.
            Reveal::Copy(form) => {
                let what: &str = form.into();
                let said = format!(
                    "copied {what} of {} ({}) with OSC 52; if nothing pastes, your terminal ignores OSC 52 (tmux: set -g set-clipboard on)",
                    row.profile,
                    row.fingerprint.as_deref().unwrap_or("-")
                );
                self.say(Level::Info, said);
                vec![Effect::Clipboard(token)]
            }
        }
    }
}
