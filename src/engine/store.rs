//! The credential table: secret material and current tokens, in discovery
//! order, and the row snapshots made from them.

use crate::model::{Credential, CredentialId, Row, Status, Token};
use crate::sources::SourceError;
use std::collections::HashMap;

/// One credential and what the engine knows about it now.
#[derive(Debug)]
pub struct Entry {
    /// The credential as discovered.
    pub credential: Credential,
    /// The last good token (kept when a refresh fails).
    pub token: Option<Token>,
    /// Held, pending or revoked.
    pub status: Status,
    /// The last failure.
    pub error: Option<String>,
    /// The operation in flight, by name.
    pub busy: Option<&'static str>,
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
    /// A credential whose file (or profiles file) just broke stays, with its
    /// last good token and the file's error, rather than vanishing.
    pub fn replace(&mut self, credentials: Vec<Credential>, broken: &[SourceError]) {
        let mut old = std::mem::take(&mut self.entries);
        let old_order = std::mem::take(&mut self.order);
        for credential in credentials {
            let id = credential.id.clone();
            if self.entries.contains_key(&id) {
                continue;
            }
            let entry = match old.remove(&id) {
                Some(mut kept) if kept.credential.same_grant(&credential) => {
                    kept.credential = credential;
                    kept
                }
                _ => Entry {
                    credential,
                    token: None,
                    status: Status::Pending,
                    error: None,
                    busy: None,
                },
            };
            self.order.push(id.clone());
            self.entries.insert(id, entry);
        }
        for id in old_order {
            let Some(mut entry) = old.remove(&id) else {
                continue;
            };
            let p = &entry.credential.provenance;
            let Some(why) = broken
                .iter()
                .find(|e| e.source_path == p.source || Some(&e.source_path) == p.via.as_ref())
            else {
                continue;
            };
            entry.error = Some(format!("source unreadable: {why}"));
            self.order.push(id.clone());
            self.entries.insert(id, entry);
        }
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
        let t = e.token.as_ref();
        Some(Row {
            id: c.id.clone(),
            profile: c.provenance.profile.clone(),
            platform: c.platform,
            kind: c.kind,
            principal: c.principal.clone(),
            source: c.provenance.source.clone(),
            token_kind: t.map(|t| t.kind),
            fingerprint: t.map(|t| t.value.fingerprint()),
            issued_at: t.map(|t| t.issued_at),
            expires_at: t.and_then(|t| t.expires_at),
            scopes: t
                .map(|t| t.scopes.clone())
                .unwrap_or_else(|| c.scopes.clone()),
            audience: t
                .and_then(|t| t.audience.clone())
                .or_else(|| c.audience.clone()),
            status: e.status.clone(),
            error: e.error.clone(),
            busy: e.busy.map(str::to_string),
            capabilities: c.capabilities(),
        })
    }
}
