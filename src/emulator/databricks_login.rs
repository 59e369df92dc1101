//! Databricks U2M sign-in (wire.md §3.5, §6 item 9): the authorize
//! endpoints of the workspace (`GET /oidc/v1/authorize`) and the account
//! (`GET /oidc/accounts/<account_id>/v1/authorize`), where the emulator
//! plays the person's consent, and the authorization-code grant of their
//! token endpoints. The tokens are those of `Emulator::add_u2m_login`, so a
//! sign-in refreshes exactly like a registered login.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use super::authorize::{self, RedirectError, error_page};
use super::databricks_api::CLI_CLIENT_ID;
use super::databricks_auth::unknown_account;
use super::databricks_tables::{Level, LoginGrant, known_scope};
use super::databricks_token::{Extra, Mint, granted, new_refresh_token};
use super::http::{self, OAuthError, Params};
use super::login_api::databricks_sign_in_user;
use super::login_tables::{CodeIssuer, loopback_redirect, pkce_matches};
use super::state::{Shared, lifetime_secs};

/// The scope of an authorize request that names none (UNCONFIRMED what
/// Databricks does then; the SDKs always send one).
const DEFAULT_SCOPE: &str = "all-apis";
/// `invalid_grant` description for an unknown, spent, expired or
/// misdirected code (UNCONFIRMED text).
const BAD_CODE: &str = "Authorization code is invalid";

/// `GET /oidc/v1/authorize`.
pub async fn workspace_authorize(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    authorize(&shared, Level::Workspace, &uri)
}

/// `GET /oidc/accounts/{account_id}/v1/authorize`.
pub async fn account_authorize(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<String>,
    uri: Uri,
) -> Response {
    if account_id != shared.databricks.account_id {
        return unknown_account(&account_id);
    }
    authorize(&shared, Level::Account, &uri)
}

/// Unknown client, or a redirect URI that is not loopback: a 400 page.
/// Bad `response_type`, missing or non-S256 PKCE, an unknown scope: a
/// redirect with `error`. Else the sign-in user consents (or, with
/// `LoginOptions::refuse_consent`, refuses: `error=access_denied`) and the
/// redirect carries `code`, `state` and `scope`. The redirect's status is
/// `LoginOptions::databricks_redirect_status`.
fn authorize(shared: &Shared, level: Level, uri: &Uri) -> Response {
    let params = http::query_params(uri);
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(client_id) = param("client_id") else {
        return error_page("invalid_request", "Missing required parameter: client_id");
    };
    let known = client_id == CLI_CLIENT_ID
        || shared
            .login
            .databricks_clients
            .iter()
            .any(|c| c == client_id);
    if !known {
        return error_page(
            "invalid_client",
            &format!(
                "OAuth application with client_id: '{client_id}' not available in Databricks account '{}'.",
                shared.databricks.account_id
            ),
        );
    }
    let Some(redirect_uri) = param("redirect_uri") else {
        return error_page(
            "invalid_request",
            "Missing required parameter: redirect_uri",
        );
    };
    if !loopback_redirect(redirect_uri) {
        return error_page(
            "invalid_request",
            &format!("Redirect URI {redirect_uri} is not allowed for client {client_id}."),
        );
    }
    let status = shared.login.databricks_redirect_status.status();
    let (state, checked) =
        authorize::check_request(&params, client_id, redirect_uri, true, Some(DEFAULT_SCOPE));
    let checked = checked.and_then(|c| match c.scopes.iter().find(|s| !known_scope(s)) {
        Some(bad) => Err(RedirectError {
            code: "invalid_scope",
            description: Some(format!("Scope '{bad}' is not allowed for this client")),
        }),
        None => Ok(c),
    });
    let checked = match checked {
        Ok(c) => c,
        Err(e) => return authorize::redirect_error(status, redirect_uri, state.as_deref(), &e),
    };
    if shared.login.refuse_consent {
        return authorize::refused(status, &checked);
    }
    let user = databricks_sign_in_user(&shared.tables());
    let scopes = checked.scopes.clone();
    authorize::issue_code(
        shared,
        status,
        &checked,
        CodeIssuer::Databricks(level),
        (&user, ""),
        scopes,
    )
}

/// `400 invalid_grant` with the given description.
fn invalid_grant(description: &str) -> OAuthError {
    OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// The authorization-code grant (public client: the client id in the body
/// or in Basic, no secret): the code (single use: any attempt consumes it)
/// must come from this issuer, for this client, unexpired, with the same
/// `redirect_uri`, and `code_verifier` must match its S256 challenge.
/// Answers an `at+jwt` for the sign-in user, `expires_in`, `scope`, and a
/// refresh token registered as a U2M login (only when `offline_access` was
/// granted, unless `LoginOptions::databricks_refresh_needs_offline_access`
/// is off).
pub fn code_grant(
    shared: &Shared,
    level: Level,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, OAuthError> {
    let client_id = http::basic_auth(headers)
        .map(|(id, _)| id)
        .or_else(|| params.get("client_id").cloned())
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            OAuthError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Client authentication failed",
            )
        })?;
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: code",
        ));
    };
    let record = shared.tables().login.codes.remove(code);
    let record = record
        .filter(|r| r.issuer == CodeIssuer::Databricks(level) && r.client_id == client_id)
        .filter(|r| Instant::now() < r.expires)
        .ok_or_else(|| invalid_grant(BAD_CODE))?;
    if params.get("redirect_uri") != Some(&record.redirect_uri) {
        return Err(invalid_grant(
            "Redirect URI does not match the authorization request",
        ));
    }
    let verified = match (&record.challenge, params.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => pkce_matches(verifier, challenge),
        (Some(_), None) => false,
        (None, _) => true,
    };
    if !verified {
        return Err(invalid_grant("PKCE verification failed"));
    }
    let offline = record.scopes.iter().any(|s| s == "offline_access");
    let refresh_token =
        (offline || !shared.login.databricks_refresh_needs_offline_access).then(new_refresh_token);
    {
        let mut tables = shared.tables();
        tables.ensure_databricks_user(&record.email);
        if let Some(token) = &refresh_token {
            let grant = LoginGrant {
                client_id: client_id.clone(),
                user: record.email.clone(),
                scopes: record.scopes.clone(),
                level,
            };
            tables.databricks.logins.insert(token.clone(), grant);
        }
    }
    let scope = record.scopes.join(" ");
    let mint = Mint {
        level,
        client_id: &client_id,
        sub: &record.email,
        scope: &scope,
        lifetime: lifetime_secs(shared.databricks.options.u2m_token_lifetime),
    };
    let extra = Extra {
        refresh_token,
        issued_token_type: None,
    };
    granted(shared, &mint, extra)
}
