//! The bearer check every Google API of the emulator shares (wire.md §5
//! "Google APIs"): a live access token this emulator issued, carrying one
//! of the scopes the API accepts; else Google's 401 or 403 envelope.

use axum::http::HeaderMap;

use super::api_error::{self, ApiError};
use super::http;
use super::state::{AccessTokenRecord, Shared};

/// `ErrorInfo` reason for a token the emulator never issued, or revoked
/// (wire.md §5, observed for a fabricated token).
const UNKNOWN_TOKEN_REASON: &str = "ACCESS_TOKEN_TYPE_UNSUPPORTED";
/// `ErrorInfo` reason for a request without any credential.
const MISSING_REASON: &str = "CREDENTIALS_MISSING";

/// A Google API as its errors name it.
#[derive(Debug)]
pub struct ApiService {
    /// Its host, the `service` of `ErrorInfo.metadata`.
    pub name: &'static str,
    /// Scopes (full URLs) any one of which lets a token call it.
    pub scopes: &'static [&'static str],
}

/// Checks `Authorization: Bearer` for `service`: the record of a live
/// access token this emulator minted (any kind: user refresh, key,
/// metadata server, impersonation, STS) with one of the service's scopes.
/// Expired tokens get [`FederationOptions::expired_token_reason`].
///
/// [`FederationOptions::expired_token_reason`]: super::FederationOptions::expired_token_reason
pub fn bearer_record(
    shared: &Shared,
    headers: &HeaderMap,
    now: i64,
    service: &ApiService,
) -> Result<AccessTokenRecord, ApiError> {
    let Some(token) = http::bearer_token(headers) else {
        return Err(api_error::unauthenticated(
            service.name,
            true,
            MISSING_REASON,
        ));
    };
    let invalid = |reason: &str| api_error::unauthenticated(service.name, false, reason);
    let record = shared
        .tables()
        .access_tokens
        .get(&token)
        .filter(|r| !r.revoked)
        .cloned()
        .ok_or_else(|| invalid(UNKNOWN_TOKEN_REASON))?;
    if !record.is_live(now) {
        return Err(invalid(&shared.federation.expired_token_reason));
    }
    if !record
        .scopes
        .iter()
        .any(|s| service.scopes.contains(&s.as_str()))
    {
        return Err(api_error::insufficient_scope(service.name, service.scopes));
    }
    Ok(record)
}
