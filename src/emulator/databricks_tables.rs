//! The Databricks side of the emulator's state: users, personal access
//! tokens, U2M refresh grants, and the account the workspace belongs to.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::databricks_options::DatabricksOptions;
use super::databricks_probe::Denials;
use super::keys;
use super::state::{Tables, lifetime_secs};

/// Lifetime of a PAT created without `lifetime_seconds` (wire.md §3.9: two years).
pub const PAT_DEFAULT_LIFETIME: Duration = Duration::from_hours(2 * 365 * 24);
/// `expiry_time` of a PAT that never expires.
pub const NEVER: i64 = -1;
/// Scopes that are names on their own (wire.md §3.1).
const PLAIN_SCOPES: [&str; 6] = [
    "all-apis",
    "sql",
    "offline_access",
    "openid",
    "profile",
    "email",
];
/// Fine-grained API scopes; each may also carry a `:read` suffix (wire.md §3.1).
const API_SCOPES: [&str; 8] = [
    "clusters",
    "jobs",
    "pipelines",
    "iam",
    "files",
    "mlflow",
    "model-serving",
    "sql",
];

/// The account of the workspace, and the Databricks switches.
#[derive(Debug)]
pub struct DatabricksSite {
    /// The account id (a UUID): `/oidc/accounts/<account_id>/...`.
    pub account_id: String,
    /// How the Databricks endpoints answer.
    pub options: DatabricksOptions,
}

/// Which OIDC issuer a token or grant belongs to (wire.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The workspace, `<host>/oidc`.
    Workspace,
    /// The account, `<host>/oidc/accounts/<account_id>`.
    Account,
}

/// Registered users, PATs and U2M grants.
#[derive(Debug, Default)]
pub struct DatabricksTables {
    /// Users by email (= SCIM `userName`), with their SCIM id.
    pub users: HashMap<String, String>,
    /// Live personal access tokens by token value (deleted ones are removed).
    pub pats: HashMap<String, PatRecord>,
    /// U2M logins by refresh token.
    pub logins: HashMap<String, LoginGrant>,
    /// Principals refused on object calls.
    pub denials: Denials,
}

/// A personal access token.
#[derive(Debug, Clone)]
pub struct PatRecord {
    /// Hex SHA-256 of the token value (wire.md §3.9).
    pub token_id: String,
    /// The owner's user name (user email or service principal application id).
    pub owner: String,
    /// The comment given at creation.
    pub comment: String,
    /// Scopes given at creation (empty: unrestricted).
    pub scopes: Vec<String>,
    /// Creation time, epoch milliseconds.
    pub creation_ms: i64,
    /// Expiry, epoch milliseconds, or [`NEVER`].
    pub expiry_ms: i64,
}

impl PatRecord {
    /// True until the expiry passes.
    pub const fn is_live(&self, now_ms: i64) -> bool {
        self.expiry_ms == NEVER || now_ms < self.expiry_ms
    }

    /// The `PublicTokenInfo` JSON (empty comment and scopes left out).
    pub fn public_info(&self) -> Value {
        let mut info = Map::new();
        info.insert("token_id".into(), json!(self.token_id));
        info.insert("creation_time".into(), json!(self.creation_ms));
        info.insert("expiry_time".into(), json!(self.expiry_ms));
        if !self.comment.is_empty() {
            info.insert("comment".into(), json!(self.comment));
        }
        if !self.scopes.is_empty() {
            info.insert("scopes".into(), json!(self.scopes));
        }
        Value::Object(info)
    }
}

/// A user's U2M consent: one refresh token.
#[derive(Debug, Clone)]
pub struct LoginGrant {
    /// The OAuth client (`databricks-cli` for the CLI and SDKs).
    pub client_id: String,
    /// The user's email.
    pub user: String,
    /// Scopes granted at login.
    pub scopes: Vec<String>,
    /// The issuer that granted it; it refreshes only there.
    pub level: Level,
}

/// Someone a token authenticates: a user or a service principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// SCIM `userName`: the email, or the application id.
    pub user_name: String,
    /// SCIM `id`.
    pub scim_id: String,
    /// True for a user, false for a service principal.
    pub is_user: bool,
}

impl Tables {
    /// The service principal or user called `name`.
    pub fn databricks_principal(&self, name: &str) -> Option<Principal> {
        if let Some(sp) = self.databricks_sps.get(name) {
            return Some(Principal {
                user_name: name.to_string(),
                scim_id: sp.scim_id.clone(),
                is_user: false,
            });
        }
        self.databricks.users.get(name).map(|scim_id| Principal {
            user_name: name.to_string(),
            scim_id: scim_id.clone(),
            is_user: true,
        })
    }

    /// Makes `name` a known principal: a user, unless it is a service principal.
    pub fn ensure_databricks_user(&mut self, name: &str) {
        if !self.databricks_sps.contains_key(name) {
            self.databricks
                .users
                .entry(name.to_string())
                .or_insert_with(|| keys::random_digits(16));
        }
    }

    /// Creates a PAT for `owner`; `lifetime` `None` never expires. Returns
    /// the token value and its record.
    pub fn mint_pat(
        &mut self,
        owner: &str,
        comment: &str,
        lifetime: Option<Duration>,
        scopes: Vec<String>,
    ) -> (String, PatRecord) {
        self.ensure_databricks_user(owner);
        let value = format!("dapi{}", keys::random_hex(32));
        let creation_ms = now_ms();
        let expiry_ms = lifetime.map_or(NEVER, |l| {
            creation_ms.saturating_add(lifetime_secs(l).saturating_mul(1000))
        });
        let record = PatRecord {
            token_id: sha256_hex(&value),
            owner: owner.to_string(),
            comment: comment.to_string(),
            scopes,
            creation_ms,
            expiry_ms,
        };
        self.databricks.pats.insert(value.clone(), record.clone());
        (value, record)
    }
}

/// The current time in epoch milliseconds (system clock).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Lower-case hex SHA-256 of `text`.
pub fn sha256_hex(text: &str) -> String {
    use std::fmt::Write as _;
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// True for a scope name the emulator knows: a plain scope, or an API scope
/// with an optional `:read` suffix.
pub fn known_scope(scope: &str) -> bool {
    let api = scope.strip_suffix(":read").unwrap_or(scope);
    PLAIN_SCOPES.contains(&scope) || API_SCOPES.contains(&api)
}

/// Space-separated scopes, or `default` when the string is absent or blank.
pub fn scope_list(scope: Option<&String>, default: &[&str]) -> Vec<String> {
    let requested: Vec<String> = scope
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if requested.is_empty() {
        default.iter().map(ToString::to_string).collect()
    } else {
        requested
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scope_vocabulary() {
        for s in ["all-apis", "sql", "jobs", "clusters:read", "iam:read"] {
            assert!(known_scope(s), "{s}");
        }
        for s in [
            "",
            "jobs:write",
            "all-apis:read",
            "nonsense",
            "clusters read",
        ] {
            assert!(!known_scope(s), "{s}");
        }
        assert_eq!(scope_list(None, &["all-apis"]), ["all-apis"]);
        assert_eq!(scope_list(Some(&" ".into()), &["x"]), ["x"]);
        assert_eq!(
            scope_list(Some(&"jobs  clusters:read".into()), &["x"]),
            ["jobs", "clusters:read"]
        );
    }

    #[test]
    fn pats_are_hashed_and_expire() {
        let mut tables = Tables::default();
        let (value, record) = tables.mint_pat("u@example.test", "c", None, vec![]);
        assert!(value.starts_with("dapi") && value.len() == 36);
        assert_eq!(record.token_id, sha256_hex(&value));
        assert_eq!(record.expiry_ms, NEVER);
        assert!(record.is_live(i64::MAX));
        assert!(
            tables
                .databricks_principal("u@example.test")
                .unwrap()
                .is_user
        );
        let info = record.public_info();
        assert_eq!(info["comment"], "c");
        assert!(info.get("scopes").is_none());
        let (_, short) =
            tables.mint_pat("u@example.test", "", Some(Duration::from_secs(2)), vec![]);
        assert_eq!(short.expiry_ms - short.creation_ms, 2000);
        assert!(!short.is_live(short.expiry_ms));
        assert!(short.public_info().get("comment").is_none());
    }
}
