//! Databricks OAuth M2M: client-credentials grant with HTTP Basic client
//! authentication, `scope=all-apis` by default (wire.md §3.4).

use super::ProviderError;
use super::family::{
    Ops, Pending, audience_as_asked, narrow_by_asking, no_advice, revoke_at_endpoint,
};
use super::grant::{self, ClientAuth};
use crate::model::{Capabilities, Credential, Material, Token};
use crate::net::Http;
use chrono::{DateTime, Utc};

/// Databricks OAuth service principals.
pub static M2M: Ops = Ops {
    refresh: client_credentials,
    revoke: revoke_at_endpoint,
    capabilities: m2m_capabilities,
    advice: no_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

/// Databricks documents no revocation endpoint (wire.md §4.2).
fn m2m_capabilities(cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: cred.endpoints.revoke.is_none().then_some(
            "Databricks has no token revocation endpoint: it stays valid until it expires",
        ),
        downscope_blocked: None,
    }
}

/// Obtains an access token (an RS256 `at+jwt`) for a service principal.
pub fn client_credentials<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
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
        let endpoint = super::databricks_oidc::token_endpoint(http, cred).await?;
        let scope = cred.scopes.join(" ");
        let mut form = vec![("grant_type", "client_credentials")];
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        grant::request_tokens(
            http,
            &endpoint,
            &form,
            ClientAuth::Basic(client_id, client_secret),
            cred,
            now,
        )
        .await
    })
}
