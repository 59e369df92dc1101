//! Google: refresh-token grant, JWT-bearer grant (access or ID token),
//! tokeninfo and revocation (wire.md §2.1–2.4).

use super::{ProviderError, oauth};
use crate::model::{Credential, Material, Secret, Token, TokenKind, expiry_after};
use crate::net::{Http, check_url};
use chrono::{DateTime, Utc};
use oauth2::RefreshToken;
use serde::{Deserialize, Serialize};

/// The audience google-auth puts in every assertion, whatever `token_uri` says.
pub const ASSERTION_AUDIENCE: &str = "https://oauth2.googleapis.com/token";

/// `authorized_user`: `grant_type=refresh_token`, client credentials in the body
/// as google-auth sends them.
pub async fn refresh_user(
    http: &Http,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
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
    let response = oauth::client(
        endpoint,
        client_id,
        client_secret,
        oauth2::AuthType::RequestBody,
    )?
    .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().to_string()))
    .request_async(http)
    .await
    .map_err(|e| oauth::error(endpoint, e, &[client_secret, refresh_token]))?;
    Ok(oauth::access_token(&response, cred, now))
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_audience: Option<&'a str>,
}

#[derive(Deserialize)]
struct GrantResponse {
    access_token: Option<String>,
    id_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    scope: Option<String>,
}

/// `service_account`: a signed assertion (RFC 7523) for an access token, or for
/// an ID token when the profile names an audience (Cloud Run).
pub async fn jwt_bearer(
    http: &Http,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Token, ProviderError> {
    let Material::GoogleServiceAccount {
        client_email,
        private_key_id,
        private_key,
    } = &cred.material
    else {
        return Err(ProviderError::config(
            &cred.id.0,
            "not a Google service-account credential",
        ));
    };
    let endpoint = cred.endpoints.token.as_str();
    let claims = AssertionClaims {
        iss: client_email,
        aud: ASSERTION_AUDIENCE,
        iat: now.timestamp(),
        exp: now.timestamp() + 3600,
        scope: cred.audience.is_none().then(|| cred.scopes.join(" ")),
        target_audience: cred.audience.as_deref(),
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some(private_key_id.clone());
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(private_key.expose().as_bytes()).map_err(|e| {
            ProviderError::config(&cred.provenance.source, format!("field `private_key`: {e}"))
        })?;
    let assertion = Secret::new(jsonwebtoken::encode(&header, &claims, &key).map_err(|e| {
        ProviderError::config(
            &cred.provenance.source,
            format!("cannot sign the assertion: {e}"),
        )
    })?);
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", assertion.expose()),
    ];
    let body = post_form(http, endpoint, &form, &[&assertion]).await?;
    let grant: GrantResponse = serde_json::from_str(&body)
        .map_err(|e| ProviderError::config(endpoint, format!("unexpected token response: {e}")))?;
    let expires_in = grant
        .expires_in
        .as_ref()
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()));
    match (grant.access_token, grant.id_token) {
        (Some(access), _) => Ok(Token {
            kind: TokenKind::Access,
            value: Secret::new(access),
            issued_at: now,
            expires_at: expires_in.and_then(|s| expiry_after(now, s)),
            scopes: grant
                .scope
                .map(|s| s.split_whitespace().map(str::to_string).collect())
                .unwrap_or_else(|| cred.scopes.clone()),
            audience: None,
        }),
        (None, Some(id)) => {
            let value = Secret::new(id);
            let claims = crate::inspect::jwt::peek_claims(value.expose())
                .map_err(|e| ProviderError::config(endpoint, format!("id_token: {e}")))?;
            Ok(Token {
                kind: TokenKind::Id,
                issued_at: now,
                expires_at: claims
                    .get("exp")
                    .and_then(serde_json::Value::as_i64)
                    .and_then(|t| DateTime::from_timestamp(t, 0)),
                audience: claims
                    .get("aud")
                    .and_then(|a| a.as_str())
                    .map(str::to_string),
                scopes: Vec::new(),
                value,
            })
        }
        (None, None) => Err(ProviderError::config(
            endpoint,
            "response has neither access_token nor id_token",
        )),
    }
}

/// Asks tokeninfo about an access or ID token (POSTed in the body, never in a URL).
pub async fn tokeninfo(
    http: &Http,
    url: &str,
    token: &Token,
) -> Result<serde_json::Value, ProviderError> {
    let field = match token.kind {
        TokenKind::Access => "access_token",
        TokenKind::Id => "id_token",
    };
    let body = post_form(http, url, &[(field, token.value.expose())], &[&token.value]).await?;
    serde_json::from_str(&body).map_err(|e| ProviderError::config(url, format!("not JSON: {e}")))
}

/// Revokes a token (`POST token=...`); Google answers 200 or 400 (wire.md §2.4).
pub async fn revoke(http: &Http, url: &str, token: &Token) -> Result<(), ProviderError> {
    post_form(
        http,
        url,
        &[("token", token.value.expose())],
        &[&token.value],
    )
    .await
    .map(drop)
}

/// POSTs a form to `url` (checked first) and returns the body of a 2xx
/// answer; any other answer is an error naming `url`, its text scrubbed of
/// the secrets `sent` (the form carries them).
async fn post_form(
    http: &Http,
    url: &str,
    form: &[(&str, &str)],
    sent: &[&Secret],
) -> Result<String, ProviderError> {
    let parsed = check_url(url)?;
    let response = http
        .client()
        .post(parsed)
        .form(form)
        .send()
        .await
        .map_err(|e| ProviderError::network(url, &e))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| ProviderError::network(url, &e))?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(ProviderError::rejected(url, status.as_u16(), &body, sent))
    }
}
