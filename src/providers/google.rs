//! Google: refresh-token grant, JWT-bearer grant (access or ID token),
//! tokeninfo and revocation (wire.md §2.1–2.4).

use super::ProviderError;
use super::family::{
    Ops, Pending, audience_as_asked, default_capabilities, narrow_by_asking, revoke_at_endpoint,
};
use super::grant::{self, ClientAuth, post_form};
use crate::model::{Capabilities, Credential, Material, Secret, Token, TokenRole};
use crate::net::Http;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The scope a user credential asks for when nobody narrows it.
const DEFAULT_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

/// The audience google-auth puts in every assertion, whatever `token_uri` says.
pub const ASSERTION_AUDIENCE: &str = "https://oauth2.googleapis.com/token";

/// Google users (`authorized_user`, gcloud's user accounts).
pub static USER: Ops = Ops {
    refresh: refresh_user,
    revoke: revoke_at_endpoint,
    capabilities: default_capabilities,
    advice: user_advice,
    narrow: narrow_by_asking,
    id_audience: user_id_audience,
};

/// A user's ID token names its OAuth client as `aud`: Cloud Run refuses it.
fn user_id_audience(cred: &Credential) -> Option<String> {
    match &cred.material {
        Material::GoogleUser { client_id, .. } => Some(client_id.clone()),
        _ => None,
    }
}

/// A dead sign-in is renewed by signing in again: with tokentop (which
/// keeps the new refresh token in its own store, the file untouched), or
/// where it was made.
fn user_advice(cred: &Credential, error: &ProviderError) -> Option<String> {
    if !error.is_invalid_grant() {
        return None;
    }
    let own = match (&cred.context.gcloud, &cred.context.adc) {
        (Some(gcloud), _) => format!("gcloud auth login {}", gcloud.account),
        (None, _) => "gcloud auth application-default login".to_string(),
    };
    Some(format!(
        "tokentop login {} (L here), or {own}",
        cred.provenance.profile
    ))
}

/// Google service-account keys: access tokens, or ID tokens for an audience.
pub static SERVICE_ACCOUNT: Ops = Ops {
    refresh: jwt_bearer,
    revoke: revoke_at_endpoint,
    capabilities: service_account_capabilities,
    advice: key_advice,
    narrow: narrow_by_asking,
    id_audience: audience_as_asked,
};

/// A key refused for its signature was deleted or rotated; a disabled
/// account is enabled again; a refused time is this machine's clock.
fn key_advice(cred: &Credential, error: &ProviderError) -> Option<String> {
    let said = match error {
        ProviderError::Rejected { message, .. } if error.is_invalid_grant() => message,
        _ => return None,
    };
    let email = &cred.principal;
    if said.contains("Invalid JWT Signature") {
        Some(format!(
            "gcloud iam service-accounts keys create NEW-KEY.json --iam-account={email}"
        ))
    } else if said.contains("Robot is disabled") {
        Some(format!("gcloud iam service-accounts enable {email}"))
    } else if said.contains("short-lived token") {
        Some("check this machine's clock: Google refused the assertion's iat/exp".to_string())
    } else {
        None
    }
}

/// Google revokes no token a key minted: it lasts until it expires, and
/// only disabling the key (or the account) cuts access.
fn service_account_capabilities(cred: &Credential) -> Capabilities {
    Capabilities {
        revoke_blocked: Some(match cred.audience {
            Some(_) => {
                "ID tokens cannot be revoked: it stays valid until it expires (at most 1 h). \
                        To cut access, remove the account's roles/run.invoker on the service"
            }
            None => {
                "Google cannot revoke a service-account key's token: it stays valid until it expires (at most 1 h). \
                     To cut access, disable the key: gcloud iam service-accounts keys disable KEY_ID --iam-account=EMAIL"
            }
        }),
        ..default_capabilities(cred)
    }
}

/// `authorized_user`: `grant_type=refresh_token`, client credentials in the body
/// as google-auth sends them.
pub fn refresh_user<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let Material::GoogleUser {
            client_id,
            client_secret,
            refresh_token,
        } = &cred.material
        else {
            return Err(ProviderError::config(
                &cred.id.0,
                "not a Google user credential",
            ));
        };
        let endpoint = cred.endpoints.token.as_str();
        // Only a narrower ask sends `scope` (a subset of what the sign-in
        // granted, wire.md §2.1); otherwise the token carries the grant's.
        let narrower = cred.scopes.join(" ");
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        if !narrower.is_empty() && cred.scopes != [DEFAULT_SCOPE] {
            form.push(("scope", narrower.as_str()));
        }
        grant::request_tokens(
            http,
            endpoint,
            &form,
            ClientAuth::InBody(client_id, client_secret),
            cred,
            now,
        )
        .await
    })
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_audience: Option<&'a str>,
}

/// `service_account`: a signed assertion (RFC 7523) for an access token, or for
/// an ID token when the profile names an audience (Cloud Run).
pub fn jwt_bearer<'a>(
    http: &'a Http,
    cred: &'a Credential,
    now: DateTime<Utc>,
) -> Pending<'a, Vec<Token>> {
    Box::pin(async move {
        let Material::GoogleServiceAccount {
            client_email,
            private_key_id,
            private_key,
            universe_domain,
        } = &cred.material
        else {
            return Err(ProviderError::config(
                &cred.id.0,
                "not a Google service-account credential",
            ));
        };
        let endpoint = cred.endpoints.token.as_str();
        let sign = |claims: &AssertionClaims| {
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            header.kid = Some(private_key_id.clone());
            let key = jsonwebtoken::EncodingKey::from_rsa_pem(private_key.expose().as_bytes())
                .map_err(|e| {
                    ProviderError::config(
                        &cred.provenance.source,
                        format!("field `private_key`: {e}"),
                    )
                })?;
            jsonwebtoken::encode(&header, claims, &key)
                .map(Secret::new)
                .map_err(|e| {
                    ProviderError::config(&cred.provenance.source, format!("cannot sign: {e}"))
                })
        };
        if let Some(universe) = universe_domain {
            return self_signed(cred, client_email, universe, now, sign);
        }
        let claims = AssertionClaims {
            iss: client_email,
            sub: None,
            aud: Some(ASSERTION_AUDIENCE),
            iat: now.timestamp(),
            exp: now.timestamp() + 3600,
            scope: cred.audience.is_none().then(|| cred.scopes.join(" ")),
            target_audience: cred.audience.as_deref(),
        };
        let assertion = sign(&claims)?;
        let form = [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.expose()),
        ];
        grant::request_tokens(http, endpoint, &form, ClientAuth::None, cred, now).await
    })
}

/// A key outside Google's own universe has no token endpoint to ask:
/// google-auth signs its token itself (`iss` = `sub` = the account, the
/// scopes as a claim, an hour long), and so does tokentop.
fn self_signed(
    cred: &Credential,
    email: &str,
    universe: &str,
    now: DateTime<Utc>,
    sign: impl Fn(&AssertionClaims) -> Result<Secret, ProviderError>,
) -> Result<Vec<Token>, ProviderError> {
    if cred.audience.is_some() {
        return Err(ProviderError::config(
            &cred.provenance.profile,
            format!("a key in universe {universe} has no ID token grant to ask"),
        ));
    }
    let claims = AssertionClaims {
        iss: email,
        sub: Some(email),
        aud: None,
        iat: now.timestamp(),
        exp: now.timestamp() + 3600,
        scope: Some(cred.scopes.join(" ")),
        target_audience: None,
    };
    Ok(vec![Token {
        expires_at: DateTime::from_timestamp(claims.exp, 0),
        scopes: cred.scopes.clone(),
        ..Token::obtained(TokenRole::Access, sign(&claims)?, now)
    }])
}

/// Asks tokeninfo about an access or ID token (POSTed in the body, never in a URL).
pub async fn tokeninfo(
    http: &Http,
    url: &str,
    token: &Token,
) -> Result<serde_json::Value, ProviderError> {
    let field = match token.role {
        TokenRole::Id => "id_token",
        _ => "access_token",
    };
    let answer = post_form(
        http,
        url,
        &[(field, token.value.expose())],
        ClientAuth::None,
    )
    .await?;
    let mut value: serde_json::Value = serde_json::from_str(&answer.body).map_err(|e| {
        ProviderError::config(
            url,
            format!("not JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    // Shown in the decode view: no echo of the token in it, however escaped.
    answer.sent.scrub_json(&mut value);
    Ok(value)
}

/// Revokes a token (`POST token=...`); Google answers 200 or 400 (wire.md §2.4).
pub async fn revoke(http: &Http, url: &str, token: &Token) -> Result<(), ProviderError> {
    post_form(
        http,
        url,
        &[("token", token.value.expose())],
        ClientAuth::None,
    )
    .await
    .map(drop)
}
