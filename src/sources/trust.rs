//! Where a credential's secrets may go. A profiles file can be shared (a
//! team's repository, a bastion's /etc), so an endpoint it sets is used
//! only when it is the credential's own, the vendor's, on loopback, or
//! trusted in the user's own settings file (`config.toml`):
//!
//! ```toml
//! # $XDG_CONFIG_HOME/tokentop/config.toml
//! trusted_endpoints = ["https://idp.corp.example"]   # an origin, or a full URL
//! ```

use super::SourceError;
use serde::Deserialize;
use std::path::Path;

/// Google's documented endpoints, where a Google credential's secrets and
/// tokens may always go (wire.md §2).
pub const GOOGLE_ENDPOINTS: [&str; 6] = [
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
    "https://oauth2.googleapis.com/tokeninfo",
    "https://oauth2.googleapis.com/revoke",
    "https://www.googleapis.com/oauth2/v3/certs",
];

/// The user's own settings that bear on trust.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Settings {
    /// Endpoints (origins or full URLs) a profile may send secrets to.
    #[serde(default)]
    pub trusted_endpoints: Vec<String>,
}

/// Reads the user's settings file; unknown keys are left to other readers.
pub fn read_settings(path: &Path) -> Result<Settings, SourceError> {
    let text = crate::files::read_text(path).map_err(|e| SourceError::unreadable(path, &e))?;
    toml::from_str(&text).map_err(|e| {
        SourceError::new(
            path,
            crate::model::toml_error::describe("", &text, &e).trim_start(),
        )
    })
}

/// Why an endpoint set in a profiles file may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The credential's own file names it, or it is the vendor's.
    Own,
    /// A loopback address: nothing leaves the machine.
    Loopback,
    /// The user's settings file trusts it.
    Settings,
}

/// Judges `url`, set by a profiles file for a credential whose own
/// endpoints are `own`; `Err` says why it is refused and how to allow it.
pub fn judge(url: &str, own: &[&str], settings: &Settings) -> Result<Trust, String> {
    let bare = url.trim_end_matches('/');
    let under = |base: &str| {
        let base = base.trim_end_matches('/');
        !base.is_empty() && (bare == base || bare.starts_with(&format!("{base}/")))
    };
    if own.iter().any(|o| under(o)) {
        return Ok(Trust::Own);
    }
    if crate::model::is_loopback_url(url) {
        return Ok(Trust::Loopback);
    }
    if settings.trusted_endpoints.iter().any(|t| under(t)) {
        return Ok(Trust::Settings);
    }
    Err(format!(
        "endpoint {url} is not the credential's own, the vendor's, or on loopback: \
         tokentop sends no secret there unless your own config.toml lists it in \
         trusted_endpoints"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_vendor_loopback_or_user_trusted_endpoints() {
        let none = Settings::default();
        let own = ["https://oauth2.googleapis.com/token"];
        assert_eq!(
            judge("https://oauth2.googleapis.com/token/", &own, &none),
            Ok(Trust::Own)
        );
        assert_eq!(
            judge("http://127.0.0.1:9/token", &own, &none),
            Ok(Trust::Loopback)
        );
        assert_eq!(
            judge("http://[::1]:9/token", &own, &none),
            Ok(Trust::Loopback)
        );
        let err = judge("https://collector.example/token", &own, &none).expect_err("refused");
        assert!(
            err.contains("https://collector.example/token") && err.contains("trusted_endpoints")
        );
        let user = Settings {
            trusted_endpoints: vec!["https://idp.corp.example".into()],
        };
        assert_eq!(
            judge("https://idp.corp.example/oauth2/token", &own, &user),
            Ok(Trust::Settings)
        );
        // A prefix of the host is not the host.
        assert!(judge("https://idp.corp.example.evil.test/token", &own, &user).is_err());
    }
}
