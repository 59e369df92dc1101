//! Google's device authorization grant (RFC 8628, wire.md §4.5): the
//! device's request (`POST /device/code`) and the person's page
//! (`GET /device` shows a form, `POST /device` takes the answer). The poll
//! at `/token` lives in `google_login`.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::authorize::{escape, html_page};
use super::google_authorize::DEVICE_PAGE_PATH;
use super::google_login::CLIENT_NOT_FOUND;
use super::http;
use super::keys;
use super::login_api::{GoogleClientKind, decide_device};
use super::login_tables::{DeviceDecision, DeviceGrant, new_user_code};
use super::state::Shared;

/// `invalid_client` description for a client that is not a device client
/// (the exact text Google sends is UNCONFIRMED).
pub const WRONG_CLIENT_TYPE: &str = "Invalid client type. Only OAuth clients of type 'TVs and Limited Input devices' can use the device flow.";

/// `POST /device/code` (form or JSON: `client_id`, `scope`): 200 with
/// `device_code`, `user_code`, the verification page under the name
/// [`LoginOptions::verification_field`] picks, `expires_in` and `interval`.
/// Unknown client: 401 `invalid_client` (`The OAuth client was not found.`);
/// a client that is not a device client: 401 `invalid_client`
/// ([`WRONG_CLIENT_TYPE`]); no scope: 400 `invalid_request`.
///
/// [`LoginOptions::verification_field`]: super::LoginOptions::verification_field
pub async fn device_code(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = match http::parse_body(&headers, &body) {
        Ok(p) => p,
        Err(e) => return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    };
    let kind = shared
        .tables()
        .google_clients
        .get(client_id)
        .map(|c| c.kind);
    match kind {
        None => {
            return http::oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", CLIENT_NOT_FOUND);
        }
        Some(GoogleClientKind::Installed) => {
            return http::oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                WRONG_CLIENT_TYPE,
            );
        }
        Some(GoogleClientKind::LimitedInputDevice) => {}
    }
    let scopes: Vec<String> = params
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if scopes.is_empty() {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: scope",
        );
    }
    let options = &shared.login;
    let device_code = format!("AH-1{}", keys::random_urlsafe(60));
    let user_code = new_user_code();
    let grant = DeviceGrant {
        client_id: client_id.clone(),
        user_code: user_code.clone(),
        scopes,
        expires: Instant::now() + options.device_code_lifetime,
        interval: options.device_interval,
        last_poll: None,
        decision: DeviceDecision::Pending,
    };
    shared
        .tables()
        .login
        .devices
        .insert(device_code.clone(), grant);
    let mut body = Map::new();
    body.insert("device_code".into(), json!(device_code));
    body.insert("user_code".into(), json!(user_code));
    let page = format!("{}{DEVICE_PAGE_PATH}", shared.google_url);
    for name in options.verification_field.names() {
        body.insert((*name).into(), json!(page));
    }
    body.insert("expires_in".into(), json!(options.device_expires_in_secs()));
    body.insert("interval".into(), json!(options.interval_secs()));
    http::json_response(StatusCode::OK, Value::Object(body))
}

/// `GET /device[?user_code=...]`: a form with the user code, the account
/// (a choice of the registered accounts), and Allow / Deny buttons.
pub async fn page(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let code = http::query_params(&uri)
        .get("user_code")
        .cloned()
        .unwrap_or_default();
    let mut emails: Vec<String> = shared
        .tables()
        .login
        .google_accounts
        .values()
        .map(|a| a.email.clone())
        .collect();
    emails.sort();
    let account = if emails.is_empty() {
        "<input name=\"account\" type=\"email\">".to_string()
    } else {
        let mut select = "<select name=\"account\">".to_string();
        for email in &emails {
            let e = escape(email);
            let _ = write!(select, "<option value=\"{e}\">{e}</option>");
        }
        select.push_str("</select>");
        select
    };
    let body = format!(
        "<h1>Connect a device</h1>\n<form method=\"post\" action=\"{DEVICE_PAGE_PATH}\">\n\
         <p><label>Code <input name=\"user_code\" value=\"{}\" autocomplete=\"off\"></label></p>\n\
         <p><label>Account {account}</label></p>\n\
         <p><button name=\"decision\" value=\"allow\">Allow</button> \
         <button name=\"decision\" value=\"deny\">Deny</button></p>\n</form>",
        escape(&code)
    );
    html_page(StatusCode::OK, "Connect a device", &body)
}

/// `POST /device` (form: `user_code`, `account`, `decision=allow|deny`):
/// 200 "Signed in" when allowed, 200 "Access denied" when refused (or when
/// the account may grant none of the scopes asked), 400 saying why when
/// the code or the account is unknown, the code already answered, or the
/// decision missing.
pub async fn answer(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form = http::parse_form(&body);
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let allow = match field("decision") {
        "allow" => true,
        "deny" => false,
        _ => return refusal("Choose Allow or Deny (decision=allow|deny)."),
    };
    let account = field("account");
    match decide_device(&shared, field("user_code"), account, allow) {
        Ok(DeviceDecision::Approved { email, scopes, .. }) => html_page(
            StatusCode::OK,
            "Signed in",
            &format!(
                "<h1>Signed in</h1>\n<p>The device is signed in as {} with {}. You can close this window.</p>",
                escape(&email),
                escape(&scopes.join(" "))
            ),
        ),
        Ok(_) if allow => html_page(
            StatusCode::OK,
            "Access denied",
            &format!(
                "<h1>Access denied</h1>\n<p>{} may not grant any of the scopes the device asked for.</p>",
                escape(account)
            ),
        ),
        Ok(_) => html_page(
            StatusCode::OK,
            "Access denied",
            "<h1>Access denied</h1>\n<p>You refused the device access to your account.</p>",
        ),
        Err(why) => refusal(why.message()),
    }
}

/// The 400 page of an answer that was not taken.
fn refusal(why: &str) -> Response {
    html_page(
        StatusCode::BAD_REQUEST,
        "Not signed in",
        &format!("<h1>Not signed in</h1>\n<p>{}</p>", escape(why)),
    )
}
