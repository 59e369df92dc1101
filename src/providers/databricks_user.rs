//! Databricks personal access tokens, inspected and deleted through the
//! workspace's token API (wire.md §3.9) and exchanged for narrower OAuth
//! tokens (§3.6), and profiles whose tokens another tool makes, shown but
//! not operated. U2M logins are [`super::databricks_login`]'s.

use super::family::{Ops, Pending, audience_as_asked, narrow_by_asking, no_advice};
use super::grant::{self, ACCESS_TOKEN_TYPE, ClientAuth, TOKEN_EXCHANGE, get_bearer, post_json};
use super::{Confirmation, ProviderError};
use crate::model::{Capabilities, Credential, Material, Secret, Token, TokenRole};
use crate::net::Http;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A personal access token.
pub static PAT: Ops = Ops {
    refresh: inspect_pat,
    revoke: delete_pat,
    capabilities: pat_capabilities,
    advice: no_advice,
    narrow: exchange_pat,
    id_audience: audience_as_asked,
};

/// A profile whose tokens another tool makes.
pub static OTHER: Ops = Ops {
    refresh: not_ours,
    revoke: no_revoke,
    capabilities: other_capabilities,
    advice: no_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

fn host_of(cred: &Credential) -> Result<&str, ProviderError> {
    cred.context
        .databricks
        .as_ref()
        .map(|d| d.host.split('?').next().unwrap_or(&d.host))
        .ok_or_else(|| ProviderError::config(&cred.id.0, "not a Databricks profile"))
}

fn pat_capabilities(_cred: &Credential) -> Capabilities {
    Capabilities {
        refresh_blocked: None,
        revoke_blocked: None,
        downscope_blocked: None,
    }
}

const PAT_TOKEN_TYPE: &str = "urn:databricks:params:oauth:token-type:personal-access-token";

/// A PAT exchanged (RFC 8693, Databricks' PAT flavour, wire.md §3.6) for a
/// short-lived OAuth token with only `scopes`, at the workspace's token
/// endpoint, with no client authentication.
fn exchange_pat<'a>(
    http: &'a Http,
    cred: &'a Credential,
    _source: &'a Token,
    scopes: &'a [String],
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let pat = pat_of(cred)?;
        let scope = scopes.join(" ");
        let form = [
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", pat.expose()),
            ("subject_token_type", PAT_TOKEN_TYPE),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("scope", scope.as_str()),
        ];
        let endpoint = super::databricks_oidc::token_endpoint(http, cred).await?;
        grant::request_tokens(http, &endpoint, &form, ClientAuth::None, cred, now)
            .await?
            .into_iter()
            .find(|t| t.role == TokenRole::Access)
            .map(|token| {
                vec![Token {
                    principal: subject_of(&token.value),
                    ..token
                }]
            })
            .ok_or_else(|| ProviderError::config(&endpoint, "the exchange gave no access token"))
    })
}

/// The user a Databricks at+jwt names in `sub` (wire.md §3.8).
pub(super) fn subject_of(token: &Secret) -> Option<String> {
    crate::inspect::jwt::peek_claims(token.expose())
        .ok()
        .and_then(|claims| claims.get("sub")?.as_str().map(str::to_string))
}

/// A token as the token API lists it (times in epoch milliseconds).
#[derive(Debug, Deserialize)]
struct TokenInfo {
    token_id: String,
    #[serde(default)]
    creation_time: Option<i64>,
    #[serde(default)]
    expiry_time: Option<i64>,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TokenList {
    #[serde(default)]
    token_infos: Vec<TokenInfo>,
}

fn pat_of(cred: &Credential) -> Result<&Secret, ProviderError> {
    match &cred.material {
        Material::DatabricksPat { token } => Ok(token),
        _ => Err(ProviderError::config(
            &cred.id.0,
            "not a personal access token",
        )),
    }
}

/// This PAT's entry in the token API's list: the one whose id is the
/// token's SHA-256, else the only one listed.
async fn find_pat(http: &Http, cred: &Credential) -> Result<TokenInfo, ProviderError> {
    let pat = pat_of(cred)?;
    let url = format!("{}/api/2.0/token/list", host_of(cred)?);
    let answer = get_bearer(http, &url, pat).await?;
    let list: TokenList = serde_json::from_str(&answer.body)
        .map_err(|e| ProviderError::config(&url, format!("not a token list: {e}")))?;
    let own_id = crate::model::sha256_hex(pat.expose());
    let count = list.token_infos.len();
    let mut infos = list.token_infos.into_iter();
    match count {
        1 => infos
            .next()
            .ok_or_else(|| ProviderError::config(&url, "empty")),
        _ => infos.find(|t| t.token_id == own_id).ok_or_else(|| {
            ProviderError::config(
                &url,
                format!("{count} tokens listed, and none is recognisably this one"),
            )
        }),
    }
}

/// A PAT's facts from the token API: when it was made, when it expires
/// (never, for -1), its scopes and comment; who it belongs to from SCIM.
fn inspect_pat<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let info = find_pat(http, cred).await?;
        let millis = |t: Option<i64>| {
            t.filter(|t| *t > 0)
                .and_then(DateTime::from_timestamp_millis)
        };
        let me = format!("{}/api/2.0/preview/scim/v2/Me", host_of(cred)?);
        let principal = get_bearer(http, &me, pat_of(cred)?)
            .await
            .ok()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(&a.body).ok())
            .and_then(|v| v.get("userName")?.as_str().map(str::to_string));
        Ok(vec![Token {
            issued_at: millis(info.creation_time),
            expires_at: millis(info.expiry_time),
            scopes: info.scopes,
            principal,
            note: info.comment.filter(|c| !c.is_empty()),
            ..Token::obtained(TokenRole::Pat, pat_of(cred)?.clone(), now)
        }])
    })
}

/// Deletes the PAT through the token API, then confirms the workspace
/// refuses it.
fn delete_pat<'a>(
    http: &'a Http,
    cred: &'a Credential,
    _token: &'a Token,
) -> Pending<'a, Confirmation> {
    Box::pin(async move {
        let info = find_pat(http, cred).await?;
        let pat = pat_of(cred)?;
        let url = format!("{}/api/2.0/token/delete", host_of(cred)?);
        post_json(
            http,
            &url,
            &serde_json::json!({ "token_id": info.token_id }),
            pat,
        )
        .await?;
        let me = format!("{}/api/2.0/preview/scim/v2/Me", host_of(cred)?);
        Ok(match get_bearer(http, &me, pat).await {
            Err(ProviderError::Rejected {
                status: status @ (401 | 403),
                message,
                ..
            }) => Confirmation::Confirmed(format!("the workspace now answers {status} {message}")),
            Err(e) => Confirmation::Unchecked(e.to_string()),
            Ok(_) => Confirmation::StillAccepted,
        })
    })
}

fn other_capabilities(cred: &Credential) -> Capabilities {
    let owner = match &cred.material {
        Material::DatabricksOther { auth_type } => match auth_type.as_str() {
            "azure-cli" => "the Azure CLI makes this profile's tokens: `az login` renews them",
            "basic" => "a username and password: there is no token to show",
            "google-credentials" | "google-id" => {
                "a Google credential makes this profile's tokens (a Google ID token for the workspace)"
            }
            _ => "another tool makes this profile's tokens: tokentop shows the profile only",
        },
        _ => "not a Databricks profile",
    };
    Capabilities {
        refresh_blocked: Some(owner),
        revoke_blocked: Some(owner),
        downscope_blocked: Some(owner),
    }
}

fn not_ours<'a>(
    _http: &'a Http,
    cred: &'a Credential,
    _now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        Err(ProviderError::config(
            &cred.provenance.profile,
            other_capabilities(cred).refresh_blocked.unwrap_or_default(),
        ))
    })
}

pub(super) fn no_revoke<'a>(
    _http: &'a Http,
    cred: &'a Credential,
    _token: &'a Token,
) -> Pending<'a, Confirmation> {
    Box::pin(async move {
        Err(ProviderError::config(
            &cred.provenance.profile,
            "Databricks has no token revocation endpoint",
        ))
    })
}
