//! The Databricks CLI's plaintext token cache, `~/.databricks/token-cache.json`
//! (wire.md §3.7): `{"version": 1, "tokens": {KEY: token}}`, keyed by
//! profile name, else by host, else by `HOST/oidc/accounts/ACCOUNT`. Read,
//! never written.

use super::SourceError;
use crate::model::Secret;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the cache is under a home folder.
pub fn path(home: &Path) -> PathBuf {
    home.join(".databricks").join("token-cache.json")
}

/// One cached login.
#[derive(Debug, Clone)]
pub struct CachedLogin {
    /// Its access token.
    pub access_token: Secret,
    /// Its refresh token, when it has one.
    pub refresh_token: Option<Secret>,
    /// When the access token expires (Go writes year 1 for "unknown").
    pub expiry: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    tokens: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expiry: Option<String>,
}

/// The logins cached under `home`, by key: none when there is no cache
/// (the 2026 CLI keeps them in the OS keyring by default), an error naming
/// the file when it cannot be read.
pub fn read(home: &Path) -> Result<BTreeMap<String, CachedLogin>, SourceError> {
    let file = path(home);
    if !super::something_at(&file) {
        return Ok(BTreeMap::new());
    }
    let text = super::read_source(&file)?;
    parse(&text).map_err(|why| SourceError::new(&file, why))
}

/// Parses the cache's text.
pub fn parse(text: &str) -> Result<BTreeMap<String, CachedLogin>, String> {
    let file: File = serde_json::from_str(text).map_err(|e| {
        format!(
            "not the Databricks CLI's token cache (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    Ok(file
        .tokens
        .into_iter()
        .filter_map(|(key, entry)| {
            let access_token = Secret::new(entry.access_token.filter(|t| !t.is_empty())?);
            let expiry = entry
                .expiry
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc))
                .filter(|t| t.timestamp() > 0);
            let login = CachedLogin {
                access_token,
                refresh_token: entry
                    .refresh_token
                    .filter(|t| !t.is_empty())
                    .map(Secret::new),
                expiry,
            };
            Some((key, login))
        })
        .collect())
}

/// The cache keys a profile's login may be under, in the CLI's order.
pub fn keys(profile: &str, host: &str, account_id: Option<&str>) -> Vec<String> {
    let mut keys = vec![profile.to_string()];
    match account_id {
        Some(account) => keys.push(format!("{host}/oidc/accounts/{account}")),
        None => keys.push(host.to_string()),
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_read_with_go_s_zero_expiry_as_unknown() {
        let text = r#"{"version":1,"tokens":{
            "dev":{"access_token":"a1","token_type":"Bearer","refresh_token":"r1","expiry":"2026-11-30T15:00:00+01:00"},
            "https://h":{"access_token":"a2","token_type":"Bearer","expiry":"0001-01-01T00:00:00Z"},
            "empty":{"access_token":""}}}"#;
        let logins = parse(text).expect("cache");
        assert_eq!(logins.len(), 2, "an empty token is no login");
        let dev = &logins["dev"];
        assert_eq!(
            dev.expiry.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-30T14:00:00+00:00")
        );
        assert!(dev.refresh_token.is_some());
        assert_eq!(logins["https://h"].expiry, None);
        assert!(parse("\"text\"").is_err());
        assert_eq!(
            keys("acct", "https://accounts.x", Some("a1"))[1],
            "https://accounts.x/oidc/accounts/a1"
        );
    }
}
