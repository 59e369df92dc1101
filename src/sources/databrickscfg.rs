//! `~/.databrickscfg`: INI profiles with a host and OAuth M2M secrets (wire.md §3.1).

use super::SourceError;
use crate::model::{Material, Secret};
use std::path::Path;

/// One Databricks profile that tokentop can refresh.
#[derive(Debug, Clone)]
pub struct DatabricksProfile {
    /// Section name (`DEFAULT` for the unnamed one).
    pub name: String,
    /// Workspace URL, without a trailing slash.
    pub host: String,
    /// OAuth M2M material.
    pub material: Material,
    /// The service principal's application id.
    pub client_id: String,
}

/// Reads every section of a `.databrickscfg`. A section that can't be used is an
/// error of its own; it never hides the others.
pub fn read(path: &Path) -> (Vec<DatabricksProfile>, Vec<SourceError>) {
    match super::read_source(path) {
        Ok(text) => parse(&text, path),
        Err(e) => (Vec::new(), vec![e]),
    }
}

/// Parses the text of a `.databrickscfg` read from `path`.
pub fn parse(text: &str, path: &Path) -> (Vec<DatabricksProfile>, Vec<SourceError>) {
    let ini = match ini::Ini::load_from_str(text) {
        Ok(ini) => ini,
        Err(e) => {
            return (
                Vec::new(),
                vec![SourceError::new(path, format!("not valid INI: {e}"))],
            );
        }
    };
    let mut profiles = Vec::new();
    let mut errors = Vec::new();
    for (section, props) in ini.iter() {
        let name = section.unwrap_or("DEFAULT").to_string();
        if props.is_empty() {
            continue;
        }
        let here = |message: String| SourceError {
            profile: Some(name.clone()),
            ..SourceError::new(path, format!("profile [{name}]: {message}"))
        };
        // An empty value (`key =`, `key = ""`) counts as no value, as in the
        // Google files: an empty secret or host is never a usable credential.
        let get = |key: &str| props.get(key).filter(|v| !v.is_empty());
        let Some(host) = get("host")
            .map(|h| h.trim_end_matches('/'))
            .filter(|h| !h.is_empty())
        else {
            errors.push(here("missing key `host`".into()));
            continue;
        };
        match (get("client_id"), get("client_secret")) {
            (Some(id), Some(secret)) => profiles.push(DatabricksProfile {
                host: host.to_string(),
                client_id: id.to_string(),
                material: Material::DatabricksM2m {
                    client_id: id.to_string(),
                    client_secret: Secret::new(secret),
                },
                name,
            }),
            // Half an M2M profile is a broken one.
            (Some(_), None) | (None, Some(_)) => errors.push(here(
                "needs both `client_id` and `client_secret` (OAuth M2M)".into(),
            )),
            // Another auth style the file names is a fine profile tokentop
            // does not show yet; an M2M profile without its client (or with
            // misspelt keys) is a broken one.
            (None, None) => match (get("token"), get("auth_type")) {
                (Some(_), _) => errors.push(SourceError {
                    unsupported: true,
                    ..here("a personal access token: not shown yet (only OAuth M2M)".into())
                }),
                (None, Some(kind)) if kind != "oauth-m2m" => errors.push(SourceError {
                    unsupported: true,
                    ..here(format!(
                        "auth_type `{kind}`: not shown yet (only OAuth M2M)"
                    ))
                }),
                _ => errors.push(here(
                    "needs `client_id` and `client_secret` (OAuth M2M)".into(),
                )),
            },
        }
    }
    (profiles, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_profile_does_not_hide_the_good_one() {
        let text = "[good]\nhost = https://dbc.example.test/\nclient_id = app\nclient_secret = sec\n\n[bad]\nclient_id = x\n";
        let (profiles, errors) = parse(text, Path::new("/h/.databrickscfg"));
        assert_eq!(profiles.len(), 1);
        assert_eq!(profiles[0].host, "https://dbc.example.test");
        assert_eq!(errors.len(), 1);
        let message = errors[0].to_string();
        assert!(
            message.contains("[bad]")
                && message.contains("host")
                && message.contains(".databrickscfg")
        );
    }

    #[test]
    fn empty_values_count_as_missing() {
        // Found by the `databrickscfg` fuzz target: `client_secret =` gave a
        // credential with an empty secret, and `host = /` one whose token
        // endpoint was `/oidc/v1/token`.
        let text = "[empty-secret]\nhost = https://h\nclient_id = app\nclient_secret =\n\n\
                    [quoted-empty]\nhost = https://h\nclient_id = \"\"\nclient_secret = s\n\n\
                    [slash-host]\nhost = /\nclient_id = app\nclient_secret = s\n\n\
                    [empty-token]\nhost = https://h\ntoken =\n";
        let (profiles, errors) = parse(text, Path::new("/h/.databrickscfg"));
        assert!(profiles.is_empty(), "{profiles:?}");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(messages[0].contains("[empty-secret]: needs both `client_id` and `client_secret`"));
        assert!(messages[1].contains("[quoted-empty]: needs both `client_id` and `client_secret`"));
        assert!(messages[2].contains("[slash-host]: missing key `host`"));
        assert!(messages[3].contains("[empty-token]: needs `client_id`"));
        assert!(errors.iter().all(|e| !e.unsupported), "{messages:?}");
    }

    #[test]
    fn other_auth_styles_are_notes_and_half_m2m_profiles_are_broken() {
        let text = "[pat]\nhost = https://h\ntoken = dapi0\n\n\
                    [u2m]\nhost = https://h\nauth_type = databricks-cli\n\n\
                    [m2m-no-client]\nhost = https://h\nauth_type = oauth-m2m\n\n\
                    [misspelt]\nhost = https://h\nclient-id = a\nclient-secret = s\n";
        let (_, errors) = parse(text, Path::new("/h/.databrickscfg"));
        let kinds: Vec<(String, bool)> = errors
            .iter()
            .map(|e| (e.profile.clone().unwrap_or_default(), e.unsupported))
            .collect();
        assert_eq!(
            kinds,
            [
                ("pat".to_string(), true),
                ("u2m".to_string(), true),
                ("m2m-no-client".to_string(), false),
                ("misspelt".to_string(), false),
            ]
        );
    }
}
