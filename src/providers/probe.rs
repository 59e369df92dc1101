//! The doctor's request: where a credential's token goes by default, what
//! kind of service that is, the one GET that carries the token, and what
//! its issuer says of it after a refusal.

use super::ProviderError;
use super::scrub::Sent;
use crate::model::{
    Credential, Material, Platform, ProbeResponse, Secret, Target, TargetKind, Token,
};
use crate::net::{Http, check_url};

/// Where the doctor sends a credential's token when not told: the
/// profile's `probe`, a Cloud Run service's URL (its audience), the
/// Databricks workspace's (or account's) SCIM `Me`, an OIDC issuer's
/// userinfo, or a Google project's bucket list.
pub async fn default_url(http: &Http, cred: &Credential) -> Result<String, String> {
    if let Some(url) = &cred.endpoints.probe {
        return Ok(url.clone());
    }
    if let Some(audience) = &cred.audience {
        return Ok(audience.clone());
    }
    if let Some(use_) = &cred.context.databricks {
        return Ok(match &use_.account_id {
            Some(account) => format!("{}/api/2.0/accounts/{account}/scim/v2/Me", use_.host),
            None => format!("{}/api/2.0/preview/scim/v2/Me", use_.host),
        });
    }
    if matches!(cred.material, Material::OidcClient { .. }) {
        return super::oidc::userinfo_endpoint(http, cred)
            .await
            .map_err(|e| e.to_string());
    }
    if cred.endpoints.tokeninfo.is_some()
        && let Some(project) = &cred.context.project
    {
        return Ok(format!(
            "https://storage.googleapis.com/storage/v1/b?project={project}"
        ));
    }
    Err(
        "no target known for it: give one (tokentop doctor PROFILE --url URL), \
         or set `probe` under the profile's [profile.endpoints]"
            .into(),
    )
}

/// The target `url` is for `cred`, its kind read from the host where it
/// says (`*.run.app`, `*.googleapis.com`, a Databricks host), else from
/// the credential; `kind` forces it.
pub fn target(cred: &Credential, url: &str, kind: Option<TargetKind>) -> Target {
    let parsed = url::Url::parse(url).ok();
    let origin = |u: &url::Url| u.origin().ascii_serialization();
    let databricks = cred.context.databricks.as_ref();
    let same_host = |host: &str| {
        let host = url::Url::parse(host).ok();
        parsed
            .as_ref()
            .zip(host.as_ref())
            .is_some_and(|(a, b)| origin(a) == origin(b))
    };
    let kind = kind
        .or_else(|| parsed.as_ref()?.host_str().and_then(TargetKind::from_host))
        .unwrap_or_else(|| {
            if databricks.is_some_and(|d| same_host(&d.host)) {
                TargetKind::Databricks
            } else if cred.platform == Platform::CloudRun {
                TargetKind::CloudRun
            } else if cred.endpoints.tokeninfo.is_some() {
                TargetKind::GoogleApi
            } else {
                TargetKind::OAuth
            }
        });
    Target {
        url: url.to_string(),
        kind,
        // Cloud Run takes its own URL as the audience.
        expected_audience: (kind == TargetKind::CloudRun)
            .then(|| parsed.as_ref().map(origin))
            .flatten(),
        workspace_id: databricks.and_then(|d| d.workspace_id.clone()),
    }
}

/// GETs `url` with the token as `Authorization: Bearer` (https, or http to
/// loopback; no redirect followed) and reads the answer, scrubbed of the
/// token should the server echo it.
pub async fn send(http: &Http, url: &str, token: &Secret) -> Result<ProbeResponse, ProviderError> {
    let parsed = check_url(url)?;
    let sent = Sent::default().and(token);
    let response = http
        .client()
        .get(parsed)
        .bearer_auth(token.expose())
        .send()
        .await
        .map_err(|e| ProviderError::network(url, &e, &sent))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = http
        .read_text(response)
        .await
        .map_err(|e| ProviderError::config(url, format!("the answer could not be read: {e}")))?;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    // Read whole, then every text kept is scrubbed of the token.
    let mut response = ProbeResponse::read(status, header, &body);
    response.map_text(|text| sent.scrub(text));
    Ok(response)
}

/// Whether the token's issuer still takes it, asked after a refusal:
/// Google's tokeninfo (an opaque access token) or the OIDC issuer's
/// introspection. `None` when there is nobody to ask or no clear answer.
pub async fn issuer_says_active(http: &Http, cred: &Credential, token: &Token) -> Option<bool> {
    if matches!(cred.material, Material::OidcClient { .. }) {
        let said = super::oidc::introspection(http, cred, token).await.ok()?;
        return said["active"].as_bool();
    }
    let url = cred.endpoints.tokeninfo.as_ref()?;
    if crate::inspect::jwt::decode(token.value.expose()).is_ok() {
        return None; // a JWT: tokeninfo reads opaque access tokens
    }
    match super::google::tokeninfo(http, url, token).await {
        Ok(_) => Some(true),
        Err(ProviderError::Rejected { status: 400, .. }) => Some(false),
        Err(_) => None,
    }
}
