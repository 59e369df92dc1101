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
pub const GOOGLE_ENDPOINTS: [&str; 7] = [
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
    "https://oauth2.googleapis.com/tokeninfo",
    "https://oauth2.googleapis.com/revoke",
    "https://www.googleapis.com/oauth2/v3/certs",
    "https://sts.googleapis.com/v1/token",
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
    let text = super::read_source(path)?;
    toml::from_str(&text).map_err(|e| SourceError::toml(path, &text, &e))
}

/// Why an endpoint set in a profiles file may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// The credential's own file names it (for a local credential,
    /// anything on its own loopback host and port), or it is the vendor's.
    Own,
    /// The user's settings file trusts it.
    Settings,
}

/// Judges `url`, set by a profiles file for a credential whose own
/// endpoints are `own`; `Err` says why it is refused and how to allow it.
///
/// URLs are compared as they will be requested (parsed: `..` and `%2e`
/// resolved, host lowercased), never as text: an endpoint is the
/// credential's own or trusted only on the same scheme, host and port, and
/// on the very path named, unless what is named is a whole origin. Loopback
/// is no exception: on a shared host anyone can listen on 127.0.0.1, so
/// only the credential's own loopback host and port count (a local
/// emulator serves every endpoint there).
pub fn judge(url: &str, own: &[impl AsRef<str>], settings: &Settings) -> Result<Trust, String> {
    let target =
        url::Url::parse(url).map_err(|e| format!("endpoint {url} is not a valid URL: {e}"))?;
    if !target.username().is_empty() || target.password().is_some() || target.fragment().is_some() {
        return Err(format!(
            "endpoint {url} carries a user name, password or fragment: refused"
        ));
    }
    let covered_by = |base: &str| url::Url::parse(base).is_ok_and(|b| covers(&b, &target));
    if own.iter().any(|o| covered_by(o.as_ref())) {
        return Ok(Trust::Own);
    }
    if settings.trusted_endpoints.iter().any(|t| covered_by(t)) {
        return Ok(Trust::Settings);
    }
    Err(format!(
        "endpoint {url} is not the credential's own or its vendor's: tokentop sends \
         no secret there unless your own config.toml lists it in trusted_endpoints"
    ))
}

/// An https URL on a Google API, Cloud Run or Databricks host, where the
/// doctor may send an access token without the user's trust.
pub fn is_vendor_api(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| {
        u.scheme() == "https"
            && u.host_str()
                .is_some_and(|h| crate::model::TargetKind::from_host(h).is_some())
    })
}

/// True when `base` names `target`: the same origin, and either `base` is a
/// whole origin (no path), or a local service (loopback: an emulator serves
/// all its endpoints on one port), or the same path without a query.
fn covers(base: &url::Url, target: &url::Url) -> bool {
    let path = |u: &url::Url| u.path().trim_end_matches('/').to_string();
    base.origin() == target.origin()
        && (path(base).is_empty()
            || crate::model::is_loopback_host(base)
            || (path(base) == path(target) && target.query().is_none()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_own_vendor_or_user_trusted_endpoints() {
        let none = Settings::default();
        let own = ["https://oauth2.googleapis.com/token"];
        assert_eq!(
            judge("https://oauth2.googleapis.com/token/", &own, &none),
            Ok(Trust::Own)
        );
        assert_eq!(
            judge("https://OAUTH2.googleapis.com:443/token", &own, &none),
            Ok(Trust::Own)
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

    #[test]
    fn url_tricks_do_not_pass_for_the_vendor() {
        let none = Settings::default();
        let own = [
            "https://oauth2.googleapis.com/token",
            "https://www.googleapis.com/oauth2/v3/certs",
        ];
        for trick in [
            "https://www.googleapis.com/oauth2/v3/certs/../../upload/storage/v1/b/x/o",
            "https://www.googleapis.com/oauth2/v3/certs/%2e%2e/%2e%2e/upload/x",
            "https://oauth2.googleapis.com/token/../revoke",
            "https://oauth2.googleapis.com/token?redirect=x",
            "https://oauth2.googleapis.com@evil.test/token",
            "https://user:pw@oauth2.googleapis.com/token",
            "https://oauth2.googleapis.com./token",
            "https://oauth2.googleapis.com:8443/token",
            "http://oauth2.googleapis.com/token",
            "https://oauth2.googleapis.com/token#x",
        ] {
            assert!(judge(trick, &own, &none).is_err(), "{trick}");
        }
    }

    #[test]
    fn loopback_only_for_a_credential_that_is_local_itself() {
        let none = Settings::default();
        let google = ["https://oauth2.googleapis.com/token"];
        assert!(judge("http://127.0.0.1:31337/token", &google, &none).is_err());
        assert!(judge("http://localhost:31337/token", &google, &none).is_err());
        let local = ["http://127.0.0.1:8080/token"];
        assert_eq!(
            judge("http://127.0.0.1:8080/tokeninfo", &local, &none),
            Ok(Trust::Own)
        );
        // Another port on the same host is someone else's listener.
        assert!(judge("http://127.0.0.1:9/tokeninfo", &local, &none).is_err());
        let tunnel = ["https://localhost:8443"];
        assert!(judge("https://localhost:31337/oidc/v1/token", &tunnel, &none).is_err());
        let user = Settings {
            trusted_endpoints: vec!["http://127.0.0.1:4444".into()],
        };
        assert_eq!(
            judge("http://127.0.0.1:4444/token", &google, &user),
            Ok(Trust::Settings)
        );
    }
}
