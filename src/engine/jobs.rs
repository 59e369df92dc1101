//! The work behind each command, run on tokio tasks. Each function owns clones
//! of what it needs and returns a value; none touches the store.

use crate::inspect::{discovery, jwks::JwksCache, jwt};
use crate::model::{Credential, DecodeReport, DecodedBody, SignatureCheck, Token};
use crate::net::Http;
use crate::providers;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::Mutex;

/// The operations a job can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Obtain a new token.
    Refresh,
    /// Decode / inspect.
    Decode,
    /// Revoke and confirm.
    Revoke,
}

impl Op {
    /// The word shown while it runs.
    pub fn label(self) -> &'static str {
        match self {
            Op::Refresh => "refreshing",
            Op::Decode => "decoding",
            Op::Revoke => "revoking",
        }
    }
}

/// What a finished job produced.
#[derive(Debug)]
pub enum Outcome {
    /// A refresh: the new token, or why not.
    Refreshed(Result<Token, String>),
    /// A decode report.
    Decoded(DecodeReport),
    /// A revocation, and what the issuer said about the token afterwards.
    Revoked {
        /// The revoke call.
        result: Result<(), String>,
        /// The server-side check made after it.
        confirmation: String,
    },
    /// The job did not finish in time.
    TimedOut(String),
    /// The job failed unexpectedly (it panicked).
    Failed(String),
}

/// Shared, long-lived resources of the jobs.
#[derive(Debug, Clone)]
pub struct Resources {
    /// HTTP client.
    pub http: Http,
    /// JWK Sets by URL.
    pub jwks: Arc<Mutex<JwksCache>>,
}

/// Refreshes a credential.
pub async fn refresh(res: Resources, cred: Credential, now: DateTime<Utc>) -> Outcome {
    Outcome::Refreshed(
        providers::refresh(&res.http, &cred, now)
            .await
            .map_err(|e| e.to_string()),
    )
}

/// Revokes the token, then asks tokeninfo whether the issuer still accepts it.
pub async fn revoke(res: Resources, cred: Credential, token: Token) -> Outcome {
    let result = providers::revoke(&res.http, &cred, &token)
        .await
        .map_err(|e| e.to_string());
    let confirmation = match (&result, &cred.endpoints.tokeninfo) {
        (Err(_), _) => "not revoked".to_string(),
        (Ok(()), None) => "no tokeninfo endpoint to confirm with".to_string(),
        (Ok(()), Some(url)) => match providers::google::tokeninfo(&res.http, url, &token).await {
            Err(providers::ProviderError::Rejected {
                status, message, ..
            }) => {
                format!("confirmed: tokeninfo now answers {status} {message}")
            }
            Err(e) => format!("could not confirm: {e}"),
            Ok(_) => "NOT confirmed: tokeninfo still accepts the token".to_string(),
        },
    };
    Outcome::Revoked {
        result,
        confirmation,
    }
}

/// Decodes a JWT and verifies it against its issuer's keys, or asks tokeninfo
/// about an opaque token.
pub async fn decode(res: Resources, cred: Credential, token: Token) -> Outcome {
    let raw = token.value.expose();
    let body = match jwt::decode(raw) {
        Ok((header, claims)) => {
            let signature = match jwks_url(&res, &cred, &claims).await {
                Ok(url) => res.jwks.lock().await.verify(&res.http, &url, raw).await,
                Err(reason) => SignatureCheck::NotChecked { reason },
            };
            DecodedBody::Jwt {
                header: header.into(),
                claims: claims.into(),
                signature,
            }
        }
        Err(_) => DecodedBody::Opaque {
            tokeninfo: match &cred.endpoints.tokeninfo {
                Some(url) => providers::google::tokeninfo(&res.http, url, &token)
                    .await
                    .map_err(|e| e.to_string()),
                None => Err("opaque token and no tokeninfo endpoint for this platform".to_string()),
            },
        },
    };
    Outcome::Decoded(DecodeReport {
        id: cred.id.clone(),
        profile: cred.provenance.profile.clone(),
        fingerprint: token.value.fingerprint(),
        body,
    })
}

/// The profile's JWKS URL, or the one its issuer publishes, but only for an
/// issuer on the same origin as the credential's token endpoint: a token's
/// own `iss` claim is not trusted to choose its verifier.
async fn jwks_url(
    res: &Resources,
    cred: &Credential,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    if let Some(url) = &cred.endpoints.jwks {
        return Ok(url.clone());
    }
    let issuer = claims
        .get("iss")
        .and_then(|v| v.as_str())
        .ok_or("token has no `iss` claim")?;
    let origin = |u: &str| {
        url::Url::parse(u)
            .map(|u| u.origin().ascii_serialization())
            .ok()
    };
    if origin(issuer).is_none() || origin(issuer) != origin(&cred.endpoints.token) {
        return Err(format!(
            "issuer {issuer} is not the profile's token host; not fetching its keys"
        ));
    }
    discovery::jwks_uri(&res.http, issuer).await
}
