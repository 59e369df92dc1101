//! The token caches Databricks clients keep on disk (wire.md §3.7), written
//! for a [`DatabricksLogin`] so that a client under test finds the login
//! there: the CLI's plaintext `~/.databricks/token-cache.json` and the
//! Python SDK's `~/.config/databricks-sdk-py/oauth/<sha256>.json`.
//! Directories are created 0700, files 0600 (temp file, then rename).

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDateTime, SecondsFormat};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::databricks_api::CLI_CLIENT_ID;
use super::databricks_tables::sha256_hex;
use super::samples::{create_private_dir, write_private};
use super::{DatabricksLogin, Emulator};

/// The CLI's cache file, relative to the home directory.
const CLI_CACHE_DIR: &str = ".databricks";
/// Its file name.
const CLI_CACHE_FILE: &str = "token-cache.json";
/// The Python SDK's cache directory, relative to the home directory.
const SDK_CACHE_DIR: &str = ".config/databricks-sdk-py/oauth";

/// The CLI's cache document: `{"version": 1, "tokens": {KEY: token}}`.
#[derive(Debug, Serialize, Deserialize)]
struct CliCache {
    /// Format version (1).
    version: u32,
    /// golang.org/x/oauth2 `Token` JSON by cache key.
    tokens: BTreeMap<String, Value>,
}

/// A golang.org/x/oauth2 `Token` as the CLI stores it (`expires_in` is
/// zero, so omitted).
#[derive(Debug, Serialize)]
struct GoToken<'a> {
    /// The access token.
    access_token: &'a str,
    /// `Bearer`.
    token_type: &'a str,
    /// The refresh token.
    refresh_token: &'a str,
    /// RFC 3339 with the local offset, as Go's `time.Time` marshals.
    expiry: String,
}

impl Emulator {
    /// The CLI's host key for `login`: the workspace URL, or the account's
    /// `<host>/oidc/accounts/<account_id>` (wire.md §3.7).
    fn cli_host_key(&self, login: &DatabricksLogin) -> String {
        if login.account {
            self.databricks_account_issuer()
        } else {
            self.databricks_url()
        }
    }

    /// Writes `login` into `<home>/.databricks/token-cache.json` under the
    /// key `profile` and, mirrored as the CLI's plaintext mode does, under
    /// the host key (the workspace URL, or `<host>/oidc/accounts/<id>` for an
    /// account login); an empty `profile` writes the host key only. Entries
    /// under other keys are kept. Returns the file's path.
    ///
    /// # Errors
    /// The existing file is not a cache document, or writing failed.
    pub fn write_databricks_cli_cache(
        &self,
        home: &Path,
        profile: &str,
        login: &DatabricksLogin,
    ) -> io::Result<PathBuf> {
        let dir = home.join(CLI_CACHE_DIR);
        create_private_dir(&dir)?;
        let path = dir.join(CLI_CACHE_FILE);
        let mut cache = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<CliCache>(&bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => CliCache {
                version: 1,
                tokens: BTreeMap::new(),
            },
            Err(e) => return Err(e),
        };
        let token = serde_json::to_value(GoToken {
            access_token: &login.access_token,
            token_type: "Bearer",
            refresh_token: &login.refresh_token,
            expiry: DateTime::<Local>::from(login.expiry)
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        })
        .map_err(io::Error::other)?;
        for key in [profile.to_string(), self.cli_host_key(login)] {
            if !key.is_empty() {
                cache.tokens.insert(key, token.clone());
            }
        }
        let text = serde_json::to_string_pretty(&cache).map_err(io::Error::other)?;
        write_private(&dir, CLI_CACHE_FILE, &text)?;
        Ok(path)
    }

    /// Writes `login` where the Python SDK's `external-browser` strategy
    /// looks for it: `<home>/.config/databricks-sdk-py/oauth/<hex>.json`,
    /// `<hex>` the SHA-256 of Python's `json.dumps({"client_id":
    /// "databricks-cli", "host", "profile", "scopes"}, sort_keys=True)`,
    /// content `{"token": {"access_token", "token_type", "expiry",
    /// "refresh_token"}}` with `expiry` a naive local ISO time as the SDK
    /// writes it. `scopes` is the list the SDK derives for a profile whose
    /// `scopes` are the login's without `offline_access` (none: `all-apis`),
    /// plus `offline_access`; `profile` is "" when the SDK runs without one.
    /// Returns the file's path.
    ///
    /// # Errors
    /// Writing failed.
    pub fn write_databricks_sdk_cache(
        &self,
        home: &Path,
        profile: &str,
        login: &DatabricksLogin,
    ) -> io::Result<PathBuf> {
        let dir = home.join(SDK_CACHE_DIR);
        create_private_dir(&dir)?;
        let name = format!(
            "{}.json",
            sdk_cache_hash(&self.databricks_url(), profile, &login.scopes)
        );
        let expiry = python_isoformat(DateTime::<Local>::from(login.expiry).naive_local());
        let text = format!(
            "{{\"token\": {{\"access_token\": {}, \"token_type\": \"Bearer\", \"expiry\": {}, \"refresh_token\": {}}}}}",
            py_json_string(&login.access_token),
            py_json_string(&expiry),
            py_json_string(&login.refresh_token),
        );
        write_private(&dir, &name, &text)?;
        Ok(dir.join(name))
    }
}

/// A naive time as Python's `datetime.isoformat()` writes it: microseconds
/// only when there are some.
fn python_isoformat(time: NaiveDateTime) -> String {
    if time.and_utc().timestamp_subsec_micros() == 0 {
        time.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        time.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
    }
}

/// The scope list the Python SDK's `external-browser` strategy keys its
/// cache with, for a login with `scopes`.
fn sdk_scopes(scopes: &[String]) -> Vec<String> {
    let mut list: Vec<String> = scopes
        .iter()
        .filter(|s| *s != "offline_access")
        .cloned()
        .collect();
    list.sort_unstable();
    list.dedup();
    if list.is_empty() {
        list.push("all-apis".into());
    }
    list.push("offline_access".into());
    list
}

/// The hex SHA-256 naming the SDK's cache file.
fn sdk_cache_hash(host: &str, profile: &str, scopes: &[String]) -> String {
    let scopes: Vec<String> = sdk_scopes(scopes)
        .iter()
        .map(|s| py_json_string(s))
        .collect();
    let key = format!(
        "{{\"client_id\": {}, \"host\": {}, \"profile\": {}, \"scopes\": [{}]}}",
        py_json_string(CLI_CLIENT_ID),
        py_json_string(host),
        py_json_string(profile),
        scopes.join(", ")
    );
    sha256_hex(&key)
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`: every
/// character from DEL up as `\uXXXX`, UTF-16 surrogates beyond the BMP).
fn py_json_string(text: &str) -> String {
    let plain = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::with_capacity(plain.len());
    for c in plain.chars() {
        if u32::from(c) >= 0x7f {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn python_isoformat_drops_zero_microseconds() {
        let t = NaiveDateTime::parse_from_str("2026-01-02T03:04:05", "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(python_isoformat(t), "2026-01-02T03:04:05");
        let t = t + chrono::Duration::microseconds(120);
        assert_eq!(python_isoformat(t), "2026-01-02T03:04:05.000120");
    }

    #[test]
    fn python_json_strings() {
        assert_eq!(py_json_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(py_json_string("é\u{7f}😀"), r#""\u00e9\u007f\ud83d\ude00""#);
        assert_eq!(py_json_string("\n"), r#""\n""#);
    }

    #[test]
    fn sdk_scope_list_and_hash() {
        let s = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(sdk_scopes(&s(&[])), ["all-apis", "offline_access"]);
        assert_eq!(
            sdk_scopes(&s(&["offline_access", "all-apis"])),
            ["all-apis", "offline_access"]
        );
        assert_eq!(
            sdk_scopes(&s(&["sql", "jobs", "sql"])),
            ["jobs", "sql", "offline_access"]
        );
        // Both hashes computed by Python: hashlib.sha256(json.dumps({...},
        // sort_keys=True).encode()).hexdigest().
        assert_eq!(
            sdk_cache_hash("http://127.0.0.1:1", "u2m", &s(&["all-apis"])),
            "206535ab128172ac0b677884cfe53dab32e02ebfd48a30c3e66924bf52e4ce1c"
        );
        assert_eq!(
            sdk_cache_hash(
                "http://127.0.0.1:1",
                "é",
                &s(&["sql", "offline_access", "jobs"])
            ),
            "67e3cf65095730eafa61b7e6c12aacbd762739f92dbffa91bd53cf0f9284b501"
        );
    }
}
