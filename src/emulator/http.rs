//! Small HTTP helpers shared by the Google, Databricks and metadata handlers.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// Request parameters merged from a form or JSON body.
pub type Params = HashMap<String, String>;

/// `Cache-Control` served with both JWK Sets.
pub const JWKS_CACHE_CONTROL: &str = "public, max-age=3600, must-revalidate";

/// Parses a request body as JSON (when the content type says so, or when it
/// looks like a JSON object) or else as `application/x-www-form-urlencoded`.
///
/// JSON scalars other than strings are kept in their JSON text form.
pub fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Params, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let trimmed = body.trim_ascii_start();
    if content_type.contains("json") || trimmed.starts_with(b"{") {
        if trimmed.is_empty() {
            return Ok(Params::new());
        }
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))?;
        let Value::Object(map) = value else {
            return Err("JSON body must be an object".into());
        };
        Ok(map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, text)
            })
            .collect())
    } else {
        Ok(parse_form(body))
    }
}

/// Parses `application/x-www-form-urlencoded` bytes (first value wins).
pub fn parse_form(bytes: &[u8]) -> Params {
    let mut out = Params::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}

/// Parses the query string of `uri`.
pub fn query_params(uri: &Uri) -> Params {
    parse_form(uri.query().unwrap_or("").as_bytes())
}

/// Credentials from an `Authorization: Basic` header, if present and well formed.
///
/// Both halves are percent-decoded as RFC 6749 §2.3.1 asks.
pub fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((percent_decode(id), percent_decode(secret)))
}

/// The token from an `Authorization: Bearer` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    let token = rest.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// Client credentials from Basic auth, else from `client_id`/`client_secret` params.
pub fn client_credentials(headers: &HeaderMap, params: &Params) -> Option<(String, String)> {
    basic_auth(headers).or_else(|| {
        let id = params.get("client_id")?;
        let secret = params.get("client_secret").cloned().unwrap_or_default();
        Some((id.clone(), secret))
    })
}

/// Decodes `%XX` escapes; leaves the input unchanged if it is not valid.
pub fn percent_decode(input: &str) -> String {
    if !input.contains('%') {
        return input.to_string();
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| input.to_string())
}

/// A JSON response with the given status.
pub fn json_response(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// A token endpoint's plain success answer: the token, its lifetime, Bearer.
pub fn bearer_token_response(access_token: &str, expires_in: i64) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::json!({
            "access_token": access_token,
            "expires_in": expires_in,
            "token_type": "Bearer",
        }),
    )
}

/// A plain-text response with the given status.
pub fn text_response(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// An OAuth-style error: `{"error": code, "error_description": description}`.
pub fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    json_response(
        status,
        json!({ "error": code, "error_description": description }),
    )
}

/// An OAuth error not yet rendered (small enough to travel in a `Result`).
#[derive(Debug)]
pub struct OAuthError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `error` code.
    pub code: &'static str,
    /// The `error_description`.
    pub description: String,
}

impl OAuthError {
    /// Builds an error value.
    pub fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
        }
    }

    /// Renders it as [`oauth_error`] does.
    pub fn into_response(self) -> Response {
        oauth_error(self.status, self.code, &self.description)
    }
}

/// A 500 response for internal failures (key generation, signing).
pub fn internal_error(detail: &str) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_failure",
        detail,
    )
}

/// A JWK Set response with the standard cache headers.
pub fn jwks_response(keys: &[Value]) -> Response {
    let mut response = json_response(StatusCode::OK, json!({ "keys": keys }));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(JWKS_CACHE_CONTROL),
    );
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%3Ab"), "a:b");
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("a%4"), "a%4");
        assert_eq!(percent_decode("a+b"), "a+b");
    }

    #[test]
    fn body_json_and_form() {
        let mut h = HeaderMap::new();
        let p = parse_body(&h, b"grant_type=x&scope=a+b").unwrap();
        assert_eq!(p["scope"], "a b");
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let p = parse_body(&h, br#"{"grant_type":"x","n":3}"#).unwrap();
        assert_eq!(p["grant_type"], "x");
        assert_eq!(p["n"], "3");
        assert!(parse_body(&h, b"[1]").is_err());
    }
}
