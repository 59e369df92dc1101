//! What a credential is: identity, platform, kind, provenance and secret material.

use super::material::Material;
use super::token::Token;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A human's OAuth refresh token (`authorized_user`).
    User,
    /// A service-account key (JWT-bearer grant).
    ServiceAccount,
    /// A service-account key used to mint ID tokens for an audience.
    ServiceAccountIdToken,
    /// A Google service account impersonated through IAM Credentials.
    Impersonated,
    /// Google workload or workforce identity federation (STS exchange).
    ExternalAccount,
    /// A Google workforce identity sign-in (refresh token at STS).
    ExternalAccountUser,
    /// A Google metadata server's service account (VM, Dataproc, Dataflow, Cloud Run).
    MetadataServer,
    /// A Databricks OAuth service principal (client credentials).
    DatabricksM2m,
    /// A Databricks personal access token.
    DatabricksPat,
    /// A Databricks user login (U2M).
    DatabricksU2m,
    /// A Databricks profile another tool makes tokens for.
    DatabricksOther,
    /// A Databricks on GCP profile whose token is a Google ID token for
    /// the workspace (`google-credentials`, `google-id`).
    DatabricksGoogle,
    /// A token narrowed from another credential's: fewer scopes, or a
    /// Credential Access Boundary.
    Downscoped,
    /// A client of a standard OAuth 2.0 / OpenID Connect issuer.
    OidcClient,
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
            Kind::Impersonated => "imp",
            Kind::ExternalAccount => "ext",
            Kind::ExternalAccountUser => "extu",
            Kind::MetadataServer => "mds",
            Kind::DatabricksM2m => "m2m",
            Kind::DatabricksPat => "pat",
            Kind::DatabricksU2m => "u2m",
            Kind::DatabricksOther => "dbx",
            Kind::DatabricksGoogle => "gcp",
            Kind::OidcClient => "oidc",
            Kind::Downscoped => "down",
        }
    }

    /// The credential type as Google's own libraries name it (the `type`
    /// of a credential file; `compute_engine` for the metadata server).
    pub fn google_type(self) -> Option<&'static str> {
        Some(match self {
            Kind::User => "authorized_user",
            Kind::ServiceAccount | Kind::ServiceAccountIdToken => "service_account",
            Kind::Impersonated => "impersonated_service_account",
            Kind::ExternalAccount => "external_account",
            Kind::ExternalAccountUser => "external_account_authorized_user",
            Kind::MetadataServer => "compute_engine",
            Kind::DatabricksM2m
            | Kind::DatabricksPat
            | Kind::DatabricksU2m
            | Kind::DatabricksOther
            | Kind::DatabricksGoogle
            | Kind::OidcClient
            | Kind::Downscoped => return None,
        })
    }
}

/// A credential's place in Google's Application Default Credentials chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdcPlace {
    /// google-auth's `default()` would pick this one.
    pub active: bool,
    /// What google-auth picks instead (`GOOGLE_APPLICATION_CREDENTIALS=…`).
    pub shadowed_by: Option<String>,
}

/// gcloud's use of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GcloudUse {
    /// The account.
    pub account: String,
    /// The configurations whose `[core] account` it is.
    pub configurations: Vec<String>,
    /// The active configuration uses it (after `CLOUDSDK_CORE_ACCOUNT`).
    pub active: bool,
}

/// Where a credential stands in its tools' configuration: facts to show,
/// none needed to refresh it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The project google-auth would report with it (the environment's,
    /// the credential's own, or gcloud's).
    pub project: Option<String>,
    /// The quota (billing) project it names.
    pub quota_project: Option<String>,
    /// Its place in the ADC chain, when it is in it.
    pub adc: Option<AdcPlace>,
    /// gcloud's use of it, when it is one of gcloud's accounts.
    pub gcloud: Option<GcloudUse>,
    /// How databricks-sdk resolves it, for a Databricks profile.
    pub databricks: Option<DatabricksUse>,
    /// The credential whose tokens make this one's (the Google identity of
    /// a Databricks on GCP profile), when it is shown too.
    pub depends_on: Option<CredentialId>,
    /// Lines for the detail view ("impersonates …", "pool …, provider …").
    pub details: Vec<String>,
}

/// A Databricks profile as databricks-sdk resolves it (wire.md §3.1–3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabricksUse {
    /// Its section of the config file (what `--profile` names).
    pub section: String,
    /// The workspace or account host, normalised.
    pub host: String,
    /// The auth type: the profile's own, or the one the SDK would pick.
    pub auth_type: Option<String>,
    /// The account, for an account-level profile.
    pub account_id: Option<String>,
    /// `discovery_url`: the RFC 8414 document naming its token endpoint,
    /// when the profile gives it (then no host metadata is asked).
    pub discovery_url: Option<String>,
    /// The workspace id, when known.
    pub workspace_id: Option<String>,
    /// The cloud as databricks-sdk reports it (`AWS`, `AZURE`, `GCP`).
    pub cloud: Option<String>,
    /// The scopes the profile configures, when it does.
    pub scopes: Option<Vec<String>>,
    /// `Config()` without a profile would use it.
    pub active: bool,
    /// The service account ADC impersonates for its token (`google-id`).
    pub google_service_account: Option<String>,
    /// The Google key file that makes its token (`google-credentials`).
    pub google_key_file: Option<String>,
    /// The keys the Databricks CLI keeps its login under, in its order
    /// (wire.md §3.7).
    pub cache_keys: Vec<String>,
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

/// What a credential can do, and why not, so the UI can say so before it is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Why tokentop cannot obtain a new token for it; `None` when it can.
    pub refresh_blocked: Option<&'static str>,
    /// Why the token cannot be revoked at the issuer; `None` when it can.
    pub revoke_blocked: Option<&'static str>,
    /// Why tokentop cannot narrow its token; `None` when it can.
    pub downscope_blocked: Option<&'static str>,
}

impl Capabilities {
    /// True when tokentop can obtain a new token.
    pub fn can_refresh(&self) -> bool {
        self.refresh_blocked.is_none()
    }

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
    /// Security Token Service, where Google tokens are downscoped.
    pub sts: Option<String>,
    /// Where the token endpoint is looked up before each grant (a
    /// Databricks host's `/.well-known/databricks-config`), unless the
    /// profile fixes it; `token` is the documented one, used when the host
    /// publishes none.
    pub discovery: Option<String>,
    /// Where the doctor sends the token when not told (the profile's
    /// `[profile.endpoints] probe`); else one follows from the platform.
    pub probe: Option<String>,
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
    /// Projects, ADC and gcloud facts.
    pub context: Context,
    /// Tokens another tool already obtained (gcloud's cache), shown as
    /// they are instead of minting new ones.
    pub cached: Vec<Token>,
}

impl Credential {
    /// What a sign-in tokentop made for it is kept under besides its id:
    /// the issuer (or token endpoint, or workspace) and the client; `None`
    /// for credentials tokentop does not sign in.
    pub fn sign_in_key(&self) -> Option<(&str, &str)> {
        match &self.material {
            Material::OidcClient {
                issuer, client_id, ..
            } => Some((issuer, client_id)),
            Material::GoogleUser { client_id, .. } => Some((&self.endpoints.token, client_id)),
            Material::DatabricksU2m { client_id, .. } => {
                Some((&self.context.databricks.as_ref()?.host, client_id))
            }
            _ => None,
        }
    }

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
}
