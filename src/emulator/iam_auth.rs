//! Who is calling IAM Credentials and may they: the bearer token's check,
//! service-account lookup and the hop-by-hop delegation check (wire.md §2.7).

use std::sync::Arc;

use axum::http::HeaderMap;

use super::api_auth::{ApiService, bearer_record};
use super::api_error::{self, ApiError};
use super::keys::RsaKey;
use super::state::{Shared, Tables};

/// IAM Credentials and the scopes it accepts, as its 403 names them.
const IAM_CREDENTIALS: ApiService = ApiService {
    name: "iamcredentials.googleapis.com",
    scopes: &[
        "https://www.googleapis.com/auth/iam",
        "https://www.googleapis.com/auth/cloud-platform",
    ],
};
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
    let record = bearer_record(shared, headers, now, &IAM_CREDENTIALS)?;
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
