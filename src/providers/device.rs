//! Signing in without a browser on this machine: the OAuth 2.0 device
//! authorization grant (RFC 8628). The issuer gives a code for the user to
//! enter at a URL on any device; tokentop polls the token endpoint at the
//! interval the issuer asks (slower after `slow_down`) until the user has
//! approved, refused, or the code expired.

use super::ProviderError;
use super::grant::{self, post_form};
use crate::model::{Credential, Secret, Token};
use crate::net::Http;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the user is asked to do, and what tokentop polls with.
pub struct DeviceLogin {
    /// Where the user goes.
    pub verification_uri: String,
    /// The same with the code filled in, when the issuer gives one.
    pub verification_uri_complete: Option<String>,
    /// What the user types there.
    pub user_code: String,
    /// When the code stops working.
    pub expires_at: DateTime<Utc>,
    /// How long to wait between polls.
    pub interval: Duration,
    device_code: Secret,
    token_endpoint: String,
}

/// One poll's answer.
pub enum Poll {
    /// Not approved yet: ask again after the interval.
    Pending,
    /// Asked too often: the interval grows by 5 s (RFC 8628 §3.5).
    SlowDown,
    /// Approved: the tokens (access, ID, refresh).
    Tokens(Vec<Token>),
}

#[derive(Deserialize)]
struct Authorization {
    device_code: String,
    user_code: String,
    /// Google spells it `verification_url`.
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    expires_in: i64,
    #[serde(default)]
    interval: Option<i64>,
}

/// Asks the issuer for a device code, for the profile's scopes and
/// `offline_access` (so the sign-in lasts past the first token).
pub async fn start(
    http: &Http,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<DeviceLogin, ProviderError> {
    let client = super::oidc::client(cred)?;
    let issuer = client.issuer;
    // The issuer's own document, its `issuer` checked.
    let discovery = super::oidc::metadata(http, issuer).await?;
    let endpoint = discovery.device_authorization_endpoint.ok_or_else(|| {
        ProviderError::config(
            issuer,
            "the issuer offers no device authorization (RFC 8628)",
        )
    })?;
    let scopes = super::sign_in::with_offline_access(&cred.scopes);
    let scope = scopes.join(" ");
    let form = client.form(vec![("scope", scope.as_str())]);
    let assertion = client.assertion(&endpoint, now)?;
    let answer = post_form(http, &endpoint, &form, client.auth(assertion.as_ref())).await?;
    // Where, not what: serde would quote the value, the device code perhaps.
    let said: Authorization = serde_json::from_str(&answer.body).map_err(|e| {
        let at = format!("line {}, column {}", e.line(), e.column());
        ProviderError::config(&endpoint, format!("not a device authorization ({at})"))
    })?;
    Ok(DeviceLogin {
        verification_uri: said.verification_uri,
        verification_uri_complete: said.verification_uri_complete,
        user_code: said.user_code,
        expires_at: now + Duration::seconds(said.expires_in.clamp(0, 3600)),
        // RFC 8628 §3.2: 5 s when the issuer does not say.
        interval: Duration::seconds(said.interval.unwrap_or(5).clamp(1, 60)),
        device_code: Secret::new(said.device_code),
        token_endpoint: super::oidc::own_token_endpoint(cred)
            .map_or(discovery.token_endpoint, str::to_string),
    })
}

/// Asks once whether the user has approved.
pub async fn poll(
    http: &Http,
    cred: &Credential,
    login: &DeviceLogin,
    now: DateTime<Utc>,
) -> Result<Poll, ProviderError> {
    let client = super::oidc::client(cred)?;
    let form = client.form(vec![
        ("grant_type", DEVICE_CODE),
        ("device_code", login.device_code.expose()),
    ]);
    let assertion = client.assertion(&login.token_endpoint, now)?;
    let auth = client.auth(assertion.as_ref());
    match grant::request_tokens(http, &login.token_endpoint, &form, auth, cred, now).await {
        Ok(tokens) => Ok(Poll::Tokens(tokens)),
        Err(ProviderError::Rejected {
            error: Some(code), ..
        }) if code == "authorization_pending" => Ok(Poll::Pending),
        Err(ProviderError::Rejected {
            error: Some(code), ..
        }) if code == "slow_down" => Ok(Poll::SlowDown),
        Err(e) => Err(e),
    }
}
