//! Registration API for sign-ins: Google OAuth clients and the accounts
//! that sign in with them, the person's answer to a device code, and who
//! consents at the Databricks authorize endpoints.

use std::time::Instant;

use super::databricks_api::DATABRICKS_DEFAULT_USER;
use super::login_tables::{DeviceDecision, GoogleAccount};
use super::state::{GoogleClient, Shared, Tables};
use super::{Emulator, keys};

/// The application type of a Google OAuth client: which sign-in flows it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GoogleClientKind {
    /// "Desktop app" (installed application): authorization code with PKCE
    /// to any loopback redirect URI, `http://127.0.0.1:PORT/...`,
    /// `http://localhost:PORT/...` or `http://[::1]:PORT/...`. Refused by the
    /// device flow.
    #[default]
    Installed,
    /// "TVs and Limited Input devices": the only kind the device flow
    /// accepts; it has no redirect URIs, so the authorize endpoint refuses it.
    LimitedInputDevice,
}

/// Credentials of a registered Google OAuth client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleOauthClient {
    /// `NNN-xxx.apps.googleusercontent.com`.
    pub client_id: String,
    /// `GOCSPX-...`; installed apps and devices send it to `/token`.
    pub client_secret: String,
}

/// Registers a Google OAuth client of `kind` in `tables`.
pub fn new_google_client(tables: &mut Tables, kind: GoogleClientKind) -> GoogleOauthClient {
    let client_id = format!(
        "{}-{}.apps.googleusercontent.com",
        keys::random_digits(12),
        keys::random_alnum_lower(32)
    );
    let client_secret = format!("GOCSPX-{}", keys::random_urlsafe(21));
    tables.google_clients.insert(
        client_id.clone(),
        GoogleClient {
            client_secret: client_secret.clone(),
            kind,
        },
    );
    GoogleOauthClient {
        client_id,
        client_secret,
    }
}

/// A fresh Google refresh token, `1//0...`.
pub fn new_google_refresh_token() -> String {
    format!("1//0{}", keys::random_urlsafe(72))
}

/// Why the person's answer to a device code was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceRefusal {
    /// No live device code has this user code.
    UnknownCode,
    /// The code was already answered.
    AlreadyAnswered,
    /// No Google account has this email.
    UnknownAccount,
}

impl DeviceRefusal {
    /// What the device page says.
    pub const fn message(self) -> &'static str {
        match self {
            Self::UnknownCode => "That code is not valid or has expired. Check it and try again.",
            Self::AlreadyAnswered => "That code has already been used.",
            Self::UnknownAccount => "No Google account has that email.",
        }
    }
}

/// Records the person's answer to the device code `user_code`, signed in
/// as `email`. Allowing grants the requested scopes the account allows;
/// if it allows none of them, the answer counts as a refusal. Returns the
/// decision taken.
pub fn decide_device(
    shared: &Shared,
    user_code: &str,
    email: &str,
    allow: bool,
) -> Result<DeviceDecision, DeviceRefusal> {
    let mut tables = shared.tables();
    let account = tables.login.google_account(email).cloned();
    let now = Instant::now();
    let (_, device) = tables
        .login
        .device_by_user_code(user_code)
        .filter(|(_, d)| now < d.expires)
        .ok_or(DeviceRefusal::UnknownCode)?;
    if device.decision != DeviceDecision::Pending {
        return Err(DeviceRefusal::AlreadyAnswered);
    }
    let account = account.ok_or(DeviceRefusal::UnknownAccount)?;
    let scopes = account.grant(&device.scopes);
    device.decision = if allow && !scopes.is_empty() {
        DeviceDecision::Approved {
            email: account.email,
            sub: account.sub,
            scopes,
        }
    } else {
        DeviceDecision::Denied
    };
    Ok(device.decision.clone())
}

impl Emulator {
    /// Registers a Google OAuth client of `kind` (for the authorization
    /// code flow, or the device flow).
    #[must_use]
    pub fn add_google_oauth_client(&self, kind: GoogleClientKind) -> GoogleOauthClient {
        new_google_client(&mut self.shared.tables(), kind)
    }

    /// Registers a person who can sign in to Google as `email`, granting
    /// at consent the requested scopes found in `scopes_allowed` (empty:
    /// every scope asked). Registering an email again replaces the account.
    /// Returns the account's stable subject id (the ID token's `sub`).
    pub fn add_google_account(&self, email: &str, scopes_allowed: &[&str]) -> String {
        let sub = keys::random_digits(21);
        let account = GoogleAccount {
            email: email.to_string(),
            sub: sub.clone(),
            scopes_allowed: scopes_allowed.iter().map(ToString::to_string).collect(),
        };
        self.shared
            .tables()
            .login
            .google_accounts
            .insert(email.to_ascii_lowercase(), account);
        sub
    }

    /// The person at `/device`: enters `user_code`, signs in as `email` and
    /// allows (or refuses) the device. True when a live, unanswered device
    /// code had this user code and the account exists; an allowed account
    /// that may grant none of the scopes asked counts as a refusal.
    pub fn approve_device(&self, user_code: &str, email: &str, allow: bool) -> bool {
        decide_device(&self.shared, user_code, email, allow).is_ok()
    }

    /// Who consents at the Databricks authorize endpoints from now on
    /// (initially [`DATABRICKS_DEFAULT_USER`]).
    pub fn set_databricks_sign_in_user(&self, email: &str) {
        self.shared.tables().login.databricks_user = Some(email.to_string());
    }
}

/// Who consents at the Databricks authorize endpoints now.
pub fn databricks_sign_in_user(tables: &Tables) -> String {
    tables
        .login
        .databricks_user
        .clone()
        .unwrap_or_else(|| DATABRICKS_DEFAULT_USER.to_string())
}
