//! A Databricks profile resolved as databricks-sdk resolves
//! `Config(profile=NAME)` (wire.md §3.1–3.2): the environment's values
//! first, then the profile's own keys (never `[DEFAULT]`'s), the host
//! normalised, more than one authorization method refused, and the auth
//! type the SDK's strategy order would pick from what is set. Nothing here
//! touches the network: strategies that would need it are named by the
//! attributes they require.

use super::configparser::{Ini, Keys};
use crate::model::Secret;
use std::collections::BTreeMap;
use std::path::Path;

/// One configuration attribute: its file key, its environment variable,
/// and the authorization method it belongs to.
struct Attribute {
    key: &'static str,
    env: Option<&'static str>,
    auth: Option<&'static str>,
}

const fn attr(key: &'static str, env: &'static str, auth: Option<&'static str>) -> Attribute {
    Attribute {
        key,
        env: Some(env),
        auth,
    }
}

/// The attributes databricks-sdk's `Config` declares, with their groups.
const ATTRIBUTES: &[Attribute] = &[
    attr("host", "DATABRICKS_HOST", None),
    attr("account_id", "DATABRICKS_ACCOUNT_ID", None),
    attr("workspace_id", "DATABRICKS_WORKSPACE_ID", None),
    attr("cloud", "DATABRICKS_CLOUD", None),
    attr("discovery_url", "DATABRICKS_DISCOVERY_URL", None),
    attr("token", "DATABRICKS_TOKEN", Some("pat")),
    attr(
        "oidc_token_env",
        "DATABRICKS_OIDC_TOKEN_ENV",
        Some("env-oidc"),
    ),
    attr(
        "oidc_token_filepath",
        "DATABRICKS_OIDC_TOKEN_FILEPATH",
        Some("file-oidc"),
    ),
    attr("username", "DATABRICKS_USERNAME", Some("basic")),
    attr("password", "DATABRICKS_PASSWORD", Some("basic")),
    attr("client_id", "DATABRICKS_CLIENT_ID", Some("oauth")),
    attr("client_secret", "DATABRICKS_CLIENT_SECRET", Some("oauth")),
    attr("profile", "DATABRICKS_CONFIG_PROFILE", None),
    attr("config_file", "DATABRICKS_CONFIG_FILE", None),
    attr(
        "google_service_account",
        "DATABRICKS_GOOGLE_SERVICE_ACCOUNT",
        Some("google"),
    ),
    attr("google_credentials", "GOOGLE_CREDENTIALS", Some("google")),
    attr(
        "azure_workspace_resource_id",
        "DATABRICKS_AZURE_RESOURCE_ID",
        Some("azure"),
    ),
    attr("azure_use_msi", "ARM_USE_MSI", Some("azure")),
    attr("azure_client_secret", "ARM_CLIENT_SECRET", Some("azure")),
    attr("azure_client_id", "ARM_CLIENT_ID", Some("azure")),
    attr("azure_tenant_id", "ARM_TENANT_ID", Some("azure")),
    attr("auth_type", "DATABRICKS_AUTH_TYPE", None),
    attr(
        "metadata_service_url",
        "DATABRICKS_METADATA_SERVICE_URL",
        None,
    ),
    Attribute {
        key: "scopes",
        env: None,
        auth: None,
    },
];

/// The strategies in databricks-sdk's default order, each with the
/// attributes it needs (those that need more, such as an environment
/// variable, say so in [`needs_more`]).
const STRATEGIES: &[(&str, &[&str])] = &[
    ("pat", &["host", "token"]),
    ("basic", &["host", "username", "password"]),
    ("metadata-service", &["host", "metadata_service_url"]),
    ("oauth-m2m", &["host", "client_id", "client_secret"]),
    ("file-oidc", &["host", "oidc_token_filepath"]),
    (
        "azure-client-secret",
        &[
            "host",
            "azure_client_id",
            "azure_client_secret",
            "azure_tenant_id",
        ],
    ),
    ("azure-cli", &["host"]),
    ("databricks-cli", &["host"]),
];

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The profile's own key.
    File,
    /// An environment variable (its name).
    Env(&'static str),
}

/// A profile as databricks-sdk would configure it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Attribute values (held as secrets: a token may be one) and where
    /// each came from.
    pub values: BTreeMap<&'static str, (Secret, Origin)>,
    /// Keys of the profile the SDK does not know (kept for what tokentop
    /// shows, never for resolution).
    pub unknown: Vec<String>,
    /// The auth type: explicit, or the strategy the SDK would pick.
    pub auth_type: Option<String>,
    /// The SDK's refusal, in its words.
    pub error: Option<String>,
    /// The environment holds an OIDC token for `env-oidc`.
    pub oidc_token: bool,
    /// Inside Databricks Runtime (`DATABRICKS_RUNTIME_VERSION`).
    pub runtime: bool,
}

impl Resolved {
    /// A value, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(v, _)| v.expose())
    }

    /// The environment variables that set a value the profile also sets.
    pub fn overridden(&self, profile: &Keys) -> Vec<String> {
        self.values
            .iter()
            .filter_map(|(key, (_, origin))| match origin {
                Origin::Env(var) if profile.iter().any(|(k, _)| k == key) => {
                    Some(format!("{var} overrides `{key}`"))
                }
                _ => None,
            })
            .collect()
    }

    /// Whether any authorization attribute is set.
    fn any_auth(&self) -> bool {
        ATTRIBUTES
            .iter()
            .any(|a| a.auth.is_some() && self.values.contains_key(a.key))
    }
}

/// The environment as databricks-sdk reads it (empty values are unset).
pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Resolved {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    let mut resolved = Resolved {
        runtime: set("DATABRICKS_RUNTIME_VERSION"),
        oidc_token: set("DATABRICKS_OIDC_TOKEN")
            || env("DATABRICKS_OIDC_TOKEN_ENV").is_some_and(|var| set(&var)),
        ..Resolved::default()
    };
    for a in ATTRIBUTES {
        if let Some(var) = a.env
            && let Some(value) = env(var).filter(|v| !v.is_empty())
        {
            resolved
                .values
                .insert(a.key, (Secret::new(value), Origin::Env(var)));
        }
    }
    resolved
}

/// `Config(profile=name)` on this file and environment. `None` for `name`
/// is `Config()`: the profile the SDK picks by itself, if it reads the
/// file at all.
pub fn resolve(
    ini: &Ini,
    path: &std::path::Path,
    env_values: &Resolved,
    name: Option<&str>,
) -> (Option<String>, Resolved) {
    let mut resolved = env_values.clone();
    let requested = name
        .map(str::to_string)
        .or_else(|| resolved.get("profile").map(str::to_string));
    // With a host or credentials already given and no profile named, the
    // SDK does not read the file.
    let skip = requested.is_none() && (resolved.any_auth() || resolved.values.contains_key("host"));
    let chosen = match (skip, requested) {
        (true, _) => None,
        (false, Some(profile)) => Some((profile, false)),
        // A default_profile that is not there is an error; a missing
        // [DEFAULT] is not.
        (false, None) => default_profile(ini).map(|p| {
            let fallback = p == "DEFAULT";
            (p, fallback)
        }),
    };
    if let Some((profile, fallback)) = &chosen {
        if profile == "__settings__" {
            resolved.error = Some(
                "__settings__ is a reserved section name and cannot be used as a profile".into(),
            );
            return (Some(profile.clone()), resolved);
        }
        match ini.section(profile).filter(|_| profile != "__settings__") {
            Some(keys) => {
                // An empty value is no value to the SDK's strategies.
                for (key, value) in keys.iter().filter(|(_, v)| !v.is_empty()) {
                    match ATTRIBUTES.iter().find(|a| a.key == key) {
                        Some(a) if !resolved.values.contains_key(a.key) => {
                            resolved
                                .values
                                .insert(a.key, (Secret::new(value.clone()), Origin::File));
                        }
                        Some(_) => {}
                        None => resolved.unknown.push(key.clone()),
                    }
                }
            }
            None if *fallback => {}
            None => {
                resolved.error = Some(format!(
                    "resolve: {} has no {profile} profile configured",
                    path.display()
                ));
                return (Some(profile.clone()), resolved);
            }
        }
    }
    if let Some((host, origin)) = resolved.values.get("host").cloned() {
        let host = Secret::new(normalise_host(host.expose()));
        resolved.values.insert("host", (host, origin));
    }
    let groups: std::collections::BTreeSet<&str> = ATTRIBUTES
        .iter()
        .filter(|a| resolved.values.contains_key(a.key))
        .filter_map(|a| a.auth)
        .collect();
    let explicit = resolved.get("auth_type").map(str::to_string);
    if groups.len() > 1 && explicit.is_none() {
        let names: Vec<&str> = groups.into_iter().collect();
        resolved.error = Some(format!(
            "validate: more than one authorization method configured: {}",
            names.join(" and ")
        ));
    }
    resolved.auth_type = match &explicit {
        Some(name) => Some(name.clone()),
        None => STRATEGIES
            .iter()
            .find(|(name, needs)| {
                needs.iter().all(|k| resolved.values.contains_key(k)) && usable(name, &resolved)
            })
            .map(|(name, _)| name.to_string()),
    };
    if resolved.error.is_none() {
        let usable_now = resolved
            .auth_type
            .as_deref()
            .is_some_and(|name| can_configure(name, &resolved));
        if !usable_now {
            resolved.error = Some(match (&explicit, resolved.get("azure_client_secret")) {
                (None, Some(_)) => {
                    "default auth: azure-client-secret: no workspace host to sign in to".into()
                }
                _ => NO_CREDENTIALS.to_string(),
            });
        }
    }
    (chosen.map(|(p, _)| p), resolved)
}

/// databricks-sdk's words when no strategy can be configured.
const NO_CREDENTIALS: &str = "default auth: cannot configure default credentials, please check \
    https://docs.databricks.com/en/dev-tools/auth.html#databricks-client-unified-authentication \
    to configure credentials for your preferred authentication method.";

/// Whether a strategy found by its attributes applies here: a token file
/// must exist; the Azure CLI signs in to Azure workspaces only.
fn usable(name: &str, r: &Resolved) -> bool {
    match name {
        "file-oidc" => r
            .get("oidc_token_filepath")
            .is_some_and(|p| Path::new(p).is_file()),
        "azure-cli" => r.get("host").is_some_and(|h| cloud_of(h) == Some("azure")),
        _ => true,
    }
}

/// Whether databricks-sdk could configure the strategy `name` (explicit or
/// found) from what is set, without the network.
fn can_configure(name: &str, r: &Resolved) -> bool {
    let has = |keys: &[&str]| keys.iter().all(|k| r.values.contains_key(k));
    match name {
        "pat" => has(&["host", "token"]),
        "basic" => has(&["host", "username", "password"]),
        "oauth-m2m" => has(&["host", "client_id", "client_secret"]),
        "metadata-service" => has(&["host", "metadata_service_url"]),
        "env-oidc" => has(&["host"]) && r.oidc_token,
        "file-oidc" => has(&["host"]) && usable("file-oidc", r),
        "github-oidc" | "azure-devops-oidc" => has(&["host", "client_id"]),
        "azure-client-secret" => has(&["host", "azure_client_id", "azure_client_secret"]),
        "github-oidc-azure" => has(&["host", "azure_client_id"]),
        "google-credentials" => has(&["host", "google_credentials"]),
        "google-id" => has(&["host", "google_service_account"]),
        "runtime" | "runtime-oauth" | "model-serving" => r.runtime,
        "azure-cli" | "external-browser" | "databricks-cli" => has(&["host"]),
        _ => false,
    }
}

/// The profile `Config()` picks: `[__settings__] default_profile`, else
/// `[DEFAULT]` when it has keys.
pub fn default_profile(ini: &Ini) -> Option<String> {
    let settings = ini.section("__settings__");
    let named = settings
        .and_then(|keys| keys.iter().find(|(k, _)| k == "default_profile"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty());
    named.or_else(|| (!ini.defaults.is_empty()).then(|| "DEFAULT".to_string()))
}

/// The host as the SDK normalises it: `https://` when no scheme, no
/// trailing slash, no `:443`.
pub fn normalise_host(host: &str) -> String {
    let with_scheme = if host.contains("://") {
        host.to_string()
    } else {
        format!("https://{host}")
    };
    match url::Url::parse(&with_scheme) {
        Ok(url) => {
            let port = url
                .port()
                .filter(|p| *p != 443)
                .map(|p| format!(":{p}"))
                .unwrap_or_default();
            let host = url.host_str().unwrap_or("");
            let path = url.path().trim_end_matches('/');
            let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}://{host}{port}{path}{query}", url.scheme())
        }
        Err(_) => match with_scheme.split_once('?') {
            Some((path, query)) => format!("{}?{query}", path.trim_end_matches('/')),
            None => with_scheme.trim_end_matches('/').to_string(),
        },
    }
}

/// The cloud as databricks-sdk reports it: its DNS zone's, else AWS (the
/// SDK's default environment).
pub fn cloud_name(host: &str) -> &'static str {
    match cloud_of(host) {
        Some("azure") => "AZURE",
        Some("gcp") => "GCP",
        _ => "AWS",
    }
}

/// The cloud a host's DNS zone names (databricks-sdk's environments).
pub fn cloud_of(host: &str) -> Option<&'static str> {
    let name = url::Url::parse(host).ok()?.host_str()?.to_string();
    let zones: [(&str, &str); 6] = [
        (".cloud.databricks.com", "aws"),
        (".cloud.databricks.us", "aws"),
        (".azuredatabricks.net", "azure"),
        (".databricks.azure.us", "azure"),
        (".databricks.azure.cn", "azure"),
        (".gcp.databricks.com", "gcp"),
    ];
    zones
        .iter()
        .find(|(zone, _)| name.ends_with(zone))
        .map(|(_, cloud)| *cloud)
}

/// Whether the host is an account console (`https://accounts.…`).
pub fn is_account_host(host: &str) -> bool {
    host.starts_with("https://accounts.") || host.starts_with("https://accounts-dod.")
}

/// Scopes as the SDK parses them: split on commas and spaces, de-duplicated, sorted.
pub fn parse_scopes(text: &str) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> =
        text.split([',', ' ']).filter(|s| !s.is_empty()).collect();
    set.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::super::configparser::parse;
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> Resolved {
        from_env(&|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn profiles_resolve_as_the_sdk_resolves_them() {
        let ini = parse(
            "[__settings__]\ndefault_profile = dev\n[DEFAULT]\nhost = https://d.cloud.databricks.com\n\
             [dev]\nhost = adb-1.7.azuredatabricks.net/\ntoken = dapi1\n\
             [both]\nhost = https://h\ntoken = t\nclient_id = c\nclient_secret = s\n\
             [m2m]\nhost = https://h:443\nclient_id = c\nclient_secret = s\n",
        );
        let none = env(&[]);
        let here = std::path::Path::new("/h/.databrickscfg");
        let (chosen, dev) = resolve(&ini, here, &none, None);
        assert_eq!(
            chosen.as_deref(),
            Some("dev"),
            "default_profile wins over [DEFAULT]"
        );
        assert_eq!(dev.get("host"), Some("https://adb-1.7.azuredatabricks.net"));
        assert_eq!(dev.auth_type.as_deref(), Some("pat"));
        assert_eq!(
            cloud_of("https://adb-1.7.azuredatabricks.net"),
            Some("azure")
        );
        let (_, both) = resolve(&ini, here, &none, Some("both"));
        assert_eq!(
            both.error.as_deref(),
            Some("validate: more than one authorization method configured: oauth and pat")
        );
        let (_, m2m) = resolve(&ini, here, &none, Some("m2m"));
        assert_eq!(
            (m2m.get("host"), m2m.auth_type.as_deref()),
            (Some("https://h"), Some("oauth-m2m"))
        );
        // [DEFAULT] is not merged into a profile.
        let (_, missing) = resolve(&ini, here, &none, Some("nope"));
        assert_eq!(
            missing.error.as_deref(),
            Some("resolve: /h/.databrickscfg has no nope profile configured")
        );

        // The environment wins over the file, and says so.
        let over = env(&[("DATABRICKS_HOST", "https://env.example")]);
        let (_, dev) = resolve(&ini, here, &over, Some("dev"));
        assert_eq!(dev.get("host"), Some("https://env.example"));
        let keys = ini.section("dev").cloned().unwrap_or_default();
        assert_eq!(dev.overridden(&keys), ["DATABRICKS_HOST overrides `host`"]);
        // With a host in the environment and no profile named, the file is not read.
        let (chosen, alone) = resolve(&ini, here, &over, None);
        assert_eq!((chosen, alone.get("token")), (None, None));
        assert_eq!(
            parse_scopes("jobs, sql sql,clusters"),
            ["clusters", "jobs", "sql"]
        );
    }
}
