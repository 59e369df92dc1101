//! Who is calling IAM Credentials and may they: the bearer token's check,
//! service-account lookup and the hop-by-hop delegation check (wire.md §2.7).

use std::sync::Arc;

use axum::http::HeaderMap;

use super::api_error::{self, ApiError, IAM_SCOPES};
use super::http;
use super::keys::RsaKey;
use super::state::{Shared, Tables};

/// `ErrorInfo` reason for a token the emulator never issued or revoked
/// (wire.md §5, observed for a fabricated token).
const UNKNOWN_TOKEN_REASON: &str = "ACCESS_TOKEN_TYPE_UNSUPPORTED";
/// `ErrorInfo` reason for a request without any credential.
const MISSING_REASON: &str = "CREDENTIALS_MISSING";
/// Prefix of a delegate or target resource name.
const SA_PREFIX: &str = "projects/-/serviceAccounts/";

/// The caller behind a live bearer token.
#[derive(Debug)]
pub struct Caller {
    /// Its IAM member (`user:`, `serviceAccount:`, `principal://`).
    pub member: String,
}

/// Checks `Authorization: Bearer`: a live token this emulator minted whose
/// scopes include `cloud-platform` or `iam`.
pub fn caller(shared: &Shared, headers: &HeaderMap, now: i64) -> Result<Caller, ApiError> {
    let Some(token) = http::bearer_token(headers) else {
        return Err(api_error::unauthenticated(true, MISSING_REASON));
    };
    let tables = shared.tables();
    let Some(record) = tables.access_tokens.get(&token) else {
        return Err(api_error::unauthenticated(false, UNKNOWN_TOKEN_REASON));
    };
    if record.revoked {
        return Err(api_error::unauthenticated(false, UNKNOWN_TOKEN_REASON));
    }
    if !record.is_live(now) {
        let reason = &shared.federation.expired_token_reason;
        return Err(api_error::unauthenticated(false, reason));
    }
    if !record
        .scopes
        .iter()
        .any(|s| IAM_SCOPES.contains(&s.as_str()))
    {
        return Err(api_error::insufficient_scope());
    }
    Ok(Caller {
        member: record.origin.member(&record.email),
    })
}

/// A registered service account as IAM Credentials sees it.
#[derive(Debug, Clone)]
pub struct Account {
    /// `client_email`.
    pub email: String,
    /// Numeric unique id.
    pub unique_id: String,
    /// Its key (for `signJwt`).
    pub key: Arc<RsaKey>,
}

/// Finds a service account by email or unique id; `name` may carry the
/// `projects/-/serviceAccounts/` prefix (delegates come in both forms).
pub fn account(tables: &Tables, name: &str) -> Option<Account> {
    let name = name.strip_prefix(SA_PREFIX).unwrap_or(name);
    tables
        .service_accounts
        .values()
        .find(|sa| sa.email == name || sa.unique_id == name)
        .map(|sa| Account {
            email: sa.email.clone(),
            unique_id: sa.unique_id.clone(),
            key: Arc::clone(&sa.key),
        })
}

/// The error for a service account that does not exist (see
/// [`FederationOptions::unknown_account_is_forbidden`]).
///
/// [`FederationOptions::unknown_account_is_forbidden`]: super::FederationOptions::unknown_account_is_forbidden
pub fn unknown_account(shared: &Shared, name: &str, permission: &str) -> ApiError {
    if shared.federation.unknown_account_is_forbidden {
        api_error::permission_denied(permission)
    } else {
        api_error::not_found(name)
    }
}

/// Resolves the delegates and the target, then checks every hop: the caller
/// on the first delegate (or the target), each delegate on the next, the
/// last on the target. Returns the target.
pub fn authorize_chain(
    shared: &Shared,
    caller: &Caller,
    delegates: &[String],
    target: &str,
    permission: &str,
) -> Result<Account, ApiError> {
    let tables = shared.tables();
    let mut member = caller.member.clone();
    let mut resolved = None;
    for name in delegates.iter().map(String::as_str).chain([target]) {
        let hop =
            account(&tables, name).ok_or_else(|| unknown_account(shared, name, permission))?;
        if !tables.iam.may_impersonate(&member, &hop.email) {
            return Err(api_error::permission_denied(permission));
        }
        member = format!("serviceAccount:{}", hop.email);
        resolved = Some(hop);
    }
    resolved.ok_or_else(|| unknown_account(shared, target, permission))
}
