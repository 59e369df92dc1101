//! External subject tokens: the OIDC JWTs a workload or workforce pool
//! provider trusts. The emulator plays each provider's issuer too: it signs
//! subject tokens, serves them for `url` credential sources and checks them
//! when STS is asked to exchange one (wire.md §1.2 `external_account`, §2.8).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::federation_api::SubjectTokenSpec;
use super::http;
use super::state::{Shared, now_secs};

/// Accepted clock skew for a subject token's `iat`, seconds.
const MAX_IAT_SKEW: i64 = 60;

/// Signs a subject token with the issuer key of the provider `provider`
/// (its audience); `None` if no such provider is registered.
pub fn mint(
    shared: &Shared,
    provider: &str,
    claims: &SubjectTokenSpec,
) -> Option<Result<String, String>> {
    let (issuer, key, audience) = {
        let tables = shared.tables();
        let record = tables.iam.providers.get(provider)?;
        let audience = claims
            .audience
            .clone()
            .or_else(|| record.allowed_audiences.first().cloned())
            .unwrap_or_default();
        (record.issuer.clone(), Arc::clone(&record.key), audience)
    };
    let now = now_secs();
    let jwt = json!({
        "iss": issuer,
        "sub": claims.subject,
        "aud": audience,
        "iat": now.min(now + claims.expires_in - 1),
        "exp": now + claims.expires_in,
    });
    Some(key.sign("JWT", &jwt))
}

/// Checks a subject token against the provider: signature by the issuer's
/// key, `iss`, an allowed `aud`, live `exp`, sane `iat`, non-empty `sub`.
/// Returns the `sub`.
pub fn verify(shared: &Shared, provider: &str, token: &str) -> Option<String> {
    let (issuer, key, audiences) = {
        let tables = shared.tables();
        let record = tables.iam.providers.get(provider)?;
        (
            record.issuer.clone(),
            Arc::clone(&record.key),
            record.allowed_audiences.clone(),
        )
    };
    let (_, claims) = key.verify(token).ok()?;
    let now = now_secs();
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => audiences.contains(a),
        Some(Value::Array(items)) => items
            .iter()
            .any(|i| i.as_str().is_some_and(|a| audiences.iter().any(|x| x == a))),
        _ => false,
    };
    let live = number("exp").is_some_and(|exp| now < exp)
        && number("iat").is_none_or(|iat| iat <= now + MAX_IAT_SKEW);
    let subject = text("sub").filter(|s| !s.is_empty())?;
    (text("iss") == Some(issuer.as_str()) && aud_ok && live).then(|| subject.to_string())
}

/// `GET /subject-tokens/{id}`: a fresh subject token for a `url` credential
/// source, as text or as JSON; 403 when a required header is missing.
pub async fn serve(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(source) = shared.tables().iam.url_subjects.get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let header_ok = |(name, value): &(String, String)| {
        headers
            .get(name.as_str())
            .is_some_and(|v| v.as_bytes() == value.as_bytes())
    };
    if !source.headers.iter().all(header_ok) {
        return http::text_response(StatusCode::FORBIDDEN, "missing or wrong header");
    }
    let claims = SubjectTokenSpec {
        subject: source.subject,
        audience: None,
        expires_in: 3600,
    };
    match mint(&shared, &source.provider, &claims) {
        Some(Ok(token)) => match source.json_field {
            Some(field) => http::json_response(StatusCode::OK, json!({ field: token })),
            None => http::text_response(StatusCode::OK, token),
        },
        Some(Err(e)) => http::internal_error(&e),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
