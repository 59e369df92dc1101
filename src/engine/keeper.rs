//! Auto-refresh: which credentials tokentop keeps alive by itself, when
//! their next refresh is due (inside the owning client's window), and the
//! backoff after a failure (5 s, doubling, at most 5 minutes), so a dead
//! refresh token is not hammered.

use super::jobs::{Lane, Op};
use super::protocol::Level;
use crate::model::refresh_policy::MIN_GAP;
use crate::model::{CredentialId, Platform, RefreshPolicy};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

/// The first wait after a failed refresh.
const FIRST_BACKOFF: i64 = 5;

/// The longest wait between tries.
const MAX_BACKOFF: i64 = 300;

/// A token's life, as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Life {
    /// When it was issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When it expires (`None`: never, as far as anyone says).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Who is kept alive, and how their last tries went.
#[derive(Debug, Default)]
pub struct Keeper {
    policy: RefreshPolicy,
    /// Every credential, but those in `off`.
    all: bool,
    /// Turned on one by one.
    on: HashSet<CredentialId>,
    /// Turned off one by one while `all` is on.
    off: HashSet<CredentialId>,
    /// Failed refreshes in a row, and when the next try may start.
    failures: HashMap<CredentialId, (u32, DateTime<Utc>)>,
    /// When each credential's last auto-refresh started.
    started: HashMap<CredentialId, DateTime<Utc>>,
}

impl Keeper {
    /// A keeper with `policy` (all on from the start if it says so).
    pub fn new(policy: RefreshPolicy) -> Self {
        Self {
            all: policy.all,
            policy,
            ..Self::default()
        }
    }

    /// Whether anything is kept alive at all.
    pub fn active(&self) -> bool {
        self.all || !self.on.is_empty()
    }

    /// Whether `id` is kept alive.
    pub fn is_on(&self, id: &CredentialId) -> bool {
        self.on.contains(id) || (self.all && !self.off.contains(id))
    }

    /// Turns it on or off for `id`, or for every credential (`None`).
    pub fn set(&mut self, id: Option<&CredentialId>, on: bool) {
        match (id, on) {
            (None, all) => {
                self.all = all;
                self.on.clear();
                self.off.clear();
            }
            (Some(id), true) => {
                self.off.remove(id);
                if !self.all {
                    self.on.insert(id.clone());
                }
            }
            (Some(id), false) => {
                self.on.remove(id);
                if self.all {
                    self.off.insert(id.clone());
                }
            }
        }
    }

    /// Whether a kept-alive credential should be refreshed at `now`: it has
    /// no token (`token` is `None`), or its token is inside the window and
    /// has lived half its life (so a window wider than a token's life does
    /// not renew each new token at once), and it is not backing off. A token
    /// that never expires is left alone.
    pub fn due(
        &self,
        id: &CredentialId,
        platform: Platform,
        token: Option<Life>,
        now: DateTime<Utc>,
    ) -> bool {
        let gap = self.policy.min_gap.unwrap_or(MIN_GAP);
        if !self.is_on(id)
            || self.failures.get(id).is_some_and(|(_, next)| *next > now)
            || self.started.get(id).is_some_and(|at| now - *at < gap)
        {
            return false;
        }
        let Some(life) = token else { return true };
        let Some(exp) = life.expires_at else {
            return false;
        };
        let half_lived = life
            .issued_at
            .is_none_or(|issued| now - issued >= (exp - issued) / 2);
        exp - now <= self.policy.window(platform) && half_lived
    }

    /// An auto-refresh of `id` started at `now`.
    pub fn started(&mut self, id: &CredentialId, now: DateTime<Utc>) {
        self.started.insert(id.clone(), now);
    }

    /// A refresh of `id` ended at `now`; after a failure the next try waits.
    pub fn finished(&mut self, id: &CredentialId, ok: bool, now: DateTime<Utc>) {
        if ok {
            self.failures.remove(id);
            return;
        }
        let failures = self.failures.get(id).map_or(0, |f| f.0) + 1;
        let wait = (FIRST_BACKOFF << (failures - 1).min(10)).min(MAX_BACKOFF);
        self.failures
            .insert(id.clone(), (failures, now + Duration::seconds(wait)));
    }
}

impl super::Engine {
    /// Starts a refresh for every kept-alive credential that is due.
    pub(super) fn keep_alive(&mut self) {
        let now = self.clock.now();
        for id in self.store.ids() {
            let Some(entry) = self.store.get(&id) else {
                continue;
            };
            let idle = entry.busy.is_none()
                && !self.in_flight.contains_key(&(id.clone(), Op::Refresh))
                && self.kept_alive(&id);
            let token = entry.token().map(|t| Life {
                issued_at: t.issued_at,
                expires_at: t.expires_at,
            });
            if idle && self.keeper.due(&id, entry.credential.platform, token, now) {
                tracing::info!(credential = %id, "auto-refresh");
                self.keeper.started(&id, now);
                self.spawn(&id, Op::Refresh, Lane::Background);
            }
        }
    }

    /// `a` / `A`: keeps one credential alive, or all, or stops.
    pub(super) fn set_auto_refresh(&mut self, id: Option<&CredentialId>, on: bool) {
        // One that tokentop cannot refresh (another tool's token, a PAT)
        // is said so, not marked.
        if let Some(entry) = id.and_then(|id| self.store.get(id))
            && on
            && let Some(why) = crate::providers::capabilities(&entry.credential).refresh_blocked
        {
            let profile = &entry.credential.provenance.profile;
            self.notice(
                Level::Warn,
                format!("{profile}: cannot be kept alive: {why}"),
            );
            return;
        }
        self.keeper.set(id, on);
        let what = match id.and_then(|id| self.store.get(id)) {
            Some(entry) => entry.credential.provenance.profile.clone(),
            None => "every credential".to_string(),
        };
        let said = match on {
            true => format!("auto-refresh on for {what}: refreshed inside its client's window"),
            false => format!("auto-refresh off for {what}"),
        };
        self.notice(Level::Info, said);
        let ids = match id {
            Some(id) => vec![id.clone()],
            None => self.store.ids(),
        };
        for id in ids {
            self.push_row(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str) -> CredentialId {
        CredentialId(name.into())
    }

    #[test]
    fn a_token_shorter_than_its_window_is_renewed_at_half_its_life_not_at_once() {
        let now = Utc::now();
        let keeper = Keeper::new(RefreshPolicy {
            all: true,
            windows: Vec::new(),
            min_gap: None,
        });
        // A 3-minute token, inside google-auth's 3m45s window from birth.
        let life = |age: i64| {
            Some(Life {
                issued_at: Some(now - Duration::seconds(age)),
                expires_at: Some(now - Duration::seconds(age) + Duration::seconds(180)),
            })
        };
        assert!(
            !keeper.due(&id("a"), Platform::CloudRun, life(0), now),
            "just issued"
        );
        assert!(!keeper.due(&id("a"), Platform::CloudRun, life(89), now));
        assert!(
            keeper.due(&id("a"), Platform::CloudRun, life(90), now),
            "half its life"
        );
    }

    #[test]
    fn rows_and_all_toggle_independently() {
        let mut keeper = Keeper::default();
        assert!(!keeper.active());
        keeper.set(Some(&id("a")), true);
        assert!(keeper.is_on(&id("a")) && !keeper.is_on(&id("b")));
        keeper.set(None, true);
        keeper.set(Some(&id("b")), false);
        assert!(keeper.is_on(&id("a")) && !keeper.is_on(&id("b")));
        keeper.set(None, false);
        assert!(!keeper.active());
    }

    #[test]
    fn a_refresh_is_due_inside_the_window_and_waits_longer_after_each_failure() {
        let now = Utc::now();
        let mut keeper = Keeper::new(RefreshPolicy {
            all: true,
            windows: Vec::new(),
            min_gap: None,
        });
        let a = id("a");
        let google = Platform::Dataproc;
        let expiring = |s: i64| {
            Some(Life {
                issued_at: None,
                expires_at: Some(now + Duration::seconds(s)),
            })
        };
        assert!(!keeper.due(&a, google, expiring(300), now));
        assert!(keeper.due(&a, google, expiring(200), now));
        assert!(keeper.due(&a, google, None, now), "no token yet: get one");
        let never = Some(Life {
            issued_at: None,
            expires_at: None,
        });
        assert!(
            !keeper.due(&a, google, never, now),
            "a token that never expires"
        );
        keeper.finished(&a, false, now);
        let soon = expiring(10);
        assert!(!keeper.due(&a, google, soon, now + Duration::seconds(4)));
        assert!(keeper.due(&a, google, soon, now + Duration::seconds(5)));
        keeper.finished(&a, false, now);
        assert!(!keeper.due(&a, google, soon, now + Duration::seconds(9)));
        assert!(keeper.due(&a, google, soon, now + Duration::seconds(10)));
        for _ in 0..20 {
            keeper.finished(&a, false, now);
        }
        assert!(
            keeper.due(&a, google, soon, now + Duration::seconds(300)),
            "capped"
        );
        keeper.finished(&a, true, now);
        assert!(keeper.due(&a, google, soon, now));
        // However short the token's life, at most one try per gap.
        keeper.started(&a, now);
        assert!(!keeper.due(&a, google, soon, now + Duration::seconds(29)));
        assert!(keeper.due(&a, google, soon, now + Duration::seconds(30)));
    }
}
