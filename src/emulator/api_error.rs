//! Google's JSON error envelope for API calls such as IAM Credentials
//! (wire.md §2.9, §5): `{"error": {"code", "message", "status", "details"}}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::http;

/// The `www-authenticate` realm Google names.
const REALM: &str = "https://accounts.google.com/";
/// Suffix of both 401 messages.
const SEE_CONSOLE: &str = "Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";

/// An API error not yet rendered.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status (and `error.code`).
    pub status: StatusCode,
    /// `error.status`, e.g. `PERMISSION_DENIED`.
    pub rpc_status: &'static str,
    /// `error.message`.
    pub message: String,
    /// `error.details`.
    pub details: Vec<Value>,
    /// A `www-authenticate` header to send along.
    pub challenge: Option<String>,
}

impl ApiError {
    /// An error without details.
    pub fn new(status: StatusCode, rpc_status: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            rpc_status,
            message: message.into(),
            details: Vec::new(),
            challenge: None,
        }
    }

    /// Renders the envelope.
    pub fn into_response(self) -> Response {
        let mut response = http::json_response(
            self.status,
            json!({ "error": {
                "code": self.status.as_u16(),
                "message": self.message,
                "status": self.rpc_status,
                "details": self.details,
            }}),
        );
        if let Some(value) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// A `google.rpc.ErrorInfo` detail.
fn error_info(reason: &str, domain: &str, metadata: &Value) -> Value {
    json!({
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": domain,
        "metadata": metadata,
    })
}

/// 403: the caller lacks `permission` (wire.md §2.9, exact text).
pub fn permission_denied(permission: &str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        format!("Permission '{permission}' denied on resource (or it may not exist)."),
    );
    e.details.push(error_info(
        "IAM_PERMISSION_DENIED",
        "iam.googleapis.com",
        &json!({ "permission": permission }),
    ));
    e
}

/// 403: `who` lacks `permission` on a Google Cloud project, in the words
/// Google's resource APIs use (wire.md §5: "Permission '...' denied on
/// resource (or it may not exist).", reason `IAM_PERMISSION_DENIED`).
pub fn project_permission_denied(who: &str, permission: &str) -> ApiError {
    let mut e = permission_denied(permission);
    e.message = format!(
        "{who} does not have {permission} access to the Google Cloud project. {}",
        e.message
    );
    e
}

/// 404 for a service account that does not exist.
pub fn not_found(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("Not found; Gaia id not found for email {name}"),
    )
}

/// 400 `INVALID_ARGUMENT` (wire.md §5: "Request contains an invalid
/// argument."), with a `BadRequest` detail naming the field.
pub fn invalid_argument(field: &str, why: &str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_ARGUMENT",
        "Request contains an invalid argument.",
    );
    e.details.push(json!({
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{ "field": field, "description": why }],
    }));
    e
}

/// 401 from the API `service` (e.g. `iamcredentials.googleapis.com`): no
/// bearer token at all (a bare challenge, RFC 6750 §3), or one that is not
/// (or no longer) accepted (`error="invalid_token"`, RFC 6750 §3.1);
/// `reason` is the `ErrorInfo` reason.
pub fn unauthenticated(service: &str, missing: bool, reason: &str) -> ApiError {
    let message = if missing {
        format!("Request is missing required authentication credential. {SEE_CONSOLE}")
    } else {
        format!("Request had invalid authentication credentials. {SEE_CONSOLE}")
    };
    let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED", message);
    e.details.push(error_info(
        reason,
        "googleapis.com",
        &json!({ "service": service }),
    ));
    e.challenge = Some(if missing {
        format!("Bearer realm=\"{REALM}\"")
    } else {
        format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")
    });
    e
}

/// 403 from the API `service`: the token is fine but carries none of the
/// `scopes` the method accepts, which the challenge names (wire.md §5).
pub fn insufficient_scope(service: &str, scopes: &[&str]) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
    );
    e.details.push(error_info(
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "googleapis.com",
        &json!({ "service": service }),
    ));
    e.challenge = Some(format!(
        "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{}\"",
        scopes.join(" ")
    ));
    e
}
