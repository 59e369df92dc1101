//! The Token API (wire.md §3.9): `POST /api/2.0/token/create`,
//! `GET /api/2.0/token/list`, `POST /api/2.0/token/delete`, each for the
//! caller's own personal access tokens.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::databricks_auth::{authenticate, rest_error};
use super::databricks_tables::{PAT_DEFAULT_LIFETIME, now_ms};
use super::http;
use super::state::Shared;

/// A 400 not yet rendered: its `error_code` and `message`.
#[derive(Debug)]
struct BadRequest(&'static str, &'static str);

impl BadRequest {
    /// `INVALID_PARAMETER_VALUE` with `message`.
    const fn parameter(message: &'static str) -> Self {
        Self("INVALID_PARAMETER_VALUE", message)
    }

    /// The Databricks REST error response.
    fn into_response(self) -> Response {
        rest_error(StatusCode::BAD_REQUEST, self.0, self.1)
    }
}

/// The JSON object of a request body (an empty body is `{}`).
fn json_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, BadRequest> {
    if body.trim_ascii().is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(BadRequest(
            "MALFORMED_REQUEST",
            "Request body must be a JSON object",
        )),
    }
}

/// What `create` was asked for.
struct CreateRequest {
    /// `comment`, or "".
    comment: String,
    /// `lifetime_seconds`, or the two-year default.
    lifetime: Duration,
    /// `scopes`, or none.
    scopes: Vec<String>,
}

/// Reads and checks the `create` body.
fn create_request(body: &serde_json::Map<String, Value>) -> Result<CreateRequest, BadRequest> {
    let comment = match body.get("comment") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(BadRequest::parameter("comment must be a string")),
    };
    let lifetime = match body.get("lifetime_seconds") {
        None | Some(Value::Null) => PAT_DEFAULT_LIFETIME,
        Some(v) => match v.as_u64().filter(|s| *s > 0) {
            Some(secs) => Duration::from_secs(secs),
            None => {
                return Err(BadRequest::parameter(
                    "lifetime_seconds must be a positive integer",
                ));
            }
        },
    };
    let scopes = match body.get("scopes") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let names: Option<Vec<String>> = items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect();
            names.ok_or(BadRequest::parameter("scopes must be strings"))?
        }
        Some(_) => return Err(BadRequest::parameter("scopes must be a list")),
    };
    Ok(CreateRequest {
        comment,
        lifetime,
        scopes,
    })
}

/// `POST /api/2.0/token/create` → `{"token_value", "token_info"}`.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match authenticate(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r.response(&shared),
    };
    let request = match json_body(&body).and_then(|b| create_request(&b)) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let (value, record) = shared.tables().mint_pat(
        &caller.user_name,
        &request.comment,
        Some(request.lifetime),
        request.scopes,
    );
    http::json_response(
        StatusCode::OK,
        json!({ "token_value": value, "token_info": record.public_info() }),
    )
}

/// `GET /api/2.0/token/list` → `{"token_infos": [...]}`, the caller's live
/// tokens, oldest first.
pub async fn list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let caller = match authenticate(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r.response(&shared),
    };
    let now = now_ms();
    let mut mine: Vec<_> = shared
        .tables()
        .databricks
        .pats
        .values()
        .filter(|p| p.owner == caller.user_name && p.is_live(now))
        .cloned()
        .collect();
    mine.sort_by(|a, b| (a.creation_ms, &a.token_id).cmp(&(b.creation_ms, &b.token_id)));
    let infos: Vec<Value> = mine.iter().map(|p| p.public_info()).collect();
    http::json_response(StatusCode::OK, json!({ "token_infos": infos }))
}

/// `POST /api/2.0/token/delete` with `{"token_id"}` → `{}`; a token that is
/// not the caller's (or no longer exists) → 404 `RESOURCE_DOES_NOT_EXIST`.
pub async fn delete(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let caller = match authenticate(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r.response(&shared),
    };
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Some(token_id) = body.get("token_id").and_then(Value::as_str) else {
        return BadRequest::parameter("token_id is required").into_response();
    };
    let mut tables = shared.tables();
    let found = tables
        .databricks
        .pats
        .iter()
        .find(|(_, p)| p.token_id == token_id && p.owner == caller.user_name)
        .map(|(value, _)| value.clone());
    match found {
        Some(value) => {
            tables.databricks.pats.remove(&value);
            http::json_response(StatusCode::OK, json!({}))
        }
        None => rest_error(
            StatusCode::NOT_FOUND,
            "RESOURCE_DOES_NOT_EXIST",
            &format!("Token with ID {token_id} does not exist."),
        ),
    }
}
