//! tokentop's own sign-ins: the refresh token of each OIDC profile a user
//! signed in with (`tokentop login`), in `$XDG_STATE_HOME/tokentop/logins.json`
//! (0600, replaced whole). Each is kept with the issuer and client it was
//! made for, and used only by a profile that still names both.

use super::SourceError;
use crate::model::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The sign-ins, by profile (`PROFILES-FILE#NAME`).
#[derive(Debug, Default)]
pub struct LoginStore {
    logins: BTreeMap<String, StoredLogin>,
}

/// One sign-in.
#[derive(Debug, Clone)]
struct StoredLogin {
    issuer: String,
    client_id: String,
    refresh_token: Secret,
}

#[derive(Serialize, Deserialize)]
struct FileLogin {
    issuer: String,
    client_id: String,
    refresh_token: String,
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    logins: BTreeMap<String, FileLogin>,
}

impl LoginStore {
    /// Reads the store at `path`; none there is an empty store.
    pub fn read(path: &Path) -> Result<Self, SourceError> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let text = super::read_source(path)?;
        let file: File = serde_json::from_str(&text).map_err(|e| {
            SourceError::new(
                path,
                // Where, not what: serde would quote the value, a token perhaps.
                format!(
                    "not tokentop's sign-ins (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let logins = file
            .logins
            .into_iter()
            .map(|(key, l)| {
                let login = StoredLogin {
                    issuer: l.issuer,
                    client_id: l.client_id,
                    refresh_token: Secret::new(l.refresh_token),
                };
                (key, login)
            })
            .collect();
        Ok(Self { logins })
    }

    /// The refresh token kept for `profile`, if it was made by the same
    /// issuer for the same client.
    pub fn refresh_token(&self, profile: &str, issuer: &str, client_id: &str) -> Option<Secret> {
        self.logins
            .get(profile)
            .filter(|l| l.issuer == issuer && l.client_id == client_id)
            .map(|l| l.refresh_token.clone())
    }

    /// Keeps `refresh_token` for `profile` in the store at `path` (read
    /// again first, so other profiles' sign-ins stay), written at once, 0600.
    /// Another tokentop (the dashboard and `tokentop login` at once) waits
    /// its turn on `PATH.lock`, so neither loses the other's sign-in.
    pub fn save(
        path: &Path,
        profile: &str,
        issuer: &str,
        client_id: &str,
        refresh_token: &Secret,
    ) -> Result<(), String> {
        let _turn = crate::files::exclusive_lock(path)
            .map_err(|e| format!("{}.lock: {e}", path.display()))?;
        let mut store = Self::read(path).map_err(|e| e.to_string())?;
        store.logins.insert(
            profile.to_string(),
            StoredLogin {
                issuer: issuer.to_string(),
                client_id: client_id.to_string(),
                refresh_token: refresh_token.clone(),
            },
        );
        let file = File {
            version: 1,
            logins: store
                .logins
                .into_iter()
                .map(|(key, l)| {
                    let login = FileLogin {
                        issuer: l.issuer,
                        client_id: l.client_id,
                        refresh_token: l.refresh_token.expose().to_string(),
                    };
                    (key, login)
                })
                .collect(),
        };
        let text = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
        crate::files::replace_private(path, &text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_at_once_from_many_places_lose_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("logins.json");
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..15 {
                        let profile = format!("p#{w}-{i}");
                        LoginStore::save(&path, &profile, "https://i", "c", &Secret::new("rt"))
                            .expect("save");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().expect("writer");
        }
        let store = LoginStore::read(&path).expect("read");
        for w in 0..4 {
            for i in 0..15 {
                let profile = format!("p#{w}-{i}");
                assert!(
                    store.refresh_token(&profile, "https://i", "c").is_some(),
                    "{profile} lost"
                );
            }
        }
    }

    #[test]
    fn a_sign_in_is_kept_for_its_issuer_and_client_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("logins.json");
        let store = LoginStore::read(&path).expect("none yet");
        assert!(store.refresh_token("p#a", "https://i", "c").is_none());
        LoginStore::save(&path, "p#a", "https://i", "c", &Secret::new("rt-1")).expect("save");
        LoginStore::save(&path, "p#b", "https://j", "d", &Secret::new("rt-2")).expect("save");
        let store = LoginStore::read(&path).expect("read");
        let rt = store.refresh_token("p#a", "https://i", "c").expect("kept");
        assert_eq!(rt.expose(), "rt-1");
        assert!(store.refresh_token("p#a", "https://other", "c").is_none());
        assert!(store.refresh_token("p#a", "https://i", "other").is_none());
        assert!(
            store.refresh_token("p#b", "https://j", "d").is_some(),
            "others stay"
        );
        std::fs::write(&path, "{").expect("break");
        let broken = LoginStore::read(&path).expect_err("broken");
        assert!(broken.to_string().contains("logins.json"), "{broken}");
    }
}
