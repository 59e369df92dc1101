//! Network operations per credential kind: refresh, inspect (tokeninfo), revoke.
//! Every endpoint comes from the credential's data, never from a constant here.

pub mod authcode;
pub mod child;
pub mod databricks;
pub mod databricks_keyring;
pub mod databricks_login;
pub mod databricks_oidc;
pub mod databricks_user;
pub mod device;
pub mod downscope;
pub mod executable;
pub mod external;
pub mod family;
pub mod google;
pub mod grant;
pub mod iam;
pub mod impersonated;
pub mod loopback;
pub mod metadata;
pub mod oidc;
pub mod probe;
pub mod retry;
pub mod scrub;
pub mod sign_in;
pub mod workforce;

use crate::model::{Credential, Token};
use crate::net::Http;
use chrono::{DateTime, Utc};
use scrub::Sent;

pub use crate::model::ProviderError;
use crate::model::Unreachable;

impl From<crate::net::UrlRejected> for ProviderError {
    fn from(e: crate::net::UrlRejected) -> Self {
        Self::Config {
            what: e.url,
            message: e.message,
        }
    }
}

impl ProviderError {
    /// A transport failure talking to `endpoint`, sorted by cause: DNS,
    /// refused, reset, TLS or timeout (its text scrubbed of what was `sent`).
    pub fn network(endpoint: &str, err: &(dyn std::error::Error + 'static), sent: &Sent) -> Self {
        use std::io::ErrorKind;
        let host = host_of(endpoint);
        let mut chain = Vec::new();
        let (mut timeout, mut io_kind) = (false, None);
        let mut next = Some(err);
        while let Some(cause) = next {
            chain.push(cause.to_string());
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                io_kind.get_or_insert(io.kind());
            }
            timeout |= cause
                .downcast_ref::<reqwest::Error>()
                .is_some_and(reqwest::Error::is_timeout);
            next = cause.source();
        }
        let text = chain.join(": ").to_ascii_lowercase();
        let last = || sent.scrub(chain.last().map_or("", String::as_str));
        if timeout || io_kind == Some(ErrorKind::TimedOut) {
            return Self::Timeout { host };
        }
        let why = if text.contains("dns error") || text.contains("failed to lookup address") {
            Unreachable::Dns
        } else if io_kind == Some(ErrorKind::ConnectionRefused) {
            Unreachable::Refused
        } else if ["certificate", "tls", "handshake"]
            .iter()
            .any(|w| text.contains(w))
        {
            return Self::Tls {
                host,
                message: last(),
            };
        } else if matches!(
            io_kind,
            Some(
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::UnexpectedEof
            )
        ) || text.contains("connection closed")
        {
            Unreachable::Reset
        } else {
            Unreachable::Other(last())
        };
        Self::Offline { host, why }
    }

    /// An HTTP error answer; OAuth-style bodies become `error: description`,
    /// scrubbed of the secrets the request carried.
    pub fn rejected(endpoint: &str, status: u16, body: &str, sent: &Sent) -> Self {
        // OAuth's `error` code, or the Google API envelope's `status`.
        let error = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| {
                let error = v.get("error")?;
                error
                    .as_str()
                    .or_else(|| error.get("status")?.as_str())
                    .map(|e| sent.scrub(e))
            });
        Self::Rejected {
            endpoint: endpoint.to_string(),
            status,
            error,
            message: sent.scrub(&error_summary(body)),
        }
    }
}

/// `host[:port]` of `endpoint`, or the whole text when it is not a URL.
fn host_of(endpoint: &str) -> String {
    url::Url::parse(endpoint)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| endpoint.to_string())
}

/// `error: error_description` from an OAuth error body, `status: message`
/// from a Google API error envelope (IAM Credentials), Databricks'
/// `message`, or the body's first line (truncated) when it is not JSON.
pub fn error_summary(body: &str) -> String {
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
        if let Some(envelope) = v.get("error").filter(|e| e.is_object()) {
            let field = |k: &str| envelope.get(k).and_then(|x| x.as_str());
            if let Some(message) = field("message") {
                return match field("status") {
                    Some(status) => format!("{status}: {message}"),
                    None => message.to_string(),
                };
            }
        }
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        match (text("error"), text("error_description"), text("message")) {
            (Some(e), Some(d), _) => return format!("{e}: {d}"),
            (Some(e), None, _) => return e,
            (None, _, Some(m)) => return m,
            _ => {}
        }
    }
    let line = body.lines().next().unwrap_or("").trim();
    if line.is_empty() {
        "(empty body)".to_string()
    } else {
        line.chars().take(160).collect()
    }
}

/// Obtains a new token for a credential.
pub async fn refresh(
    http: &Http,
    credential: &Credential,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    family::family(credential)
        .refresh(http, credential, now)
        .await
}

/// A command that would fix `error` for `credential`, when its family knows one.
pub fn advice(credential: &Credential, error: &ProviderError) -> Option<String> {
    family::family(credential).advice(credential, error)
}

/// Why `credential` cannot do something (a `*_blocked` reason), with the
/// credential's own names put in its command: a service-account key's id
/// and email for `KEY_ID` and `EMAIL`.
pub fn blocked_for(credential: &Credential, why: &str) -> String {
    match &credential.material {
        crate::model::Material::GoogleServiceAccount {
            client_email,
            private_key_id,
            ..
        } if !private_key_id.is_empty() => why
            .replace("KEY_ID", &crate::model::printable_owned(private_key_id))
            .replace("EMAIL", &crate::model::printable_owned(client_email)),
        _ => why.to_string(),
    }
}

/// The `aud` a credential's ID tokens carry, when it is not the audience
/// asked for.
pub fn id_audience(credential: &Credential) -> Option<String> {
    family::family(credential).id_audience(credential)
}

/// What a credential can do, and why not.
pub fn capabilities(credential: &Credential) -> crate::model::Capabilities {
    let can = family::family(credential).capabilities(credential);
    match (&credential.audience, can.downscope_blocked) {
        (Some(_), None) => crate::model::Capabilities {
            downscope_blocked: Some(
                "its token is an ID token for an audience (Cloud Run): it has no scopes to narrow",
            ),
            ..can
        },
        _ => can,
    }
}

/// What the issuer says about a token after it was revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// The issuer now refuses it (what it said).
    Confirmed(String),
    /// The issuer still accepts it.
    StillAccepted,
    /// Could not ask (why).
    Unchecked(String),
}

impl std::fmt::Display for Confirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Confirmation::Confirmed(said) => write!(f, "confirmed: {said}"),
            Confirmation::StillAccepted => {
                f.write_str("NOT confirmed: the issuer still accepts the token")
            }
            Confirmation::Unchecked(why) => write!(f, "not confirmed: {why}"),
        }
    }
}

/// Asks the issuer whether a revoked token is now refused (Google tokeninfo).
pub async fn confirm_revoked(http: &Http, credential: &Credential, token: &Token) -> Confirmation {
    let Some(url) = &credential.endpoints.tokeninfo else {
        return Confirmation::Unchecked("no tokeninfo endpoint to ask".into());
    };
    confirmation(google::tokeninfo(http, url, token).await)
}

/// Reads tokeninfo's answer about a revoked token: only a refusal of the
/// token itself (400 or 401) confirms; a redirect, an overload or an outage
/// says nothing about it.
pub fn confirmation(answer: Result<serde_json::Value, ProviderError>) -> Confirmation {
    match answer {
        Err(ProviderError::Rejected {
            status: status @ (400 | 401),
            message,
            ..
        }) => Confirmation::Confirmed(format!("tokeninfo now answers {status} {message}")),
        Err(e) => Confirmation::Unchecked(e.to_string()),
        Ok(_) => Confirmation::StillAccepted,
    }
}

/// What the issuer says about an opaque (non-JWT) token.
pub async fn inspect_opaque(
    http: &Http,
    credential: &Credential,
    token: &Token,
) -> Result<serde_json::Value, String> {
    if let crate::model::Material::OidcClient { .. } = &credential.material {
        return oidc::introspection(http, credential, token)
            .await
            .map_err(|e| e.to_string());
    }
    match &credential.endpoints.tokeninfo {
        Some(url) => google::tokeninfo(http, url, token)
            .await
            .map_err(|e| e.to_string()),
        None => Err("opaque token, and no tokeninfo endpoint for this profile".to_string()),
    }
}

/// Revokes a token, as its credential's family does, and says what the
/// issuer says of it afterwards.
pub async fn revoke(
    http: &Http,
    credential: &Credential,
    token: &Token,
) -> Result<Confirmation, ProviderError> {
    family::family(credential)
        .revoke(http, credential, token)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refusal_of_the_token_confirms_a_revocation() {
        let answer = |status| {
            Err(ProviderError::Rejected {
                endpoint: "t".into(),
                status,
                error: None,
                message: "m".into(),
            })
        };
        assert!(matches!(
            confirmation(answer(400)),
            Confirmation::Confirmed(_)
        ));
        assert!(matches!(
            confirmation(answer(401)),
            Confirmation::Confirmed(_)
        ));
        for status in [307, 429, 500, 503] {
            assert!(
                matches!(confirmation(answer(status)), Confirmation::Unchecked(_)),
                "{status}"
            );
        }
        assert_eq!(
            confirmation(Ok(serde_json::json!({"aud": "x"}))),
            Confirmation::StillAccepted
        );
    }

    #[test]
    fn error_summaries_read_each_body_shape() {
        assert_eq!(
            error_summary(
                r#"{"error":"invalid_grant","error_description":"Token has been expired or revoked."}"#
            ),
            "invalid_grant: Token has been expired or revoked."
        );
        assert_eq!(
            error_summary(r#"{"error_code":403,"message":"Invalid access token."}"#),
            "Invalid access token."
        );
        assert_eq!(
            error_summary(
                r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED"}}"#
            ),
            "PERMISSION_DENIED: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)."
        );
        assert_eq!(error_summary("<html>\nError"), "<html>");
        assert_eq!(error_summary(""), "(empty body)");
    }
}
