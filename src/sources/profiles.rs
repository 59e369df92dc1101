//! tokentop's own profiles file: named profiles that point at credential files,
//! say which platform they target, and may override endpoints.
//!
//! ```toml
//! [[profile]]
//! name = "etl-dataproc"
//! platform = "dataproc"
//! google_credentials = "/path/to/key.json"
//! scopes = ["https://www.googleapis.com/auth/cloud-platform"]
//!
//! [[profile]]
//! name = "api-run"
//! platform = "cloud-run"
//! google_credentials = "/path/to/key.json"
//! audience = "https://api-abc-uc.a.run.app"     # an ID token for this audience
//!
//! [[profile]]
//! name = "orders-from-run"                      # on Cloud Run, a VM or a Dataproc node:
//! platform = "cloud-run"                        # the metadata server's account
//! google_metadata = "default"                   # ("default", or an account's email)
//! audience = "https://orders-abc-uc.a.run.app"  # its ID token (the identity endpoint)
//!
//! [[profile]]
//! name = "lakehouse"
//! platform = "databricks"
//! databricks_config = "/path/to/.databrickscfg"
//! databricks_profile = "DEFAULT"
//!
//! [[profile]]
//! name = "okta-api"
//! platform = "oidc"                              # any standard issuer
//! issuer = "https://example.okta.com/oauth2/default"
//! client_id = "0oa1b2c3"
//! client_secret_file = "okta-api.secret"         # none: a public client
//! scopes = ["api:read"]                          # (or client_secret_env = "VAR")
//! resource = "https://api.example.com"           # optional (RFC 8707)
//!
//! [profile.endpoints]                            # optional, per profile
//! token = "http://127.0.0.1:8080/token"
//! probe = "https://api.example.com/v1/me"        # where `p` / `tokentop doctor` sends it
//!
//! [[profile]]
//! name = "okta-me"                               # a user signs in with a browser:
//! platform = "oidc"                              # L, or tokentop login okta-me
//! issuer = "https://example.okta.com/oauth2/default"
//! client_id = "0oa4d5e6"
//! redirect_uri = "http://127.0.0.1/callback"     # loopback; no port: any free one
//! scopes = ["openid", "email"]
//! ```

use super::SourceError;
use crate::model::Platform;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole profiles file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilesFile {
    /// Profiles in file order.
    #[serde(default, rename = "profile")]
    pub profiles: Vec<ProfileSpec>,
}

/// One profile as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// Display name; unique within the file.
    pub name: String,
    /// Target platform.
    pub platform: Platform,
    /// A Google credential JSON file.
    pub google_credentials: Option<PathBuf>,
    /// A service account of the machine's metadata server (`default`, or
    /// its email).
    pub google_metadata: Option<String>,
    /// A `.databrickscfg`-format file.
    pub databricks_config: Option<PathBuf>,
    /// The section of `databricks_config` to use (default `DEFAULT`).
    pub databricks_profile: Option<String>,
    /// Scopes to request.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Audience for an ID token (Cloud Run).
    pub audience: Option<String>,
    /// An OAuth 2.0 / OpenID Connect issuer (`platform = "oidc"`).
    pub issuer: Option<String>,
    /// The issuer's client id.
    pub client_id: Option<String>,
    /// A file holding the client secret (its first line), for a
    /// confidential client.
    pub client_secret_file: Option<PathBuf>,
    /// An OIDC client's secret in this environment variable instead (CI).
    pub client_secret_env: Option<String>,
    /// `client_secret_basic` (the default with a secret),
    /// `client_secret_post`, `private_key_jwt` (with `client_key_file`), or
    /// `none` (the default without either).
    pub client_auth: Option<String>,
    /// A file holding the client's RSA private key (PEM), for
    /// `private_key_jwt`.
    pub client_key_file: Option<PathBuf>,
    /// An RFC 8707 resource to ask tokens for.
    pub resource: Option<String>,
    /// An OIDC profile's browser sign-in redirect (a loopback URL, e.g.
    /// `http://127.0.0.1:8765/callback`; without a port, any free one).
    pub redirect_uri: Option<String>,
    /// Endpoint overrides.
    #[serde(default)]
    pub endpoints: EndpointOverrides,
}

/// Endpoint overrides; unset ones keep the platform defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointOverrides {
    /// Token endpoint.
    pub token: Option<String>,
    /// Tokeninfo endpoint.
    pub tokeninfo: Option<String>,
    /// Revocation endpoint.
    pub revoke: Option<String>,
    /// JWK Set URL.
    pub jwks: Option<String>,
    /// Security Token Service (downscoping).
    pub sts: Option<String>,
    /// Where the doctor (`p`, `tokentop doctor`) sends the token.
    pub probe: Option<String>,
}

/// Reads and validates a profiles file; errors name the file, line and key.
pub fn read(path: &Path) -> Result<ProfilesFile, SourceError> {
    let text = super::read_source(path)?;
    parse(&text, path)
}

/// Parses profiles text read from `path`. Relative credential paths are
/// resolved against the profiles file's folder.
pub fn parse(text: &str, path: &Path) -> Result<ProfilesFile, SourceError> {
    let mut file: ProfilesFile =
        toml::from_str(text).map_err(|e| SourceError::toml(path, text, &e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    for profile in &mut file.profiles {
        for p in [
            &mut profile.google_credentials,
            &mut profile.databricks_config,
            &mut profile.client_secret_file,
            &mut profile.client_key_file,
        ]
        .into_iter()
        .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_naming_line_and_key() {
        let text = "[[profile]]\nname = \"a\"\nplatform = \"dataproc\"\ncolour = \"red\"\n";
        let err = parse(text, Path::new("/c/profiles.toml")).expect_err("unknown key");
        let message = err.to_string();
        assert!(message.contains("/c/profiles.toml"), "{message}");
        assert!(message.contains("line 4"), "{message}");
        assert!(message.contains("colour"), "{message}");
    }

    #[test]
    fn relative_paths_resolve_next_to_the_file() {
        let text =
            "[[profile]]\nname = \"a\"\nplatform = \"gcp\"\ngoogle_credentials = \"k.json\"\n";
        let file = parse(text, Path::new("/c/profiles.toml")).expect("parses");
        assert_eq!(
            file.profiles[0].google_credentials.as_deref(),
            Some(Path::new("/c/k.json"))
        );
    }
}
