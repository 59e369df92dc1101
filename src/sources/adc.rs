//! Google's Application Default Credentials chain, resolved exactly as
//! google-auth's `default()` resolves it (wire.md §1.1): the file
//! `GOOGLE_APPLICATION_CREDENTIALS` names, then gcloud's well-known file,
//! then the metadata server (an engine probe: it needs the network). Every
//! file in the chain is shown; the one google-auth would pick is marked
//! active and the others say what shadows them.

use super::ambient::GoogleEnv;
use super::gcloud::GcloudState;
use super::google_cred::{Placement, google_credential};
use super::{Discovery, DiscoveryConfig, google_json};
use crate::model::{
    AdcPlace, Context, Credential, CredentialId, Endpoints, Kind, Material, MetadataMachine,
    Platform, Provenance,
};
use std::path::PathBuf;

/// The file `gcloud auth application-default login` writes.
pub const WELL_KNOWN_FILE: &str = "application_default_credentials.json";

/// How a file entered the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// `GOOGLE_APPLICATION_CREDENTIALS` named it.
    Variable,
    /// gcloud's well-known file.
    WellKnown,
}

/// Adds the chain's files to `found`, marked active or shadowed.
pub fn discover(
    google: &GoogleEnv,
    gcloud: &GcloudState,
    config: &DiscoveryConfig,
    found: &mut Discovery,
) {
    let chain = chain_files(google);
    let winner = winner(&chain);
    // Something at gcloud's path that is not a file: google-auth passes it
    // over; tokentop says what is wrong with it.
    if let Some(known) = google.gcloud_dir.as_ref().map(|d| d.join(WELL_KNOWN_FILE)) {
        let named = google
            .application_credentials
            .as_ref()
            .is_some_and(|p| p.as_os_str() == known.as_os_str());
        if (named || super::something_at(&known))
            && !known.is_file()
            && let Err(e) = google_json::read(&known)
        {
            found.errors.push(config.explain(e));
        }
    }
    for (i, (path, origin)) in chain.iter().enumerate() {
        let file = match google_json::read(path) {
            Ok(file) => file,
            Err(e) => {
                found.errors.push(config.explain(e));
                continue;
            }
        };
        // The gcloud way: gcloud's project when the file names none.
        let via_gcloud = *origin == Origin::WellKnown;
        let own_project = file.project.clone();
        let refresh_token_key = match &file.material {
            Material::GoogleUser { refresh_token, .. } => {
                Some(crate::model::sha256_hex(refresh_token.expose()))
            }
            _ => None,
        };
        let profile = match origin {
            Origin::Variable => "adc:env",
            Origin::WellKnown => "adc:gcloud",
        };
        let mut cred = google_credential(
            file,
            Placement {
                id: CredentialId(format!("{}#adc", path.display())),
                source: path,
                profile,
                platform: Platform::Gcp,
                scopes: Vec::new(),
                audience: None,
            },
        );
        cred.context.project = google.explicit_project.clone().or(own_project).or_else(|| {
            via_gcloud
                .then(|| gcloud.configs.effective.project.clone())
                .flatten()
        });
        if let Some(quota) = &google.quota_project {
            cred.context.quota_project = Some(quota.clone());
        }
        cred.context.adc = Some(AdcPlace {
            active: i == 0,
            shadowed_by: (i > 0).then(|| winner.clone()).flatten(),
        });
        // gcloud caches the ADC file's tokens under its refresh token's hash.
        if let Some(key) = refresh_token_key {
            cred.cached = gcloud.cached(&key);
        }
        found.credentials.push(cred);
    }
}

/// What google-auth picks before the metadata server, described.
fn winner(chain: &[(PathBuf, Origin)]) -> Option<String> {
    chain.first().map(|(path, origin)| match origin {
        Origin::Variable => format!("GOOGLE_APPLICATION_CREDENTIALS={}", path.display()),
        Origin::WellKnown => format!("gcloud's ADC file {}", path.display()),
    })
}

/// The files of the chain, in google-auth's order: the variable's file
/// always (a broken one stops google-auth), gcloud's file only when it is
/// a file (google-auth passes over anything else there), and the variable
/// naming gcloud's file, compared as text as google-auth does, read the
/// gcloud way.
fn chain_files(google: &GoogleEnv) -> Vec<(PathBuf, Origin)> {
    let well_known = google.gcloud_dir.as_ref().map(|d| d.join(WELL_KNOWN_FILE));
    let same_text = |a: &PathBuf, b: &PathBuf| a.as_os_str() == b.as_os_str();
    let mut chain: Vec<(PathBuf, Origin)> = Vec::new();
    match (&google.application_credentials, &well_known) {
        (Some(named), Some(known)) if same_text(named, known) => {
            if known.is_file() {
                chain.push((known.clone(), Origin::WellKnown));
            }
            return chain;
        }
        (Some(named), _) => chain.push((named.clone(), Origin::Variable)),
        (None, _) => {}
    }
    if let Some(known) = well_known.filter(|p| p.is_file()) {
        chain.push((known, Origin::WellKnown));
    }
    chain
}

/// The metadata server's service accounts as credentials: the default one
/// is the chain's last step, active when no file comes before it.
pub fn metadata_credentials(google: &GoogleEnv, machine: &MetadataMachine) -> Vec<Credential> {
    let shadowed_by = winner(&chain_files(google));
    let host = &machine.host;
    machine
        .accounts
        .iter()
        .enumerate()
        .map(|(i, account)| {
            let default = i == 0;
            let name = if default {
                "default"
            } else {
                account.email.as_str()
            };
            let mut details =
                vec!["the metadata server reuses its token until ~5 min before expiry".to_string()];
            if let Some(zone) = &machine.zone {
                details.insert(0, format!("zone {zone}"));
            }
            let profile = if default {
                "metadata".to_string()
            } else {
                format!("metadata:{}", account.email.split('@').next().unwrap_or(""))
            };
            Credential {
                principal: account.email.clone(),
                scopes: account.scopes.clone(),
                context: Context {
                    project: google.explicit_project.clone().or(machine.project.clone()),
                    quota_project: google.quota_project.clone(),
                    adc: default.then(|| AdcPlace {
                        active: shadowed_by.is_none(),
                        shadowed_by: shadowed_by.clone(),
                    }),
                    details,
                    ..Context::default()
                },
                ..metadata_credential(host, name, &account.email, profile)
            }
        })
        .collect()
}

/// A metadata server's service account `name` (`default` or an email) as
/// a credential with the id `metadata://HOST/KEY`, named `profile`.
pub fn metadata_credential(host: &str, name: &str, key: &str, profile: String) -> Credential {
    // Its tokens are Google's: Google's tokeninfo can inspect them, but
    // only a real metadata server's (a test's loopback one is not Google).
    let google_side = crate::model::is_metadata_host(host);
    Credential {
        id: CredentialId(format!("metadata://{host}/{key}")),
        platform: Platform::Gcp,
        kind: Kind::MetadataServer,
        principal: String::new(),
        provenance: Provenance {
            source: format!("metadata server {host}"),
            profile,
            via: None,
            trusted_overrides: Vec::new(),
        },
        scopes: Vec::new(),
        audience: None,
        endpoints: Endpoints {
            token: format!(
                "http://{host}/computeMetadata/v1/instance/service-accounts/{name}/token"
            ),
            tokeninfo: google_side.then(|| "https://oauth2.googleapis.com/tokeninfo".to_string()),
            revoke: None,
            jwks: google_side.then(|| "https://www.googleapis.com/oauth2/v3/certs".to_string()),
            sts: google_side.then(|| "https://sts.googleapis.com/v1/token".to_string()),
            discovery: None,
            probe: None,
        },
        material: Material::GoogleMetadata {
            host: host.to_string(),
            account: name.to_string(),
        },
        context: Context::default(),
        cached: Vec::new(),
    }
}
