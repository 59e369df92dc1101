//! IAM Service Account Credentials API (wire.md §2.7):
//! `POST /v1/projects/-/serviceAccounts/{EMAIL_OR_ID}:generateAccessToken`,
//! `:generateIdToken` and `:signJwt`, JSON in and camelCase JSON out.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::api_error::{self, ApiError};
use super::google::mint_access_token;
use super::http;
use super::iam_auth::{self, Account};
use super::state::{AccessTokenRecord, Shared, TokenOrigin, now_secs};

/// Default and normal maximum token lifetime, seconds.
const HOUR: f64 = 3600.0;
/// Maximum lifetime for accounts the org policy lets extend, seconds.
const TWELVE_HOURS: f64 = 43_200.0;
/// Lifetime of a `generateIdToken` token, seconds.
const ID_TOKEN_LIFETIME: i64 = 3600;

/// `POST /v1/projects/{project}/serviceAccounts/{name}:{method}`.
pub async fn handle(
    State(shared): State<Arc<Shared>>,
    Path((project, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((target, method)) = name.rsplit_once(':') else {
        return api_error::not_found(&name).into_response();
    };
    let permission = match method {
        "generateAccessToken" => "iam.serviceAccounts.getAccessToken",
        "generateIdToken" => "iam.serviceAccounts.getOpenIdToken",
        "signJwt" => "iam.serviceAccounts.signJwt",
        _ => return api_error::not_found(&name).into_response(),
    };
    let result = serve(
        &shared, &project, target, method, permission, &headers, &body,
    );
    result.unwrap_or_else(ApiError::into_response)
}

/// Checks the caller, the request and the chain, then runs `method`.
fn serve(
    shared: &Shared,
    project: &str,
    target: &str,
    method: &str,
    permission: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let now = now_secs();
    let caller = iam_auth::caller(shared, headers, now)?;
    if project != "-" {
        return Err(api_error::invalid_argument(
            "name",
            "The project must be the wildcard `-`.",
        ));
    }
    let request = parse_json(body)?;
    let delegates = string_list(&request, "delegates")?;
    let account = iam_auth::authorize_chain(shared, &caller, &delegates, target, permission)?;
    match method {
        "generateAccessToken" => generate_access_token(shared, &account, &request, now),
        "generateIdToken" => generate_id_token(shared, &account, &request, now),
        _ => sign_jwt(&account, &request),
    }
}

/// The body as a JSON object (an empty body is `{}`).
fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    if body.trim_ascii().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(api_error::invalid_argument(
            "",
            "Invalid JSON payload received.",
        )),
    }
}

/// A list of strings, also accepting one string; absent or null is empty.
fn string_list(request: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    let bad = || api_error::invalid_argument(field, "Expected a list of strings.");
    match request.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// A boolean field, also accepting the strings `"true"`/`"false"`.
fn flag(request: &Value, field: &str) -> bool {
    match request.get(field) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Parses a protobuf Duration string (`"3600s"`, `"3599.5s"`), seconds.
fn parse_lifetime(text: &str) -> Option<f64> {
    let secs: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (secs.is_finite() && secs > 0.0).then_some(secs)
}

/// `expireTime`: whole seconds, trailing `Z` (Python parses it with
/// `%Y-%m-%dT%H:%M:%SZ`).
fn expire_time(exp: i64) -> String {
    chrono::DateTime::from_timestamp(exp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `:generateAccessToken`: an opaque token for the target, default and
/// normal maximum 1 h, 12 h for accounts allowed the extension.
fn generate_access_token(
    shared: &Shared,
    account: &Account,
    request: &Value,
    now: i64,
) -> Result<Response, ApiError> {
    let scopes = string_list(request, "scope")?;
    if scopes.is_empty() {
        return Err(api_error::invalid_argument("scope", "Scope is required."));
    }
    let lifetime = match request.get("lifetime") {
        None | Some(Value::Null) => HOUR,
        Some(Value::String(s)) => parse_lifetime(s)
            .ok_or_else(|| api_error::invalid_argument("lifetime", "Invalid duration."))?,
        Some(_) => return Err(api_error::invalid_argument("lifetime", "Invalid duration.")),
    };
    let mut tables = shared.tables();
    let max = if tables.iam.extended_lifetime.contains(&account.email) {
        TWELVE_HOURS
    } else {
        HOUR
    };
    if lifetime > max {
        return Err(api_error::invalid_argument(
            "lifetime",
            &format!("The lifetime must be at most {max}s for this service account."),
        ));
    }
    #[allow(clippy::cast_possible_truncation)]
    let exp = now.saturating_add(lifetime.floor() as i64);
    let record = AccessTokenRecord {
        origin: TokenOrigin::ServiceAccount,
        azp: account.unique_id.clone(),
        sub: account.unique_id.clone(),
        email: account.email.clone(),
        scopes,
        exp,
        revoked: false,
    };
    let (token, _) = mint_access_token(&mut tables, record, now);
    Ok(http::json_response(
        StatusCode::OK,
        json!({ "accessToken": token, "expireTime": expire_time(exp) }),
    ))
}

/// `:generateIdToken`: an RS256 ID token from the emulator's Google keys.
fn generate_id_token(
    shared: &Shared,
    account: &Account,
    request: &Value,
    now: i64,
) -> Result<Response, ApiError> {
    let audience = request
        .get("audience")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| api_error::invalid_argument("audience", "Audience is required."))?;
    let azp = if flag(request, "useEmailAzp") {
        &account.email
    } else {
        &account.unique_id
    };
    let mut claims = json!({
        "iss": shared.google_url,
        "aud": audience,
        "azp": azp,
        "sub": account.unique_id,
        "iat": now,
        "exp": now.saturating_add(ID_TOKEN_LIFETIME),
    });
    if flag(request, "includeEmail") {
        claims["email"] = json!(account.email);
        claims["email_verified"] = json!(true);
    }
    let token = shared.google_keys.sign("JWT", &claims).map_err(internal)?;
    Ok(http::json_response(
        StatusCode::OK,
        json!({ "token": token }),
    ))
}

/// `:signJwt`: the payload (a JSON object in a string) signed with the
/// account's own key; answers `keyId` and `signedJwt`.
fn sign_jwt(account: &Account, request: &Value) -> Result<Response, ApiError> {
    let payload = request
        .get("payload")
        .and_then(Value::as_str)
        .and_then(|p| serde_json::from_str::<Value>(p).ok())
        .filter(Value::is_object)
        .ok_or_else(|| api_error::invalid_argument("payload", "Payload must be a JSON object."))?;
    let signed = account.key.sign("JWT", &payload).map_err(internal)?;
    Ok(http::json_response(
        StatusCode::OK,
        json!({ "keyId": account.key.kid, "signedJwt": signed }),
    ))
}

/// A 500 in the API envelope.
fn internal(detail: String) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_and_expire_times() {
        assert_eq!(parse_lifetime("3600s"), Some(3600.0));
        assert_eq!(parse_lifetime("1.5s"), Some(1.5));
        assert_eq!(parse_lifetime("3600"), None);
        assert_eq!(parse_lifetime("-1s"), None);
        assert_eq!(parse_lifetime("NaNs"), None);
        assert_eq!(expire_time(0), "1970-01-01T00:00:00Z");
    }
}
