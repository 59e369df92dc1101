//! Bearer tokens on the workspace's REST API (`/api/2.0/...`): a live PAT or
//! a workspace-issued OAuth access token, else the rejections of wire.md §5
//! (a valid token of another workspace gets "Invalid access to Org").

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::databricks_tables::{Principal, now_ms};
use super::http;
use super::state::{Shared, now_secs};

/// OAuth tokens with this little life left are refused (seconds, wire.md §3.11).
pub const EXPIRY_MARGIN: i64 = 30;
/// The 403 message for an unknown, deleted or expired token (wire.md §5).
pub const INVALID_TOKEN: &str = "Invalid access token.";
/// The 403 message for an OAuth token about to expire (wire.md §3.11).
pub const EXPIRING_TOKEN: &str = "Token is expiring within 30 seconds. (token expired)";
/// The 403 message's start for a token of another workspace (wire.md §5);
/// the workspace id follows.
pub const FOREIGN_ORG: &str = "Invalid access to Org: ";
/// The 401 message when no usable credential was sent (wire.md §5).
const NO_CREDENTIAL: &str = "Credential was not sent or was of an unsupported type for this API.";

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// No bearer credential at all: 401.
    Missing,
    /// A bearer credential that is not a live token of this workspace: 403.
    Invalid,
    /// A workspace OAuth token with 30 s or less left: 403.
    Expiring,
    /// A live OAuth token of another workspace (its `aud` is another
    /// workspace id): 403 `Invalid access to Org: <this workspace id>`.
    ForeignOrg,
}

impl Rejection {
    /// The Databricks REST error response, `error_code` shaped as the
    /// emulator's options say, with the `X-Databricks-Reason-Phrase` header.
    pub fn response(self, shared: &Shared) -> Response {
        let (status, message) = match self {
            Self::Missing => (StatusCode::UNAUTHORIZED, NO_CREDENTIAL.to_string()),
            Self::Invalid => (StatusCode::FORBIDDEN, INVALID_TOKEN.to_string()),
            Self::Expiring => (StatusCode::FORBIDDEN, EXPIRING_TOKEN.to_string()),
            Self::ForeignOrg => (
                StatusCode::FORBIDDEN,
                format!("{FOREIGN_ORG}{}", shared.workspace_id),
            ),
        };
        let code = shared.databricks.options.error_code.value(status);
        let mut response =
            http::json_response(status, json!({ "error_code": code, "message": message }));
        if let Ok(phrase) = HeaderValue::from_str(&message) {
            response
                .headers_mut()
                .insert("x-databricks-reason-phrase", phrase);
        }
        response
    }
}

/// A Databricks REST error with a string `error_code`, e.g.
/// `RESOURCE_DOES_NOT_EXIST` or `INVALID_PARAMETER_VALUE`.
pub fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    http::json_response(status, json!({ "error_code": code, "message": message }))
}

/// 404 for an account id other than the workspace's (UNCONFIRMED shape).
pub fn unknown_account(account_id: &str) -> Response {
    rest_error(
        StatusCode::NOT_FOUND,
        "RESOURCE_DOES_NOT_EXIST",
        &format!("Account {account_id} does not exist."),
    )
}

/// Who a token stands for, and the scopes it is limited to.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The user or service principal.
    pub principal: Principal,
    /// `None` for an unrestricted PAT; else the PAT's scopes or the OAuth
    /// token's `scope` claim.
    pub scopes: Option<Vec<String>>,
}

/// Checks the bearer token: a live PAT, or an `at+jwt` of this workspace's
/// issuer and audience with more than 30 s left. Returns who it stands for.
pub fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<Principal, Rejection> {
    authenticate_scoped(shared, headers).map(|a| a.principal)
}

/// [`authenticate`], also returning the scopes the token is limited to.
pub fn authenticate_scoped(
    shared: &Shared,
    headers: &HeaderMap,
) -> Result<Authenticated, Rejection> {
    let token = http::bearer_token(headers).ok_or(Rejection::Missing)?;
    let pat = {
        let tables = shared.tables();
        match tables.databricks.pats.get(&token) {
            Some(pat) if pat.is_live(now_ms()) => Some((pat.owner.clone(), pat.scopes.clone())),
            Some(_) => return Err(Rejection::Invalid),
            None => None,
        }
    };
    let (name, scopes) = match pat {
        Some((owner, scopes)) => (owner, (!scopes.is_empty()).then_some(scopes)),
        None => {
            let (sub, scopes) = oauth_subject(shared, &token)?;
            (sub, Some(scopes))
        }
    };
    let principal = shared
        .tables()
        .databricks_principal(&name)
        .ok_or(Rejection::Invalid)?;
    Ok(Authenticated { principal, scopes })
}

/// The `sub` and scopes of a workspace OAuth access token that is still
/// acceptable. A live token whose `aud` is another workspace id is
/// [`Rejection::ForeignOrg`], whatever its issuer.
fn oauth_subject(shared: &Shared, token: &str) -> Result<(String, Vec<String>), Rejection> {
    let (header, claims) = shared
        .databricks_keys
        .verify(token)
        .map_err(|_| Rejection::Invalid)?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if header.typ.as_deref() != Some("at+jwt") {
        return Err(Rejection::Invalid);
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(Rejection::Invalid)?;
    let left = exp - now_secs();
    if left <= 0 {
        return Err(Rejection::Invalid);
    }
    let workspace_id = shared.workspace_id.to_string();
    let aud = text("aud").unwrap_or("");
    if aud != workspace_id && !aud.is_empty() && aud.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::ForeignOrg);
    }
    if text("iss") != Some(shared.databricks_issuer().as_str()) || aud != workspace_id {
        return Err(Rejection::Invalid);
    }
    if left <= EXPIRY_MARGIN {
        return Err(Rejection::Expiring);
    }
    let sub = text("sub").map(str::to_string).ok_or(Rejection::Invalid)?;
    let scopes = text("scope")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    Ok((sub, scopes))
}
