//! Databricks OAuth M2M: client-credentials grant with HTTP Basic client
//! authentication, `scope=all-apis` by default (wire.md §3.4).

use super::ProviderError;
use super::grant::{self, ClientAuth, post_form};
use crate::model::{Credential, Material, Token};
use crate::net::Http;
use chrono::{DateTime, Utc};

/// Obtains an access token (an RS256 `at+jwt`) for a service principal.
pub async fn client_credentials(
    http: &Http,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
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
    let scope = cred.scopes.join(" ");
    let mut form = vec![("grant_type", "client_credentials")];
    if !scope.is_empty() {
        form.push(("scope", &scope));
    }
    let answer = post_form(
        http,
        endpoint,
        &form,
        ClientAuth::Basic(client_id, client_secret),
    )
    .await?;
    grant::tokens(grant::parse_grant(answer, endpoint)?, cred, now, endpoint)
}
