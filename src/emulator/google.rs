//! Google OAuth token endpoint (`POST /token`) and the Google router.
//!
//! Implements the refresh-token grant (wire.md §2.1) and the JWT-bearer grant
//! for service-account keys (§2.2), with the error texts of §2.9; the
//! sign-in grants (authorization code, device code) live in `google_login`.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{any, get, post};
use serde_json::{Value, json};

use super::faults::FaultEndpoint;
use super::federation_routes;
use super::google_authorize;
use super::google_info;
use super::google_login::{self, DEVICE_CODE, authenticate_client, google_id_token};
use super::http::{self, OAuthError, Params};
use super::inject::faulted;
use super::keys;
use super::state::{AccessTokenRecord, Shared, Tables, TokenOrigin, lifetime_secs, now_secs};
use super::storage;

/// The JWT-bearer grant type (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The audience google-auth always puts in assertions.
pub const GOOGLE_TOKEN_AUDIENCE: &str = "https://oauth2.googleapis.com/token";

const EXPIRED_OR_REVOKED: &str = "Token has been expired or revoked.";
const BAD_SIGNATURE: &str = "Invalid JWT Signature.";
const BAD_TIMEFRAME: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";
const NO_SCOPE: &str = "Invalid OAuth scope or ID token audience provided.";
/// Largest accepted `exp - iat` of an assertion, seconds.
const MAX_ASSERTION_LIFETIME: i64 = 3600;
/// Accepted clock skew for an assertion's `iat`, seconds.
const MAX_IAT_SKEW: i64 = 60;

/// Builds the router for the Google listener.
pub fn router(shared: Arc<Shared>) -> Router {
    let tokeninfo = || {
        faulted(
            get(google_info::tokeninfo).post(google_info::tokeninfo),
            &shared,
            FaultEndpoint::GoogleTokeninfo,
        )
    };
    Router::new()
        .route(
            "/token",
            faulted(post(token), &shared, FaultEndpoint::GoogleToken),
        )
        .route("/tokeninfo", tokeninfo())
        .route("/oauth2/v3/tokeninfo", tokeninfo())
        .route(
            "/revoke",
            faulted(
                any(google_info::revoke),
                &shared,
                FaultEndpoint::GoogleRevoke,
            ),
        )
        .route(
            "/oauth2/v3/certs",
            faulted(get(google_info::certs), &shared, FaultEndpoint::GoogleCerts),
        )
        .route(
            "/.well-known/openid-configuration",
            faulted(
                get(google_info::discovery),
                &shared,
                FaultEndpoint::GoogleDiscovery,
            ),
        )
        .route("/storage/v1/b", get(storage::list_buckets))
        .merge(federation_routes::routes(&shared))
        .merge(google_authorize::routes())
        .with_state(shared)
}

/// `POST /token`: dispatches on `grant_type`.
async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match http::parse_body(&headers, &body) {
        Ok(p) => p,
        Err(e) => return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    match params.get("grant_type").map(String::as_str) {
        Some("refresh_token") => refresh_grant(&shared, &headers, &params),
        Some(JWT_BEARER) => jwt_bearer_grant(&shared, &params),
        Some("authorization_code") => google_login::code_grant(&shared, &headers, &params),
        Some(DEVICE_CODE) => google_login::device_grant(&shared, &headers, &params),
        other => http::oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {}", other.unwrap_or("")),
        ),
    }
}

/// Splits a space-separated scope string.
pub fn split_scopes(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_string).collect()
}

/// Stores a fresh opaque access token and returns it with its `expires_in`.
pub fn mint_access_token(
    tables: &mut Tables,
    record: AccessTokenRecord,
    now: i64,
) -> (String, i64) {
    let token = format!("ya29.a0{}", keys::random_urlsafe(96));
    let expires_in = record.exp - now;
    tables.access_tokens.insert(token.clone(), record);
    (token, expires_in)
}

/// The refresh-token grant (wire.md §2.1).
fn refresh_grant(shared: &Shared, headers: &HeaderMap, params: &Params) -> Response {
    let (client_id, _) = match authenticate_client(shared, headers, params, true) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let mut tables = shared.tables();
    let Some(refresh_token) = params.get("refresh_token").filter(|t| !t.is_empty()) else {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let grant = match tables.refresh_grants.get(refresh_token) {
        Some(g) if !g.revoked => g.clone(),
        _ => {
            return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", EXPIRED_OR_REVOKED);
        }
    };
    if grant.client_id != client_id {
        return http::oauth_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Unauthorized",
        );
    }
    let requested = params
        .get("scope")
        .map(|s| split_scopes(s))
        .unwrap_or_default();
    let scopes = if requested.is_empty() {
        grant.scopes.clone()
    } else {
        let invalid: Vec<&String> = requested
            .iter()
            .filter(|s| !grant.scopes.contains(s))
            .collect();
        if !invalid.is_empty() {
            let valid: Vec<&String> = requested
                .iter()
                .filter(|s| grant.scopes.contains(s))
                .collect();
            let join = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            return http::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                &format!(
                    "Some requested scopes were invalid. {{valid=[{}], invalid=[{}]}}",
                    join(&valid),
                    join(&invalid)
                ),
            );
        }
        requested
    };
    let now = now_secs();
    let exp = now.saturating_add(lifetime_secs(grant.lifetime));
    let record = AccessTokenRecord {
        origin: TokenOrigin::RefreshGrant(refresh_token.clone()),
        azp: client_id.clone(),
        sub: grant.sub.clone(),
        email: grant.email.clone(),
        scopes: scopes.clone(),
        exp,
        revoked: false,
    };
    let (access_token, expires_in) = mint_access_token(&mut tables, record, now);
    drop(tables);
    let mut body = json!({
        "access_token": access_token,
        "expires_in": expires_in,
        "scope": scopes.join(" "),
        "token_type": "Bearer",
    });
    if scopes.iter().any(|s| s == "openid") {
        match google_id_token(shared, &client_id, &grant.sub, &grant.email, (now, exp)) {
            Ok(id_token) => body["id_token"] = Value::String(id_token),
            Err(e) => return http::internal_error(&e),
        }
    }
    http::json_response(StatusCode::OK, body)
}

/// Reads a `NumericDate` claim (integer or float seconds).
pub fn numeric_claim(claims: &Value, name: &str) -> Option<i64> {
    let v = claims.get(name)?;
    #[allow(clippy::cast_possible_truncation)]
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
}

/// True when the assertion's `aud` names one of the accepted token endpoints.
fn audience_ok(claims: &Value, accepted: &[String]) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => accepted.iter().any(|x| x == a),
        Some(Value::Array(items)) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|a| accepted.iter().any(|x| x == a))),
        _ => false,
    }
}

/// A service-account assertion that passed every check.
struct VerifiedAssertion {
    /// The assertion's claims.
    claims: Value,
    /// The account's `client_email`.
    email: String,
    /// The account's numeric unique id.
    unique_id: String,
    /// Lifetime of tokens minted for the account.
    lifetime: Duration,
}

/// `400 invalid_grant` with the given description.
fn invalid_grant(description: impl Into<String>) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// Checks an assertion's key, signature, issuer, audience and timing (wire.md §2.2, §6.2).
fn verify_assertion(shared: &Shared, assertion: &str) -> Result<VerifiedAssertion, OAuthError> {
    let header =
        jsonwebtoken::decode_header(assertion).map_err(|_| invalid_grant(BAD_SIGNATURE))?;
    let unverified = jsonwebtoken::dangerous::insecure_decode_claims::<Value>(assertion)
        .map_err(|_| invalid_grant(BAD_SIGNATURE))?;
    let claimed_iss = unverified.get("iss").and_then(Value::as_str).unwrap_or("");
    let (key, email, unique_id, lifetime) = {
        let tables = shared.tables();
        let account = header.kid.as_ref().map_or_else(
            || {
                tables
                    .service_accounts
                    .values()
                    .find(|sa| sa.email == claimed_iss)
            },
            |kid| tables.service_accounts.get(kid),
        );
        let account = account.ok_or_else(|| invalid_grant(BAD_SIGNATURE))?;
        (
            Arc::clone(&account.key),
            account.email.clone(),
            account.unique_id.clone(),
            account.lifetime,
        )
    };
    let (_, claims) = key
        .verify(assertion)
        .map_err(|_| invalid_grant(BAD_SIGNATURE))?;
    if claims.get("iss").and_then(Value::as_str) != Some(email.as_str()) {
        return Err(invalid_grant(BAD_SIGNATURE));
    }
    let accepted = [
        GOOGLE_TOKEN_AUDIENCE.to_string(),
        format!("{}/token", shared.google_url),
    ];
    if !audience_ok(&claims, &accepted) {
        return Err(invalid_grant(format!(
            "Invalid JWT: Failed audience check. The expected audience is {GOOGLE_TOKEN_AUDIENCE}."
        )));
    }
    let now = now_secs();
    let (Some(iat), Some(exp)) = (numeric_claim(&claims, "iat"), numeric_claim(&claims, "exp"))
    else {
        return Err(invalid_grant(BAD_TIMEFRAME));
    };
    if exp <= iat || exp - iat > MAX_ASSERTION_LIFETIME || iat > now + MAX_IAT_SKEW || exp <= now {
        return Err(invalid_grant(BAD_TIMEFRAME));
    }
    if let Some(subject) = claims.get("sub").and_then(Value::as_str)
        && subject != email
    {
        return Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
        ));
    }
    Ok(VerifiedAssertion {
        claims,
        email,
        unique_id,
        lifetime,
    })
}

/// The JWT-bearer grant for service-account keys (wire.md §2.2).
fn jwt_bearer_grant(shared: &Shared, params: &Params) -> Response {
    let Some(assertion) = params.get("assertion").filter(|a| !a.is_empty()) else {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    let verified = match verify_assertion(shared, assertion) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let now = now_secs();
    let token_exp = now.saturating_add(lifetime_secs(verified.lifetime));
    let target_audience = verified
        .claims
        .get("target_audience")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty());
    if let Some(audience) = target_audience {
        let id_claims = json!({
            "iss": shared.google_url,
            "aud": audience,
            "azp": verified.unique_id,
            "sub": verified.unique_id,
            "email": verified.email,
            "email_verified": true,
            "iat": now,
            "exp": token_exp,
        });
        return match shared.google_keys.sign("JWT", &id_claims) {
            Ok(id_token) => http::json_response(StatusCode::OK, json!({ "id_token": id_token })),
            Err(e) => http::internal_error(&e),
        };
    }
    let scope = verified
        .claims
        .get("scope")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| params.get("scope").cloned())
        .unwrap_or_default();
    let scopes = split_scopes(&scope);
    if scopes.is_empty() {
        return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_scope", NO_SCOPE);
    }
    let record = AccessTokenRecord {
        origin: TokenOrigin::ServiceAccount,
        azp: verified.unique_id.clone(),
        sub: verified.unique_id,
        email: verified.email,
        scopes,
        exp: token_exp,
        revoked: false,
    };
    let (access_token, expires_in) = mint_access_token(&mut shared.tables(), record, now);
    http::bearer_token_response(&access_token, expires_in)
}
