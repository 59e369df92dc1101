//! The fault middleware: wraps each route, asks the [`FaultBoard`] whether
//! this request is faulted and, if so, answers as the picked [`Fault`] says.
//!
//! [`FaultBoard`]: super::fault_board::FaultBoard

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::{Map, Value, json};

use super::conn::ResetSwitch;
use super::fault_board::random_u64;
use super::faults::{Fault, FaultEndpoint};
use super::http;
use super::keys;
use super::state::Shared;

/// Largest body read back from a handler or a request, bytes.
const BODY_LIMIT: usize = 4 * 1024 * 1024;
/// Size of the `huge-token` access token, bytes.
const HUGE_TOKEN_LEN: usize = 2 * 1024 * 1024;
/// One chunk of the endless body.
const ENDLESS_CHUNK: usize = 16 * 1024;
/// Pause between two chunks of the endless body (keeps a greedy reader from
/// pinning a core).
const ENDLESS_PAUSE: Duration = Duration::from_millis(1);
/// Body of the `malformed-json` fault.
const MALFORMED: &str = r#"{"access_token": 12,,}"#;
/// Terminal escapes put around every string by the `escapes` fault: window
/// title, clipboard write (OSC 52, "PWNED"), clear screen, red, reset.
const ESC_BEFORE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}]52;c;UFdORUQK\u{7}\u{1b}[2J\u{1b}[31m";
/// Escapes appended after every string by the `escapes` fault.
const ESC_AFTER: &str = "\u{1b}[0m\r\u{1b}[1A\u{1b}[K";
/// Fields the `escapes` fault leaves intact so that the token stays usable.
const KEEP_CLEAN: [&str; 2] = ["access_token", "id_token"];
/// Body of the `html` fault.
const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
<body><h1>Bad Gateway</h1><p>The proxy server received an invalid response from an upstream server.</p>\
</body></html>\n";

/// What the middleware needs: the board and which endpoint it guards.
#[derive(Debug, Clone)]
struct FaultCtx {
    /// Shared state (the board lives there).
    shared: Arc<Shared>,
    /// The endpoint this layer guards.
    endpoint: FaultEndpoint,
}

/// Wraps a route in the fault middleware of `endpoint`.
pub fn faulted(
    route: MethodRouter<Arc<Shared>>,
    shared: &Arc<Shared>,
    endpoint: FaultEndpoint,
) -> MethodRouter<Arc<Shared>> {
    let ctx = FaultCtx {
        shared: Arc::clone(shared),
        endpoint,
    };
    route.layer(middleware::from_fn_with_state(ctx, inject))
}

/// The middleware proper.
async fn inject(State(ctx): State<FaultCtx>, request: Request, next: Next) -> Response {
    let Some(fault) = ctx.shared.faults.pick(ctx.endpoint) else {
        return next.run(request).await;
    };
    match fault {
        Fault::ServerError => server_error(),
        Fault::TooManyRequests { retry_after_secs } => too_many_requests(retry_after_secs),
        Fault::Slow { delay } => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Fault::EndlessBody => endless_body(),
        Fault::Reset => reset(&request),
        Fault::TruncatedJson => truncate(next.run(request).await).await,
        Fault::MalformedJson => raw(StatusCode::OK, "application/json", MALFORMED),
        Fault::Html => raw(
            StatusCode::BAD_GATEWAY,
            "text/html; charset=utf-8",
            HTML_PAGE,
        ),
        Fault::EchoSecrets => echo(request, false).await,
        Fault::EchoSecretsError => echo(request, true).await,
        Fault::Escapes | Fault::EmptyToken | Fault::HugeToken | Fault::ExpiresInString => {
            rewrite(next.run(request).await, &fault).await
        }
        Fault::EmptyBody => StatusCode::OK.into_response(),
        Fault::ForeignKeys => foreign_keys(),
    }
}

/// A response with a fixed body and content type.
fn raw(status: StatusCode, content_type: &'static str, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// 500, 502 or 503, at random.
fn server_error() -> Response {
    let (status, text) = match random_u64() % 3 {
        0 => (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error\n"),
        1 => (StatusCode::BAD_GATEWAY, "Bad Gateway\n"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable\n"),
    };
    raw(status, "text/plain; charset=utf-8", text)
}

/// 429 with `Retry-After`.
fn too_many_requests(retry_after_secs: u64) -> Response {
    let mut response = http::oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_exceeded",
        "Quota exceeded. Try again later.",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    response
}

/// 200 JSON that never ends.
fn endless_body() -> Response {
    let chunk = Bytes::from(vec![b'['; ENDLESS_CHUNK]);
    let stream = futures::stream::unfold(chunk, |chunk| async move {
        tokio::time::sleep(ENDLESS_PAUSE).await;
        Some((Ok::<Bytes, Infallible>(chunk.clone()), chunk))
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// Trips the connection's reset switch: hyper's first write of the answer
/// fails and the connection is dropped with a TCP reset, no byte sent.
///
/// Without a switch (a router served some other way) the answer is a body
/// that fails at once, which also breaks the connection.
fn reset(request: &Request) -> Response {
    if let Some(ConnectInfo(switch)) = request.extensions().get::<ConnectInfo<ResetSwitch>>() {
        switch.trip();
        return StatusCode::OK.into_response();
    }
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("fault: reset"))
    });
    Response::new(Body::from_stream(failing))
}

/// Reads a handler's answer back: its parts and its body bytes.
async fn collect(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    (parts, bytes)
}

/// The normal answer with only the first half of its body.
async fn truncate(response: Response) -> Response {
    let (mut parts, bytes) = collect(response).await;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
}

/// The request line, `Authorization` header and raw body, verbatim.
async fn echo(request: Request, as_error: bool) -> Response {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let echoed = format!(
        "{} {} authorization={authorization} body={}",
        parts.method,
        parts.uri,
        String::from_utf8_lossy(&body)
    );
    if as_error {
        return http::json_response(
            StatusCode::BAD_REQUEST,
            json!({
                "error": "invalid_grant",
                "error_description": echoed,
                "error_uri": echoed,
            }),
        );
    }
    http::json_response(
        StatusCode::OK,
        json!({
            "access_token": echoed,
            "token_type": echoed,
            "expires_in": echoed,
            "scope": echoed,
            "id_token": echoed,
        }),
    )
}

/// Wraps every string below `value` in terminal escapes.
fn poison(value: &mut Value) {
    match value {
        Value::String(s) => *s = format!("{ESC_BEFORE}{s}{ESC_AFTER}"),
        Value::Array(items) => items.iter_mut().for_each(poison),
        Value::Object(map) => map.values_mut().for_each(poison),
        _ => {}
    }
}

/// The normal answer, forced to 200 JSON, with the fields `fault` forges.
async fn rewrite(response: Response, fault: &Fault) -> Response {
    let (mut parts, bytes) = collect(response).await;
    let mut map = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    match fault {
        Fault::Escapes => {
            for (key, value) in &mut map {
                if !KEEP_CLEAN.contains(&key.as_str()) {
                    poison(value);
                }
            }
            if !map.contains_key("scope") {
                map.insert(
                    "scope".into(),
                    Value::String(format!("{ESC_BEFORE}openid{ESC_AFTER}")),
                );
            }
        }
        Fault::EmptyToken => {
            map.insert("access_token".into(), Value::String(String::new()));
            map.insert("expires_in".into(), json!(3600));
        }
        Fault::HugeToken => {
            let mut token = String::with_capacity(HUGE_TOKEN_LEN);
            token.push_str("ya29.");
            token.extend(std::iter::repeat_n('A', HUGE_TOKEN_LEN - token.len()));
            map.insert("access_token".into(), Value::String(token));
            map.entry("expires_in").or_insert(json!(3600));
        }
        Fault::ExpiresInString => {
            let text = match map.get("expires_in") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => "3600".to_string(),
            };
            map.insert("expires_in".into(), Value::String(text));
        }
        _ => {}
    }
    let body = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// A JWK Set with one key nobody signed anything with.
fn foreign_keys() -> Response {
    let mut modulus = keys::random_bytes(256);
    if let Some(first) = modulus.first_mut() {
        *first |= 0x80;
    }
    if let Some(last) = modulus.last_mut() {
        *last |= 1;
    }
    use base64::Engine as _;
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&modulus);
    http::jwks_response(&[json!({
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "kid": keys::random_hex(40),
        "n": n,
        "e": "AQAB",
    })])
}
