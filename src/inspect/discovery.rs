//! Issuer discovery: where an issuer publishes its keys.

use crate::net::{Http, check_url};

/// Finds `jwks_uri` for `issuer` through OIDC discovery, then RFC 8414 with the
/// issuer path first (the Databricks layout). The document's `issuer` must
/// equal the one asked for.
pub async fn jwks_uri(http: &Http, issuer: &str) -> Result<String, String> {
    let issuer = issuer.trim_end_matches('/');
    let mut tried = Vec::new();
    for doc in ["openid-configuration", "oauth-authorization-server"] {
        let url = format!("{issuer}/.well-known/{doc}");
        let parsed = check_url(&url).map_err(|e| e.to_string())?;
        let Ok(response) = http.client().get(parsed).send().await else {
            tried.push(format!("{url}: unreachable"));
            continue;
        };
        if !response.status().is_success() {
            tried.push(format!("{url}: HTTP {}", response.status().as_u16()));
            continue;
        }
        let text = http
            .read_text(response)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let body: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{url}: not a discovery document: {e}"))?;
        let named = body
            .get("issuer")
            .and_then(|v| v.as_str())
            .map(|s| s.trim_end_matches('/'));
        if named != Some(issuer) {
            return Err(format!("{url}: names issuer {named:?}, expected {issuer}"));
        }
        return body
            .get("jwks_uri")
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("{url}: no jwks_uri"));
    }
    Err(format!("no discovery document: {}", tried.join("; ")))
}
