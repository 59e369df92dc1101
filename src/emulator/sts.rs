//! Security Token Service (wire.md §2.8, RFC 8693): `POST /v1/token` for
//! federation and downscoping, `POST /v1/oauth/token` for workforce users'
//! refresh tokens, `POST /v1/introspect` (revocation is in `sts_revoke`).
//! Errors in STS's own shape: `{"error", "error_description"[, "error_uri"]}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::google::{mint_access_token, split_scopes};
use super::http::{self, OAuthError, Params};
use super::iam_tables::pool_member;
use super::state::{AccessTokenRecord, Shared, TokenOrigin, lifetime_secs, now_secs};
use super::{sts_cab, subject};

/// RFC 8693's grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The only token type STS issues (and the subject type of downscoping).
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// Subject token types an OIDC provider accepts (wire.md §1.2).
const OIDC_TOKEN_TYPES: [&str; 2] = [
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
];
/// Scope of a federated token when the request names none.
const DEFAULT_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// `error_uri` of the subject-token error (wire.md §2.8 fixture).
const RFC6749: &str = "https://tools.ietf.org/html/rfc6749";
/// `invalid_grant` text for a workforce refresh token that is unknown or
/// revoked (the emulator's wording; Google's is UNCONFIRMED).
const DEAD_REFRESH_TOKEN: &str = "Invalid refresh token.";
/// `invalid_target` text for an unknown pool provider (wording UNCONFIRMED).
const BAD_AUDIENCE: &str = "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.";

/// `400 invalid_request` with the given description.
pub fn invalid_request(description: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// The fixture answer for any subject token STS will not take (wire.md §2.8).
pub fn invalid_subject_token() -> Response {
    http::json_response(
        StatusCode::BAD_REQUEST,
        json!({
            "error": "invalid_request",
            "error_description": "Invalid subject token",
            "error_uri": RFC6749,
        }),
    )
}

/// The success answer; `expires_in` is left out when `None`.
pub fn exchanged(token: &str, expires_in: Option<i64>) -> Response {
    let mut body = json!({
        "access_token": token,
        "issued_token_type": ACCESS_TOKEN_TYPE,
        "token_type": "Bearer",
    });
    if let Some(secs) = expires_in {
        body["expires_in"] = json!(secs);
    }
    http::json_response(StatusCode::OK, body)
}

/// `POST /v1/token`: a token exchange; an access-token subject is downscoping.
pub async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let params = http::parse_form(&body);
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("grant_type") != Some(TOKEN_EXCHANGE) {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!(
                "Unsupported grant_type: {}",
                get("grant_type").unwrap_or("")
            ),
        );
    }
    if get("requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
        return invalid_request("Invalid requested_token_type").into_response();
    }
    let Some(subject_token) = get("subject_token") else {
        return invalid_request("Missing required parameter: subject_token").into_response();
    };
    let options = match sts_cab::options(get("options")) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    match get("subject_token_type") {
        Some(ACCESS_TOKEN_TYPE) => sts_cab::downscope(&shared, subject_token, options.as_ref()),
        Some(t) if OIDC_TOKEN_TYPES.contains(&t) => federate(&shared, &params, subject_token),
        _ => invalid_request("Invalid subject_token_type").into_response(),
    }
}

/// Federation: an external OIDC token for a Google access token of the pool
/// identity `principal://iam.googleapis.com/<pool>/subject/<sub>`.
fn federate(shared: &Shared, params: &Params, subject_token: &str) -> Response {
    let audience = params.get("audience").map(String::as_str).unwrap_or("");
    let pool = shared
        .tables()
        .iam
        .providers
        .get(audience)
        .map(|p| p.pool.clone());
    let Some(pool) = pool else {
        return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_target", BAD_AUDIENCE);
    };
    let Some(sub) = subject::verify(shared, audience, subject_token) else {
        return invalid_subject_token();
    };
    let mut scopes = params
        .get("scope")
        .map(|s| split_scopes(s))
        .unwrap_or_default();
    if scopes.is_empty() {
        scopes.push(DEFAULT_SCOPE.into());
    }
    let member = pool_member(&pool, &sub);
    let now = now_secs();
    let record = AccessTokenRecord {
        origin: TokenOrigin::Federated {
            member: member.clone(),
        },
        azp: audience.to_string(),
        sub: member,
        email: String::new(),
        scopes,
        exp: now.saturating_add(lifetime_secs(shared.federation.sts_token_lifetime)),
        revoked: false,
    };
    let (token, expires_in) = mint_access_token(&mut shared.tables(), record, now);
    exchanged(&token, Some(expires_in))
}

/// `POST /v1/oauth/token`: a workforce user's refresh token, client
/// authenticated with HTTP Basic (wire.md §2.8).
pub async fn oauth_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = http::parse_form(&body);
    if params.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=refresh_token is supported here.",
        );
    }
    let Some((client_id, client_secret)) = http::basic_auth(&headers) else {
        return http::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication (HTTP Basic) is required.",
        );
    };
    let refresh_token = params.get("refresh_token").cloned().unwrap_or_default();
    let mut tables = shared.tables();
    let Some(grant) = tables
        .iam
        .sts_grants
        .get(&refresh_token)
        .filter(|g| !g.revoked)
        .cloned()
    else {
        return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", DEAD_REFRESH_TOKEN);
    };
    if grant.client_id != client_id || grant.client_secret != client_secret {
        return http::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client.",
        );
    }
    let now = now_secs();
    let record = AccessTokenRecord {
        origin: TokenOrigin::WorkforceSignIn {
            member: grant.member.clone(),
            refresh_token,
        },
        azp: client_id,
        sub: grant.member,
        email: String::new(),
        scopes: grant.scopes.clone(),
        exp: now.saturating_add(lifetime_secs(grant.lifetime)),
        revoked: false,
    };
    let (token, expires_in) = mint_access_token(&mut tables, record, now);
    http::json_response(
        StatusCode::OK,
        json!({
            "access_token": token,
            "expires_in": expires_in,
            "token_type": "Bearer",
            "scope": grant.scopes.join(" "),
        }),
    )
}

/// `POST /v1/introspect` (RFC 7662): `{"active": false}` for anything not live.
pub async fn introspect(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let params = http::parse_form(&body);
    let token = params.get("token").cloned().unwrap_or_default();
    let now = now_secs();
    let tables = shared.tables();
    let info = match tables.access_tokens.get(&token).filter(|r| r.is_live(now)) {
        Some(r) => json!({
            "active": true,
            "token_type": "Bearer",
            "scope": r.scopes.join(" "),
            "client_id": r.azp,
            "sub": r.sub,
            "username": r.origin.member(&r.email),
            "exp": r.exp,
        }),
        None => json!({ "active": false }),
    };
    http::json_response(StatusCode::OK, info)
}
