//! What just changed: a row whose token was replaced is highlighted for a
//! few seconds, and after a refresh or downscope the user asked for, the
//! token before and the token after are compared side by side.

use super::event::Effect;
use crate::engine::protocol::Command;
use crate::model::{CredentialId, Row};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// How long a replaced token's row is highlighted.
pub const FLASH_FOR: Duration = Duration::seconds(3);

/// How long the comparison stays (any key closes it sooner).
pub const COMPARE_FOR: Duration = Duration::seconds(20);

/// A new token the user asked for, and the row as it was.
#[derive(Debug, Clone, PartialEq)]
enum Awaited {
    /// A refresh of this credential.
    Refresh(CredentialId),
    /// A token narrowed from this credential's (a row of its own).
    Downscope(CredentialId),
}

/// The token before and after, as their rows say.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The row before.
    pub old: Row,
    /// The row after.
    pub new: Row,
    /// When it goes.
    pub until: DateTime<Utc>,
}

/// The dashboard's memory of recent changes.
#[derive(Debug, Default)]
pub struct Changes {
    awaited: Vec<(Awaited, Row)>,
    /// The latest comparison, while it is shown.
    pub compared: Option<Comparison>,
    flashed: HashMap<CredentialId, DateTime<Utc>>,
}

impl Changes {
    /// Notes the new tokens `effects` ask for, with the rows as they are now.
    pub fn asked(&mut self, effects: &[Effect], rows: &[Row]) {
        for effect in effects {
            let awaited = match effect {
                Effect::Send(Command::Refresh(id)) => Awaited::Refresh(id.clone()),
                Effect::Send(Command::Downscope(id, _)) => Awaited::Downscope(id.clone()),
                _ => continue,
            };
            let (Awaited::Refresh(id) | Awaited::Downscope(id)) = &awaited;
            if let Some(row) = rows.iter().find(|r| &r.id == id) {
                self.awaited.retain(|(a, _)| *a != awaited);
                self.awaited.push((awaited, row.clone()));
            }
        }
    }

    /// A row arrived (`old` is what the table had): a new token flashes,
    /// and one the user was waiting for is compared with the one before.
    pub fn arrived(&mut self, old: Option<&Row>, new: &Row, now: DateTime<Utc>) {
        let replaced = new.fingerprint.is_some()
            && old.is_some_and(|o| o.fingerprint.is_some() && o.fingerprint != new.fingerprint);
        if replaced {
            self.flashed.insert(new.id.clone(), now + FLASH_FOR);
        }
        if new.busy.is_some() {
            return;
        }
        let waited = self
            .awaited
            .iter()
            .position(|(awaited, before)| match awaited {
                Awaited::Refresh(id) => *id == new.id,
                Awaited::Downscope(id) => {
                    new.derived_from.as_ref() == Some(id) && new.fingerprint != before.fingerprint
                }
            });
        let Some(i) = waited else { return };
        let (awaited, before) = self.awaited.remove(i);
        let changed = match awaited {
            Awaited::Refresh(_) => {
                new.fingerprint.is_some() && new.fingerprint != before.fingerprint
            }
            Awaited::Downscope(_) => new.fingerprint.is_some(),
        };
        // A failed refresh keeps the old token: nothing to compare.
        if changed {
            self.compared = Some(Comparison {
                old: before,
                new: new.clone(),
                until: now + COMPARE_FOR,
            });
        }
    }

    /// Whether `id`'s row is highlighted at `now`.
    pub fn flashing(&self, id: &CredentialId, now: DateTime<Utc>) -> bool {
        self.flashed.get(id).is_some_and(|until| *until > now)
    }

    /// Whether anything here changes with time.
    pub fn timed(&self) -> bool {
        self.compared.is_some() || !self.flashed.is_empty()
    }

    /// Forgets what has run its time at `now`.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        self.flashed.retain(|_, until| *until > now);
        if self.compared.as_ref().is_some_and(|c| c.until <= now) {
            self.compared = None;
        }
    }
}
