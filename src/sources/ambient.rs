//! Where discovery looks: tokentop's profiles file, the user's settings,
//! and the ambient locations Google's and Databricks' own tools use.

use super::SourceError;
use super::gcloud_config::GcloudEnv;
use crate::model::printable_owned;
use std::path::{Path, PathBuf};

/// What Google's tools read from the environment (wire.md §1.1, §1.3).
#[derive(Debug, Clone, Default)]
pub struct GoogleEnv {
    /// `GOOGLE_APPLICATION_CREDENTIALS` (an empty value counts as unset).
    pub application_credentials: Option<PathBuf>,
    /// gcloud's folder: `$CLOUDSDK_CONFIG`, else `~/.config/gcloud`.
    pub gcloud_dir: Option<PathBuf>,
    /// gcloud's own variables.
    pub gcloud: GcloudEnv,
    /// The project google-auth takes from the environment:
    /// `GOOGLE_CLOUD_PROJECT`, else `GCLOUD_PROJECT`, read as it reads
    /// them (a set but empty `GOOGLE_CLOUD_PROJECT` hides the other).
    pub explicit_project: Option<String>,
    /// `GOOGLE_CLOUD_QUOTA_PROJECT`: google-auth bills every ADC credential
    /// to it over the file's own quota project.
    pub quota_project: Option<String>,
    /// The metadata server to ask (`host[:port]`): `GCE_METADATA_HOST`
    /// (or the older `GCE_METADATA_ROOT`), else the link-local address on a
    /// machine that is Google's. Asked by the engine, never while reading files.
    pub metadata_host: Option<String>,
}

/// What Databricks' tools read from the environment (wire.md §3.2): every
/// `DATABRICKS_*`, `ARM_*` and `GOOGLE_CREDENTIALS` variable, held as
/// secrets (a token may be one), and the home folder their caches are in.
#[derive(Debug, Clone, Default)]
pub struct DatabricksEnv {
    /// The variables, by name.
    pub vars: Vec<(String, crate::model::Secret)>,
    /// `$HOME`, where `.databricks/token-cache.json` is.
    pub home: Option<PathBuf>,
}

impl DatabricksEnv {
    /// The variables, read now.
    pub fn read() -> Self {
        let vars = std::env::vars()
            .filter(|(name, _)| {
                name.starts_with("DATABRICKS_")
                    || name.starts_with("ARM_")
                    || name == "GOOGLE_CREDENTIALS"
            })
            .map(|(name, value)| (name, crate::model::Secret::new(value)))
            .collect();
        Self {
            vars,
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }

    /// One variable's value, if set.
    pub fn get(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.expose().to_string())
    }
}

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryConfig {
    /// tokentop's profiles file, if any.
    pub profiles_file: Option<PathBuf>,
    /// Google's ADC chain and gcloud's state, when looked at.
    pub google: Option<GoogleEnv>,
    /// `.databrickscfg` files whose profiles to show.
    pub databricks_configs: Vec<PathBuf>,
    /// Databricks' environment, when looked at.
    pub databricks: Option<DatabricksEnv>,
    /// The user's own settings file (`config.toml`), which alone can trust
    /// an endpoint a profiles file sets.
    pub settings_file: Option<PathBuf>,
    /// Paths that an environment variable named, with the variable: their
    /// errors say which variable to fix.
    pub named_by: Vec<(PathBuf, &'static str)>,
    /// tokentop's own sign-ins (`tokentop login`), where OIDC profiles
    /// find their refresh tokens.
    pub login_store: Option<PathBuf>,
}

impl DiscoveryConfig {
    /// The ambient locations: Google's ADC chain (`GOOGLE_APPLICATION_CREDENTIALS`,
    /// then gcloud's ADC file under `$CLOUDSDK_CONFIG` or `~/.config/gcloud`),
    /// gcloud's accounts and configurations, and `DATABRICKS_CONFIG_FILE`
    /// or `~/.databrickscfg`. A default location with nothing there is
    /// skipped; a path an environment variable names is always read, so a
    /// missing, dangling or unreadable one is reported.
    pub fn ambient(profiles_file: Option<PathBuf>) -> Self {
        let raw = |name: &str| std::env::var(name).ok();
        let env = |name: &str| raw(name).filter(|v| !v.is_empty());
        let home = env("HOME").map(PathBuf::from);
        let application_credentials = env("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from);
        let google = GoogleEnv {
            gcloud_dir: env("CLOUDSDK_CONFIG")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".config/gcloud"))),
            gcloud: GcloudEnv {
                active_config_name: env("CLOUDSDK_ACTIVE_CONFIG_NAME"),
                core_account: env("CLOUDSDK_CORE_ACCOUNT"),
                core_project: env("CLOUDSDK_CORE_PROJECT"),
            },
            explicit_project: raw("GOOGLE_CLOUD_PROJECT")
                .or_else(|| raw("GCLOUD_PROJECT"))
                .filter(|p| !p.is_empty()),
            application_credentials: application_credentials.clone(),
            quota_project: env("GOOGLE_CLOUD_QUOTA_PROJECT"),
            // `NO_GCE_CHECK=true` (exactly) tells google-auth there is no
            // metadata server, wherever GCE_METADATA_HOST points.
            metadata_host: (raw("NO_GCE_CHECK").as_deref() != Some("true"))
                .then(|| {
                    env("GCE_METADATA_HOST")
                        .or_else(|| env("GCE_METADATA_ROOT"))
                        .or_else(|| {
                            on_google_machine(&env)
                                .then(|| crate::model::address::METADATA_HOSTS[0].to_string())
                        })
                })
                .flatten(),
        };
        let mut config = Self {
            profiles_file,
            google: Some(google),
            databricks: Some(DatabricksEnv::read()),
            ..Self::default()
        };
        if let Some(path) = application_credentials {
            config
                .named_by
                .push((path, "GOOGLE_APPLICATION_CREDENTIALS"));
        }
        // databricks-sdk expands a leading `~` (Python's expanduser).
        let expand = |path: String| match (path.strip_prefix("~/"), &home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(path),
        };
        match env("DATABRICKS_CONFIG_FILE").map(expand) {
            Some(path) => {
                config
                    .named_by
                    .push((path.clone(), "DATABRICKS_CONFIG_FILE"));
                config.databricks_configs.push(path);
            }
            None => {
                if let Some(path) = home.map(|h| h.join(".databrickscfg"))
                    && something_at(&path)
                {
                    config.databricks_configs.push(path);
                }
            }
        }
        config
    }

    /// The user's settings file (see [`trust`]).
    pub fn with_settings(mut self, settings_file: Option<PathBuf>) -> Self {
        self.settings_file = settings_file;
        self
    }

    /// Every file discovery reads, and every folder whose new files it
    /// reads: what to watch for changes.
    pub fn watched(&self) -> (Vec<PathBuf>, Vec<PathBuf>) {
        let mut files: Vec<PathBuf> = self.profiles_file.iter().cloned().collect();
        files.extend(self.databricks_configs.iter().cloned());
        files.extend(self.login_store.iter().cloned());
        let mut folders = Vec::new();
        if let Some(home) = self.databricks.as_ref().and_then(|d| d.home.as_ref()) {
            // A `databricks auth login` writes the CLI's cache (and may
            // make its folder).
            let cache = super::databricks_cache::path(home);
            files.extend(cache.parent().map(Path::to_path_buf));
            files.push(cache);
        }
        if let Some(google) = &self.google {
            files.extend(google.application_credentials.iter().cloned());
            if let Some(dir) = &google.gcloud_dir {
                // The folder itself, so a first `gcloud auth login` is seen.
                files.push(dir.clone());
                for name in super::gcloud::FILES_READ {
                    files.push(dir.join(name));
                }
                for folder in ["configurations", "legacy_credentials"] {
                    // The folder itself too, so one created later is seen.
                    files.push(dir.join(folder));
                    folders.push(dir.join(folder));
                }
            }
        }
        (files, folders)
    }

    /// `error`, saying which environment variable named its path.
    pub(super) fn explain(&self, mut error: SourceError) -> SourceError {
        if let Some((_, var)) = self
            .named_by
            .iter()
            .find(|(p, _)| printable_owned(&p.display().to_string()) == error.source_path)
        {
            error.message = format!("{} (the file ${var} names)", error.message);
        }
        error
    }
}

/// True on a Google VM (DMI product name `Google…`, as google-auth checks
/// on Linux) or in Cloud Run (its `K_SERVICE` or `CLOUD_RUN_JOB`), where a
/// metadata server answers.
fn on_google_machine(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let dmi = crate::files::read_text(Path::new("/sys/class/dmi/id/product_name"))
        .is_ok_and(|name| name.trim_start().starts_with("Google"));
    dmi || env("K_SERVICE").is_some() || env("CLOUD_RUN_JOB").is_some()
}

/// True when a file, folder or link (even a broken one) is at `path`.
pub fn something_at(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}
