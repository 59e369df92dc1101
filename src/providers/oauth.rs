//! The standard grants (RFC 6749 refresh-token and client-credentials)
//! through the oauth2 crate: one client builder, one response mapping, one
//! error mapping for every provider that uses them.

use super::ProviderError;
use crate::model::{Credential, Secret, Token, TokenKind, expiry_after};
use crate::net::check_url;
use chrono::{DateTime, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{ClientId, ClientSecret, EndpointNotSet, EndpointSet, TokenResponse, TokenUrl};

/// A client with only its token endpoint set.
pub type TokenClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// A client for `endpoint` (checked: https, or http to loopback) that
/// authenticates as `client_id`/`secret` the way `auth` says.
pub fn client(
    endpoint: &str,
    client_id: &str,
    secret: &Secret,
    auth: oauth2::AuthType,
) -> Result<TokenClient, ProviderError> {
    check_url(endpoint)?;
    let token_url = TokenUrl::new(endpoint.to_string())
        .map_err(|e| ProviderError::config(endpoint, e.to_string()))?;
    Ok(BasicClient::new(ClientId::new(client_id.to_string()))
        .set_client_secret(ClientSecret::new(secret.expose().to_string()))
        .set_auth_type(auth)
        .set_token_uri(token_url))
}

/// The access token of a grant response. Scopes fall back to the requested
/// ones (RFC 6749 §5.1: omitted means as requested); a JWT's `aud` is read.
pub fn access_token(response: &BasicTokenResponse, cred: &Credential, now: DateTime<Utc>) -> Token {
    let value = Secret::new(response.access_token().secret().clone());
    let audience = crate::inspect::jwt::peek_claims(value.expose())
        .ok()
        .and_then(|claims| {
            claims
                .get("aud")
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
        });
    Token {
        kind: TokenKind::Access,
        issued_at: now,
        expires_at: response
            .expires_in()
            .and_then(|d| expiry_after(now, i64::try_from(d.as_secs()).ok()?)),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|x| x.to_string()).collect())
            .unwrap_or_else(|| cred.scopes.clone()),
        audience,
        value,
    }
}

/// Turns the oauth2 crate's error into ours, keeping the server's words
/// (scrubbed of the secrets `sent`).
pub fn error<E: std::error::Error + 'static>(
    endpoint: &str,
    err: oauth2::RequestTokenError<E, BasicErrorResponse>,
    sent: &[&Secret],
) -> ProviderError {
    use oauth2::RequestTokenError as R;
    match err {
        R::ServerResponse(body) => {
            let description = body
                .error_description()
                .map(|d| format!(": {d}"))
                .unwrap_or_default();
            ProviderError::OAuth {
                endpoint: endpoint.to_string(),
                message: super::scrub(&format!("{}{description}", body.error()), sent),
            }
        }
        R::Request(e) => ProviderError::network(endpoint, &e),
        R::Parse(e, _) => {
            ProviderError::config(endpoint, format!("unexpected token response: {e}"))
        }
        R::Other(m) => ProviderError::config(endpoint, m),
    }
}
