//! Local emulator of Google's and Databricks' OAuth/OIDC token services.
//!
//! Four loopback listeners: one plays `oauth2.googleapis.com` and
//! `accounts.google.com` (token, tokeninfo, revoke, JWKS, OIDC discovery,
//! and the sign-in pages: authorization code with PKCE, device code), one a
//! Databricks workspace and its account (host metadata, OIDC discovery, U2M
//! authorize, token endpoints for M2M, U2M sign-in and refresh and PAT
//! exchange, JWKS, the Token API, SCIM Me, introspect, clusters list), one
//! a VM's metadata server (access and ID tokens, project and instance
//! facts), and one a Cloud Run service that wants an ID token. The Google listener also plays IAM Credentials
//! (impersonation), STS (workload/workforce federation, downscoping) and a
//! Cloud Storage bucket list. Written from the wire reference only, so that
//! the dashboard's tests pass only when client and service agree.

mod api_auth;
mod api_error;
mod authorize;
mod conn;
mod databricks;
mod databricks_api;
mod databricks_auth;
mod databricks_cache;
mod databricks_login;
mod databricks_options;
mod databricks_pat;
mod databricks_probe;
mod databricks_tables;
mod databricks_token;
mod fault_board;
mod faults;
mod federation_api;
mod federation_options;
mod federation_routes;
mod google;
mod google_authorize;
mod google_device;
mod google_info;
mod google_login;
mod http;
mod iam;
mod iam_auth;
mod iam_tables;
mod inject;
mod keys;
mod login_api;
mod login_options;
mod login_tables;
mod mds;
mod mds_spec;
mod mds_token;
mod probe_api;
mod probe_tables;
mod run;
mod samples;
mod samples_databricks;
mod samples_federation;
mod server;
mod state;
mod storage;
mod sts;
mod sts_cab;
mod sts_revoke;
mod subject;

pub use self::databricks_api::{
    DATABRICKS_DEFAULT_USER, DatabricksLogin, DatabricksSp, DatabricksSpSpec,
};
pub use self::databricks_options::{DatabricksErrorCode, DatabricksOptions};
pub use self::databricks_probe::DATABRICKS_MISSING_SCOPES;
pub use self::fault_board::{EndpointStats, FaultStats};
pub use self::faults::{Fault, FaultEndpoint, FaultPlan, FaultRule};
pub use self::federation_api::{
    ExternalAccountSpec, ImpersonationGrant, PoolProvider, PoolProviderSpec, SubjectSource,
    SubjectTokenSpec, WorkforceUserSpec,
};
pub use self::federation_options::FederationOptions;
pub use self::login_api::{GoogleClientKind, GoogleOauthClient};
pub use self::login_options::{DevicePollStatus, LoginOptions, RedirectStatus, VerificationField};
pub use self::mds_spec::{MdsServiceAccount, MetadataSpec};
pub use self::run::RunOptions;
pub use self::storage::STORAGE_SCOPES;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;

use self::databricks_tables::DatabricksSite;
use self::keys::RsaKey;
use self::mds_spec::MdsInstance;
use self::server::Server;
use self::state::{ListenerUrls, RefreshGrant, ServiceAccountRecord, Shared, now_secs};

/// Where the listeners bind (always on 127.0.0.1) and what the metadata
/// server describes.
#[derive(Debug, Clone, Default)]
pub struct EmulatorOptions {
    /// Port of the Google listener; 0 picks a free port.
    pub google_port: u16,
    /// Port of the Databricks workspace listener; 0 picks a free port.
    pub databricks_port: u16,
    /// Port of the metadata-server listener; 0 picks a free port.
    pub metadata_port: u16,
    /// Port of the Cloud Run-like listener; 0 picks a free port.
    pub run_port: u16,
    /// The VM and service accounts the metadata server plays.
    pub metadata: MetadataSpec,
    /// How IAM Credentials and STS answer where wire.md is unsure.
    pub federation: FederationOptions,
    /// How the Databricks endpoints answer where servers differ.
    pub databricks: DatabricksOptions,
    /// How the Cloud Run-like listener checks its tokens.
    pub run: RunOptions,
    /// How the sign-in endpoints (authorize, device, code exchange) answer.
    pub login: LoginOptions,
}

/// A Google user with an OAuth client and a refresh token.
#[derive(Debug, Clone)]
pub struct GoogleUserSpec {
    /// The user's email (also the `account` field of the returned file).
    pub email: String,
    /// Scopes granted to the refresh token.
    pub scopes: Vec<String>,
    /// Lifetime of each access token minted from the refresh token.
    pub access_token_lifetime: Duration,
}

/// A Google service account with one RSA key.
#[derive(Debug, Clone)]
pub struct ServiceAccountSpec {
    /// `client_email`, e.g. `svc@project.iam.gserviceaccount.com`.
    pub email: String,
    /// `project_id` of the key file.
    pub project_id: String,
    /// Lifetime of access tokens and ID tokens minted for the account.
    pub access_token_lifetime: Duration,
}

/// The running emulator. Cheap to share by reference; all methods take `&self`.
#[derive(Debug)]
pub struct Emulator {
    /// State shared with the request handlers.
    shared: Arc<Shared>,
    /// The Google listener.
    google: Server,
    /// The Databricks workspace listener.
    databricks: Server,
    /// The metadata-server listener.
    metadata: Server,
    /// The Cloud Run-like listener.
    run: Server,
}

impl Emulator {
    /// Binds 127.0.0.1 (four listeners: "Google", "Databricks workspace",
    /// "metadata server" and "Cloud Run"), serves on tokio tasks.
    ///
    /// # Errors
    /// A port cannot be bound, or the signing keys cannot be generated.
    pub async fn start(options: EmulatorOptions) -> io::Result<Self> {
        let google_listener = TcpListener::bind(("127.0.0.1", options.google_port)).await?;
        let databricks_listener = TcpListener::bind(("127.0.0.1", options.databricks_port)).await?;
        let metadata_listener = TcpListener::bind(("127.0.0.1", options.metadata_port)).await?;
        let run_listener = TcpListener::bind(("127.0.0.1", options.run_port)).await?;
        let host = |listener: &TcpListener| -> io::Result<String> {
            Ok(format!("127.0.0.1:{}", listener.local_addr()?.port()))
        };
        let urls = ListenerUrls {
            google: format!("http://{}", host(&google_listener)?),
            databricks: format!("http://{}", host(&databricks_listener)?),
            metadata_host: host(&metadata_listener)?,
            run: format!("http://{}", host(&run_listener)?),
        };
        let google_key = RsaKey::generate(keys::random_hex(40)).map_err(io::Error::other)?;
        let databricks_key = RsaKey::generate(keys::random_hex(64)).map_err(io::Error::other)?;
        let mut shared = Shared::new(
            urls,
            random_workspace_id(),
            google_key,
            databricks_key,
            MdsInstance::new(options.metadata, now_secs()),
            options.federation,
            DatabricksSite {
                account_id: keys::random_uuid(),
                options: options.databricks,
            },
        );
        shared.run = options.run;
        shared.login = options.login;
        let shared = Arc::new(shared);
        let google = Server::spawn(google_listener, google::router(Arc::clone(&shared)));
        let databricks =
            Server::spawn(databricks_listener, databricks::router(Arc::clone(&shared)));
        let metadata = Server::spawn(metadata_listener, mds::router(Arc::clone(&shared)));
        let run = Server::spawn(run_listener, run::router(Arc::clone(&shared)));
        Ok(Self {
            shared,
            google,
            databricks,
            metadata,
            run,
        })
    }

    /// Base URL of the Google listener, `http://127.0.0.1:PORT` (no trailing slash).
    #[must_use]
    pub fn google_url(&self) -> String {
        self.shared.google_url.clone()
    }

    /// Databricks workspace host, `http://127.0.0.1:PORT` (no trailing slash).
    #[must_use]
    pub fn databricks_url(&self) -> String {
        self.shared.databricks_url.clone()
    }

    /// The Databricks workspace's id: its tokens' `aud`, its host metadata's `workspace_id`.
    #[must_use]
    pub fn databricks_workspace_id(&self) -> u64 {
        self.shared.workspace_id
    }

    /// Metadata server as `127.0.0.1:PORT`, the form `GCE_METADATA_HOST` and
    /// `GCE_METADATA_IP` take; its values live under
    /// `http://<host>/computeMetadata/v1/`.
    #[must_use]
    pub fn metadata_host(&self) -> String {
        self.shared.metadata_host.clone()
    }

    /// Registers an OAuth client + a user's refresh token; returns an `authorized_user` JSON document
    /// (`client_id`, `client_secret`, `refresh_token`, `token_uri` = Google URL + `/token`, `type`,
    /// `account` = email).
    #[must_use]
    pub fn add_google_user(&self, spec: GoogleUserSpec) -> Value {
        let refresh_token = login_api::new_google_refresh_token();
        let client = {
            let mut tables = self.shared.tables();
            let client = login_api::new_google_client(&mut tables, GoogleClientKind::Installed);
            tables.refresh_grants.insert(
                refresh_token.clone(),
                RefreshGrant {
                    client_id: client.client_id.clone(),
                    email: spec.email.clone(),
                    sub: keys::random_digits(21),
                    scopes: spec.scopes,
                    lifetime: spec.access_token_lifetime,
                    revoked: false,
                },
            );
            client
        };
        json!({
            "type": "authorized_user",
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "refresh_token": refresh_token,
            "token_uri": format!("{}/token", self.shared.google_url),
            "account": spec.email,
        })
    }

    /// Creates a service account with a fresh RSA-2048 key; returns a `service_account` JSON key file
    /// (wire.md §1.2 shape: `private_key` as PKCS#8 PEM, `private_key_id`, `client_email`,
    /// `token_uri` = Google URL + `/token`, `project_id`, ...).
    ///
    /// If key generation fails (never observed) the result is `{"error": "<why>"}`
    /// and nothing is registered.
    #[must_use]
    pub fn add_google_service_account(&self, spec: ServiceAccountSpec) -> Value {
        let private_key_id = keys::random_hex(40);
        let key = match RsaKey::generate(private_key_id.clone()) {
            Ok(k) => k,
            Err(e) => return json!({ "error": e }),
        };
        let unique_id = keys::random_digits(21);
        let base = &self.shared.google_url;
        let encoded_email: String =
            url::form_urlencoded::byte_serialize(spec.email.as_bytes()).collect();
        let doc = json!({
            "type": "service_account",
            "project_id": spec.project_id,
            "private_key_id": private_key_id,
            "private_key": key.pkcs8_pem,
            "client_email": spec.email,
            "client_id": unique_id,
            "auth_uri": format!("{base}/o/oauth2/auth"),
            "token_uri": format!("{base}/token"),
            "auth_provider_x509_cert_url": format!("{base}/oauth2/v1/certs"),
            "client_x509_cert_url": format!("{base}/robot/v1/metadata/x509/{encoded_email}"),
            "universe_domain": "googleapis.com",
        });
        self.shared.tables().service_accounts.insert(
            private_key_id,
            ServiceAccountRecord {
                email: spec.email,
                unique_id,
                key: Arc::new(key),
                lifetime: spec.access_token_lifetime,
            },
        );
        doc
    }

    /// Puts `plan` on `endpoint` ([`FaultEndpoint::All`]: on every endpoint),
    /// replacing the plan it had.
    pub fn set_faults(&self, endpoint: FaultEndpoint, plan: FaultPlan) {
        self.shared.faults.set(endpoint, plan);
    }

    /// Removes every fault plan; the counters of [`Emulator::fault_stats`] are kept.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Requests served and faults injected per endpoint since start.
    #[must_use]
    pub fn fault_stats(&self) -> FaultStats {
        self.shared.faults.stats()
    }

    /// Gives Google's ID-token signer and Databricks' access-token signer a
    /// fresh key with a new `kid`. With `keep_old` the previous keys stay in
    /// the JWK Sets (tokens signed before remain verifiable); without, they
    /// disappear and those tokens stop verifying, here and for any client.
    ///
    /// # Errors
    /// Key generation failed (nothing is rotated then).
    pub fn rotate_signing_keys(&self, keep_old: bool) -> io::Result<()> {
        let google = RsaKey::generate(keys::random_hex(40)).map_err(io::Error::other)?;
        let databricks = RsaKey::generate(keys::random_hex(64)).map_err(io::Error::other)?;
        self.shared.google_keys.rotate(google, keep_old);
        self.shared.databricks_keys.rotate(databricks, keep_old);
        Ok(())
    }

    /// Stops the listeners.
    pub async fn shutdown(self) {
        self.google.stop().await;
        self.databricks.stop().await;
        self.metadata.stop().await;
        self.run.stop().await;
    }
}

/// A random workspace id with 16 digits, below 2^53.
fn random_workspace_id() -> u64 {
    let bytes = keys::random_bytes(8);
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[..8]);
    1_000_000_000_000_000 + u64::from_le_bytes(raw) % 8_000_000_000_000_000
}
