//! gcloud's own state: one credential per account in `credentials.db` (or
//! `legacy_credentials/<account>/adc.json`), with the tokens gcloud cached
//! and the configurations that use it. Read-only: gcloud's files are
//! never written.

use super::gcloud_config::{self, Configurations, GcloudEnv};
use super::gcloud_db::{self, CachedTokens};
use super::google_cred::{Placement, google_credential};
use super::{Discovery, SourceError, google_json};
use crate::model::{Credential, CredentialId, GcloudUse, Material, Platform, Token, TokenRole};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The files of gcloud's folder that discovery reads (configurations and
/// legacy credentials are folders of their own).
pub const FILES_READ: [&str; 5] = [
    "active_config",
    "config_sentinel",
    "credentials.db",
    "access_tokens.db",
    "application_default_credentials.json",
];

/// What the ADC chain needs from gcloud's folder.
#[derive(Debug, Default)]
pub struct GcloudState {
    /// The configurations and the effective one.
    pub configs: Configurations,
    /// Cached tokens by gcloud's account id.
    pub tokens: BTreeMap<String, CachedTokens>,
    /// `access_tokens.db`.
    pub tokens_file: PathBuf,
}

impl GcloudState {
    /// The tokens gcloud cached under `account_id`, as tokens.
    pub fn cached(&self, account_id: &str) -> Vec<Token> {
        let Some(cached) = self.tokens.get(account_id) else {
            return Vec::new();
        };
        let found_in = Some(self.tokens_file.display().to_string());
        let token = |role, value: &crate::model::Secret| Token {
            role,
            value: value.clone(),
            issued_at: None,
            // An ID token's expiry is its own claim, read when it is shown.
            expires_at: (role == TokenRole::Access)
                .then_some(cached.expiry)
                .flatten(),
            scopes: Vec::new(),
            audience: None,
            parent: None,
            found_in: found_in.clone(),
            principal: None,
            note: None,
        };
        let mut tokens = Vec::new();
        tokens.extend(
            cached
                .access_token
                .iter()
                .map(|v| token(TokenRole::Access, v)),
        );
        tokens.extend(cached.id_token.iter().map(|v| token(TokenRole::Id, v)));
        tokens
    }
}

/// Reads gcloud's folder `dir`: its accounts become credentials in
/// `found`; what the ADC chain needs is returned.
pub fn discover(dir: &Path, env: &GcloudEnv, found: &mut Discovery) -> GcloudState {
    let (configs, errors) = gcloud_config::read(dir, env);
    found.errors.extend(errors);
    let tokens_file = dir.join("access_tokens.db");
    let tokens = if tokens_file.exists() {
        gcloud_db::access_tokens(&tokens_file).unwrap_or_else(|e| {
            found.errors.push(e);
            BTreeMap::new()
        })
    } else {
        BTreeMap::new()
    };
    let state = GcloudState {
        configs,
        tokens,
        tokens_file,
    };
    for (account_id, source, parsed) in accounts(dir, found) {
        let file = match parsed {
            Ok(file) => file,
            Err(e) => {
                found.errors.push(e);
                continue;
            }
        };
        let account = account_id
            .split_once('#')
            .map_or(account_id.as_str(), |(who, _)| who)
            .to_string();
        let using: Vec<&gcloud_config::Configuration> = state
            .configs
            .all
            .iter()
            .filter(|c| c.account.as_deref() == Some(account.as_str()))
            .collect();
        let active = state.configs.effective.account.as_deref() == Some(account.as_str());
        let profile = match (using.first(), using.len()) {
            (None, _) => "gcloud".to_string(),
            (Some(c), 1) => format!("gcloud:{}", c.name),
            (Some(c), n) => format!("gcloud:{}+{}", c.name, n - 1),
        };
        let mut cred = google_credential(
            google_json::GoogleFile {
                principal: account.clone(),
                ..file
            },
            Placement {
                id: CredentialId(format!("{}#{account_id}", source.display())),
                source: &source,
                profile: &profile,
                platform: Platform::Gcp,
                scopes: Vec::new(),
                audience: None,
            },
        );
        let project_from = if active {
            Some(&state.configs.effective)
        } else {
            using.first().copied()
        };
        cred.context.project = project_from.and_then(|c| c.project.clone());
        let mut lines: Vec<String> = using
            .iter()
            .map(|c| {
                let is_active = active && c.name == state.configs.active_name;
                c.describe(is_active)
            })
            .collect();
        lines.append(&mut cred.context.details);
        cred.context.details = lines;
        cred.context.gcloud = Some(GcloudUse {
            account,
            configurations: using.iter().map(|c| c.name.clone()).collect(),
            active,
        });
        cred.cached = state.cached(&account_id);
        found.credentials.push(cred);
    }
    let impersonating = impersonations(&state, &found.credentials, dir);
    found.credentials.extend(impersonating);
    state
}

/// IAM Credentials' `generateAccessToken` for a service account.
const IAM_CREDENTIALS: &str = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts";

/// One credential per configuration whose `[auth] impersonate_service_account`
/// is set: gcloud then calls Google as that service account, with the
/// configuration's account as the source (a comma list is a delegation
/// chain ending at the target).
fn impersonations(state: &GcloudState, accounts: &[Credential], dir: &Path) -> Vec<Credential> {
    let mut found = Vec::new();
    for config in &state.configs.all {
        let effective = config.name == state.configs.active_name;
        let config = if effective {
            &state.configs.effective
        } else {
            config
        };
        let (Some(chain), Some(account)) = (&config.impersonate, &config.account) else {
            continue;
        };
        let Some(source) = accounts.iter().find(|c| {
            c.context
                .gcloud
                .as_ref()
                .is_some_and(|g| g.account == *account)
        }) else {
            continue;
        };
        let mut hops: Vec<String> = chain.split(',').map(|h| h.trim().to_string()).collect();
        let Some(target) = hops.pop().filter(|t| !t.is_empty()) else {
            continue;
        };
        let file = dir
            .join("configurations")
            .join(format!("config_{}", config.name));
        let mut cred = source.clone();
        cred.id = CredentialId(format!("{}#impersonate", file.display()));
        cred.kind = crate::model::Kind::Impersonated;
        cred.principal = target.clone();
        cred.provenance.source = file.display().to_string();
        cred.provenance.profile = format!("gcloud:{}:imp", config.name);
        cred.material = Material::GoogleImpersonated {
            source: Box::new(source.material.clone()),
            target: target.clone(),
            url: format!("{IAM_CREDENTIALS}/{target}:generateAccessToken"),
            delegates: hops.clone(),
        };
        cred.cached = Vec::new();
        cred.context.project = config.project.clone();
        cred.context.details = vec![format!(
            "impersonates {target} as gcloud does for configuration {}{}, source credential: {account}{}",
            config.name,
            if effective { " (active)" } else { "" },
            match hops.as_slice() {
                [] => String::new(),
                delegates => format!(", delegates {}", delegates.join(" → ")),
            }
        )];
        // Not one of gcloud's accounts: the account is its source.
        cred.context.gcloud = None;
        found.push(cred);
    }
    found
}

type Account = (
    String,
    PathBuf,
    Result<google_json::GoogleFile, SourceError>,
);

/// Every account gcloud holds a credential for: `credentials.db` first,
/// then any `legacy_credentials/<account>/adc.json` it does not hold (so an
/// unreadable database still leaves the legacy copies visible).
fn accounts(dir: &Path, found: &mut Discovery) -> Vec<Account> {
    let db = dir.join("credentials.db");
    let mut listed = Vec::new();
    if db.exists() {
        match gcloud_db::credentials(&db) {
            Ok(rows) => {
                for (account, value) in rows {
                    let kind = serde_json::from_str::<serde_json::Value>(&value)
                        .ok()
                        .and_then(|v| v.get("type")?.as_str().map(str::to_string));
                    if let Some(kind @ ("service_account_p12" | "gce")) = kind.as_deref() {
                        found.errors.push(SourceError {
                            unsupported: true,
                            ..SourceError::new(
                                &db,
                                format!("account {account}: gcloud's `{kind}` credentials are not shown yet"),
                            )
                        });
                        continue;
                    }
                    let parsed = google_json::parse(&value, &db).map_err(|e| SourceError {
                        message: format!("account {account}: {}", e.message),
                        ..e
                    });
                    listed.push((account, db.clone(), parsed));
                }
            }
            Err(e) => found.errors.push(e),
        }
    }
    let Ok(entries) = std::fs::read_dir(dir.join("legacy_credentials")) else {
        return listed;
    };
    let mut legacy: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    legacy.sort();
    for folder in legacy {
        let Some(account) = folder
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let file = folder.join("adc.json");
        if listed.iter().any(|(a, _, _)| *a == account) || !file.exists() {
            continue;
        }
        let parsed = google_json::read(&file);
        listed.push((account, file, parsed));
    }
    listed
}
