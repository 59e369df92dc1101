//! A Cloud Run-like service on its own listener, a probe target for bearer
//! tokens (wire.md §2.6, §5 "Cloud Run / Cloud Functions"): any path, any
//! method. A Google-signed ID token for the service's URL (or a custom
//! audience) gets in when its principal holds the invoker role; a token it
//! cannot accept gets 401 "Error: Unauthorized", a missing token or a
//! principal without the role 403 "Error: Forbidden", both as HTML pages.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::google::numeric_claim;
use super::http;
use super::state::{Shared, now_secs};

/// How the Cloud Run-like service checks bearer tokens where wire.md is unsure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Clock leeway of the ID-token check, seconds: a token is accepted
    /// until `exp + leeway`, and an `iat`/`nbf` up to `leeway` in the
    /// future. Default 0.
    pub leeway_secs: u64,
    /// A live access token of this emulator (sent instead of an ID token)
    /// gets 403 "Error: Forbidden" when true; default false: 401 "Error:
    /// Unauthorized". wire.md §5: which one Cloud Run sends is UNCONFIRMED.
    pub access_token_is_forbidden: bool,
}

/// What the service makes of a request.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Let in; the caller's email.
    Allowed(String),
    /// 401: a credential was sent but is not an acceptable ID token.
    Unauthorized,
    /// 403: no credential, or an identity without the invoker role.
    Forbidden,
}

/// Builds the router for the Cloud Run-like listener: one handler for everything.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(serve).with_state(shared)
}

/// Any method on any path.
async fn serve(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    match verdict(&shared, &headers, now_secs()) {
        Verdict::Allowed(email) => http::text_response(StatusCode::OK, format!("hello {email}")),
        Verdict::Unauthorized => page(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            &format!(
                "Your client does not have permission to the requested URL <code>{}</code>.",
                escape(uri.path())
            ),
        ),
        Verdict::Forbidden => page(
            StatusCode::FORBIDDEN,
            "Forbidden",
            &format!(
                "Your client does not have permission to {} URL <code>{}</code> from this server.",
                method.as_str().to_ascii_lowercase(),
                escape(uri.path())
            ),
        ),
    }
}

/// Decides on the `Authorization` header.
fn verdict(shared: &Shared, headers: &HeaderMap, now: i64) -> Verdict {
    if !headers.contains_key(header::AUTHORIZATION) {
        return Verdict::Forbidden;
    }
    let Some(token) = http::bearer_token(headers) else {
        return Verdict::Unauthorized;
    };
    let live_access_token = shared
        .tables()
        .access_tokens
        .get(&token)
        .is_some_and(|r| r.is_live(now));
    if live_access_token {
        return if shared.run.access_token_is_forbidden {
            Verdict::Forbidden
        } else {
            Verdict::Unauthorized
        };
    }
    let Some(claims) = accepted_claims(shared, &token, now) else {
        return Verdict::Unauthorized;
    };
    match principal(shared, &claims) {
        Some(email) if shared.tables().probes.run_invokers.contains(&email) => {
            Verdict::Allowed(email)
        }
        _ => Verdict::Forbidden,
    }
}

/// The claims of an ID token signed by the emulator's current Google keys,
/// issued by its Google issuer, for this service and within its time window.
fn accepted_claims(shared: &Shared, token: &str, now: i64) -> Option<Value> {
    let (_, claims) = shared.google_keys.verify(token).ok()?;
    if claims.get("iss").and_then(Value::as_str) != Some(shared.google_url.as_str()) {
        return None;
    }
    if !audience_ok(shared, claims.get("aud")) {
        return None;
    }
    let leeway = i64::try_from(shared.run.leeway_secs).unwrap_or(i64::MAX / 2);
    let exp = numeric_claim(&claims, "exp")?;
    if now >= exp.saturating_add(leeway) {
        return None;
    }
    let early = ["iat", "nbf"]
        .iter()
        .filter_map(|name| numeric_claim(&claims, name))
        .any(|t| t > now.saturating_add(leeway));
    (!early).then_some(claims)
}

/// True when `aud` (a string, or a list holding one) names the service:
/// its URL with or without a trailing slash, or a registered custom audience.
fn audience_ok(shared: &Shared, aud: Option<&Value>) -> bool {
    let url = shared.run_url.as_str();
    let tables = shared.tables();
    let accepted = |a: &str| {
        a == url || a.strip_suffix('/') == Some(url) || tables.probes.run_audiences.contains(a)
    };
    match aud {
        Some(Value::String(a)) => accepted(a),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).any(accepted),
        _ => false,
    }
}

/// The caller's email: the `email` claim, else the service account (key
/// or metadata server) whose unique id is the `sub`.
fn principal(shared: &Shared, claims: &Value) -> Option<String> {
    if let Some(email) = claims.get("email").and_then(Value::as_str) {
        return Some(email.to_string());
    }
    let sub = claims.get("sub").and_then(Value::as_str)?;
    let from_key = shared
        .tables()
        .service_accounts
        .values()
        .find(|sa| sa.unique_id == sub)
        .map(|sa| sa.email.clone());
    from_key.or_else(|| {
        shared
            .metadata
            .accounts
            .iter()
            .find(|a| a.unique_id == sub)
            .map(|a| a.spec.email.clone())
    })
}

/// Google's front-end error page (wire.md §5 quotes its two lines).
fn page(status: StatusCode, reason: &str, detail: &str) -> Response {
    let code = status.as_u16();
    let body = format!(
        "<html><head>\n<meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">\n\
         <title>{code} {reason}</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n\
         <h1>Error: {reason}</h1>\n<h2>{detail}</h2>\n<h2></h2>\n</body></html>\n"
    );
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

/// Escapes text for HTML (the path is the caller's).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_escaped() {
        assert_eq!(escape("/a<b>&\"c"), "/a&lt;b&gt;&amp;&quot;c");
    }
}
