//! Google's sign-in pages on the Google listener: the authorization
//! endpoint (`GET /o/oauth2/v2/auth`, also `/o/oauth2/auth`), where the
//! emulator plays the person's browser and consent, and the device routes
//! (`POST /device/code`, `GET|POST /device`, in `google_device`).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};

use super::authorize::{self, error_page};
use super::google_device;
use super::google_login::CLIENT_NOT_FOUND;
use super::http::{self, Params};
use super::login_api::GoogleClientKind;
use super::login_tables::{CodeIssuer, GoogleAccount, loopback_redirect};
use super::state::Shared;

/// The Google authorization endpoint's path (wire.md §2.5).
pub const AUTHORIZE_PATH: &str = "/o/oauth2/v2/auth";
/// The device authorization endpoint's path (wire.md §4.5).
pub const DEVICE_CODE_PATH: &str = "/device/code";
/// The page where the person enters a device's user code.
pub const DEVICE_PAGE_PATH: &str = "/device";

/// The sign-in routes of the Google listener.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize))
        .route("/o/oauth2/auth", get(authorize))
        .route(DEVICE_CODE_PATH, post(google_device::device_code))
        .route(
            DEVICE_PAGE_PATH,
            get(google_device::page).post(google_device::answer),
        )
}

/// `GET /o/oauth2/v2/auth`: unknown client or a redirect URI the client may
/// not use: a 400 page. Bad `response_type`, missing or non-S256 PKCE,
/// missing `scope`: a 302 with `error`. Then the person (the `login_hint`
/// account, else the only account; else a 400 page) consents, granting
/// the requested scopes their account allows, and a 302 carries `code`,
/// `state` and `scope`; a refusal (or nothing to grant) is a 302 with
/// `error=access_denied`.
async fn authorize(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let params = http::query_params(&uri);
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let Some(client_id) = param("client_id") else {
        return error_page("invalid_request", "Missing required parameter: client_id");
    };
    let kind = shared
        .tables()
        .google_clients
        .get(client_id)
        .map(|c| c.kind);
    let Some(kind) = kind else {
        return error_page("invalid_client", CLIENT_NOT_FOUND);
    };
    let Some(redirect_uri) = param("redirect_uri") else {
        return error_page(
            "invalid_request",
            "Missing required parameter: redirect_uri",
        );
    };
    if kind != GoogleClientKind::Installed {
        return error_page(
            "redirect_uri_mismatch",
            "This client (TVs and Limited Input devices) has no redirect URIs: it signs in with the device flow.",
        );
    }
    if !loopback_redirect(redirect_uri) {
        return error_page(
            "redirect_uri_mismatch",
            &format!(
                "The redirect URI {redirect_uri} is not allowed: installed apps use http://127.0.0.1:PORT or http://localhost:PORT."
            ),
        );
    }
    let (state, checked) = authorize::check_request(
        &params,
        client_id,
        redirect_uri,
        shared.login.require_pkce,
        None,
    );
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            return authorize::redirect_error(
                StatusCode::FOUND,
                redirect_uri,
                state.as_deref(),
                &e,
            );
        }
    };
    let account = match pick_account(&shared, &params) {
        Ok(a) => a,
        Err(why) => return error_page("invalid_request", &why),
    };
    let scopes = account.grant(&checked.scopes);
    if shared.login.refuse_consent || scopes.is_empty() {
        return authorize::refused(StatusCode::FOUND, &checked);
    }
    let person = (account.email.as_str(), account.sub.as_str());
    authorize::issue_code(
        &shared,
        StatusCode::FOUND,
        &checked,
        CodeIssuer::Google,
        person,
        scopes,
    )
}

/// The account the person signs in with: `login_hint`'s, else the only one.
fn pick_account(shared: &Shared, params: &Params) -> Result<GoogleAccount, String> {
    let tables = shared.tables();
    let accounts = &tables.login.google_accounts;
    if let Some(hint) = params.get("login_hint").filter(|h| !h.is_empty()) {
        return tables
            .login
            .google_account(hint)
            .cloned()
            .ok_or_else(|| format!("No Google account {hint} can sign in here."));
    }
    let mut all = accounts.values();
    match (all.next(), all.next()) {
        (Some(only), None) => Ok(only.clone()),
        (None, _) => Err("No Google account can sign in: none is registered.".into()),
        (Some(_), Some(_)) => Err(format!(
            "{} Google accounts can sign in and no login_hint says which.",
            accounts.len()
        )),
    }
}
