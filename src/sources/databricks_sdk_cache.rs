//! databricks-sdk's own login cache (wire.md §3.7):
//! `~/.config/databricks-sdk-py/oauth/<sha256>.json`, named by the SHA-256
//! of the JSON `{"client_id", "host", "profile", "scopes"}` as Python's
//! `json.dumps(..., sort_keys=True)` writes it, holding
//! `{"token": {access_token, token_type, expiry, refresh_token}}` with a
//! naive local expiry. Read, never written.

use super::databricks_cache::CachedLogin;
use crate::model::Secret;
use chrono::{Local, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The login client databricks-sdk uses when the profile names none.
const CLIENT_ID: &str = "databricks-cli";

/// The cache file for a login to `host` under `profile` with `scopes`.
pub fn path(home: &Path, host: &str, profile: &str, scopes: &[String]) -> PathBuf {
    // The SDK keys by its scopes sorted, then offline_access (it asks for
    // a refresh token).
    let mut sorted: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "offline_access")
        .collect();
    if sorted.is_empty() {
        sorted.push("all-apis");
    }
    sorted.sort_unstable();
    sorted.dedup();
    sorted.push("offline_access");
    let list: Vec<String> = sorted.iter().map(|s| python_json(s)).collect();
    let key = format!(
        "{{\"client_id\": {}, \"host\": {}, \"profile\": {}, \"scopes\": [{}]}}",
        python_json(CLIENT_ID),
        python_json(host),
        python_json(profile),
        list.join(", ")
    );
    home.join(".config/databricks-sdk-py/oauth")
        .join(format!("{}.json", crate::model::sha256_hex(&key)))
}

/// A string as Python's `json.dumps` writes it: ASCII only, anything
/// beyond as `\uXXXX` (UTF-16).
fn python_json(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .chars()
        .flat_map(|c| match c {
            c if c.is_ascii() => vec![c.to_string()],
            c => c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|unit| format!("\\u{unit:04x}"))
                .collect(),
        })
        .collect()
}

#[derive(Deserialize)]
struct File {
    token: Entry,
}

#[derive(Deserialize)]
struct Entry {
    access_token: String,
    refresh_token: Option<String>,
    expiry: Option<String>,
}

/// The login cached for `host`, `profile` and `scopes`, when there is one.
pub fn read(home: &Path, host: &str, profile: &str, scopes: &[String]) -> Option<CachedLogin> {
    let file = path(home, host, profile, scopes);
    if !super::something_at(&file) {
        return None;
    }
    let text = super::read_source(&file).ok()?;
    let entry = serde_json::from_str::<File>(&text).ok()?.token;
    let expiry = entry
        .expiry
        .and_then(|t| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f").ok())
        .and_then(|t| Local.from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc));
    Some(CachedLogin {
        access_token: Some(entry.access_token)
            .filter(|t| !t.is_empty())
            .map(Secret::new)?,
        refresh_token: entry
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_named_as_python_names_it() {
        // hashlib.sha256(json.dumps({"client_id": "databricks-cli", "host":
        // "https://h", "profile": "dév", "scopes": ["all-apis",
        // "offline_access"]}, sort_keys=True).encode()).hexdigest()
        let named = path(Path::new("/home/u"), "https://h", "dév", &[]);
        assert_eq!(
            named,
            Path::new("/home/u/.config/databricks-sdk-py/oauth")
                .join("1bea060994cbb3e77507dfb3e3b8a38c355626bae643b60d2cc2d1576e085454.json")
        );
    }
}
