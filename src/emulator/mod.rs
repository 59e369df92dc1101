//! Local emulator of Google's and Databricks' OAuth/OIDC token services.
//!
//! Two loopback listeners: one plays `oauth2.googleapis.com` (token,
//! tokeninfo, revoke, JWKS, OIDC discovery), the other a Databricks
//! workspace (host metadata, OIDC discovery, M2M token endpoint, JWKS and two
//! REST calls). Written from the wire reference only, so that the dashboard's
//! tests pass only when client and service agree.

mod databricks;
mod google;
mod google_info;
mod http;
mod keys;
mod state;

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::keys::RsaKey;
use self::state::{DatabricksSpRecord, GoogleClient, RefreshGrant, ServiceAccountRecord, Shared};

/// How long [`Emulator::shutdown`] waits for in-flight requests per listener.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Scopes of the sample Google user written by [`Emulator::write_samples`].
const SAMPLE_USER_SCOPES: [&str; 3] = [
    "https://www.googleapis.com/auth/cloud-platform",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
];

/// Where the two listeners bind (always on 127.0.0.1).
#[derive(Debug, Clone, Default)]
pub struct EmulatorOptions {
    /// Port of the Google listener; 0 picks a free port.
    pub google_port: u16,
    /// Port of the Databricks workspace listener; 0 picks a free port.
    pub databricks_port: u16,
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

/// One running listener.
#[derive(Debug)]
struct Server {
    /// Dropping or firing this stops the listener gracefully.
    stop: oneshot::Sender<()>,
    /// The serving task.
    task: JoinHandle<io::Result<()>>,
}

impl Server {
    /// Serves `router` on `listener` until told to stop.
    fn spawn(listener: TcpListener, router: axum::Router) -> Self {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Self { stop, task }
    }

    /// Stops the listener, aborting it if connections linger past the grace period.
    async fn stop(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
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
}

impl Emulator {
    /// Binds 127.0.0.1 (two listeners: one "Google", one "Databricks workspace"), serves on tokio tasks.
    ///
    /// # Errors
    /// A port cannot be bound, or the signing keys cannot be generated.
    pub async fn start(options: EmulatorOptions) -> io::Result<Self> {
        let google_listener = TcpListener::bind(("127.0.0.1", options.google_port)).await?;
        let databricks_listener = TcpListener::bind(("127.0.0.1", options.databricks_port)).await?;
        let google_url = format!("http://127.0.0.1:{}", google_listener.local_addr()?.port());
        let databricks_url = format!(
            "http://127.0.0.1:{}",
            databricks_listener.local_addr()?.port()
        );
        let google_key = RsaKey::generate(keys::random_hex(40)).map_err(io::Error::other)?;
        let databricks_key = RsaKey::generate(keys::random_hex(64)).map_err(io::Error::other)?;
        let shared = Arc::new(Shared::new(
            google_url,
            databricks_url,
            random_workspace_id(),
            google_key,
            databricks_key,
        ));
        let google = Server::spawn(google_listener, google::router(Arc::clone(&shared)));
        let databricks =
            Server::spawn(databricks_listener, databricks::router(Arc::clone(&shared)));
        Ok(Self {
            shared,
            google,
            databricks,
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

    /// Registers an OAuth client + a user's refresh token; returns an `authorized_user` JSON document
    /// (`client_id`, `client_secret`, `refresh_token`, `token_uri` = Google URL + `/token`, `type`,
    /// `account` = email).
    #[must_use]
    pub fn add_google_user(&self, spec: GoogleUserSpec) -> Value {
        let client_id = format!(
            "{}-{}.apps.googleusercontent.com",
            keys::random_digits(12),
            keys::random_alnum_lower(32)
        );
        let client_secret = format!("GOCSPX-{}", keys::random_urlsafe(21));
        let refresh_token = format!("1//0{}", keys::random_urlsafe(72));
        {
            let mut tables = self.shared.tables();
            tables.google_clients.insert(
                client_id.clone(),
                GoogleClient {
                    client_secret: client_secret.clone(),
                },
            );
            tables.refresh_grants.insert(
                refresh_token.clone(),
                RefreshGrant {
                    client_id: client_id.clone(),
                    email: spec.email.clone(),
                    sub: keys::random_digits(21),
                    scopes: spec.scopes,
                    lifetime: spec.access_token_lifetime,
                    revoked: false,
                },
            );
        }
        json!({
            "type": "authorized_user",
            "client_id": client_id,
            "client_secret": client_secret,
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

    /// Writes sample credentials for the conformance check into `dir`: `google_user.json`,
    /// `google_sa.json`, `databrickscfg` (INI: `[DEFAULT]` `host`, `client_id`, `client_secret`),
    /// `urls.json` (`{"google": .., "databricks": ..}`).
    ///
    /// Each call registers a fresh sample user, service account and service
    /// principal (one-hour token lifetimes). `dir` is created if missing.
    ///
    /// # Errors
    /// The directory or a file cannot be written, or key generation failed.
    pub fn write_samples(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let hour = Duration::from_hours(1);
        let user = self.add_google_user(GoogleUserSpec {
            email: "sample-user@example.test".into(),
            scopes: SAMPLE_USER_SCOPES.iter().map(ToString::to_string).collect(),
            access_token_lifetime: hour,
        });
        let sa = self.add_google_service_account(ServiceAccountSpec {
            email: "sample-sa@sample-project.iam.gserviceaccount.com".into(),
            project_id: "sample-project".into(),
            access_token_lifetime: hour,
        });
        if let Some(e) = sa.get("error") {
            return Err(io::Error::other(e.to_string()));
        }
        let sp = self.add_databricks_service_principal(DatabricksSpSpec {
            application_id: keys::random_uuid(),
            access_token_lifetime: hour,
        });
        write_private(&dir.join("google_user.json"), &to_pretty(&user)?)?;
        write_private(&dir.join("google_sa.json"), &to_pretty(&sa)?)?;
        let cfg = format!(
            "[DEFAULT]\nhost = {}\nclient_id = {}\nclient_secret = {}\n",
            self.shared.databricks_url, sp.client_id, sp.client_secret
        );
        write_private(&dir.join("databrickscfg"), &cfg)?;
        let urls = json!({
            "google": self.shared.google_url,
            "databricks": self.shared.databricks_url,
        });
        std::fs::write(dir.join("urls.json"), to_pretty(&urls)?)
    }

    /// Stops both listeners.
    pub async fn shutdown(self) {
        self.google.stop().await;
        self.databricks.stop().await;
    }
}

/// A random workspace id with 16 digits, below 2^53.
fn random_workspace_id() -> u64 {
    let bytes = keys::random_bytes(8);
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&bytes[..8]);
    1_000_000_000_000_000 + u64::from_le_bytes(raw) % 8_000_000_000_000_000
}

/// Pretty JSON text with a trailing newline.
fn to_pretty(value: &Value) -> io::Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(io::Error::other)
}

/// Writes a secret-bearing file, readable by the owner only on Unix.
fn write_private(path: &Path, contents: &str) -> io::Result<()> {
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
