//! What a credential is: identity, platform, kind, provenance and secret material.

use super::secret::Secret;
use serde::Serialize;
use std::fmt;

/// Stable identity of a credential: its source and the key inside that source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CredentialId(pub String);

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The platform a credential is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// Google Cloud Dataproc.
    Dataproc,
    /// Google Cloud Dataflow.
    Dataflow,
    /// Google Cloud Run (wants an ID token whose audience is the service URL).
    CloudRun,
    /// Any other Google Cloud use.
    Gcp,
    /// A Databricks workspace.
    Databricks,
    /// Any standard OIDC issuer.
    Oidc,
}

impl Platform {
    /// The short label shown in tables.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Dataproc => "dataproc",
            Platform::Dataflow => "dataflow",
            Platform::CloudRun => "cloud-run",
            Platform::Gcp => "gcp",
            Platform::Databricks => "databricks",
            Platform::Oidc => "oidc",
        }
    }

    /// How long before `exp` the owning clients stop trusting a token.
    ///
    /// google-auth treats a token as stale 3m45s before expiry; the Databricks
    /// SDK refreshes 40 s early because the server refuses tokens with 30 s or
    /// less left (wire.md §4.8, §3.11).
    pub fn rejection_window(self) -> chrono::Duration {
        match self {
            Platform::Databricks => chrono::Duration::seconds(40),
            Platform::Oidc => chrono::Duration::seconds(10),
            _ => chrono::Duration::seconds(225),
        }
    }
}

/// What kind of principal and grant a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A human's OAuth refresh token (`authorized_user`).
    User,
    /// A service-account key (JWT-bearer grant).
    ServiceAccount,
    /// A service-account key used to mint ID tokens for an audience.
    ServiceAccountIdToken,
    /// A Databricks OAuth service principal (client credentials).
    DatabricksM2m,
}

impl Kind {
    /// True when revoking the token also revokes the refresh token behind
    /// it, so getting a new one means logging in again (Google, wire.md §2.4).
    pub fn revoke_ends_login(self) -> bool {
        self == Kind::User
    }

    /// The short label shown in tables.
    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::ServiceAccount => "sa",
            Kind::ServiceAccountIdToken => "sa-id",
            Kind::DatabricksM2m => "m2m",
        }
    }
}

/// Where a credential came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// The file (or environment variable) it was read from.
    pub source: String,
    /// The profile name, where the source has names.
    pub profile: String,
    /// tokentop's profiles file, when the credential was named there.
    pub via: Option<String>,
    /// Endpoints a profiles file set that only the user's own settings
    /// allow, shown on the row so nobody is surprised where secrets go.
    pub trusted_overrides: Vec<String>,
}

/// The long-lived secret material a credential refreshes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    /// Google `authorized_user`: refresh-token grant.
    GoogleUser {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// The long-lived refresh token.
        refresh_token: Secret,
    },
    /// Google `service_account` key: JWT-bearer grant.
    GoogleServiceAccount {
        /// `client_email`, the assertion's issuer.
        client_email: String,
        /// `private_key_id`, the assertion's `kid`.
        private_key_id: String,
        /// PKCS#8 PEM private key.
        private_key: Secret,
    },
    /// Databricks OAuth M2M: client-credentials grant.
    DatabricksM2m {
        /// Service principal application id.
        client_id: String,
        /// OAuth secret.
        client_secret: Secret,
    },
}

/// What a credential can do, and how, so the UI can say so before it is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// A new access token can be obtained without the user.
    pub refresh: bool,
    /// Why the token cannot be revoked at the issuer; `None` when it can.
    pub revoke_blocked: Option<&'static str>,
}

impl Capabilities {
    /// True when the token can be revoked at the issuer.
    pub fn can_revoke(&self) -> bool {
        self.revoke_blocked.is_none()
    }
}

/// The network endpoints a credential talks to. Real vendor URLs by default;
/// overridable per profile, which is how the demo and the tests reach the emulator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    /// Token endpoint.
    pub token: String,
    /// Google tokeninfo (opaque access tokens), if the platform has one.
    pub tokeninfo: Option<String>,
    /// Revocation endpoint, if the platform has one.
    pub revoke: Option<String>,
    /// JWK Set used to verify JWTs this issuer signs.
    pub jwks: Option<String>,
}

/// A discovered credential: everything needed to show and refresh it.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Stable id.
    pub id: CredentialId,
    /// Platform the profile targets.
    pub platform: Platform,
    /// Grant kind.
    pub kind: Kind,
    /// Email, client id or subject.
    pub principal: String,
    /// File and profile it came from.
    pub provenance: Provenance,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// Audience to request (Cloud Run ID tokens).
    pub audience: Option<String>,
    /// Where to send requests.
    pub endpoints: Endpoints,
    /// Long-lived secret material.
    pub material: Material,
}

impl Credential {
    /// True when `other` would obtain tokens for the same grant: same kind,
    /// principal, endpoints, scopes, audience and secret material. A token
    /// obtained under one is shown under the other; otherwise it is dropped.
    pub fn same_grant(&self, other: &Credential) -> bool {
        (
            self.kind,
            &self.principal,
            &self.endpoints,
            &self.scopes,
            &self.audience,
            &self.material,
        ) == (
            other.kind,
            &other.principal,
            &other.endpoints,
            &other.scopes,
            &other.audience,
            &other.material,
        )
    }

    /// What this credential can do with its endpoints.
    pub fn capabilities(&self) -> Capabilities {
        let revoke_blocked = match (self.kind, self.platform, &self.endpoints.revoke) {
            (Kind::ServiceAccountIdToken, _, _) => {
                Some("ID tokens cannot be revoked: it stays valid until it expires")
            }
            (_, Platform::Databricks, None) => {
                Some("Databricks has no token revocation endpoint: it stays valid until it expires")
            }
            (_, _, None) => Some("no revocation endpoint is configured for this profile"),
            (_, _, Some(_)) => None,
        };
        Capabilities {
            refresh: true,
            revoke_blocked,
        }
    }
}
