//! Google `POST /token` for sign-ins: the authorization-code grant with
//! PKCE (RFC 6749 §4.1.3, RFC 7636 §4.5) and the device-code poll (RFC 8628
//! §3.4, §3.5). Both end in the same answer: a `ya29.` access token, a
//! refresh token the refresh grant takes, and an ID token when `openid` was
//! granted (wire.md §2.1).

use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::google::mint_access_token;
use super::http::{self, OAuthError, Params};
use super::login_api::{GoogleClientKind, new_google_refresh_token};
use super::login_tables::{CodeIssuer, DeviceDecision, pkce_matches};
use super::state::{AccessTokenRecord, RefreshGrant, Shared, TokenOrigin, lifetime_secs, now_secs};

/// The RFC 8628 grant type.
pub const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// `invalid_client` for an unknown client id (wire.md §2.9).
pub const CLIENT_NOT_FOUND: &str = "The OAuth client was not found.";
/// Google's description for an unknown, reused or expired code (wire.md
/// §2.9 lists it for unknown tokens; for codes it is UNCONFIRMED).
const BAD_REQUEST: &str = "Bad Request";
/// The description of a wrong `code_verifier` (UNCONFIRMED, from memory).
const BAD_VERIFIER: &str = "Invalid code verifier.";
/// The description of a missing `code_verifier` (UNCONFIRMED, from memory).
const NO_VERIFIER: &str = "Missing code verifier.";
/// The description of a `redirect_uri` other than the authorization
/// request's (UNCONFIRMED; Google may answer `redirect_uri_mismatch`).
const REDIRECT_MISMATCH: &str = "redirect_uri does not match the authorization request.";

/// A person's sign-in, about to become tokens.
#[derive(Debug)]
struct SignIn {
    /// The client the tokens are for.
    client_id: String,
    /// The person's email.
    email: String,
    /// Their subject id.
    sub: String,
    /// Scopes granted.
    scopes: Vec<String>,
}

/// `400 invalid_grant` with the given description.
fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// Authenticates a Google client by Basic or body credentials; the secret
/// is checked when `require_secret`, or whenever one is sent.
pub fn authenticate_client(
    shared: &Shared,
    headers: &HeaderMap,
    params: &Params,
    require_secret: bool,
) -> Result<(String, GoogleClientKind), OAuthError> {
    let Some((client_id, secret)) = http::client_credentials(headers, params) else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Could not determine client ID from request.",
        ));
    };
    let tables = shared.tables();
    let Some(client) = tables.google_clients.get(&client_id) else {
        return Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            CLIENT_NOT_FOUND,
        ));
    };
    if (require_secret || !secret.is_empty()) && client.client_secret != secret {
        return Err(OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unauthorized",
        ));
    }
    let kind = client.kind;
    drop(tables);
    Ok((client_id, kind))
}

/// A Google ID token for `client_id` (`aud` and `azp`), signed like every
/// other Google ID token of the emulator.
pub fn google_id_token(
    shared: &Shared,
    client_id: &str,
    sub: &str,
    email: &str,
    (iat, exp): (i64, i64),
) -> Result<String, String> {
    let claims = json!({
        "iss": shared.google_url,
        "azp": client_id,
        "aud": client_id,
        "sub": sub,
        "email": email,
        "email_verified": true,
        "iat": iat,
        "exp": exp,
    });
    shared.google_keys.sign("JWT", &claims)
}

/// Registers the refresh grant, mints the access token (and ID token).
fn issue_tokens(shared: &Shared, sign_in: SignIn) -> Result<Response, OAuthError> {
    let lifetime = shared.login.google_token_lifetime;
    let now = now_secs();
    let exp = now.saturating_add(lifetime_secs(lifetime));
    let refresh_token = new_google_refresh_token();
    let mut tables = shared.tables();
    tables.refresh_grants.insert(
        refresh_token.clone(),
        RefreshGrant {
            client_id: sign_in.client_id.clone(),
            email: sign_in.email.clone(),
            sub: sign_in.sub.clone(),
            scopes: sign_in.scopes.clone(),
            lifetime,
            revoked: false,
        },
    );
    let record = AccessTokenRecord {
        origin: TokenOrigin::RefreshGrant(refresh_token.clone()),
        azp: sign_in.client_id.clone(),
        sub: sign_in.sub.clone(),
        email: sign_in.email.clone(),
        scopes: sign_in.scopes.clone(),
        exp,
        revoked: false,
    };
    let (access_token, expires_in) = mint_access_token(&mut tables, record, now);
    drop(tables);
    let mut body = json!({
        "access_token": access_token,
        "expires_in": expires_in,
        "refresh_token": refresh_token,
        "scope": sign_in.scopes.join(" "),
        "token_type": "Bearer",
    });
    if sign_in.scopes.iter().any(|s| s == "openid") {
        let id_token = google_id_token(
            shared,
            &sign_in.client_id,
            &sign_in.sub,
            &sign_in.email,
            (now, exp),
        )
        .map_err(|e| OAuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_failure", e))?;
        body["id_token"] = Value::String(id_token);
    }
    Ok(http::json_response(StatusCode::OK, body))
}

/// The authorization-code grant: client secret, then the code (single
/// use: any attempt to redeem it consumes it), its client, expiry,
/// `redirect_uri` and PKCE verifier.
pub fn code_grant(shared: &Shared, headers: &HeaderMap, params: &Params) -> Response {
    code_grant_inner(shared, headers, params).unwrap_or_else(OAuthError::into_response)
}

/// [`code_grant`], with errors as values.
fn code_grant_inner(
    shared: &Shared,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, OAuthError> {
    let (client_id, _) = authenticate_client(shared, headers, params, true)?;
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: code",
        ));
    };
    let record = shared.tables().login.codes.remove(code);
    let record = record
        .filter(|r| r.issuer == CodeIssuer::Google && r.client_id == client_id)
        .filter(|r| Instant::now() < r.expires)
        .ok_or_else(|| invalid_grant(BAD_REQUEST))?;
    if params.get("redirect_uri") != Some(&record.redirect_uri) {
        return Err(invalid_grant(REDIRECT_MISMATCH));
    }
    if let Some(challenge) = &record.challenge {
        let verifier = params
            .get("code_verifier")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid_grant(NO_VERIFIER))?;
        if !pkce_matches(verifier, challenge) {
            return Err(invalid_grant(BAD_VERIFIER));
        }
    }
    issue_tokens(
        shared,
        SignIn {
            client_id,
            email: record.email,
            sub: record.sub,
            scopes: record.scopes,
        },
    )
}

/// A polling error with the status [`LoginOptions::device_poll_status`] gives it.
///
/// [`LoginOptions::device_poll_status`]: super::LoginOptions::device_poll_status
fn poll_error(shared: &Shared, code: &'static str, description: &str) -> OAuthError {
    let status = shared.login.device_poll_status.status(code);
    OAuthError::new(status, code, description)
}

/// The device-code poll: `expired_token` once the code is past its life,
/// `slow_down` (and a longer interval) when polled sooner than the interval
/// after the previous poll, then `authorization_pending`, `access_denied`,
/// or the tokens (the device code is then spent).
pub fn device_grant(shared: &Shared, headers: &HeaderMap, params: &Params) -> Response {
    device_grant_inner(shared, headers, params).unwrap_or_else(OAuthError::into_response)
}

/// [`device_grant`], with errors as values.
fn device_grant_inner(
    shared: &Shared,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, OAuthError> {
    let require_secret = shared.login.device_poll_requires_secret;
    let (client_id, _) = authenticate_client(shared, headers, params, require_secret)?;
    let Some(device_code) = params.get("device_code").filter(|c| !c.is_empty()) else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: device_code",
        ));
    };
    let mut tables = shared.tables();
    let device = tables
        .login
        .devices
        .get_mut(device_code)
        .filter(|d| d.client_id == client_id)
        .ok_or_else(|| invalid_grant(BAD_REQUEST))?;
    let now = Instant::now();
    if now >= device.expires {
        return Err(poll_error(
            shared,
            "expired_token",
            "The device code has expired.",
        ));
    }
    let too_soon = device
        .last_poll
        .is_some_and(|last| now.duration_since(last) < device.interval);
    device.last_poll = Some(now);
    if too_soon {
        device.interval += shared.login.device_slow_down_step;
        let wait = device.interval.as_secs_f64();
        return Err(poll_error(
            shared,
            "slow_down",
            &format!("Polling too fast: wait {wait} s between polls."),
        ));
    }
    let sign_in = match device.decision.clone() {
        DeviceDecision::Pending => {
            return Err(poll_error(
                shared,
                "authorization_pending",
                "The user has not yet answered.",
            ));
        }
        DeviceDecision::Denied => {
            return Err(poll_error(
                shared,
                "access_denied",
                "The user refused access.",
            ));
        }
        DeviceDecision::Approved { email, sub, scopes } => SignIn {
            client_id,
            email,
            sub,
            scopes,
        },
    };
    tables.login.devices.remove(device_code);
    drop(tables);
    issue_tokens(shared, sign_in)
}
