//! Databricks OAuth M2M: client-credentials grant with HTTP Basic client
//! authentication, `scope=all-apis` by default (wire.md §3.4).

use super::{ProviderError, oauth};
use crate::model::{Credential, Material, Token};
use crate::net::Http;
use chrono::{DateTime, Utc};
use oauth2::Scope;

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
    let response = oauth::client(
        endpoint,
        client_id,
        client_secret,
        oauth2::AuthType::BasicAuth,
    )?
    .exchange_client_credentials()
    .add_scopes(cred.scopes.iter().map(|s| Scope::new(s.clone())))
    .request_async(http)
    .await
    .map_err(|e| oauth::error(endpoint, e, &[client_secret]))?;
    Ok(oauth::access_token(&response, cred, now))
}
