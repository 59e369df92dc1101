//! The credential table: its entries in discovery order, and the row
//! snapshots made from them.

pub use super::entry::Entry;
use crate::model::{
    Credential, CredentialId, Downscope, Material, Problem, Row, TokenRole, TokenView,
    printable_owned,
};
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

/// A personal access token that never expires is a risk worth a line.
fn never_expires(token: Option<&crate::model::Token>) -> Option<String> {
    token
        .filter(|t| t.role == TokenRole::Pat && t.expires_at.is_none())
        .map(|_| {
            "this personal access token never expires: a leaked copy works until it is deleted (x deletes it)"
                .to_string()
        })
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
        let e = self.entries.get(id)?;
        let c = &e.credential;
        let t = e.token();
        // Names, scopes and errors come from files and servers: made
        // printable here, so every consumer shows them safely.
        let text = printable_owned;
        let dbx = c.context.databricks.as_ref();
        Some(Row {
            id: c.id.clone(),
            profile: text(&c.provenance.profile),
            platform: c.platform,
            kind: c.kind,
            principal: text(match (c.principal.as_str(), &e.learned_principal) {
                ("", Some(learned)) => learned,
                (given, _) => given,
            }),
            source: text(&c.provenance.source),
            trusted_endpoints: c
                .provenance
                .trusted_overrides
                .iter()
                .map(|u| text(u))
                .collect(),
            token_role: t.map(|t| t.role),
            fingerprint: t.map(|t| t.value.fingerprint()),
            issued_at: t.and_then(|t| t.issued_at),
            expires_at: t.and_then(|t| t.expires_at),
            // A cached token whose scopes nobody said shows the requested
            // ones; an ID token has none.
            scopes: t
                .map(|t| &t.scopes)
                .filter(|s| !s.is_empty() || t.is_some_and(|t| t.role == TokenRole::Id))
                .unwrap_or(&c.scopes)
                .iter()
                .map(String::as_str)
                .map(text)
                .collect(),
            audience: t
                .and_then(|t| t.audience.as_deref())
                .or(c.audience.as_deref())
                .map(text),
            status: e.status.clone(),
            credential_type: c.kind.google_type(),
            active_adc: c.context.adc.as_ref().is_some_and(|a| a.active),
            shadowed_by: c
                .context
                .adc
                .as_ref()
                .and_then(|a| a.shadowed_by.as_deref())
                .map(text),
            project: c.context.project.as_deref().map(text),
            quota_project: c.context.quota_project.as_deref().map(text),
            gcloud_account: c.context.gcloud.as_ref().map(|g| text(&g.account)),
            gcloud_configurations: c
                .context
                .gcloud
                .iter()
                .flat_map(|g| &g.configurations)
                .map(String::as_str)
                .map(text)
                .collect(),
            gcloud_active: c.context.gcloud.as_ref().is_some_and(|g| g.active),
            details: c
                .context
                .details
                .iter()
                .map(String::as_str)
                .map(text)
                .collect(),
            derived_from: e.derived_from.clone(),
            depends_on: c.context.depends_on.clone(),
            host: dbx.map(|d| text(&d.host)),
            auth_type: dbx.and_then(|d| d.auth_type.as_deref()).map(text),
            account_id: dbx.and_then(|d| d.account_id.as_deref()).map(text),
            workspace_id: dbx.and_then(|d| {
                d.workspace_id
                    .as_deref()
                    .or_else(|| workspace_of(e.token()?))
                    .map(text)
            }),
            cloud: dbx.and_then(|d| d.cloud.as_deref()).map(text),
            configured_scopes: dbx
                .and_then(|d| d.scopes.as_ref())
                .map(|s| s.iter().map(String::as_str).map(text).collect()),
            active: dbx.is_some_and(|d| d.active),
            tokens: e
                .tokens
                .iter()
                .filter(|t| t.role != TokenRole::Refresh)
                .map(|t| TokenView {
                    role: t.role,
                    fingerprint: t.value.fingerprint(),
                    issued_at: t.issued_at,
                    expires_at: t.expires_at,
                    scopes: t.scopes.iter().map(String::as_str).map(text).collect(),
                    audience: t.audience.as_deref().map(text),
                    parent: t.parent.clone(),
                    found_in: t.found_in.as_deref().map(text),
                    note: t.note.as_deref().map(text),
                })
                .collect(),
            warning: never_expires(t).or_else(|| {
                c.audience.as_ref().and_then(|want| {
                    // The ID token held, or else what the family's will carry.
                    let got = e
                        .tokens
                        .iter()
                        .find(|t| t.role == TokenRole::Id)
                        .and_then(|t| t.audience.clone())
                        .or_else(|| crate::providers::id_audience(c))?;
                    (got != *want).then(|| {
                        text(&format!(
                            "will be refused: aud is {got}, and the service expects {want}"
                        ))
                    })
                })
            }),
            fix: e
                .error
                .as_ref()
                .and_then(Problem::provider_error)
                .and_then(|error| crate::providers::advice(c, error))
                .map(|fix| text(&fix)),
            error: match &e.source_error {
                Some(why) => Some(Problem::Other(text(why))),
                None => e.error.clone().map(|p| p.map_text(text)),
            },
            busy: e.busy.map(str::to_string),
            capabilities: crate::providers::capabilities(c),
            // The engine's keeper knows; it says so as the row leaves.
            auto_refresh: false,
        })
    }
}

/// A workspace's id as its tokens name it: a workspace-level at+jwt's
/// `aud` is the workspace id, all digits (wire.md §3.8); an account
/// token's is the account's UUID.
fn workspace_of(token: &crate::model::Token) -> Option<&str> {
    let aud = token.audience.as_deref()?;
    (!aud.is_empty() && aud.bytes().all(|b| b.is_ascii_digit())).then_some(aud)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::{Endpoints, Kind, Material, Platform, Provenance, Secret, Status, Token};

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
