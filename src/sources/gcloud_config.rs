//! gcloud's named configurations: which one is active, and each one's
//! account, project, region and impersonation (wire.md §1.3).

use super::SourceError;
use std::path::Path;

/// The environment variables gcloud reads over its files.
#[derive(Debug, Clone, Default)]
pub struct GcloudEnv {
    /// `CLOUDSDK_ACTIVE_CONFIG_NAME`.
    pub active_config_name: Option<String>,
    /// `CLOUDSDK_CORE_ACCOUNT`.
    pub core_account: Option<String>,
    /// `CLOUDSDK_CORE_PROJECT`.
    pub core_project: Option<String>,
}

/// One named configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Configuration {
    /// Its name.
    pub name: String,
    /// `[core] account`.
    pub account: Option<String>,
    /// `[core] project`.
    pub project: Option<String>,
    /// `[compute] region`.
    pub region: Option<String>,
    /// `[auth] impersonate_service_account`.
    pub impersonate: Option<String>,
}

impl Configuration {
    /// One line for the detail view.
    pub fn describe(&self, active: bool) -> String {
        let mut parts = vec![format!(
            "configuration {}{}",
            self.name,
            if active { " (active)" } else { "" }
        )];
        if let Some(p) = &self.project {
            parts.push(format!("project {p}"));
        }
        if let Some(r) = &self.region {
            parts.push(format!("region {r}"));
        }
        if let Some(sa) = &self.impersonate {
            parts.push(format!("impersonates {sa}"));
        }
        parts.join(", ")
    }
}

/// gcloud's configurations and the effective (active, overridden) one.
#[derive(Debug, Clone, Default)]
pub struct Configurations {
    /// Every configuration, by name.
    pub all: Vec<Configuration>,
    /// The active configuration's name.
    pub active_name: String,
    /// The active configuration after `CLOUDSDK_CORE_*` overrides.
    pub effective: Configuration,
}

/// Reads the configurations under gcloud's folder `dir`. A broken file is
/// an error of its own; the others are still read.
pub fn read(dir: &Path, env: &GcloudEnv) -> (Configurations, Vec<SourceError>) {
    let mut errors = Vec::new();
    let active_file = dir.join("active_config");
    let from_file = if super::something_at(&active_file) {
        match super::read_source(&active_file) {
            Ok(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
            Err(e) => {
                errors.push(e);
                None
            }
        }
    } else {
        None
    };
    let active_name = env
        .active_config_name
        .clone()
        .or(from_file)
        .unwrap_or_else(|| "default".to_string());
    let mut all = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("configurations")) {
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("config_"))
            else {
                continue;
            };
            match super::read_source(&path).and_then(|text| parse(name, &text, &path)) {
                Ok(config) => all.push(config),
                Err(e) => errors.push(e),
            }
        }
    }
    let mut effective = all
        .iter()
        .find(|c| c.name == active_name)
        .cloned()
        .unwrap_or_else(|| Configuration {
            name: active_name.clone(),
            ..Configuration::default()
        });
    if let Some(account) = &env.core_account {
        effective.account = Some(account.clone());
    }
    if let Some(project) = &env.core_project {
        effective.project = Some(project.clone());
    }
    (
        Configurations {
            all,
            active_name,
            effective,
        },
        errors,
    )
}

/// One `config_<name>` INI file.
pub fn parse(name: &str, text: &str, path: &Path) -> Result<Configuration, SourceError> {
    let ini = ini::Ini::load_from_str(text)
        .map_err(|e| SourceError::new(path, format!("not valid INI: {e}")))?;
    let get = |section: &str, key: &str| {
        ini.section(Some(section))
            .and_then(|s| s.get(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    Ok(Configuration {
        name: name.to_string(),
        account: get("core", "account"),
        project: get("core", "project"),
        region: get("compute", "region"),
        impersonate: get("auth", "impersonate_service_account"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_picks_and_overrides_the_active_configuration() {
        let dir = tempfile::tempdir().expect("tempdir");
        let configs = dir.path().join("configurations");
        std::fs::create_dir(&configs).expect("mkdir");
        std::fs::write(
            configs.join("config_default"),
            "[core]\naccount = a@example.test\nproject = p-dev\n",
        )
        .expect("write");
        std::fs::write(
            configs.join("config_ci"),
            "[core]\naccount = ci@p.iam.gserviceaccount.com\nproject = p-prod\n[compute]\nregion = europe-west1\n[auth]\nimpersonate_service_account = deploy@p.iam.gserviceaccount.com\n",
        )
        .expect("write");
        std::fs::write(dir.path().join("active_config"), "ci\n").expect("write");
        let (read_back, errors) = read(dir.path(), &GcloudEnv::default());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(read_back.active_name, "ci");
        assert_eq!(read_back.effective.region.as_deref(), Some("europe-west1"));
        assert!(
            read_back
                .effective
                .describe(true)
                .contains("impersonates deploy@")
        );
        let env = GcloudEnv {
            active_config_name: Some("default".into()),
            core_project: Some("override".into()),
            ..GcloudEnv::default()
        };
        let (read_back, _) = read(dir.path(), &env);
        assert_eq!(
            read_back.effective.account.as_deref(),
            Some("a@example.test")
        );
        assert_eq!(read_back.effective.project.as_deref(), Some("override"));
        assert_eq!(read_back.all.len(), 2);
    }

    #[test]
    fn a_broken_configuration_is_named_and_the_others_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let configs = dir.path().join("configurations");
        std::fs::create_dir(&configs).expect("mkdir");
        std::fs::write(configs.join("config_bad"), "[core\naccount = x\n").expect("write");
        std::fs::write(configs.join("config_default"), "[core]\nproject = p\n").expect("write");
        let (read_back, errors) = read(dir.path(), &GcloudEnv::default());
        assert_eq!(read_back.all.len(), 1);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].source_path.ends_with("config_bad"), "{errors:?}");
        assert_eq!(read_back.effective.project.as_deref(), Some("p"));
    }
}
