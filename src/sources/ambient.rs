//! Where discovery looks: tokentop's profiles file, the user's settings,
//! and the ambient locations Google's and Databricks' own tools use.

use super::SourceError;
use crate::model::printable_owned;
use std::path::{Path, PathBuf};

/// Where to look.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryConfig {
    /// tokentop's profiles file, if any.
    pub profiles_file: Option<PathBuf>,
    /// Google ADC files to read as `gcp` profiles (the env var's file, then gcloud's).
    pub adc_files: Vec<PathBuf>,
    /// `.databrickscfg` files whose M2M profiles to show.
    pub databricks_configs: Vec<PathBuf>,
    /// The user's own settings file (`config.toml`), which alone can trust
    /// an endpoint a profiles file sets.
    pub settings_file: Option<PathBuf>,
    /// Paths that an environment variable named, with the variable: their
    /// errors say which variable to fix.
    pub named_by: Vec<(PathBuf, &'static str)>,
}

impl DiscoveryConfig {
    /// The ambient locations: `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's ADC file
    /// (`$CLOUDSDK_CONFIG` or `~/.config/gcloud`), and `DATABRICKS_CONFIG_FILE`
    /// or `~/.databrickscfg`. A default location with nothing there is
    /// skipped; a path an environment variable names is always read, so a
    /// missing, dangling or unreadable one is reported.
    pub fn ambient(profiles_file: Option<PathBuf>) -> Self {
        let env = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let home = env("HOME");
        let gcloud_dir =
            env("CLOUDSDK_CONFIG").or_else(|| home.as_ref().map(|h| h.join(".config/gcloud")));
        let mut config = Self {
            profiles_file,
            ..Self::default()
        };
        let google_env = env("GOOGLE_APPLICATION_CREDENTIALS");
        let gcloud_adc = gcloud_dir.map(|d| d.join("application_default_credentials.json"));
        config.add_ambient(google_env, Some("GOOGLE_APPLICATION_CREDENTIALS"), true);
        config.add_ambient(gcloud_adc, None, true);
        match env("DATABRICKS_CONFIG_FILE") {
            Some(path) => config.add_ambient(Some(path), Some("DATABRICKS_CONFIG_FILE"), false),
            None => config.add_ambient(home.map(|h| h.join(".databrickscfg")), None, false),
        }
        config
    }

    /// The user's settings file (see [`trust`]).
    pub fn with_settings(mut self, settings_file: Option<PathBuf>) -> Self {
        self.settings_file = settings_file;
        self
    }

    /// Adds a Google (`google`) or Databricks file: always when the
    /// environment variable `var` named it, else only when something is there.
    fn add_ambient(&mut self, path: Option<PathBuf>, var: Option<&'static str>, google: bool) {
        let Some(path) = path else { return };
        match var {
            Some(var) => self.named_by.push((path.clone(), var)),
            None if !something_at(&path) => return,
            None => {}
        }
        let list = if google {
            &mut self.adc_files
        } else {
            &mut self.databricks_configs
        };
        if !list.contains(&path) {
            list.push(path);
        }
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

/// True when a file, folder or link (even a broken one) is at `path`.
pub fn something_at(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}
