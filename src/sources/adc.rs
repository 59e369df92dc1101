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
use crate::model::{AdcPlace, CredentialId, Material, Platform};
use sha2::{Digest, Sha256};
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
    let well_known = google.gcloud_dir.as_ref().map(|d| d.join(WELL_KNOWN_FILE));
    let mut chain: Vec<(PathBuf, Origin)> = Vec::new();
    if let Some(path) = &google.application_credentials {
        chain.push((path.clone(), Origin::Variable));
    }
    if let Some(path) = well_known.as_ref().filter(|p| super::something_at(p)) {
        // google-auth compares the variable with the well-known path as
        // text: the very same spelling is one entry, read the gcloud way.
        if google.application_credentials.as_ref() != Some(path) {
            chain.push((path.clone(), Origin::WellKnown));
        }
    }
    let winner = chain.first().map(|(path, origin)| match origin {
        Origin::Variable => format!("GOOGLE_APPLICATION_CREDENTIALS={}", path.display()),
        Origin::WellKnown => format!("gcloud's ADC file {}", path.display()),
    });
    for (i, (path, origin)) in chain.iter().enumerate() {
        let file = match google_json::read(path) {
            Ok(file) => file,
            Err(e) => {
                found.errors.push(config.explain(e));
                continue;
            }
        };
        // The gcloud way: gcloud's project when the file names none.
        let via_gcloud = *origin == Origin::WellKnown || Some(path) == well_known.as_ref();
        let own_project = file.project.clone();
        let refresh_token_key = match &file.material {
            Material::GoogleUser { refresh_token, .. } => Some(hex_sha256(refresh_token.expose())),
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

/// Lower-case hex SHA-256, as gcloud keys an account-less refresh token.
fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
