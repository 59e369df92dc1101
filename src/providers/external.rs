//! Google workload and workforce identity federation (wire.md §1.2, §2.8):
//! an `external_account`'s subject token exchanged at STS, then
//! impersonation when the file names a service account.

use super::ProviderError;
use super::executable;
use super::family::{
    Ops, Pending, audience_as_asked, narrow_by_asking, no_advice, revoke_at_endpoint,
};
use super::grant::{self, ACCESS_TOKEN_TYPE, ClientAuth, TOKEN_EXCHANGE};
use super::iam::{IAM_SCOPE, Impersonation, generate_access_token};
use super::scrub::Sent;
use crate::model::{Capabilities, Credential, Material, Secret, SubjectSource, Token, TokenRole};
use crate::net::{Http, check_url};
use chrono::{DateTime, Utc};

/// Workload and workforce identity federation.
pub static FEDERATED: Ops = Ops {
    refresh: exchange,
    revoke: revoke_at_endpoint,
    capabilities: federated_capabilities,
    advice: no_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

fn federated_capabilities(_cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: Some(
            "Google cannot revoke a federated token: it stays valid until it expires. \
             To cut access, remove the pool's IAM binding (or disable the provider)",
        ),
        downscope_blocked: None,
    }
}

fn exchange<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let Material::GoogleExternal {
            audience,
            subject_token_type,
            subject,
            subject_field,
            token_url,
            impersonation_url,
            impersonation_lifetime,
            workforce_pool_user_project,
            client_id,
            client_secret,
        } = &cred.material
        else {
            return Err(ProviderError::config(
                &cred.id.0,
                "not a federated credential",
            ));
        };
        // What a command source is told, as google-auth tells it.
        let ask = executable::Ask {
            audience,
            token_type: subject_token_type,
            impersonated_email: Some(cred.principal.as_str()).filter(|p| !p.is_empty()),
        };
        let subject_token =
            subject_token(http, subject, subject_field.as_deref(), cred, ask, now).await?;
        // Before impersonation, google-auth asks STS for the IAM scope
        // alone; otherwise for the credential's own scopes. STS does not
        // say what it granted, so the token is labelled with what was asked.
        let asked = Credential {
            scopes: match impersonation_url {
                Some(_) => vec![IAM_SCOPE.to_string()],
                None => cred.scopes.clone(),
            },
            ..cred.clone()
        };
        let scopes = asked.scopes.join(" ");
        // google-auth sends `options` percent-encoded and then form-encoded.
        let options = match (workforce_pool_user_project, client_id) {
            (Some(project), None) => {
                let json = serde_json::json!({ "userProject": project }).to_string();
                Some(url::form_urlencoded::byte_serialize(json.as_bytes()).collect::<String>())
            }
            _ => None,
        };
        let mut form = vec![
            ("grant_type", TOKEN_EXCHANGE),
            ("audience", audience.as_str()),
            ("scope", scopes.as_str()),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("subject_token", subject_token.expose()),
            ("subject_token_type", subject_token_type.as_str()),
        ];
        if let Some(options) = &options {
            form.push(("options", options));
        }
        let auth = match (client_id, client_secret) {
            (Some(id), Some(secret)) => ClientAuth::Basic(id, secret),
            _ => ClientAuth::None,
        };
        let mut tokens = grant::request_tokens(http, token_url, &form, auth, &asked, now).await?;
        let Some(url) = impersonation_url else {
            return Ok(tokens);
        };
        let federated = tokens
            .iter_mut()
            .find(|t| t.role == TokenRole::Access)
            .ok_or_else(|| ProviderError::config(token_url, "STS gave no access token"))?;
        federated.role = TokenRole::Exchanged;
        let federated = federated.clone();
        let ask = Impersonation {
            url,
            delegates: &[],
            scopes: &cred.scopes,
            lifetime: *impersonation_lifetime,
        };
        let target = generate_access_token(http, &ask, &federated, now).await?;
        Ok(vec![target, federated])
    })
}

/// The subject token, from where the credential says: a file, a URL, or
/// (only with [`executable::ALLOW_EXECUTABLES`]) a command.
async fn subject_token(
    http: &Http,
    subject: &SubjectSource,
    field: Option<&str>,
    cred: &Credential,
    ask: executable::Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Secret, ProviderError> {
    let (raw, from) = match subject {
        SubjectSource::File(path) => {
            let text = crate::files::read_text(std::path::Path::new(path))
                .map_err(|e| ProviderError::config(path, format!("subject token: {e}")))?;
            (Secret::new(text), path.clone())
        }
        SubjectSource::Url { url, headers } => {
            (fetch_subject(http, url, headers).await?, url.clone())
        }
        SubjectSource::Executable(exe) => {
            // Its answer is JSON of its own, read there.
            return executable::subject_token(exe, ask, now).await;
        }
        SubjectSource::Aws | SubjectSource::Certificate => {
            return Err(ProviderError::config(
                &cred.provenance.source,
                "AWS and certificate subject token sources are not exchanged by tokentop yet",
            ));
        }
    };
    let token = match field {
        None => raw.expose().trim().to_string(),
        Some(name) => serde_json::from_str::<serde_json::Value>(raw.expose())
            .ok()
            .and_then(|v| v.get(name)?.as_str().map(str::to_string))
            .ok_or_else(|| {
                ProviderError::config(
                    &from,
                    format!("subject token: no string field `{name}` in its JSON"),
                )
            })?,
    };
    crate::model::check_token_value(&token)
        .map_err(|why| ProviderError::config(&from, format!("subject token {why}")))?;
    Ok(Secret::new(token))
}

/// GETs a subject token from `url` with its headers (never following a
/// redirect; https, or http to loopback).
async fn fetch_subject(
    http: &Http,
    url: &str,
    headers: &[(String, Secret)],
) -> Result<Secret, ProviderError> {
    let parsed = check_url(url)?;
    let sent = headers
        .iter()
        .fold(Sent::default(), |sent, (_, value)| sent.and(value));
    let mut request = http.client().get(parsed);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.expose());
    }
    let response = request
        .send()
        .await
        .map_err(|e| ProviderError::network(url, &e, &sent))?;
    let status = response.status().as_u16();
    let body = http
        .read_text(response)
        .await
        .map_err(|e| ProviderError::network(url, &e, &sent))?;
    if !(200..300).contains(&status) {
        return Err(ProviderError::rejected(url, status, &body, &sent));
    }
    Ok(Secret::new(body))
}
