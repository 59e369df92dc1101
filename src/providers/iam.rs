//! IAM Service Account Credentials (wire.md §2.7): a service account's
//! access token, asked for with another principal's token.

use super::ProviderError;
use super::grant::{id_token_of, post_json};
use crate::model::{Secret, Token, TokenRole, check_token_value};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The scope google-auth gives a caller's token before it asks IAM
/// Credentials for another account's (`iam._IAM_SCOPE`).
pub const IAM_SCOPE: &str = "https://www.googleapis.com/auth/iam";

/// What to ask `generateAccessToken` for.
pub struct Impersonation<'a> {
    /// The `…:generateAccessToken` URL.
    pub url: &'a str,
    /// The delegation chain, as the credential names it.
    pub delegates: &'a [String],
    /// Scopes for the new token.
    pub scopes: &'a [String],
    /// Its lifetime in seconds (Google's default, one hour, when `None`).
    pub lifetime: Option<u64>,
}

/// The target's access token, made from `caller` (its parent).
pub async fn generate_access_token(
    http: &crate::net::Http,
    ask: &Impersonation<'_>,
    caller: &Token,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    let body = json!({
        "delegates": ask.delegates,
        "scope": ask.scopes,
        "lifetime": format!("{}s", ask.lifetime.unwrap_or(3600)),
    });
    let answer = post_json(http, ask.url, &body, &caller.value).await?;
    let bad =
        |what: &str| ProviderError::config(ask.url, format!("generateAccessToken answer: {what}"));
    // Never quoted in an error: the answer holds a token.
    let fields: Value = serde_json::from_str(&answer.body).map_err(|_| bad("not JSON"))?;
    let value = fields
        .get("accessToken")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no `accessToken`"))?;
    check_token_value(value).map_err(|why| bad(&format!("`accessToken` {why}")))?;
    let expires_at = fields
        .get("expireTime")
        .and_then(Value::as_str)
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| bad("`expireTime` is not an RFC 3339 time"))
        })
        .transpose()?;
    Ok(Token {
        expires_at,
        scopes: ask.scopes.to_vec(),
        parent: Some(caller.value.fingerprint()),
        ..Token::obtained(TokenRole::Access, Secret::new(value), now)
    })
}

/// The target's ID token for `audience` (a Cloud Run service URL), made
/// from `caller`: `generateIdToken` beside the `generateAccessToken` URL.
pub async fn generate_id_token(
    http: &crate::net::Http,
    ask: &Impersonation<'_>,
    audience: &str,
    caller: &Token,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    let url = ask
        .url
        .strip_suffix(":generateAccessToken")
        .map(|base| format!("{base}:generateIdToken"))
        .ok_or_else(|| ProviderError::config(ask.url, "not a `…:generateAccessToken` URL"))?;
    let body = json!({
        "delegates": ask.delegates,
        "audience": audience,
        "includeEmail": true,
    });
    let answer = post_json(http, &url, &body, &caller.value).await?;
    let bad = |what: &str| ProviderError::config(&url, format!("generateIdToken answer: {what}"));
    let fields: Value = serde_json::from_str(&answer.body).map_err(|_| bad("not JSON"))?;
    let value = fields
        .get("token")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no `token`"))?;
    check_token_value(value).map_err(|why| bad(&format!("`token` {why}")))?;
    Ok(Token {
        parent: Some(caller.value.fingerprint()),
        ..id_token_of(Secret::new(value), &answer.sent, now, &url)?
    })
}
