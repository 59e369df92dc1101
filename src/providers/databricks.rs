//! Databricks OAuth M2M: client-credentials grant with HTTP Basic client
//! authentication, `scope=all-apis` by default (wire.md §3.4).

use super::ProviderError;
use super::google::oauth2_error;
use crate::model::{Credential, Material, Secret, Token, TokenKind};
use crate::net::{Http, check_url};
use chrono::{DateTime, Duration, Utc};
use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl, basic::BasicClient};

/// Obtains an access token (an RS256 `at+jwt`) for a service principal.
pub async fn client_credentials(
    http: &Http,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    let Material::DatabricksM2m {
        client_id,
        client_secret,
    } = &cred.material
    else {
        return Err(ProviderError::config(
            &cred.id.0,
            "not a Databricks M2M credential",
        ));
    };
    let endpoint = cred.endpoints.token.as_str();
    check_url(endpoint)?;
    let token_url = TokenUrl::new(endpoint.to_string())
        .map_err(|e| ProviderError::config(endpoint, e.to_string()))?;
    let client = BasicClient::new(ClientId::new(client_id.clone()))
        .set_client_secret(ClientSecret::new(client_secret.expose().to_string()))
        .set_auth_type(oauth2::AuthType::BasicAuth)
        .set_token_uri(token_url);
    let response = client
        .exchange_client_credentials()
        .add_scopes(cred.scopes.iter().map(|s| Scope::new(s.clone())))
        .request_async(http)
        .await
        .map_err(|e| oauth2_error(endpoint, e))?;
    let value = Secret::new(response.access_token().secret().clone());
    let claims = crate::inspect::jwt::peek_claims(value.expose()).ok();
    let audience = claims
        .as_ref()
        .and_then(|c| c.get("aud"))
        .map(|a| match a.as_str() {
            Some(s) => s.to_string(),
            None => a.to_string(),
        });
    Ok(Token {
        kind: TokenKind::Access,
        issued_at: now,
        expires_at: response
            .expires_in()
            .and_then(|d| Duration::from_std(d).ok())
            .map(|d| now + d),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|x| x.to_string()).collect())
            .unwrap_or_else(|| cred.scopes.clone()),
        audience,
        value,
    })
}
