//! Downscoping (wire.md §2.8): a token narrowed from the credential's
//! current access token, either by asking its family for fewer scopes or
//! by exchanging it at STS under a Credential Access Boundary, as
//! google-auth's `downscoped.Credentials` does. The new token is a child
//! of the one it came from and never outlives it.

use super::ProviderError;
use super::family::family;
use super::grant::{self, ClientAuth};
use crate::model::{Credential, Downscope, Token, TokenRole};
use crate::net::Http;
use chrono::{DateTime, Utc};

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A token narrowed from `source` (the credential's access token) as `ask` says.
pub async fn downscope(
    http: &Http,
    cred: &Credential,
    source: &Token,
    ask: &Downscope,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    let minted = match ask {
        Downscope::Scopes(scopes) => narrowed(http, cred, scopes, now).await?,
        Downscope::Boundary(boundary) => {
            boundary
                .check()
                .map_err(|why| ProviderError::config("access boundary", why))?;
            let sts = cred.endpoints.sts.as_deref().ok_or_else(|| {
                ProviderError::config(
                    &cred.provenance.profile,
                    "no STS endpoint to downscope at (set `sts` in the profile's endpoints)",
                )
            })?;
            // google-auth percent-encodes the JSON, and the form encodes it again.
            let json = serde_json::to_string(boundary)
                .map_err(|e| ProviderError::config("access boundary", e.to_string()))?;
            let options: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
            let form = [
                ("grant_type", TOKEN_EXCHANGE),
                ("subject_token", source.value.expose()),
                ("subject_token_type", ACCESS_TOKEN_TYPE),
                ("requested_token_type", ACCESS_TOKEN_TYPE),
                ("options", options.as_str()),
            ];
            let mut tokens =
                grant::request_tokens(http, sts, &form, ClientAuth::None, cred, now).await?;
            let mut token = tokens
                .drain(..)
                .find(|t| t.role == TokenRole::Access)
                .ok_or_else(|| ProviderError::config(sts, "STS gave no access token"))?;
            // STS may leave out `expires_in`: the source's expiry holds.
            token.scopes = source.scopes.clone();
            token
        }
    };
    Ok(Token {
        role: TokenRole::Downscoped,
        parent: Some(source.value.fingerprint()),
        // Never longer than the token it came from.
        expires_at: match (minted.expires_at, source.expires_at) {
            (Some(own), Some(theirs)) => Some(own.min(theirs)),
            (own, theirs) => own.or(theirs),
        },
        ..minted
    })
}

/// A new access token with only `scopes`, from the credential's own family.
async fn narrowed(
    http: &Http,
    cred: &Credential,
    scopes: &[String],
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    if scopes.is_empty() {
        return Err(ProviderError::config("scopes", "name at least one scope"));
    }
    let narrow = Credential {
        scopes: scopes.to_vec(),
        audience: None,
        ..cred.clone()
    };
    family(&narrow)
        .refresh(http, &narrow, now)
        .await?
        .into_iter()
        .find(|t| t.role == TokenRole::Access)
        .ok_or_else(|| ProviderError::config(&cred.provenance.profile, "no access token came"))
}
