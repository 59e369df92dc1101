//! Where a Databricks workspace's token endpoint is, found as databricks-sdk
//! finds it (wire.md §3.3): the host's metadata
//! (`/.well-known/databricks-config`) names its OIDC endpoint, whose RFC 8414
//! document names the token endpoint. A host without metadata has its OIDC
//! at the documented `/oidc`; one without a discovery document has its
//! token endpoint at the documented `/oidc/v1/token`. Documents are reused
//! for an hour, and an endpoint on another origin than the host is refused:
//! a client secret or refresh token is only ever sent to the workspace.

use super::ProviderError;
use super::grant::get_document;
use crate::model::Credential;
use crate::net::Http;
use serde::Deserialize;

/// The host metadata fields the SDK reads.
#[derive(Deserialize)]
struct HostMetadata {
    oidc_endpoint: Option<String>,
}

/// The RFC 8414 field the SDK reads for a grant.
#[derive(Deserialize)]
struct Discovery {
    token_endpoint: String,
    #[serde(default)]
    authorization_endpoint: Option<String>,
}

/// A workspace's (or account's) OAuth endpoints.
pub struct Endpoints {
    /// Where tokens are asked for.
    pub token: String,
    /// Where a browser signs in.
    pub authorization: String,
}

/// Reads a document as `T`, refusing one whose `url` field is not a plain
/// URL (a document that is refused is not remembered).
fn read<T: for<'de> Deserialize<'de>>(
    what: &'static str,
    url: fn(&T) -> Option<&str>,
) -> impl Fn(&str) -> Result<T, String> {
    move |body| {
        let document: T = serde_json::from_str(body).map_err(|e| format!("not {what}: {e}"))?;
        match url(&document) {
            Some(u) if u.chars().any(char::is_control) || url::Url::parse(u).is_err() => {
                Err(format!("{what} names an endpoint that is not a URL"))
            }
            _ => Ok(document),
        }
    }
}

/// The token endpoint for `cred`'s grants: found through its host's
/// documents when it has a discovery URL, else the fixed one.
pub async fn token_endpoint(http: &Http, cred: &Credential) -> Result<String, ProviderError> {
    endpoints(http, cred).await.map(|e| e.token)
}

/// The token and authorization endpoints, found as [`token_endpoint`]
/// finds the first; a document without the second means the documented
/// `…/v1/authorize` beside the token endpoint.
pub async fn endpoints(http: &Http, cred: &Credential) -> Result<Endpoints, ProviderError> {
    let documented = cred.endpoints.token.as_str();
    let default_issuer = documented.strip_suffix("/v1/token").unwrap_or(documented);
    let documented_endpoints = || Endpoints {
        token: documented.to_string(),
        authorization: format!("{default_issuer}/v1/authorize"),
    };
    let dbx = cred.context.databricks.as_ref();
    // A profile's `discovery_url` names the document itself, as the SDK
    // reads it: no host metadata is asked; it must be on the host's origin.
    if let Some(url) = dbx.and_then(|d| d.discovery_url.as_deref()) {
        let host = dbx.map_or("", |d| d.host.as_str());
        same_origin(host, url, "discovery_url")?;
        let issuer = url
            .strip_suffix("/.well-known/oauth-authorization-server")
            .unwrap_or(default_issuer);
        return discovered(http, url, issuer, documented_endpoints).await;
    }
    let Some(metadata_url) = cred.endpoints.discovery.as_deref() else {
        return Ok(documented_endpoints());
    };
    let issuer = match get_document(
        http,
        metadata_url,
        read("host metadata", |m: &HostMetadata| {
            m.oidc_endpoint.as_deref()
        }),
    )
    .await
    {
        Ok(HostMetadata {
            oidc_endpoint: Some(endpoint),
        }) => {
            let account = cred
                .context
                .databricks
                .as_ref()
                .and_then(|d| d.account_id.as_deref());
            match (endpoint.contains("{account_id}"), account) {
                (true, Some(id)) => endpoint.replace("{account_id}", id),
                (true, None) => default_issuer.to_string(),
                (false, _) => endpoint,
            }
        }
        // No metadata (an older workspace, or a proxy): the documented
        // layout, as the SDK falls back to its explicit configuration.
        Err(ProviderError::Rejected { status: 404, .. }) => {
            // A host that publishes none says so for the hour too: the
            // next grants do not ask again.
            http.remember(metadata_url, "{}");
            default_issuer.to_string()
        }
        Ok(HostMetadata {
            oidc_endpoint: None,
        })
        | Err(ProviderError::Rejected { .. } | ProviderError::Config { .. }) => {
            default_issuer.to_string()
        }
        Err(unreachable) => return Err(unreachable),
    };
    same_origin(metadata_url, &issuer, "oidc_endpoint")?;
    let issuer = issuer.trim_end_matches('/');
    let discovery_url = format!("{issuer}/.well-known/oauth-authorization-server");
    discovered(http, &discovery_url, issuer, documented_endpoints).await
}

/// The endpoints the RFC 8414 document at `discovery_url` names (on its
/// own origin); where there is none, `documented`.
async fn discovered(
    http: &Http,
    discovery_url: &str,
    issuer: &str,
    documented: impl FnOnce() -> Endpoints,
) -> Result<Endpoints, ProviderError> {
    match get_document(
        http,
        discovery_url,
        read("a discovery document", |d: &Discovery| {
            Some(d.token_endpoint.as_str())
        }),
    )
    .await
    {
        Ok(Discovery {
            token_endpoint,
            authorization_endpoint,
        }) => {
            same_origin(discovery_url, &token_endpoint, "token_endpoint")?;
            let authorization =
                authorization_endpoint.unwrap_or_else(|| format!("{issuer}/v1/authorize"));
            same_origin(discovery_url, &authorization, "authorization_endpoint")?;
            Ok(Endpoints {
                token: token_endpoint,
                authorization,
            })
        }
        Err(ProviderError::Rejected { status: 404, .. }) => Ok(documented()),
        Err(e) => Err(e),
    }
}

/// Refuses a discovered `found` on another origin than the document `at`.
fn same_origin(at: &str, found: &str, field: &str) -> Result<(), ProviderError> {
    let origin = |url: &str| {
        url::Url::parse(url)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    match (origin(at), origin(found)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(ProviderError::config(
            at,
            format!("`{field}` {found} is not on the workspace's own origin: not used"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::same_origin;

    #[test]
    fn a_discovered_endpoint_must_stay_on_the_workspace() {
        let at = "https://adb-1.azuredatabricks.net/.well-known/databricks-config";
        assert!(
            same_origin(
                at,
                "https://adb-1.azuredatabricks.net/oidc",
                "oidc_endpoint"
            )
            .is_ok()
        );
        let elsewhere = same_origin(at, "https://evil.example/oidc", "oidc_endpoint")
            .expect_err("another host")
            .to_string();
        assert!(
            elsewhere.contains("not on the workspace's own origin"),
            "{elsewhere}"
        );
        assert!(same_origin(at, "http://adb-1.azuredatabricks.net/oidc", "x").is_err());
        assert!(same_origin(at, "not a url", "x").is_err());
    }
}
