//! Downscoped credentials: made under their source when the user asks
//! for a narrower token, and dropped when they are done with it.

use super::Engine;
use super::jobs::{Lane, Op};
use super::protocol::{Level, Update};
use crate::model::{CredentialId, Downscope};

impl Engine {
    /// Makes a credential narrowed from `source`'s as `ask` says, under
    /// its row, and derives its first token; or says why it cannot.
    pub(super) fn downscope(&mut self, source: &CredentialId, ask: Downscope) {
        let Some(entry) = self.store.get(source) else {
            self.notice(Level::Warn, format!("unknown credential {source}"));
            return;
        };
        let profile = &entry.credential.provenance.profile;
        if let Some(why) = crate::providers::capabilities(&entry.credential).downscope_blocked {
            self.notice(Level::Warn, format!("{profile}: {why}"));
            return;
        }
        if let Some(why) = crate::providers::downscope::refusal(&entry.credential, &ask) {
            self.notice(Level::Warn, format!("{profile}: {why}"));
            return;
        }
        if let Some(id) = self.store.derive(source, ask) {
            self.spawn(&id, Op::Downscope, Lane::User);
        }
    }

    /// Forgets a downscoped credential, and its work in flight.
    pub(super) fn drop_derived(&mut self, id: &CredentialId) {
        let Some(entry) = self.store.get(id) else {
            return;
        };
        let profile = entry.credential.provenance.profile.clone();
        if entry.derived_from.is_none() {
            self.notice(
                Level::Warn,
                format!("{profile}: only a downscoped token's row can be dropped"),
            );
            return;
        }
        for op in Op::ALL {
            if let Some(running) = self.in_flight.remove(&(id.clone(), op)) {
                self.abandon(id, &profile, op, running, "its row was dropped");
            }
        }
        let until = self
            .store
            .remove(id)
            .and_then(|e| e.token().and_then(|t| t.expires_at))
            .map(|t| format!(" (its token stays valid until {})", t.format("%H:%M:%SZ")))
            .unwrap_or_default();
        self.send(Update::Removed(id.clone()));
        self.notice(Level::Info, format!("{profile}: dropped{until}"));
    }
}
