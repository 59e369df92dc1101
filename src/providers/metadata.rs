//! The Google metadata server (VMs, Dataproc and Dataflow workers, Cloud
//! Run): its service accounts and their tokens (wire.md §1.4). No secret
//! is sent; every request carries `Metadata-Flavor: Google` and every
//! answer must carry it back.

use super::ProviderError;
use super::family::{
    Ops, Pending, audience_as_asked, narrow_by_asking, no_advice, revoke_at_endpoint,
};
use super::grant::{self, Answer};
use super::scrub::Sent;
use crate::model::{
    Capabilities, Credential, Material, MetadataAccount, MetadataMachine, Secret, Token,
};
use crate::net::{Http, check_metadata_url};
use chrono::{DateTime, Utc};

const FLAVOR: &str = "Metadata-Flavor";

/// A metadata server's service account.
pub static METADATA_SERVER: Ops = Ops {
    refresh: token,
    revoke: revoke_at_endpoint,
    capabilities: metadata_capabilities,
    advice: no_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

/// Its token is everyone's on the machine.
fn metadata_capabilities(_cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: Some(
            "the metadata server's token is shared by everything on the machine: revoking it would break them until it rotates",
        ),
        downscope_blocked: None,
    }
}

/// The service account's token, as the metadata server hands it out; for
/// a profile with an audience (Cloud Run), its ID token from the identity
/// endpoint, with the full claims (email included).
fn token<'a>(http: &'a Http, cred: &'a Credential, now: DateTime<Utc>) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let Material::GoogleMetadata { host, account } = &cred.material else {
            return Err(ProviderError::config(&cred.id.0, "not a metadata server"));
        };
        let base = format!("http://{host}/computeMetadata/v1/instance/service-accounts/{account}");
        if let Some(audience) = &cred.audience {
            let mut url = url::Url::parse(&format!("{base}/identity"))
                .map_err(|e| ProviderError::config(&base, e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("audience", audience)
                .append_pair("format", "full");
            let body = get(http, url.as_str()).await?;
            let value = body.trim();
            crate::model::check_token_value(value)
                .map_err(|why| ProviderError::config(url.as_str(), format!("identity: {why}")))?;
            let token =
                grant::id_token_of(Secret::new(value), &Sent::default(), now, url.as_str())?;
            return Ok(vec![token]);
        }
        let url = format!("{base}/token");
        let body = get(http, &url).await?;
        let answer = Answer {
            body,
            sent: Sent::default(),
        };
        grant::tokens(grant::parse_grant(answer, &url)?, cred, now, &url)
    })
}

/// GETs a metadata path from `host` and returns the body; an answer
/// without `Metadata-Flavor: Google` is not the metadata server.
pub async fn get(http: &Http, url: &str) -> Result<String, ProviderError> {
    let parsed = check_metadata_url(url)?;
    let response = http
        .client()
        .get(parsed)
        .header(FLAVOR, "Google")
        .send()
        .await
        .map_err(|e| ProviderError::network(url, &e, &Sent::default()))?;
    let status = response.status().as_u16();
    let genuine = response
        .headers()
        .get(FLAVOR)
        .is_some_and(|v| v.as_bytes() == b"Google");
    let body = http
        .read_text(response)
        .await
        .map_err(|e| ProviderError::network(url, &e, &Sent::default()))?;
    if !(200..300).contains(&status) {
        return Err(ProviderError::rejected(
            url,
            status,
            &body,
            &Sent::default(),
        ));
    }
    if !genuine {
        return Err(ProviderError::config(
            url,
            "the answer lacks `Metadata-Flavor: Google`: not a metadata server",
        ));
    }
    Ok(body)
}

/// Asks the metadata server at `host` for its project, zone and service
/// accounts. The project and zone are facts to show: their absence is not
/// an error (Cloud Run has no zone).
pub async fn probe(http: &Http, host: &str) -> Result<MetadataMachine, ProviderError> {
    let base = format!("http://{host}/computeMetadata/v1");
    let listing = get(http, &format!("{base}/instance/service-accounts/")).await?;
    let mut names: Vec<String> = listing
        .lines()
        .map(|l| l.trim().trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    names.sort_by_key(|n| n != "default");
    let mut accounts: Vec<MetadataAccount> = Vec::new();
    for name in names {
        let url = format!("{base}/instance/service-accounts/{name}/?recursive=true");
        let account: MetadataAccount = serde_json::from_str(&get(http, &url).await?)
            .map_err(|e| ProviderError::config(&url, format!("not an account: {e}")))?;
        if !accounts.iter().any(|a| a.email == account.email) {
            accounts.push(account);
        }
    }
    let text = |body: String| Some(body.trim().to_string()).filter(|t| !t.is_empty());
    let project = get(http, &format!("{base}/project/project-id"))
        .await
        .ok()
        .and_then(text);
    let zone = get(http, &format!("{base}/instance/zone"))
        .await
        .ok()
        .and_then(text)
        .map(|z| z.rsplit('/').next().unwrap_or(&z).to_string());
    Ok(MetadataMachine {
        host: host.to_string(),
        project,
        zone,
        accounts,
    })
}
