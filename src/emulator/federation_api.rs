//! Registration API for IAM Credentials and STS: impersonation rights, pool
//! providers, subject tokens, workforce users, and ready-to-write credential
//! files (`impersonated_service_account`, `external_account`,
//! `external_account_authorized_user`, wire.md §1.2) whose URLs point here.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::Emulator;
use super::federation_routes::SUBJECT_TOKENS;
use super::iam_tables::{IAM_HOST, ProviderRecord, StsGrant, UrlSubject, pool_member, pool_of};
use super::keys::{self, RsaKey};
use super::sts_revoke::WORKFORCE_REVOKE;
use super::subject;

/// The subject token type every file written here declares.
const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// A workload or workforce pool provider trusting an OIDC issuer that the
/// emulator plays (it holds the issuer's key and signs its tokens).
#[derive(Debug, Clone)]
pub struct PoolProviderSpec {
    /// `//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/P/providers/X`
    /// or `//iam.googleapis.com/locations/global/workforcePools/P/providers/X`.
    pub audience: String,
    /// The issuer (`iss`) of its subject tokens.
    pub issuer: String,
    /// Accepted `aud` values; empty means Google's default, `https:` + audience.
    pub allowed_audiences: Vec<String>,
}

/// A registered pool provider.
#[derive(Debug, Clone)]
pub struct PoolProvider {
    /// Its audience, as `external_account` files and STS requests name it.
    pub audience: String,
    /// The pool's resource name (`projects/N/.../workloadIdentityPools/P`).
    pub pool: String,
    /// True for a workforce pool.
    pub workforce: bool,
}

impl PoolProvider {
    /// The IAM member of one identity of the pool,
    /// `principal://iam.googleapis.com/<pool>/subject/<subject>`.
    #[must_use]
    pub fn member(&self, subject: &str) -> String {
        pool_member(&self.pool, subject)
    }

    /// The IAM member standing for every identity of the pool,
    /// `principalSet://iam.googleapis.com/<pool>/*`.
    #[must_use]
    pub fn all_members(&self) -> String {
        format!("principalSet://{IAM_HOST}/{}/*", self.pool)
    }
}

/// `roles/iam.serviceAccountTokenCreator` for `member` on `target`.
#[derive(Debug, Clone)]
pub struct ImpersonationGrant {
    /// `user:EMAIL`, `serviceAccount:EMAIL`, `principal://...` or `principalSet://.../*`.
    pub member: String,
    /// The target service account's email.
    pub target: String,
    /// Also let the target's tokens live up to 12 h (the org policy
    /// `iam.allowServiceAccountCredentialLifetimeExtension`).
    pub extended_lifetime: bool,
}

/// Where an `external_account` file gets its subject token.
#[derive(Debug, Clone)]
pub enum SubjectSource {
    /// A file the test writes (e.g. with [`Emulator::mint_subject_token`]).
    File(PathBuf),
    /// A URL on the emulator that serves a fresh token for `subject` on each
    /// GET, refusing (403) requests without every one of `headers`.
    Url {
        /// `sub` of the served tokens.
        subject: String,
        /// Headers the request must carry; they go into the file too.
        headers: Vec<(String, String)>,
        /// Serve `{"id_token": ...}` (format `json`) instead of plain text.
        json: bool,
    },
}

/// An `external_account` credential file to build.
#[derive(Debug, Clone)]
pub struct ExternalAccountSpec {
    /// The pool provider's audience.
    pub audience: String,
    /// The subject token's source.
    pub source: SubjectSource,
    /// Impersonate this service account after the exchange.
    pub impersonate: Option<String>,
    /// `service_account_impersonation.token_lifetime_seconds`.
    pub token_lifetime_seconds: Option<u64>,
    /// `workforce_pool_user_project` (workforce pools only).
    pub workforce_pool_user_project: Option<String>,
}

/// A workforce user signed in through the browser (for an
/// `external_account_authorized_user` file).
#[derive(Debug, Clone)]
pub struct WorkforceUserSpec {
    /// The workforce pool provider's audience.
    pub audience: String,
    /// The user's subject in the pool.
    pub subject: String,
    /// Scopes of the access tokens.
    pub scopes: Vec<String>,
    /// Lifetime of each access token.
    pub access_token_lifetime: Duration,
}

/// The claims of a subject token for [`Emulator::mint_subject_token`].
#[derive(Debug, Clone)]
pub struct SubjectTokenSpec {
    /// `sub`.
    pub subject: String,
    /// `aud`; `None` takes the provider's first accepted audience.
    pub audience: Option<String>,
    /// Seconds until `exp`; zero or negative gives an expired token.
    pub expires_in: i64,
}

/// The error for an audience that names no pool provider.
fn bad_audience(audience: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a pool provider audience: {audience}"),
    )
}

impl Emulator {
    /// Base URL of STS (`{sts}/v1/token`, `{sts}/v1/oauth/token`,
    /// `{sts}/v1/oauth/revoke`, `{sts}/v1/introspect`): the Google listener.
    #[must_use]
    pub fn sts_url(&self) -> String {
        self.shared.google_url.clone()
    }

    /// Base URL of IAM Credentials
    /// (`{iam}/v1/projects/-/serviceAccounts/{EMAIL}:generateAccessToken`):
    /// the Google listener.
    #[must_use]
    pub fn iam_credentials_url(&self) -> String {
        self.shared.google_url.clone()
    }

    /// The `generateAccessToken` URL of a service account.
    fn impersonation_url(&self, target: &str) -> String {
        format!(
            "{}/v1/projects/-/serviceAccounts/{target}:generateAccessToken",
            self.iam_credentials_url()
        )
    }

    /// Grants `roles/iam.serviceAccountTokenCreator` on a service account.
    pub fn allow_impersonation(&self, grant: ImpersonationGrant) {
        let mut tables = self.shared.tables();
        if grant.extended_lifetime {
            tables.iam.extended_lifetime.insert(grant.target.clone());
        }
        tables
            .iam
            .token_creators
            .insert((grant.member, grant.target));
    }

    /// Registers a pool provider with a fresh issuer key.
    ///
    /// # Errors
    /// The audience is not a provider resource name, or key generation failed.
    pub fn add_pool_provider(&self, spec: PoolProviderSpec) -> io::Result<PoolProvider> {
        let (pool, workforce) =
            pool_of(&spec.audience).ok_or_else(|| bad_audience(&spec.audience))?;
        let key = RsaKey::generate(keys::random_hex(40)).map_err(io::Error::other)?;
        let allowed_audiences = if spec.allowed_audiences.is_empty() {
            vec![format!("https:{}", spec.audience)]
        } else {
            spec.allowed_audiences
        };
        self.shared.tables().iam.providers.insert(
            spec.audience.clone(),
            ProviderRecord {
                issuer: spec.issuer,
                key: Arc::new(key),
                pool: pool.clone(),
                allowed_audiences,
            },
        );
        Ok(PoolProvider {
            audience: spec.audience,
            pool,
            workforce,
        })
    }

    /// Signs a subject token as the issuer of the provider `audience` trusts.
    ///
    /// # Errors
    /// No such provider, or signing failed.
    pub fn mint_subject_token(&self, audience: &str, spec: SubjectTokenSpec) -> io::Result<String> {
        subject::mint(&self.shared, audience, &spec)
            .ok_or_else(|| bad_audience(audience))?
            .map_err(io::Error::other)
    }

    /// An `impersonated_service_account` file: `source` (an `authorized_user`
    /// or `service_account` document) impersonates `target` via `delegates`.
    #[must_use]
    pub fn impersonated_service_account_file(
        &self,
        source: &Value,
        target: &str,
        delegates: &[&str],
    ) -> Value {
        json!({
            "type": "impersonated_service_account",
            "service_account_impersonation_url": self.impersonation_url(target),
            "source_credentials": source,
            "delegates": delegates,
        })
    }

    /// An `external_account` file for a registered provider; a `Url` source
    /// is registered and served at `{google}/subject-tokens/<id>`.
    ///
    /// # Errors
    /// The audience is not a provider resource name.
    pub fn external_account_file(&self, spec: ExternalAccountSpec) -> io::Result<Value> {
        pool_of(&spec.audience).ok_or_else(|| bad_audience(&spec.audience))?;
        let source = match spec.source {
            SubjectSource::File(path) => json!({
                "file": path,
                "format": { "type": "text" },
            }),
            SubjectSource::Url {
                subject,
                headers,
                json,
            } => self.serve_subject(&spec.audience, subject, headers, json),
        };
        let sts = self.sts_url();
        let mut doc = json!({
            "type": "external_account",
            "audience": spec.audience,
            "subject_token_type": JWT_TOKEN_TYPE,
            "token_url": format!("{sts}/v1/token"),
            "token_info_url": format!("{sts}/v1/introspect"),
            "credential_source": source,
            "universe_domain": "googleapis.com",
        });
        if let Some(target) = spec.impersonate {
            doc["service_account_impersonation_url"] = json!(self.impersonation_url(&target));
        }
        if let Some(secs) = spec.token_lifetime_seconds {
            doc["service_account_impersonation"] = json!({ "token_lifetime_seconds": secs });
        }
        if let Some(project) = spec.workforce_pool_user_project {
            doc["workforce_pool_user_project"] = json!(project);
        }
        Ok(doc)
    }

    /// Registers a URL subject source; returns its `credential_source`.
    fn serve_subject(
        &self,
        provider: &str,
        subject: String,
        headers: Vec<(String, String)>,
        json_format: bool,
    ) -> Value {
        let id = keys::random_hex(24);
        let url = format!("{}{SUBJECT_TOKENS}/{id}", self.shared.google_url);
        let header_map: Map<String, Value> = headers
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let field = "id_token";
        self.shared.tables().iam.url_subjects.insert(
            id,
            UrlSubject {
                provider: provider.to_string(),
                subject,
                headers,
                json_field: json_format.then(|| field.to_string()),
            },
        );
        let format = if json_format {
            json!({ "type": "json", "subject_token_field_name": field })
        } else {
            json!({ "type": "text" })
        };
        json!({ "url": url, "headers": header_map, "format": format })
    }

    /// Registers a workforce user's browser sign-in; returns an
    /// `external_account_authorized_user` file (refresh at `{sts}/v1/oauth/token`
    /// with HTTP Basic client auth, introspection at `{sts}/v1/introspect`,
    /// revocation at `revoke_url` = `{sts}/v1/oauth/revoke`).
    ///
    /// # Errors
    /// The audience is not a provider resource name.
    pub fn add_workforce_user(&self, spec: WorkforceUserSpec) -> io::Result<Value> {
        let (pool, _) = pool_of(&spec.audience).ok_or_else(|| bad_audience(&spec.audience))?;
        let client_id = keys::random_uuid();
        let client_secret = keys::random_urlsafe(24);
        let refresh_token = format!("ya29.r{}", keys::random_urlsafe(48));
        self.shared.tables().iam.sts_grants.insert(
            refresh_token.clone(),
            StsGrant {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                member: pool_member(&pool, &spec.subject),
                scopes: spec.scopes,
                lifetime: spec.access_token_lifetime,
                revoked: false,
            },
        );
        let sts = self.sts_url();
        Ok(json!({
            "type": "external_account_authorized_user",
            "audience": spec.audience,
            "refresh_token": refresh_token,
            "token_url": format!("{sts}/v1/oauth/token"),
            "token_info_url": format!("{sts}/v1/introspect"),
            "revoke_url": format!("{sts}{WORKFORCE_REVOKE}"),
            "client_id": client_id,
            "client_secret": client_secret,
            "universe_domain": "googleapis.com",
        }))
    }
}
