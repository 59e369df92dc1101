//! `~/.databrickscfg` (wire.md §3.1–3.3, §3.7): every profile as
//! databricks-sdk resolves it, whatever its auth style, and the
//! environment's own configuration as a source of its own. A profile the
//! SDK would refuse is an error naming the file and the profile; it never
//! hides the others.

use super::SourceError;
use super::configparser::{self, Ini};
use super::databricks_cache::{self, CachedLogin};
use super::databricks_config::{self as config, Resolved};
use super::databricks_google;
use super::databricks_sdk_cache;
use crate::model::{
    Context, Credential, CredentialId, DatabricksUse, Endpoints, Kind, Material, Platform,
    Provenance, Token, TokenRole,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The profile name the environment's own configuration is shown under.
pub const ENV_PROFILE: &str = "env";

/// Every profile of the file at `path`, resolved with `env`, its logins
/// found in `logins`.
pub fn read(
    path: &Path,
    env: &super::DatabricksEnv,
    logins: &Logins,
) -> (Vec<Credential>, Vec<SourceError>) {
    match super::read_source(path) {
        Ok(text) => parse(&text, path, env, logins),
        Err(e) => (Vec::new(), vec![e]),
    }
}

/// Every profile of `text`, read from `path`.
pub fn parse(
    text: &str,
    path: &Path,
    env: &super::DatabricksEnv,
    logins: &Logins,
) -> (Vec<Credential>, Vec<SourceError>) {
    let ini = configparser::parse(text);
    let mut errors = Vec::new();
    if let Some(why) = &ini.refusal {
        // databricks-sdk reads nothing from such a file; what could be
        // read is still shown, so nothing hides.
        errors.push(SourceError::new(
            path,
            format!("databricks-sdk refuses this file: {why}"),
        ));
    }
    let vars = config::from_env(&|name| env.get(name));
    let (default, chosen) = config::resolve(&ini, path, &vars, None);
    // Config() without a profile fails before any profile is read: the
    // profile it names is not there, or is the settings section.
    if let Some(error) = chosen
        .error
        .as_deref()
        .filter(|e| e.starts_with("resolve:") || e.contains("reserved section name"))
    {
        errors.push(SourceError::new(
            path,
            format!("databricks-sdk's Config() without a profile: {error}"),
        ));
    }
    let mut credentials = Vec::new();
    let names = ini
        .sections
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| *name != "__settings__")
        .chain((!ini.defaults.is_empty()).then_some("DEFAULT"));
    for name in names {
        if ini.refused_in.as_deref() == Some(name) {
            errors.push(SourceError {
                profile: Some(name.to_string()),
                ..SourceError::new(
                    path,
                    format!(
                        "profile [{name}]: cannot be used: {}",
                        ini.refusal.as_deref().unwrap_or_default()
                    ),
                )
            });
            continue;
        }
        let (_, resolved) = config::resolve(&ini, path, &vars, Some(name));
        let active = default.as_deref() == Some(name);
        let place = Place {
            id: CredentialId(format!("{}#{name}", path.display())),
            source: path.display().to_string(),
            profile: name.to_string(),
        };
        match credential(&place, &resolved, &ini, logins, active) {
            Ok(cred) => credentials.push(cred),
            Err(why) => errors.push(SourceError {
                profile: Some(name.to_string()),
                ..SourceError::new(path, format!("profile [{name}]: {why}"))
            }),
        }
    }
    (credentials, errors)
}

/// The environment's own configuration (`DATABRICKS_HOST` with its
/// credentials), when it has a host: what `Config()` uses without reading
/// any file when no profile is named.
pub fn from_environment(
    env: &super::DatabricksEnv,
    logins: &Logins,
) -> (Option<Credential>, Option<SourceError>) {
    let vars = config::from_env(&|name| env.get(name));
    if vars.get("host").is_none() {
        return (None, None);
    }
    let ini = Ini::default();
    let (chosen, resolved) = config::resolve(&ini, Path::new("environment"), &vars, None);
    let named: Vec<&str> = resolved
        .values
        .values()
        .filter_map(|(_, origin)| match origin {
            config::Origin::Env(var) => Some(*var),
            config::Origin::File => None,
        })
        .collect();
    let place = Place {
        id: CredentialId("env:DATABRICKS".into()),
        source: format!("environment ({})", named.join(", ")),
        profile: ENV_PROFILE.into(),
    };
    match credential(&place, &resolved, &ini, logins, chosen.is_none()) {
        Ok(cred) => (Some(cred), None),
        Err(why) => (
            None,
            Some(SourceError::new(
                Path::new("environment"),
                format!("DATABRICKS_* variables: {why}"),
            )),
        ),
    }
}

/// Where logins are cached: the CLI's file, read once per discovery, and
/// the home databricks-sdk's own cache is under.
#[derive(Debug, Default)]
pub struct Logins {
    cli: BTreeMap<String, CachedLogin>,
    home: Option<std::path::PathBuf>,
}

impl Logins {
    /// A profile's cached login: the CLI's (under its profile, host or
    /// account key), else databricks-sdk's; with where it was found.
    fn find(
        &self,
        profile: &str,
        host: &str,
        account: Option<&str>,
        scopes: &[String],
    ) -> Option<(String, String, CachedLogin)> {
        let cli = databricks_cache::keys(profile, host, account)
            .into_iter()
            .find_map(|key| self.cli.get(&key).map(|l| (key, l.clone())))
            .map(|(key, login)| {
                (
                    format!("login cached by the Databricks CLI under `{key}`"),
                    "~/.databricks/token-cache.json".to_string(),
                    login,
                )
            });
        cli.or_else(|| {
            let home = self.home.as_deref()?;
            let login = databricks_sdk_cache::read(home, host, profile, scopes)?;
            let file = databricks_sdk_cache::path(home, host, profile, scopes);
            Some((
                "login cached by databricks-sdk".to_string(),
                file.display().to_string(),
                login,
            ))
        })
    }
}

impl Logins {
    /// The logins cached under `env`'s home (none when there is no home
    /// or no cache), and why the CLI's cache could not be read.
    pub fn read(env: &super::DatabricksEnv) -> (Self, Option<SourceError>) {
        let (cli, error) = match env.home.as_deref().map(databricks_cache::read) {
            Some(Ok(cli)) => (cli, None),
            Some(Err(e)) => (BTreeMap::new(), Some(e)),
            None => (BTreeMap::new(), None),
        };
        let logins = Logins {
            cli,
            home: env.home.clone(),
        };
        (logins, error)
    }
}

/// Where a credential is shown from.
struct Place {
    id: CredentialId,
    source: String,
    profile: String,
}

/// The row for one resolved profile, or why databricks-sdk would refuse it.
fn credential(
    place: &Place,
    r: &Resolved,
    ini: &Ini,
    logins: &Logins,
    active: bool,
) -> Result<Credential, String> {
    if let Some(error) = &r.error {
        return Err(error.clone());
    }
    let host = r
        .get("host")
        .ok_or("default auth: cannot configure default credentials: no `host`")?
        .to_string();
    let account_id = r.get("account_id").map(str::to_string);
    let account = account_id
        .as_deref()
        .filter(|_| config::is_account_host(&host));
    let auth_type = r.auth_type.clone();
    let mut details = ini
        .section(&place.profile)
        .map(|keys| r.overridden(keys))
        .unwrap_or_default();
    let mut cached = Vec::new();
    let mut google: Option<databricks_google::GoogleKey> = None;
    let (kind, material, principal) = match auth_type.as_deref() {
        Some("pat") => (
            Kind::DatabricksPat,
            Material::DatabricksPat {
                token: crate::model::Secret::new(r.get("token").unwrap_or_default()),
            },
            String::new(),
        ),
        Some("oauth-m2m") => {
            let client_id = r.get("client_id").unwrap_or_default().to_string();
            let material = Material::DatabricksM2m {
                client_id: client_id.clone(),
                client_secret: crate::model::Secret::new(
                    r.get("client_secret").unwrap_or_default(),
                ),
            };
            (Kind::DatabricksM2m, material, client_id)
        }
        Some("databricks-cli" | "external-browser") => {
            let scopes: Vec<String> = r
                .get("scopes")
                .map(config::parse_scopes)
                .unwrap_or_default();
            let login = logins.find(&place.profile, &host, account, &scopes);
            let refresh_token = match &login {
                Some((said, file, l)) => {
                    details.push(said.clone());
                    cached.push(Token {
                        expires_at: l.expiry,
                        issued_at: None,
                        found_in: Some(file.clone()),
                        ..Token::obtained(
                            TokenRole::Access,
                            l.access_token.clone(),
                            chrono::DateTime::default(),
                        )
                    });
                    l.refresh_token.clone()
                }
                None => {
                    details.push(format!(
                        "no login in ~/.databricks/token-cache.json: the CLI keeps it in the OS keyring \
                         (auth_storage = secure); `databricks auth token --profile {}` shows it",
                        place.profile
                    ));
                    None
                }
            };
            let material = Material::DatabricksU2m {
                client_id: r.get("client_id").unwrap_or("databricks-cli").to_string(),
                refresh_token,
            };
            (Kind::DatabricksU2m, material, String::new())
        }
        Some("google-credentials") => {
            let key =
                databricks_google::google_key(r.get("google_credentials").unwrap_or_default())?;
            details.push(format!(
                "its token: a Google ID token for {host}, minted by the service account {} ({})",
                key.principal,
                key.file.as_deref().unwrap_or("a key given inline")
            ));
            let (material, principal) = (key.material.clone(), key.principal.clone());
            google = Some(key);
            (Kind::DatabricksGoogle, material, principal)
        }
        other => {
            let auth_type = other.unwrap_or("none").to_string();
            details.push(owner(&auth_type, r));
            let principal = r.get("username").unwrap_or_default().to_string();
            (
                Kind::DatabricksOther,
                Material::DatabricksOther { auth_type },
                principal,
            )
        }
    };
    let scopes = r
        .get("scopes")
        .map(config::parse_scopes)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| vec!["all-apis".to_string()]);
    // A host copied from the browser may keep its `?o=…`: the SDK keeps
    // it as the host, and tokentop's requests go to the host without it.
    let base = host.split('?').next().unwrap_or(&host);
    let token = match account {
        Some(account) => format!("{base}/oidc/accounts/{account}/v1/token"),
        None => format!("{base}/oidc/v1/token"),
    };
    let workspace = base.to_string();
    let cache_keys = databricks_cache::keys(&place.profile, &host, account);
    let discovery_url = r.get("discovery_url").map(str::to_string);
    let mut cred = Credential {
        id: place.id.clone(),
        platform: Platform::Databricks,
        kind,
        principal,
        provenance: Provenance {
            source: place.source.clone(),
            profile: place.profile.clone(),
            via: None,
            trusted_overrides: Vec::new(),
        },
        scopes,
        audience: None,
        endpoints: Endpoints {
            token,
            tokeninfo: None,
            // Databricks documents no OAuth revocation endpoint (wire.md §4.2).
            revoke: None,
            // Found through the issuer's discovery document when decoding.
            jwks: None,
            sts: None,
            // databricks-sdk asks a workspace host where its OIDC lives;
            // account endpoints are built directly, as the Go SDK does.
            // A profile's own `discovery_url` is read instead (the SDK's way).
            discovery: (account.is_none() && discovery_url.is_none())
                .then(|| format!("{base}/.well-known/databricks-config")),
            probe: None,
        },
        material,
        context: Context {
            databricks: Some(DatabricksUse {
                section: place.profile.clone(),
                cloud: Some(config::cloud_name(&host).to_string()),
                scopes: r
                    .get("scopes")
                    .map(config::parse_scopes)
                    .filter(|s| !s.is_empty()),
                host,
                auth_type,
                account_id,
                discovery_url,
                workspace_id: r.get("workspace_id").map(str::to_string),
                active,
                google_service_account: r.get("google_service_account").map(str::to_string),
                google_key_file: google.as_ref().and_then(|k| k.file.clone()),
                cache_keys,
            }),
            details,
            ..Context::default()
        },
        cached,
    };
    // A Google identity's token is Google's: an ID token for the workspace.
    if let Some(key) = google {
        cred.endpoints = super::google_cred::google_endpoints(key.token_uri);
        cred.audience = Some(workspace);
        cred.scopes = Vec::new();
    }
    Ok(cred)
}

/// What makes the tokens of a profile tokentop does not operate.
fn owner(auth_type: &str, r: &Resolved) -> String {
    let tool = match auth_type {
        "azure-cli" => {
            "the Azure CLI (`az login`) signs in; databricks-sdk asks it for each token".to_string()
        }
        "azure-client-secret" | "azure-msi" => {
            "an Azure service principal (Entra ID) makes its tokens".to_string()
        }
        "github-oidc" | "github-oidc-azure" | "azure-devops-oidc" | "env-oidc" | "file-oidc" => {
            "a CI system's OIDC token is exchanged for it (inside that system's job)".to_string()
        }
        "metadata-service" => format!(
            "a local metadata service makes its tokens ({})",
            r.get("metadata_service_url")
                .unwrap_or("DATABRICKS_METADATA_SERVICE_URL")
        ),
        "runtime" | "runtime-oauth" | "model-serving" => {
            "Databricks Runtime gives its tokens inside a cluster or serving endpoint".to_string()
        }
        "google-credentials" | "google-id" => {
            // Which Google credential: a key file's path, or the account
            // ADC impersonates (inline key JSON is a secret: not shown).
            let which = match (r.get("google_service_account"), r.get("google_credentials")) {
                (Some(account), _) => format!("ADC impersonating {account}"),
                // Only a file there is named: the value may be a key itself.
                (None, Some(path)) if Path::new(path).is_file() => {
                    format!("the key file {path}")
                }
                (None, Some(_)) => "an inline key (GOOGLE_CREDENTIALS)".to_string(),
                (None, None) => "Application Default Credentials".to_string(),
            };
            format!("{which} makes its tokens: a Google ID token whose aud is the workspace host")
        }
        "basic" => "a username and password (basic authentication)".to_string(),
        "none" => "no credentials: databricks-sdk would try the Databricks CLI's login".to_string(),
        other => format!("auth_type `{other}`"),
    };
    format!("{auth_type}: {tool}; tokentop shows it and does not operate it")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Secret;

    fn env(vars: &[(&str, &str)]) -> super::super::DatabricksEnv {
        super::super::DatabricksEnv {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), Secret::new(*v)))
                .collect(),
            home: None,
        }
    }

    #[test]
    fn every_auth_style_is_a_row_and_a_refused_profile_an_error_naming_it() {
        let text = "[DEFAULT]\nhost = https://a.cloud.databricks.com\ntoken = dapi-secret\n\n\
                    [sp]\nhost = https://b.gcp.databricks.com\nclient_id = app\nclient_secret = sp-secret\n\n\
                    [dev]\nhost = https://c.azuredatabricks.net\nauth_type = databricks-cli\n\n\
                    [gcp-id]\nhost = https://d.gcp.databricks.com\nauth_type = google-id\ngoogle_service_account = sa@p.iam.gserviceaccount.com\n\n\
                    [both]\nhost = https://e.cloud.databricks.com\ntoken = t\nclient_id = c\nclient_secret = s\n";
        let path = Path::new("/h/.databrickscfg");
        let (creds, errors) = parse(text, path, &env(&[]), &Logins::default());
        let kinds: Vec<(&str, Kind)> = creds
            .iter()
            .map(|c| (c.provenance.profile.as_str(), c.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("sp", Kind::DatabricksM2m),
                ("dev", Kind::DatabricksU2m),
                ("gcp-id", Kind::DatabricksOther),
                ("DEFAULT", Kind::DatabricksPat),
            ]
        );
        let default = creds.last().and_then(|c| c.context.databricks.as_ref());
        assert!(default.is_some_and(|d| d.active), "Config() uses [DEFAULT]");
        assert!(creds[2].context.details[0].contains("ADC impersonating sa@p"));
        assert!(creds[1].context.details[0].contains("OS keyring"));
        assert!(!format!("{creds:?}").contains("dapi-secret"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].profile.as_deref(), Some("both"));
        assert!(errors[0].to_string().contains("/h/.databrickscfg"));

        // The environment's host and token make a row of their own, which
        // Config() uses, and override the file's.
        let vars = env(&[
            ("DATABRICKS_HOST", "x.cloud.databricks.com"),
            ("DATABRICKS_TOKEN", "dapi-env"),
        ]);
        let (own, _) = from_environment(&vars, &Logins::default());
        let own = own.expect("an env row");
        assert_eq!(own.provenance.profile, ENV_PROFILE);
        assert!(own.context.databricks.as_ref().is_some_and(|d| d.active));
        assert!(own.provenance.source.contains("DATABRICKS_TOKEN"));
        let (creds, _) = parse(text, path, &vars, &Logins::default());
        let sp = creds
            .iter()
            .find(|c| c.provenance.profile == "dev")
            .expect("dev");
        assert!(
            sp.context
                .details
                .iter()
                .any(|d| d == "DATABRICKS_HOST overrides `host`"),
            "{:?}",
            sp.context.details
        );
    }
}
