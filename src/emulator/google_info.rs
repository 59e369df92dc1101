//! Google tokeninfo, revocation, JWKS and OIDC discovery (wire.md §2.3–2.5).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::google_authorize::{AUTHORIZE_PATH, DEVICE_CODE_PATH};
use super::google_login::DEVICE_CODE;
use super::http;
use super::state::{Shared, Tables, TokenOrigin, now_secs};

/// Scopes that make tokeninfo report the principal's email (wire.md §2.3).
const EMAIL_SCOPES: [&str; 2] = ["https://www.googleapis.com/auth/userinfo.email", "email"];

/// The tokeninfo error for anything not live.
fn invalid_value() -> Response {
    http::oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Invalid Value")
}

/// Finds the token to inspect: query, then body, then `Authorization: Bearer`.
fn token_from_request(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let pick = |p: &http::Params| {
        ["access_token", "id_token"]
            .iter()
            .find_map(|k| p.get(*k).filter(|v| !v.is_empty()).cloned())
    };
    pick(&http::query_params(uri))
        .or_else(|| http::parse_body(headers, body).ok().and_then(|p| pick(&p)))
        .or_else(|| http::bearer_token(headers))
}

/// `GET|POST /tokeninfo`: v3 view of a live access token or ID token.
pub async fn tokeninfo(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = token_from_request(&uri, &headers, &body) else {
        return invalid_value();
    };
    let now = now_secs();
    {
        let tables = shared.tables();
        if let Some(record) = tables.access_tokens.get(&token) {
            if !record.is_live(now) {
                return invalid_value();
            }
            let mut info = json!({
                "azp": record.azp,
                "aud": record.azp,
                "sub": record.sub,
                "scope": record.scopes.join(" "),
                "exp": record.exp.to_string(),
                "expires_in": (record.exp - now).to_string(),
                "access_type": match record.origin {
                    TokenOrigin::RefreshGrant(_) => "offline",
                    _ => "online",
                },
            });
            let email_scope = record
                .scopes
                .iter()
                .any(|s| EMAIL_SCOPES.contains(&s.as_str()));
            if email_scope && !record.email.is_empty() {
                info["email"] = Value::String(record.email.clone());
                info["email_verified"] = Value::String("true".into());
            }
            return http::json_response(StatusCode::OK, info);
        }
    }
    id_token_info(&shared, &token, now).unwrap_or_else(invalid_value)
}

/// Tokeninfo for an ID token this emulator signed and that has not expired.
fn id_token_info(shared: &Shared, token: &str, now: i64) -> Option<Response> {
    let (header, claims) = shared.google_keys.verify(token).ok()?;
    let exp = claims.get("exp").and_then(Value::as_i64)?;
    if now >= exp {
        return None;
    }
    let Value::Object(map) = claims else {
        return None;
    };
    let mut out: Map<String, Value> = map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, Value::String(text))
        })
        .collect();
    out.insert("alg".into(), Value::String("RS256".into()));
    out.insert("kid".into(), Value::String(header.kid.unwrap_or_default()));
    Some(http::json_response(StatusCode::OK, Value::Object(out)))
}

/// Revokes a refresh grant and every access token minted from it.
fn revoke_grant(tables: &mut Tables, refresh_token: &str) {
    if let Some(grant) = tables.refresh_grants.get_mut(refresh_token) {
        grant.revoked = true;
    }
    let origin = TokenOrigin::RefreshGrant(refresh_token.to_string());
    for record in tables.access_tokens.values_mut() {
        if record.origin == origin {
            record.revoked = true;
        }
    }
}

/// `POST /revoke` (`token=` in the form body or the query); other methods 404.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return StatusCode::NOT_FOUND.into_response();
    }
    let from_body = http::parse_body(&headers, &body)
        .ok()
        .and_then(|p| p.get("token").cloned());
    let Some(token) = from_body
        .or_else(|| http::query_params(&uri).get("token").cloned())
        .filter(|t| !t.is_empty())
    else {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: token",
        );
    };
    if revoke_token(&mut shared.tables(), &token, now_secs()) {
        StatusCode::OK.into_response()
    } else {
        http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_token",
            "Token expired or revoked",
        )
    }
}

/// Revokes a live access token or refresh token; false if it is not one.
///
/// An access token from a refresh grant takes the whole grant with it; a
/// refresh token takes its access tokens.
fn revoke_token(tables: &mut Tables, token: &str, now: i64) -> bool {
    let access = tables
        .access_tokens
        .get(token)
        .filter(|r| r.is_live(now))
        .map(|r| r.origin.clone());
    match access {
        Some(TokenOrigin::RefreshGrant(refresh_token)) => revoke_grant(tables, &refresh_token),
        Some(_) => {
            if let Some(record) = tables.access_tokens.get_mut(token) {
                record.revoked = true;
            }
        }
        None => {
            let live_grant = tables.refresh_grants.get(token).is_some_and(|g| !g.revoked);
            if !live_grant {
                return false;
            }
            revoke_grant(tables, token);
        }
    }
    true
}

/// `GET /oauth2/v3/certs`: the Google signing key as a JWK Set.
pub async fn certs(State(shared): State<Arc<Shared>>) -> Response {
    http::jwks_response(&shared.google_keys.jwks())
}

/// `GET /.well-known/openid-configuration`: every URL on the Google listener.
pub async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    let base = &shared.google_url;
    http::json_response(
        StatusCode::OK,
        json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
            "device_authorization_endpoint": format!("{base}{DEVICE_CODE_PATH}"),
            "token_endpoint": format!("{base}/token"),
            "revocation_endpoint": format!("{base}/revoke"),
            "jwks_uri": format!("{base}/oauth2/v3/certs"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "sub", "azp"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                DEVICE_CODE,
                "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ],
        }),
    )
}
