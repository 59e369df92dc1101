//! Who signs in where, per family: the issuer's authorization and token
//! endpoints, the client, the scopes and parameters its issuer wants for a
//! lasting sign-in, and how the client proves itself when trading the code.

use super::ProviderError;
use super::grant::ClientAuth;
use crate::model::{Credential, Material};
use crate::net::Http;

/// What a browser sign-in of one credential asks, and of whom.
pub struct Plan {
    /// Where the browser signs in.
    pub authorization_endpoint: String,
    /// Where the code is traded for tokens.
    pub token_endpoint: String,
    /// The OAuth client.
    pub client_id: String,
    /// The scopes asked for.
    pub scopes: Vec<String>,
    /// More parameters of the authorization request.
    pub extra: Vec<(&'static str, String)>,
    /// Where the browser returns unless the profile says: the loopback
    /// address the client is registered with.
    pub default_redirect: &'static str,
}

/// Google's user scopes a sign-in always asks (gcloud's ADC login's).
const GOOGLE_USER_SCOPES: [&str; 3] = [
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
    "https://www.googleapis.com/auth/cloud-platform",
];

/// The sign-in `cred` would make, its endpoints looked up where its
/// family publishes them.
pub async fn plan(http: &Http, cred: &Credential) -> Result<Plan, ProviderError> {
    match &cred.material {
        Material::OidcClient { .. } => {
            let client = super::oidc::client(cred)?;
            let meta = super::oidc::metadata(http, client.issuer).await?;
            let authorization_endpoint = meta.authorization_endpoint.clone().ok_or_else(|| {
                ProviderError::config(
                    client.issuer,
                    "the issuer publishes no authorization_endpoint",
                )
            })?;
            let mut extra = vec![
                // OIDC Core §11: offline access is granted on a consent prompt.
                ("prompt", "consent".to_string()),
            ];
            extra.extend(client.resource().map(|r| ("resource", r.to_string())));
            Ok(Plan {
                authorization_endpoint,
                token_endpoint: super::oidc::own_token_endpoint(cred)
                    .map_or(meta.token_endpoint, str::to_string),
                client_id: client.id.to_string(),
                scopes: with_offline_access(&cred.scopes),
                extra,
                default_redirect: "http://127.0.0.1/callback",
            })
        }
        Material::GoogleUser { client_id, .. } => Ok(Plan {
            authorization_endpoint: google_authorization_endpoint(http, cred).await?,
            token_endpoint: cred.endpoints.token.clone(),
            client_id: client_id.clone(),
            // Who signed in (the ID token's email), and what it may do.
            scopes: {
                let mut scopes = GOOGLE_USER_SCOPES.map(String::from).to_vec();
                for scope in &cred.scopes {
                    if !scopes.contains(scope) {
                        scopes.push(scope.clone());
                    }
                }
                scopes
            },
            // Google's way to a refresh token (not the offline_access scope).
            extra: vec![
                ("access_type", "offline".to_string()),
                ("prompt", "consent".to_string()),
            ],
            default_redirect: "http://127.0.0.1/",
        }),
        Material::DatabricksU2m { client_id, .. } => {
            let endpoints = super::databricks_oidc::endpoints(http, cred).await?;
            let configured = cred
                .context
                .databricks
                .as_ref()
                .and_then(|d| d.scopes.clone())
                .unwrap_or_else(|| vec!["all-apis".to_string()]);
            Ok(Plan {
                authorization_endpoint: endpoints.authorization,
                token_endpoint: endpoints.token,
                client_id: client_id.clone(),
                scopes: with_offline_access(&configured),
                extra: Vec::new(),
                // The Databricks CLI's registered redirect (wire.md §3.5).
                default_redirect: "http://localhost:8020",
            })
        }
        _ => Err(ProviderError::config(
            &cred.provenance.profile,
            "its own tool signs it in, not tokentop",
        )),
    }
}

/// How the client proves itself when trading the code: a Google installed
/// app with its secret in the form, a public client by its id alone.
pub fn client_auth(cred: &Credential) -> Option<ClientAuth<'_>> {
    match &cred.material {
        Material::GoogleUser {
            client_id,
            client_secret,
            ..
        } => Some(ClientAuth::InBody(client_id, client_secret)),
        Material::DatabricksU2m { .. } => Some(ClientAuth::None),
        _ => None,
    }
}

/// `scopes` and `offline_access` (OIDC Core §11), for a sign-in that lasts
/// past its first token.
pub(super) fn with_offline_access(scopes: &[String]) -> Vec<String> {
    let mut scopes = scopes.to_vec();
    if !scopes.iter().any(|s| s == "offline_access") {
        scopes.push("offline_access".into());
    }
    scopes
}

/// Google's authorization endpoint, from the discovery document of the
/// issuer behind the credential's token endpoint: Google's own, or (a
/// local service standing in for it) the token endpoint's origin.
async fn google_authorization_endpoint(
    http: &Http,
    cred: &Credential,
) -> Result<String, ProviderError> {
    let token = cred.endpoints.token.as_str();
    let issuer = if token.starts_with("https://oauth2.googleapis.com/")
        || token.starts_with("https://accounts.google.com/")
    {
        "https://accounts.google.com".to_string()
    } else {
        url::Url::parse(token)
            .map_err(|e| ProviderError::config(token, e.to_string()))?
            .origin()
            .ascii_serialization()
    };
    let url = format!("{issuer}/.well-known/openid-configuration");
    let read = |body: &str| -> Result<String, String> {
        let doc: serde_json::Value =
            serde_json::from_str(body).map_err(|e| format!("not a discovery document: {e}"))?;
        doc["authorization_endpoint"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| "no authorization_endpoint".to_string())
    };
    super::grant::get_document(http, &url, read).await
}
