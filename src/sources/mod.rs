//! Discovery: files and environment to credentials, with one error per broken
//! source. No network.

pub mod adc;
mod ambient;
pub mod configparser;
pub mod databricks_cache;
pub mod databricks_config;
pub mod databricks_google;
pub mod databricks_sdk_cache;
pub mod databrickscfg;
pub mod gcloud;
pub mod gcloud_config;
pub mod gcloud_db;
pub mod google_cred;
mod google_external;
pub mod google_json;
pub mod login_store;
pub mod oidc_profile;
pub mod profiles;
pub mod refresh_policy;
pub mod trust;

pub use ambient::{DatabricksEnv, DiscoveryConfig, GoogleEnv, something_at};
pub use gcloud_config::GcloudEnv;

use crate::model::{Credential, CredentialId, Endpoints, printable_owned};
use profiles::ProfileSpec;
use std::path::{Path, PathBuf};

/// A source that could not be read, naming the file and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[error("{source_path}: {message}")]
pub struct SourceError {
    /// The file or variable.
    pub source_path: String,
    /// What is wrong with it.
    pub message: String,
    /// The one profile of a profiles file this is about; `None` when the
    /// whole file is at fault.
    #[serde(skip)]
    pub profile: Option<String>,
    /// The profile is fine but of a kind tokentop does not show yet: a
    /// note, not a broken source.
    #[serde(skip)]
    pub unsupported: bool,
}

impl SourceError {
    /// An error about `path`. Path and message may quote a file's contents
    /// (a section name, a value): both are made printable.
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            source_path: printable_owned(&path.display().to_string()),
            message: printable_owned(&message.into()),
            profile: None,
            unsupported: false,
        }
    }

    /// True when this error explains why the credential `p` came from was
    /// not found this time: its file, or its profiles file, failed as a whole
    /// or for that very profile.
    pub fn breaks(&self, p: &crate::model::Provenance) -> bool {
        let same = |path: &str| self.source_path == printable_owned(path);
        let file = same(&p.source) || p.via.as_deref().is_some_and(same);
        file && self.profile.as_ref().is_none_or(|name| *name == p.profile)
    }

    /// Why `path` could not be read.
    pub fn unreadable(path: &Path, err: &crate::files::ReadError) -> Self {
        Self::new(path, err.to_string())
    }

    /// A TOML file at `path` that does not parse: the line and key at fault.
    pub fn toml(path: &Path, text: &str, err: &toml::de::Error) -> Self {
        Self::new(
            path,
            crate::model::toml_error::describe("", text, err).trim_start(),
        )
    }
}

/// A source file's text, read the one safe way (see [`crate::files`]).
fn read_source(path: &Path) -> Result<String, SourceError> {
    crate::files::read_text(path).map_err(|e| SourceError::unreadable(path, &e))
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Usable credentials.
    pub credentials: Vec<Credential>,
    /// Sources that could not be used.
    pub errors: Vec<SourceError>,
}

/// Reads every configured source. Never fails as a whole.
pub fn discover(config: &DiscoveryConfig) -> Discovery {
    let mut found = Discovery::default();
    let settings = match &config.settings_file {
        Some(path) if something_at(path) => trust::read_settings(path).unwrap_or_else(|e| {
            found.errors.push(e);
            trust::Settings::default()
        }),
        _ => trust::Settings::default(),
    };
    // However many profiles name a Databricks config, it is read once.
    let mut databricks = DatabricksReads::new(config.databricks.clone().unwrap_or_default());
    let logins = match config
        .login_store
        .as_deref()
        .map(login_store::LoginStore::read)
    {
        Some(Ok(store)) => store,
        Some(Err(e)) => {
            found.errors.push(e);
            login_store::LoginStore::default()
        }
        None => login_store::LoginStore::default(),
    };
    if let Some(path) = &config.profiles_file {
        match profiles::read(path) {
            Ok(file) => {
                for spec in &file.profiles {
                    let metadata_host = config
                        .google
                        .as_ref()
                        .and_then(|g| g.metadata_host.as_deref());
                    let read = Reads {
                        databricks: &mut databricks,
                        logins: &logins,
                    };
                    match from_profile(spec, path, &settings, metadata_host, read) {
                        Ok(mut creds) => found.credentials.append(&mut creds),
                        Err(e) => found.errors.push(e),
                    }
                }
            }
            Err(e) => found.errors.push(e),
        }
    }
    if let Some(google) = &config.google {
        let mut accounts = Discovery::default();
        let gcloud = match &google.gcloud_dir {
            Some(dir) if dir.is_dir() => gcloud::discover(dir, &google.gcloud, &mut accounts),
            _ => gcloud::GcloudState::default(),
        };
        // The ADC chain before gcloud's accounts: it is what programs on
        // this machine use.
        adc::discover(google, &gcloud, config, &mut found);
        found.credentials.append(&mut accounts.credentials);
        found.errors.append(&mut accounts.errors);
    }
    if config.databricks.is_some() {
        let (env_source, error) =
            databrickscfg::from_environment(&databricks.env, &databricks.logins);
        found.credentials.extend(env_source);
        found.errors.extend(error);
        found.errors.extend(databricks.logins_error.take());
    }
    for path in &config.databricks_configs {
        let (mut profiles, errors) = databricks.read(path).clone();
        found
            .errors
            .extend(errors.into_iter().map(|e| config.explain(e)));
        found.credentials.append(&mut profiles);
    }
    databricks_google::link(&mut found.credentials);
    adopt_sign_ins(&mut found.credentials, &logins);
    found
}

/// What a credential signed in again with tokentop says of itself.
pub const SIGNED_IN_AGAIN: &str = "signed in again with tokentop: its refresh token is kept in tokentop's state, not in this file";

/// A Google user or Databricks login signed in again with tokentop holds
/// the refresh token tokentop keeps, not the one its own tool's file has
/// (dead, likely: that is why it was signed in again). The file is not
/// written. An OIDC profile found its own when it was read.
fn adopt_sign_ins(credentials: &mut [Credential], logins: &login_store::LoginStore) {
    for cred in credentials {
        if matches!(cred.material, crate::model::Material::OidcClient { .. }) {
            continue;
        }
        let kept = cred
            .sign_in_key()
            .and_then(|(issuer, client)| logins.refresh_token(&cred.id.0, issuer, client));
        if let Some(token) = kept
            && cred.material.rotate_refresh_token(&token)
        {
            cred.context.details.push(SIGNED_IN_AGAIN.into());
        }
    }
}

/// Databricks config files, each read and resolved once per discovery,
/// and the cached logins, read once for all of them.
struct DatabricksReads {
    env: DatabricksEnv,
    logins: databrickscfg::Logins,
    /// Why the CLI's login cache could not be read, said once.
    logins_error: Option<SourceError>,
    read: std::collections::HashMap<PathBuf, (Vec<Credential>, Vec<SourceError>)>,
}

impl DatabricksReads {
    fn new(env: DatabricksEnv) -> Self {
        let (logins, logins_error) = databrickscfg::Logins::read(&env);
        Self {
            env,
            logins,
            logins_error,
            read: std::collections::HashMap::new(),
        }
    }

    /// The profiles of `path` and its errors, read the first time asked.
    fn read(&mut self, path: &Path) -> &(Vec<Credential>, Vec<SourceError>) {
        let (env, logins) = (&self.env, &self.logins);
        self.read
            .entry(path.to_path_buf())
            .or_insert_with(|| databrickscfg::read(path, env, logins))
    }
}

/// What profiles share, read once: Databricks configs and tokentop's sign-ins.
struct Reads<'a> {
    databricks: &'a mut DatabricksReads,
    logins: &'a login_store::LoginStore,
}

fn from_profile(
    spec: &ProfileSpec,
    profiles_path: &Path,
    settings: &trust::Settings,
    metadata_host: Option<&str>,
    reads: Reads<'_>,
) -> Result<Vec<Credential>, SourceError> {
    let Reads { databricks, logins } = reads;
    let here = |m: String| SourceError {
        profile: Some(spec.name.clone()),
        ..SourceError::new(profiles_path, format!("profile `{}`: {m}", spec.name))
    };
    if spec.issuer.is_some() || spec.platform == crate::model::Platform::Oidc {
        let mut cred = oidc_profile::credential(spec, profiles_path, logins).map_err(here)?;
        // The issuer's own origin is its endpoints' too.
        let own: Vec<String> = cred
            .endpoints
            .discovery
            .iter()
            .filter_map(|issuer| url::Url::parse(issuer).ok())
            .map(|u| u.origin().ascii_serialization())
            .collect();
        apply_overrides(&mut cred.endpoints, &spec.endpoints);
        cred.provenance.trusted_overrides =
            judge_overrides(&spec.endpoints, &own, settings).map_err(here)?;
        cred.provenance.via = Some(profiles_path.display().to_string());
        return Ok(vec![cred]);
    }
    match (
        &spec.google_credentials,
        &spec.databricks_config,
        &spec.google_metadata,
    ) {
        (None, None, Some(account)) => {
            let host = metadata_host.ok_or_else(|| {
                here(
                    "`google_metadata` names the metadata server, and there is none here \
                     (not a Google VM or Cloud Run; GCE_METADATA_HOST is unset, or NO_GCE_CHECK=true)"
                        .into(),
                )
            })?;
            let key = format!("{account}#{}", spec.name);
            let mut cred = adc::metadata_credential(host, account, &key, spec.name.clone());
            cred.platform = spec.platform;
            cred.scopes = spec.scopes.clone();
            cred.audience = spec.audience.clone();
            cred.provenance.via = Some(profiles_path.display().to_string());
            Ok(vec![cred])
        }
        (Some(path), None, None) => {
            // The key file's own error, saying which profile names it.
            let mut file = google_json::read(path).map_err(|e| SourceError {
                message: format!("{} (profile `{}`)", e.message, spec.name),
                profile: Some(spec.name.clone()),
                ..e
            })?;
            let mut own: Vec<String> = trust::GOOGLE_ENDPOINTS.map(String::from).to_vec();
            own.extend(file.token_uri.clone());
            // An overridden token endpoint decides the Google defaults too,
            // so another issuer's tokens are never sent to Google.
            if let Some(token) = &spec.endpoints.token {
                file.token_uri = Some(token.clone());
            }
            let mut cred = google_cred::google_credential(
                file,
                google_cred::Placement {
                    id: CredentialId(format!("{}#{}", path.display(), spec.name)),
                    source: path,
                    profile: &spec.name,
                    platform: spec.platform,
                    scopes: spec.scopes.clone(),
                    audience: spec.audience.clone(),
                },
            );
            apply_overrides(&mut cred.endpoints, &spec.endpoints);
            cred.provenance.trusted_overrides =
                judge_overrides(&spec.endpoints, &own, settings).map_err(here)?;
            cred.provenance.via = Some(profiles_path.display().to_string());
            Ok(vec![cred])
        }
        (None, Some(path), None) => {
            let wanted = spec.databricks_profile.as_deref().unwrap_or("DEFAULT");
            // One profile of a file many entries may name: only it is copied.
            let (profiles, errors) = databricks.read(path);
            let Some(mut cred) = profiles
                .iter()
                .find(|c| c.provenance.profile == wanted)
                .cloned()
            else {
                let why = errors
                    .iter()
                    .find(|e| e.profile.as_deref().is_none_or(|p| p == wanted))
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| {
                        format!("no usable section [{wanted}] in {}", path.display())
                    });
                return Err(here(why));
            };
            cred.id = CredentialId(format!("{}#{}", path.display(), spec.name));
            cred.provenance.profile = spec.name.clone();
            if !spec.scopes.is_empty() {
                cred.scopes = spec.scopes.clone();
            }
            let own: Vec<String> = cred
                .context
                .databricks
                .iter()
                .map(|d| d.host.clone())
                .collect();
            apply_overrides(&mut cred.endpoints, &spec.endpoints);
            cred.provenance.trusted_overrides =
                judge_overrides(&spec.endpoints, &own, settings).map_err(here)?;
            cred.provenance.via = Some(profiles_path.display().to_string());
            Ok(vec![cred])
        }
        _ => Err(here(
            "set exactly one of `google_credentials`, `google_metadata` and `databricks_config`"
                .into(),
        )),
    }
}

/// Judges each endpoint a profile sets ([`trust::judge`]); returns the ones
/// only the user's settings allow, to show on the row.
fn judge_overrides(
    o: &profiles::EndpointOverrides,
    own: &[String],
    settings: &trust::Settings,
) -> Result<Vec<String>, String> {
    let mut trusted = Vec::new();
    for url in [&o.token, &o.tokeninfo, &o.revoke, &o.jwks, &o.sts]
        .into_iter()
        .flatten()
    {
        if trust::judge(url, own, settings)? == trust::Trust::Settings {
            trusted.push(url.clone());
        }
    }
    // The doctor's target gets an access token, never a long-lived secret:
    // a vendor API over https is as good as the credential's own.
    if let Some(url) = &o.probe
        && !trust::is_vendor_api(url)
        && trust::judge(url, own, settings)? == trust::Trust::Settings
    {
        trusted.push(url.clone());
    }
    Ok(trusted)
}

fn apply_overrides(endpoints: &mut Endpoints, o: &profiles::EndpointOverrides) {
    if let Some(t) = &o.token {
        endpoints.token.clone_from(t);
        endpoints.discovery = None;
    }
    for (slot, value) in [
        (&mut endpoints.tokeninfo, &o.tokeninfo),
        (&mut endpoints.revoke, &o.revoke),
        (&mut endpoints.jwks, &o.jwks),
        (&mut endpoints.sts, &o.sts),
        (&mut endpoints.probe, &o.probe),
    ] {
        if value.is_some() {
            slot.clone_from(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_side_endpoints_only_for_google_token_endpoints() {
        for uri in [
            None,
            Some("https://oauth2.googleapis.com/token"),
            Some("https://accounts.google.com/o/oauth2/token"),
        ] {
            let e = google_cred::google_endpoints(uri.map(str::to_string));
            assert_eq!(
                e.revoke.as_deref(),
                Some("https://oauth2.googleapis.com/revoke"),
                "{uri:?}"
            );
            assert!(e.tokeninfo.is_some() && e.jwks.is_some(), "{uri:?}");
        }
        let text = "[[profile]]\nname = \"p\"\nplatform = \"gcp\"\ngoogle_credentials = \"k.json\"\n[profile.endpoints]\ntoken = \"http://127.0.0.1:9/token\"\n";
        let spec = &profiles::parse(text, Path::new("/nowhere/profiles.toml"))
            .expect("parses")
            .profiles[0];
        let dir = tempfile::tempdir().expect("tempdir");
        let key = dir.path().join("k.json");
        std::fs::write(
            &key,
            // A local credential may be pointed at another endpoint of its
            // own loopback host and port.
            r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r","token_uri":"http://127.0.0.1:9/old-token"}"#,
        )
        .expect("write");
        let spec = ProfileSpec {
            google_credentials: Some(key),
            ..spec.clone()
        };
        let cred = from_profile(
            &spec,
            Path::new("/nowhere/profiles.toml"),
            &trust::Settings::default(),
            None,
            Reads {
                databricks: &mut DatabricksReads::new(DatabricksEnv::default()),
                logins: &login_store::LoginStore::default(),
            },
        )
        .expect("credential")
        .remove(0);
        assert_eq!(
            cred.endpoints.revoke, None,
            "an overridden token endpoint drops Google's revoke"
        );
        let other = google_cred::google_endpoints(Some("http://127.0.0.1:8080/token".into()));
        assert_eq!(other.token, "http://127.0.0.1:8080/token");
        assert_eq!(
            (other.tokeninfo, other.revoke, other.jwks),
            (None, None, None)
        );
    }
}
