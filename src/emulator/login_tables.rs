//! The sign-in side of the emulator's state: Google accounts that can sign
//! in, authorization codes (Google's and Databricks'), device codes, and
//! who signs in to Databricks; plus the PKCE and loopback checks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::databricks_tables::Level;
use super::keys;

/// Letters of a device `user_code` (no vowels, no look-alikes).
const USER_CODE_LETTERS: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Sign-in registrations and pending sign-ins.
#[derive(Debug, Default)]
pub struct LoginTables {
    /// Google accounts by email (lower case).
    pub google_accounts: HashMap<String, GoogleAccount>,
    /// Unredeemed authorization codes by code (Google and Databricks).
    pub codes: HashMap<String, AuthCode>,
    /// Device authorizations by `device_code`.
    pub devices: HashMap<String, DeviceGrant>,
    /// Who consents at the Databricks authorize endpoints (`None`: the
    /// default workspace user).
    pub databricks_user: Option<String>,
}

/// A Google account a person signs in with.
#[derive(Debug, Clone)]
pub struct GoogleAccount {
    /// The email, as registered.
    pub email: String,
    /// Stable numeric subject id.
    pub sub: String,
    /// Scopes the person grants; empty: whatever is asked.
    pub scopes_allowed: Vec<String>,
}

impl GoogleAccount {
    /// What the person grants of `requested` (granular consent): the
    /// requested scopes they allow, in the order asked.
    pub fn grant(&self, requested: &[String]) -> Vec<String> {
        requested
            .iter()
            .filter(|s| self.scopes_allowed.is_empty() || self.scopes_allowed.contains(s))
            .cloned()
            .collect()
    }
}

/// The service an authorization code was issued by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeIssuer {
    /// Google's `/o/oauth2/v2/auth`.
    Google,
    /// A Databricks workspace or account authorize endpoint.
    Databricks(Level),
}

/// An authorization code waiting to be redeemed once.
#[derive(Debug, Clone)]
pub struct AuthCode {
    /// Who issued it; only that token endpoint redeems it.
    pub issuer: CodeIssuer,
    /// The client it was issued to.
    pub client_id: String,
    /// The exact `redirect_uri` of the authorization request.
    pub redirect_uri: String,
    /// The S256 `code_challenge`, if PKCE was used.
    pub challenge: Option<String>,
    /// Who signed in (email).
    pub email: String,
    /// Their subject id (Google), or empty.
    pub sub: String,
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// When it stops being redeemable.
    pub expires: Instant,
}

/// Where a device authorization stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceDecision {
    /// The person has not answered yet.
    Pending,
    /// The person signed in and allowed.
    Approved {
        /// Their email.
        email: String,
        /// Their subject id.
        sub: String,
        /// Scopes granted.
        scopes: Vec<String>,
    },
    /// The person refused.
    Denied,
}

/// A device authorization (RFC 8628).
#[derive(Debug, Clone)]
pub struct DeviceGrant {
    /// The client that asked.
    pub client_id: String,
    /// The code the person types, `ABCD-EFGH`.
    pub user_code: String,
    /// Scopes asked.
    pub scopes: Vec<String>,
    /// When the device code expires.
    pub expires: Instant,
    /// The least time between two polls (grows with each `slow_down`).
    pub interval: Duration,
    /// When it was last polled.
    pub last_poll: Option<Instant>,
    /// The person's answer.
    pub decision: DeviceDecision,
}

impl LoginTables {
    /// The account with this email (case-insensitive).
    pub fn google_account(&self, email: &str) -> Option<&GoogleAccount> {
        self.google_accounts.get(&email.to_ascii_lowercase())
    }

    /// The live device grant whose user code is `user_code` (case and
    /// hyphen ignored), with its device code.
    pub fn device_by_user_code(&mut self, user_code: &str) -> Option<(&String, &mut DeviceGrant)> {
        let wanted = normalize_user_code(user_code);
        self.devices
            .iter_mut()
            .find(|(_, d)| normalize_user_code(&d.user_code) == wanted)
    }
}

/// Upper case, without hyphens or spaces.
fn normalize_user_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A fresh user code, `ABCD-EFGH`.
pub fn new_user_code() -> String {
    let letters: String = keys::random_bytes(8)
        .into_iter()
        .map(|b| char::from(USER_CODE_LETTERS[usize::from(b) % USER_CODE_LETTERS.len()]))
        .collect();
    format!("{}-{}", &letters[..4], &letters[4..])
}

/// True when `verifier` is an RFC 7636 §4.1 verifier whose S256 challenge
/// is `challenge`.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len()) && verifier.bytes().all(unreserved);
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// True for an S256 challenge's shape: 43 base64url characters.
pub fn challenge_well_formed(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(unreserved)
}

/// RFC 3986 unreserved characters (the PKCE alphabet).
const fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// True for a loopback redirect URI an installed app may use:
/// `http://127.0.0.1[:PORT]/...`, `http://localhost[:PORT]/...` or
/// `http://[::1][:PORT]/...`, without a fragment.
pub fn loopback_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    let host_ok = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    url.scheme() == "http" && host_ok && url.fragment().is_none() && url.username().is_empty()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(challenge_well_formed(challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        assert!(!pkce_matches("short", challenge));
        assert!(!challenge_well_formed("abc"));
    }

    #[test]
    fn loopback_redirects() {
        for ok in [
            "http://127.0.0.1:8020",
            "http://localhost:55123/callback",
            "http://LOCALHOST:1/x?y=1",
            "http://[::1]:9/",
            "http://127.0.0.1/",
        ] {
            assert!(loopback_redirect(ok), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:8020/",
            "http://example.test:8020/",
            "http://127.0.0.1:8020/#frag",
            "urn:ietf:wg:oauth:2.0:oob",
            "http://localhost.example.test/",
            "",
        ] {
            assert!(!loopback_redirect(bad), "{bad}");
        }
    }

    #[test]
    fn user_codes() {
        let code = new_user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
        assert_eq!(normalize_user_code("abcd efgh"), "ABCDEFGH");
    }
}
