//! Shared, mutable emulator state: registered principals and issued tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::databricks_tables::{DatabricksSite, DatabricksTables};
use super::fault_board::FaultBoard;
use super::federation_options::FederationOptions;
use super::iam_tables::IamTables;
use super::keys::{KeyRing, RsaKey};
use super::login_api::GoogleClientKind;
use super::login_options::LoginOptions;
use super::login_tables::LoginTables;
use super::mds_spec::MdsInstance;
use super::probe_tables::ProbeTables;
use super::run::RunOptions;

/// Everything the listeners share: base URLs, signing keys and the tables.
#[derive(Debug)]
pub struct Shared {
    /// Base URL of the Google listener, e.g. `http://127.0.0.1:4000`.
    pub google_url: String,
    /// Base URL of the Databricks workspace listener.
    pub databricks_url: String,
    /// `host:port` of the metadata-server listener (as `GCE_METADATA_HOST` takes it).
    pub metadata_host: String,
    /// Base URL of the Cloud Run-like listener, e.g. `http://127.0.0.1:4003`.
    pub run_url: String,
    /// How the Cloud Run-like listener checks its ID tokens.
    pub run: RunOptions,
    /// Numeric Databricks workspace id (below 2^53 so JavaScript keeps it exact).
    pub workspace_id: u64,
    /// Keys signing Google ID tokens (published at `/oauth2/v3/certs`).
    pub google_keys: KeyRing,
    /// Keys signing Databricks access tokens (published at `/oidc/v1/keys`).
    pub databricks_keys: KeyRing,
    /// Fault plans and counters, per endpoint.
    pub faults: FaultBoard,
    /// The VM the metadata server describes.
    pub metadata: MdsInstance,
    /// Switches for the IAM Credentials and STS facts wire.md leaves open.
    pub federation: FederationOptions,
    /// The Databricks account and switches.
    pub databricks: DatabricksSite,
    /// How the sign-in endpoints answer.
    pub login: LoginOptions,
    /// Mutable tables.
    tables: Mutex<Tables>,
}

impl Shared {
    /// Builds the shared state with empty tables.
    pub fn new(
        urls: ListenerUrls,
        workspace_id: u64,
        google_key: RsaKey,
        databricks_key: RsaKey,
        metadata: MdsInstance,
        federation: FederationOptions,
        databricks: DatabricksSite,
    ) -> Self {
        Self {
            google_url: urls.google,
            databricks_url: urls.databricks,
            metadata_host: urls.metadata_host,
            run_url: urls.run,
            run: RunOptions::default(),
            workspace_id,
            google_keys: KeyRing::new(google_key),
            databricks_keys: KeyRing::new(databricks_key),
            faults: FaultBoard::default(),
            metadata,
            federation,
            databricks,
            login: LoginOptions::default(),
            tables: Mutex::new(Tables::default()),
        }
    }

    /// Locks the tables; a poisoned lock is recovered (the data stays usable).
    pub fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The Databricks OIDC issuer, `<host>/oidc`.
    pub fn databricks_issuer(&self) -> String {
        format!("{}/oidc", self.databricks_url)
    }

    /// The Databricks account OIDC issuer, `<host>/oidc/accounts/<account_id>`.
    pub fn databricks_account_issuer(&self) -> String {
        format!(
            "{}/oidc/accounts/{}",
            self.databricks_url, self.databricks.account_id
        )
    }
}

/// Where the four listeners answer.
#[derive(Debug)]
pub struct ListenerUrls {
    /// Base URL of the Google listener.
    pub google: String,
    /// Base URL of the Databricks workspace listener.
    pub databricks: String,
    /// `host:port` of the metadata-server listener.
    pub metadata_host: String,
    /// Base URL of the Cloud Run-like listener.
    pub run: String,
}

/// All registered principals and all issued opaque tokens.
#[derive(Debug, Default)]
pub struct Tables {
    /// Google OAuth clients by client id.
    pub google_clients: HashMap<String, GoogleClient>,
    /// User grants by refresh token.
    pub refresh_grants: HashMap<String, RefreshGrant>,
    /// Issued Google access tokens by token string.
    pub access_tokens: HashMap<String, AccessTokenRecord>,
    /// Service accounts by `private_key_id` (the assertion's `kid`).
    pub service_accounts: HashMap<String, ServiceAccountRecord>,
    /// Databricks service principals by client id (= application id).
    pub databricks_sps: HashMap<String, DatabricksSpRecord>,
    /// The access token the metadata server currently hands out, by account
    /// email and requested scopes (its record is in `access_tokens`).
    pub mds_tokens: HashMap<(String, Vec<String>), String>,
    /// Impersonation rights, pool providers and workforce grants.
    pub iam: IamTables,
    /// Databricks users, personal access tokens and U2M grants.
    pub databricks: DatabricksTables,
    /// Invokers, audiences, IAM grants and denials the probe targets check.
    pub probes: ProbeTables,
    /// Google accounts, authorization and device codes, the Databricks sign-in user.
    pub login: LoginTables,
}

/// A registered Google OAuth client.
#[derive(Debug, Clone)]
pub struct GoogleClient {
    /// The client secret.
    pub client_secret: String,
    /// Installed app or limited-input device: which sign-in flows it may use.
    pub kind: GoogleClientKind,
}

/// A user's consent: one refresh token bound to one client.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    /// Client the refresh token was issued to.
    pub client_id: String,
    /// The user's email.
    pub email: String,
    /// The user's stable numeric subject id.
    pub sub: String,
    /// Scopes granted at consent time.
    pub scopes: Vec<String>,
    /// Lifetime of access tokens minted from this grant.
    pub lifetime: Duration,
    /// Set once the grant has been revoked.
    pub revoked: bool,
}

/// Who an opaque access token was issued to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Minted from a user refresh token (the key into `refresh_grants`).
    RefreshGrant(String),
    /// Minted for a service account (JWT-bearer grant, metadata server or
    /// IAM Credentials `generateAccessToken`).
    ServiceAccount,
    /// Issued by STS to a workload or workforce identity: `member` is its
    /// IAM member, `principal://iam.googleapis.com/<pool>/subject/<sub>`.
    Federated {
        /// The IAM member the token stands for.
        member: String,
    },
    /// Issued by STS from a workforce user's browser sign-in: the refresh
    /// token (the key into `iam.sts_grants`) and the user's IAM member.
    WorkforceSignIn {
        /// The IAM member the token stands for.
        member: String,
        /// The sign-in's refresh token.
        refresh_token: String,
    },
    /// A Credential Access Boundary copy of another token; `member` is the
    /// IAM member of the token it was cut from.
    Downscoped {
        /// The IAM member of the source token.
        member: String,
    },
}

impl TokenOrigin {
    /// The IAM member a token of this origin acts as (`user:`,
    /// `serviceAccount:` or `principal://`), given its principal email.
    pub fn member(&self, email: &str) -> String {
        match self {
            Self::RefreshGrant(_) => format!("user:{email}"),
            Self::ServiceAccount => format!("serviceAccount:{email}"),
            Self::Federated { member }
            | Self::WorkforceSignIn { member, .. }
            | Self::Downscoped { member } => member.clone(),
        }
    }
}

/// An issued opaque `ya29.` access token.
#[derive(Debug, Clone)]
pub struct AccessTokenRecord {
    /// How the token was obtained.
    pub origin: TokenOrigin,
    /// Authorized party / audience (OAuth client id or SA unique id).
    pub azp: String,
    /// Subject (user id or SA unique id).
    pub sub: String,
    /// Principal email.
    pub email: String,
    /// Scopes the token carries.
    pub scopes: Vec<String>,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Set once revoked.
    pub revoked: bool,
}

impl AccessTokenRecord {
    /// True while the token is neither revoked nor expired.
    pub const fn is_live(&self, now: i64) -> bool {
        !self.revoked && now < self.exp
    }
}

/// A Google service account and its (single) public key.
#[derive(Debug)]
pub struct ServiceAccountRecord {
    /// `client_email`.
    pub email: String,
    /// Numeric unique id (`client_id` in the key file).
    pub unique_id: String,
    /// The key pair; only the public half is needed after the file is written.
    pub key: Arc<RsaKey>,
    /// Lifetime of access and ID tokens minted for this account.
    pub lifetime: Duration,
}

/// A Databricks OAuth service principal.
#[derive(Debug, Clone)]
pub struct DatabricksSpRecord {
    /// The OAuth secret.
    pub client_secret: String,
    /// SCIM id returned by `/Me`.
    pub scim_id: String,
    /// Lifetime of access tokens minted for this principal.
    pub lifetime: Duration,
}

/// Current time in Unix seconds (system clock).
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// A lifetime in whole seconds, saturating.
pub fn lifetime_secs(lifetime: Duration) -> i64 {
    i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2)
}
