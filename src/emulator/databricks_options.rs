//! Switches for how the Databricks workspace answers where servers (or the
//! fakes clients test against) differ (wire.md §3.4, §3.5, §5): each default
//! is the reference's best guess, and a test that depends on the other
//! reading can flip it.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{Value, json};

/// The JSON type of `error_code` in the REST rejections of a bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabricksErrorCode {
    /// The HTTP status as a number, `{"error_code": 403, ...}` (and 401), as
    /// some front ends send it (wire.md §5: it broke the Go SDK's string field).
    Numeric,
    /// A string: this code on the 403s (e.g. `PERMISSION_DENIED`, the CLI's
    /// fixture, or `INVALID_TOKEN`), `UNAUTHENTICATED` on the 401.
    Named(String),
}

impl Default for DatabricksErrorCode {
    /// `Named("PERMISSION_DENIED")`.
    fn default() -> Self {
        Self::Named("PERMISSION_DENIED".into())
    }
}

impl DatabricksErrorCode {
    /// The `error_code` value for a rejection with `status` (401 or 403).
    pub fn value(&self, status: StatusCode) -> Value {
        match self {
            Self::Numeric => json!(status.as_u16()),
            Self::Named(_) if status == StatusCode::UNAUTHORIZED => json!("UNAUTHENTICATED"),
            Self::Named(code) => json!(code),
        }
    }
}

/// How the Databricks workspace (and account) endpoints answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabricksOptions {
    /// Shape of `error_code` when a bearer token is refused.
    pub error_code: DatabricksErrorCode,
    /// Send `expires_in` as a JSON string (`"3600"`), as the Databricks CLI's
    /// fake server does (wire.md §3.4); default false: a number.
    pub expires_in_as_string: bool,
    /// A refresh-token grant returns a new refresh token and retires the old
    /// one (single-use refresh tokens). Default false: the same token comes
    /// back and stays valid. UNCONFIRMED which one `databricks-cli` gets.
    pub rotate_refresh_tokens: bool,
    /// Lifetime of U2M access tokens, at login and on refresh (wire.md §3.8: one hour).
    pub u2m_token_lifetime: Duration,
    /// Lifetime of an access token exchanged for a PAT (never beyond the PAT's expiry).
    pub exchanged_token_lifetime: Duration,
}

impl Default for DatabricksOptions {
    fn default() -> Self {
        Self {
            error_code: DatabricksErrorCode::default(),
            expires_in_as_string: false,
            rotate_refresh_tokens: false,
            u2m_token_lifetime: Duration::from_hours(1),
            exchanged_token_lifetime: Duration::from_hours(1),
        }
    }
}

impl DatabricksOptions {
    /// `expires_in` as this emulator sends it: a number, or its decimal text.
    pub fn expires_in(&self, seconds: i64) -> Value {
        if self.expires_in_as_string {
            json!(seconds.to_string())
        } else {
            json!(seconds)
        }
    }
}
