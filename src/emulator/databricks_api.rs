//! Registration API for the Databricks workspace and its account: service
//! principals (M2M), personal access tokens, and U2M logins as
//! `databricks auth login` leaves them (an access token and a refresh token
//! for the public client `databricks-cli`).

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::databricks_tables::{Level, LoginGrant};
use super::databricks_token::{Mint, mint_access_token, new_refresh_token};
use super::state::{DatabricksSpRecord, lifetime_secs};
use super::{Emulator, keys};

/// Owner of the PATs [`Emulator::add_pat`] registers.
pub const DATABRICKS_DEFAULT_USER: &str = "workspace-user@example.test";
/// The public OAuth client of the Databricks CLI and SDKs (wire.md §3.5).
pub const CLI_CLIENT_ID: &str = "databricks-cli";
/// Scopes of a U2M login that names none (wire.md §3.5, §3.8).
const DEFAULT_LOGIN_SCOPES: [&str; 2] = ["offline_access", "all-apis"];

/// A Databricks OAuth service principal (machine-to-machine).
#[derive(Debug, Clone)]
pub struct DatabricksSpSpec {
    /// The application id; it is also the OAuth client id and the token `sub`.
    pub application_id: String,
    /// Lifetime of each access token.
    pub access_token_lifetime: Duration,
}

/// Credentials of a registered Databricks service principal.
#[derive(Debug, Clone)]
pub struct DatabricksSp {
    /// OAuth client id (the application id).
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
}

/// A U2M login: what the CLI or an SDK caches after the browser flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabricksLogin {
    /// The `at+jwt` access token.
    pub access_token: String,
    /// The refresh token (client `databricks-cli`).
    pub refresh_token: String,
    /// When the access token expires.
    pub expiry: SystemTime,
    /// Scopes granted, in the order given (the access token's `scope`).
    pub scopes: Vec<String>,
    /// True for an account-level login (refreshes only at the account's
    /// token endpoint), false for the workspace.
    pub account: bool,
}

impl Emulator {
    /// The id of the account the workspace belongs to (a UUID).
    #[must_use]
    pub fn databricks_account_id(&self) -> String {
        self.shared.databricks.account_id.clone()
    }

    /// The account's OIDC issuer, `<databricks_url>/oidc/accounts/<account_id>`
    /// (also the CLI's cache key for an account login, wire.md §3.7).
    #[must_use]
    pub fn databricks_account_issuer(&self) -> String {
        self.shared.databricks_account_issuer()
    }

    /// Registers a Databricks OAuth service principal (M2M).
    #[must_use]
    pub fn add_databricks_service_principal(&self, spec: DatabricksSpSpec) -> DatabricksSp {
        let client_secret = format!("dose{}", keys::random_hex(32));
        self.shared.tables().databricks_sps.insert(
            spec.application_id.clone(),
            DatabricksSpRecord {
                client_secret: client_secret.clone(),
                scim_id: keys::random_digits(16),
                lifetime: spec.access_token_lifetime,
            },
        );
        DatabricksSp {
            client_id: spec.application_id,
            client_secret,
        }
    }

    /// Registers a PAT of [`DATABRICKS_DEFAULT_USER`]; `lifetime` `None` never
    /// expires (`expiry_time` -1). Returns `(token_value, token_id)`.
    #[must_use]
    pub fn add_pat(
        &self,
        comment: &str,
        lifetime: Option<Duration>,
        scopes: &[&str],
    ) -> (String, String) {
        self.add_pat_for(DATABRICKS_DEFAULT_USER, comment, lifetime, scopes)
    }

    /// [`Emulator::add_pat`] for another owner: a service principal's
    /// application id, or a user email (registered as a user if new).
    #[must_use]
    pub fn add_pat_for(
        &self,
        owner: &str,
        comment: &str,
        lifetime: Option<Duration>,
        scopes: &[&str],
    ) -> (String, String) {
        let scopes = scopes.iter().map(ToString::to_string).collect();
        let (value, record) = self
            .shared
            .tables()
            .mint_pat(owner, comment, lifetime, scopes);
        (value, record.token_id)
    }

    /// Registers a workspace U2M login of `user_email` for `databricks-cli`
    /// with `scopes` (none: `offline_access all-apis`); the access token
    /// lives `DatabricksOptions::u2m_token_lifetime`.
    ///
    /// # Errors
    /// Signing the access token failed.
    pub fn add_u2m_login(&self, user_email: &str, scopes: &[&str]) -> io::Result<DatabricksLogin> {
        self.login(Level::Workspace, user_email, scopes)
    }

    /// [`Emulator::add_u2m_login`] at the account: the token's issuer is
    /// [`Emulator::databricks_account_issuer`] and its audience the account id.
    ///
    /// # Errors
    /// Signing the access token failed.
    pub fn add_account_u2m_login(
        &self,
        user_email: &str,
        scopes: &[&str],
    ) -> io::Result<DatabricksLogin> {
        self.login(Level::Account, user_email, scopes)
    }

    /// Revokes a U2M refresh token: later refreshes get 400 `invalid_grant`.
    /// Returns false if it was not a live refresh token.
    pub fn revoke_refresh_token(&self, refresh_token: &str) -> bool {
        self.shared
            .tables()
            .databricks
            .logins
            .remove(refresh_token)
            .is_some()
    }

    /// Registers a login at `level` and signs its first access token.
    fn login(&self, level: Level, user: &str, scopes: &[&str]) -> io::Result<DatabricksLogin> {
        let scopes: Vec<String> = if scopes.is_empty() {
            DEFAULT_LOGIN_SCOPES
                .iter()
                .map(ToString::to_string)
                .collect()
        } else {
            scopes.iter().map(ToString::to_string).collect()
        };
        let scope = scopes.join(" ");
        let lifetime = lifetime_secs(self.shared.databricks.options.u2m_token_lifetime);
        let mint = Mint {
            level,
            client_id: CLI_CLIENT_ID,
            sub: user,
            scope: &scope,
            lifetime,
        };
        let (access_token, exp) =
            mint_access_token(&self.shared, &mint).map_err(io::Error::other)?;
        let refresh_token = new_refresh_token();
        let mut tables = self.shared.tables();
        tables.ensure_databricks_user(user);
        tables.databricks.logins.insert(
            refresh_token.clone(),
            LoginGrant {
                client_id: CLI_CLIENT_ID.into(),
                user: user.to_string(),
                scopes: scopes.clone(),
                level,
            },
        );
        let expiry = UNIX_EPOCH + Duration::from_secs(u64::try_from(exp).unwrap_or_default());
        Ok(DatabricksLogin {
            access_token,
            refresh_token,
            expiry,
            scopes,
            account: level == Level::Account,
        })
    }
}
