//! The credential table: its entries in discovery order, and the row
//! snapshots made from them.

pub use super::entry::Entry;
use crate::model::{Credential, CredentialId, Downscope, Material, Row};
use crate::sources::SourceError;
use std::collections::HashMap;

/// True when `derived` still narrows `source` as it is now: the same
/// material behind it, sent to the same endpoints.
fn derives_from(derived: &Credential, source: &Credential) -> bool {
    matches!(&derived.material, Material::Downscoped { source: material, .. }
        if **material == source.material)
        && derived.endpoints == source.endpoints
        && derived.scopes == source.scopes
}

/// The table.
#[derive(Debug, Default)]
pub struct Store {
    order: Vec<CredentialId>,
    entries: HashMap<CredentialId, Entry>,
}

impl Store {
    /// Replaces the table with freshly discovered credentials. A credential
    /// whose grant is unchanged keeps its token; a changed one starts over.
    /// A credential whose file, or whose profile in the profiles file, just
    /// broke stays with its last good token and the file's error rather than
    /// vanishing; the error goes once the file reads again. Returns the ids
    /// (with their profile names) whose work in flight no longer applies
    /// (changed or gone).
    pub fn replace(
        &mut self,
        credentials: Vec<Credential>,
        broken: &[SourceError],
    ) -> Vec<(CredentialId, String)> {
        let mut old = std::mem::take(&mut self.entries);
        let old_order = std::mem::take(&mut self.order);
        let mut stale = Vec::new();
        for mut credential in credentials {
            let id = credential.id.clone();
            if self.entries.contains_key(&id) {
                continue;
            }
            if let Some(kept) = old.get(&id) {
                kept.carry_rotation(&mut credential);
            }
            let cached = credential.cached.clone();
            let mut entry = match old.remove(&id) {
                Some(mut kept) if kept.credential.same_grant(&credential) => {
                    kept.credential = credential;
                    kept.source_error = None;
                    kept
                }
                Some(old_entry) => {
                    stale.push((id.clone(), old_entry.credential.provenance.profile));
                    Entry::new(credential)
                }
                None => Entry::new(credential),
            };
            entry.take_cached(&cached);
            self.order.push(id.clone());
            self.entries.insert(id, entry);
        }
        for id in old_order {
            let Some(mut entry) = old.remove(&id) else {
                continue;
            };
            if let Some(source) = entry.derived_from.clone() {
                // A narrowed credential lives as long as its source's grant.
                let kept = self
                    .entries
                    .get(&source)
                    .is_some_and(|s| derives_from(&entry.credential, &s.credential));
                if kept {
                    let at = self.place_after(&source);
                    self.order.insert(at, id.clone());
                    self.entries.insert(id, entry);
                } else {
                    stale.push((id, entry.credential.provenance.profile));
                }
                continue;
            }
            match broken
                .iter()
                .find(|e| e.breaks(&entry.credential.provenance))
            {
                Some(why) => {
                    entry.source_error = Some(format!("source unreadable: {why}"));
                    self.order.push(id.clone());
                    self.entries.insert(id, entry);
                }
                None => stale.push((id, entry.credential.provenance.profile)),
            }
        }
        stale
    }

    /// Adds a credential narrowed from `source`'s as `ask` says, placed
    /// under it (after any made before), and returns its id; `None` when
    /// there is no such source.
    pub fn derive(&mut self, source: &CredentialId, ask: Downscope) -> Option<CredentialId> {
        let from = &self.entries.get(source)?.credential;
        let credential = (1..)
            .map(|n| crate::providers::downscope::derived(from, ask.clone(), n))
            .find(|c| !self.entries.contains_key(&c.id))?;
        let id = credential.id.clone();
        let mut entry = Entry::new(credential);
        entry.derived_from = Some(source.clone());
        let at = self.place_after(source);
        self.order.insert(at, id.clone());
        self.entries.insert(id.clone(), entry);
        Some(id)
    }

    /// Where a credential derived from `source` goes: after it and the
    /// others derived from it.
    fn place_after(&self, source: &CredentialId) -> usize {
        let Some(start) = self.order.iter().position(|id| id == source) else {
            return self.order.len();
        };
        let under = self.order[start + 1..]
            .iter()
            .take_while(|id| {
                self.entries
                    .get(*id)
                    .is_some_and(|e| e.derived_from.as_ref() == Some(source))
            })
            .count();
        start + 1 + under
    }

    /// Takes an entry out of the table.
    pub fn remove(&mut self, id: &CredentialId) -> Option<Entry> {
        self.order.retain(|held| held != id);
        self.entries.remove(id)
    }

    /// Ids in discovery order.
    pub fn ids(&self) -> Vec<CredentialId> {
        self.order.clone()
    }

    /// One entry.
    pub fn get(&self, id: &CredentialId) -> Option<&Entry> {
        self.entries.get(id)
    }

    /// One entry, to change it.
    pub fn get_mut(&mut self, id: &CredentialId) -> Option<&mut Entry> {
        self.entries.get_mut(id)
    }

    /// The files the credentials were read from.
    pub fn sources(&self) -> Vec<String> {
        self.entries
            .values()
            .map(|e| e.credential.provenance.source.clone())
            .collect()
    }

    /// Every row, in discovery order.
    pub fn rows(&self) -> Vec<Row> {
        self.order.iter().filter_map(|id| self.row(id)).collect()
    }

    /// The snapshot of one entry.
    pub fn row(&self, id: &CredentialId) -> Option<Row> {
        self.entries.get(id).map(super::snapshot::row_of)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{
        Endpoints, Kind, Material, Platform, Provenance, Secret, Status, Token, TokenRole,
    };

    /// A credential from `/d/key.json`, named `profile` in `/d/profiles.toml`.
    pub(in crate::engine) fn credential(profile: &str, secret: &str) -> Credential {
        Credential {
            id: CredentialId(format!("/d/key.json#{profile}")),
            platform: Platform::Gcp,
            kind: Kind::User,
            principal: "me".into(),
            provenance: Provenance {
                source: "/d/key.json".into(),
                profile: profile.into(),
                via: Some("/d/profiles.toml".into()),
                trusted_overrides: Vec::new(),
            },
            scopes: vec![],
            audience: None,
            endpoints: Endpoints {
                token: "https://t".into(),
                tokeninfo: None,
                revoke: None,
                jwks: None,
                sts: None,
                discovery: None,
                probe: None,
            },
            material: Material::DatabricksM2m {
                client_id: "c".into(),
                client_secret: Secret::new(secret),
            },
            context: crate::model::Context::default(),
            cached: Vec::new(),
        }
    }

    fn with_token(store: &mut Store, profile: &str) {
        let id = CredentialId(format!("/d/key.json#{profile}"));
        let entry = store.get_mut(&id).expect("entry");
        entry.take_tokens(vec![Token::obtained(
            TokenRole::Access,
            Secret::new("tok"),
            chrono::DateTime::from_timestamp(0, 0).unwrap_or_default(),
        )]);
        entry.status = Status::Live;
    }

    fn profile_error(profile: Option<&str>) -> SourceError {
        SourceError {
            unsupported: false,
            profile: profile.map(str::to_string),
            ..SourceError::new(std::path::Path::new("/d/profiles.toml"), "bad")
        }
    }

    #[test]
    fn a_broken_source_keeps_the_row_until_it_reads_again() {
        let mut store = Store::default();
        store.replace(vec![credential("a", "s")], &[]);
        with_token(&mut store, "a");
        let stale = store.replace(
            vec![],
            &[SourceError::new(
                std::path::Path::new("/d/key.json"),
                "not valid JSON",
            )],
        );
        assert!(stale.is_empty());
        let row = &store.rows()[0];
        assert!(
            row.error
                .as_ref()
                .is_some_and(|e| e.to_string().contains("source unreadable")),
            "{row:?}"
        );
        assert!(row.fingerprint.is_some(), "last good token kept");
        store.replace(vec![credential("a", "s")], &[]);
        let row = &store.rows()[0];
        assert_eq!(row.error, None, "the file reads again");
        assert!(row.fingerprint.is_some());
    }

    #[test]
    fn an_error_about_another_profile_does_not_keep_a_deleted_one() {
        let mut store = Store::default();
        store.replace(vec![credential("a", "s"), credential("b", "s")], &[]);
        let stale = store.replace(vec![credential("a", "s")], &[profile_error(Some("typo"))]);
        assert_eq!(
            stale,
            vec![(CredentialId("/d/key.json#b".into()), "b".to_string())]
        );
        assert_eq!(store.rows().len(), 1);
        // The whole profiles file failing keeps both.
        let mut store = Store::default();
        store.replace(vec![credential("a", "s"), credential("b", "s")], &[]);
        store.replace(vec![], &[profile_error(None)]);
        assert_eq!(store.rows().len(), 2);
    }

    #[test]
    fn cached_tokens_are_shown_as_they_are_and_only_newer_ones_replace_them() {
        let at = |s| chrono::DateTime::from_timestamp(s, 0);
        let cached = |value: &str, exp| Token {
            issued_at: None,
            expires_at: at(exp),
            found_in: Some("/g/access_tokens.db".into()),
            ..Token::obtained(
                TokenRole::Access,
                Secret::new(value),
                chrono::DateTime::default(),
            )
        };
        let mut cred = credential("a", "s");
        cred.cached = vec![cached("c1", 2_000)];
        let mut store = Store::default();
        store.replace(vec![cred.clone()], &[]);
        let row = &store.rows()[0];
        assert_eq!(row.status, Status::Live, "a cached token is held");
        assert_eq!(row.expires_at, at(2_000));
        assert_eq!(row.issued_at, None, "nobody said when gcloud got it");
        assert_eq!(
            row.tokens[0].found_in.as_deref(),
            Some("/g/access_tokens.db")
        );
        // tokentop's own newer token is not replaced by an older cache.
        let id = cred.id.clone();
        let mine = Token {
            expires_at: at(5_000),
            ..Token::obtained(
                TokenRole::Access,
                Secret::new("mine"),
                chrono::DateTime::default(),
            )
        };
        store.get_mut(&id).expect("entry").take_tokens(vec![mine]);
        store.replace(vec![cred.clone()], &[]);
        assert_eq!(store.rows()[0].expires_at, at(5_000));
        // gcloud refreshing its cache later is news.
        cred.cached = vec![cached("c2", 9_000)];
        store.replace(vec![cred], &[]);
        assert_eq!(store.rows()[0].expires_at, at(9_000));
    }

    #[test]
    fn a_changed_secret_starts_over() {
        let mut store = Store::default();
        store.replace(vec![credential("a", "s")], &[]);
        with_token(&mut store, "a");
        assert!(
            store.replace(vec![credential("a", "s")], &[]).is_empty(),
            "same grant: nothing stale"
        );
        assert!(store.rows()[0].fingerprint.is_some());
        let stale = store.replace(vec![credential("a", "rotated")], &[]);
        assert_eq!(stale.len(), 1);
        assert_eq!(store.rows()[0].fingerprint, None);
        assert_eq!(store.rows()[0].status, Status::Pending);
    }

    #[test]
    fn a_downscoped_credential_sits_under_its_source_and_lives_as_long_as_its_grant() {
        let mut store = Store::default();
        store.replace(vec![credential("a", "s"), credential("b", "s")], &[]);
        let source = CredentialId("/d/key.json#a".into());
        let ask = || Downscope::Scopes(vec!["sql".into()]);
        let first = store.derive(&source, ask()).expect("derived");
        let second = store.derive(&source, ask()).expect("derived");
        let profiles: Vec<String> = store.rows().into_iter().map(|r| r.profile).collect();
        assert_eq!(profiles, ["a", "a/downscoped", "a/downscoped-2", "b"]);
        let row = store.row(&first).expect("row");
        assert_eq!(row.derived_from.as_ref(), Some(&source));
        assert!(!row.capabilities.can_revoke() && row.capabilities.downscope_blocked.is_some());

        // A re-read that finds the source unchanged keeps both; dropped
        // ones stay dropped.
        store.remove(&second);
        let stale = store.replace(vec![credential("a", "s"), credential("b", "s")], &[]);
        assert!(stale.is_empty(), "{stale:?}");
        let profiles: Vec<String> = store.rows().into_iter().map(|r| r.profile).collect();
        assert_eq!(profiles, ["a", "a/downscoped", "b"]);

        // A new secret is a new grant: what was narrowed from the old one goes.
        let stale = store.replace(vec![credential("a", "t"), credential("b", "s")], &[]);
        assert!(stale.iter().any(|(id, _)| *id == first), "{stale:?}");
        assert_eq!(store.rows().len(), 2);
    }
}
