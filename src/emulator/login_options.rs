//! Switches for the sign-in endpoints (Google authorization code and device
//! grants, Databricks U2M authorize) where wire.md is silent or unsure: each
//! default is the reference's (or, where it says so, memory's) best guess,
//! and a test that depends on the other reading can flip it.

use std::time::Duration;

use axum::http::StatusCode;

/// How Google's device authorization answer names the page the person visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VerificationField {
    /// `verification_url`, the name Google uses (UNCONFIRMED, from memory).
    #[default]
    GoogleUrl,
    /// `verification_uri`, the name of RFC 8628 §3.2.
    Rfc8628Uri,
    /// Both names, with the same value.
    Both,
}

impl VerificationField {
    /// The JSON member names to send.
    pub const fn names(self) -> &'static [&'static str] {
        match self {
            Self::GoogleUrl => &["verification_url"],
            Self::Rfc8628Uri => &["verification_uri"],
            Self::Both => &["verification_url", "verification_uri"],
        }
    }
}

/// HTTP statuses of the device grant's polling errors at Google's `/token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DevicePollStatus {
    /// Google's (UNCONFIRMED, from memory of its TV and limited-input guide):
    /// 428 `authorization_pending`, 403 `slow_down`, 403 `access_denied`,
    /// 400 `expired_token`.
    #[default]
    Google,
    /// 400 for every one of them (RFC 8628 §3.5 via RFC 6749 §5.2).
    Rfc8628,
}

impl DevicePollStatus {
    /// The status for a polling error `code`.
    pub const fn status(self, code: &str) -> StatusCode {
        match self {
            Self::Rfc8628 => StatusCode::BAD_REQUEST,
            Self::Google => match code.as_bytes() {
                b"authorization_pending" => StatusCode::PRECONDITION_REQUIRED,
                b"slow_down" | b"access_denied" => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            },
        }
    }
}

/// The status of the Databricks authorize redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RedirectStatus {
    /// 302 Found (the default).
    #[default]
    Found,
    /// 301 Moved Permanently, as the Databricks CLI's fake server sends
    /// (wire.md §6 item 9).
    MovedPermanently,
}

impl RedirectStatus {
    /// The HTTP status.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::Found => StatusCode::FOUND,
            Self::MovedPermanently => StatusCode::MOVED_PERMANENTLY,
        }
    }
}

/// How the sign-in endpoints answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOptions {
    /// The person refuses consent: every authorize request that passes the
    /// checks redirects with `error=access_denied` (Google and Databricks).
    /// Default false: the person consents.
    pub refuse_consent: bool,
    /// Google's authorize endpoint requires PKCE (`code_challenge` with
    /// method `S256`). Default true; real Google accepts installed-app
    /// requests without PKCE (UNCONFIRMED whether it still does), so false
    /// plays that. Databricks always requires it (wire.md §3.5).
    pub require_pkce: bool,
    /// How long an authorization code can be redeemed (RFC 6749 §4.1.2
    /// recommends at most 10 minutes; the default).
    pub code_lifetime: Duration,
    /// Lifetime of Google access tokens issued at sign-in (default one hour).
    pub google_token_lifetime: Duration,
    /// The device answer's name for the verification page.
    pub verification_field: VerificationField,
    /// Statuses of the device polling errors.
    pub device_poll_status: DevicePollStatus,
    /// `expires_in` of a device code (default 1800 s, Google's usual).
    pub device_code_lifetime: Duration,
    /// The least time between two polls of one device code (RFC 8628 §3.2
    /// default 5 s). Sent as whole seconds (rounded up), enforced exactly.
    pub device_interval: Duration,
    /// What each `slow_down` adds to a device code's interval (RFC 8628
    /// §3.5: 5 s). The emulator enforces the grown interval.
    pub device_slow_down_step: Duration,
    /// The device poll at `/token` must carry the client secret, as Google
    /// asks of its "TVs and Limited Input devices" clients (UNCONFIRMED,
    /// from memory). Default true; false accepts the client id alone.
    pub device_poll_requires_secret: bool,
    /// Status of the Databricks authorize redirect (302 unless set).
    pub databricks_redirect_status: RedirectStatus,
    /// Public Databricks OAuth clients accepted besides `databricks-cli`.
    pub databricks_clients: Vec<String>,
    /// Databricks issues a refresh token only when `offline_access` was
    /// asked (default true, inferred from the SDKs' behaviour, wire.md
    /// §3.5); false issues one on every code exchange.
    pub databricks_refresh_needs_offline_access: bool,
}

impl Default for LoginOptions {
    fn default() -> Self {
        Self {
            refuse_consent: false,
            require_pkce: true,
            code_lifetime: Duration::from_mins(10),
            google_token_lifetime: Duration::from_hours(1),
            verification_field: VerificationField::default(),
            device_poll_status: DevicePollStatus::default(),
            device_code_lifetime: Duration::from_mins(30),
            device_interval: Duration::from_secs(5),
            device_slow_down_step: Duration::from_secs(5),
            device_poll_requires_secret: true,
            databricks_redirect_status: RedirectStatus::Found,
            databricks_clients: Vec::new(),
            databricks_refresh_needs_offline_access: true,
        }
    }
}

impl LoginOptions {
    /// The device `interval` as sent: whole seconds, rounded up, at least 1.
    pub fn interval_secs(&self) -> u64 {
        ceil_secs(self.device_interval).max(1)
    }

    /// The device code's `expires_in` as sent: whole seconds, rounded up.
    pub fn device_expires_in_secs(&self) -> u64 {
        ceil_secs(self.device_code_lifetime)
    }
}

/// Whole seconds, rounded up.
fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}
