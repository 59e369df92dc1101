//! Databricks on GCP with a Google identity (wire.md §3.10): the profile's
//! token is a Google ID token whose `aud` is the workspace host, minted by
//! a service-account key (`google-credentials`: a key file's path, or the
//! key's JSON inline) or by ADC impersonating `google_service_account`
//! (`google-id`). The credential is the Google one, asked for that
//! audience; the Databricks row names it and links to its own row.

use super::SourceError;
use super::google_json;
use crate::model::{Credential, CredentialId, Kind, Material};
use std::path::Path;

/// The Google side of a `google-credentials` profile.
pub struct GoogleKey {
    /// The service account's key, as Google's material.
    pub material: Material,
    /// The service account's email.
    pub principal: String,
    /// The key's `token_uri`, where the ID token is minted.
    pub token_uri: Option<String>,
    /// The key file, when the profile names one (not inline JSON).
    pub file: Option<String>,
}

/// Reads `google_credentials` as databricks-sdk does: a path when a file is
/// there, else the key's JSON itself. It must be a service-account key.
pub fn google_key(value: &str) -> Result<GoogleKey, String> {
    let path = Path::new(value);
    let (file, read) = if path.is_file() {
        (Some(value.to_string()), google_json::read(path))
    } else if value.trim_start().starts_with('{') {
        let inline = Path::new("google_credentials (inline JSON)");
        (None, google_json::parse(value, inline))
    } else {
        // The value may be a key itself (quoted, or encoded): never repeated.
        return Err(
            "google_credentials is neither an existing file nor a key's JSON (beginning with `{`)"
                .into(),
        );
    };
    let key = read.map_err(|e: SourceError| e.to_string())?;
    if key.kind != Kind::ServiceAccount {
        return Err(format!(
            "google_credentials: a {} credential; databricks-sdk needs a service-account key",
            key.kind.google_type().unwrap_or("non-key")
        ));
    }
    Ok(GoogleKey {
        material: key.material,
        principal: key.principal,
        token_uri: key.token_uri,
        file,
    })
}

/// Gives each Databricks profile with a Google identity what it depends
/// on among `all`: the row of the key file it names, or, for `google-id`,
/// the active Application Default Credential, whose impersonation of
/// `google_service_account` then makes its token.
pub fn link(all: &mut [Credential]) {
    let adc = all
        .iter()
        .find(|c| c.context.adc.as_ref().is_some_and(|a| a.active))
        .map(|c| {
            (
                c.id.clone(),
                c.material.clone(),
                c.provenance.profile.clone(),
            )
        });
    // Google credentials by the file they were read from, as the
    // filesystem names it (a profile may spell the path another way).
    let real = |path: &str| std::fs::canonicalize(path).ok();
    let keys: Vec<(std::path::PathBuf, CredentialId, String)> = all
        .iter()
        .filter(|c| c.context.databricks.is_none())
        .filter_map(|c| {
            let file = real(&c.provenance.source)?;
            Some((file, c.id.clone(), c.provenance.profile.clone()))
        })
        .collect();
    for cred in all.iter_mut() {
        let Some(dbx) = &cred.context.databricks else {
            continue;
        };
        match (dbx.auth_type.as_deref(), &cred.material) {
            (Some("google-credentials"), Material::GoogleServiceAccount { .. }) => {
                let file = dbx.google_key_file.as_deref().and_then(real);
                let Some((_, id, profile)) = keys.iter().find(|(f, ..)| Some(f) == file.as_ref())
                else {
                    continue;
                };
                cred.context.depends_on = Some(id.clone());
                cred.context.details.push(format!(
                    "its key is the Google credential {profile}, shown too"
                ));
            }
            (Some("google-id"), Material::DatabricksOther { .. }) => {
                let Some((id, material, profile)) = &adc else {
                    continue;
                };
                let Some(target) = dbx.google_service_account.clone() else {
                    continue;
                };
                let workspace = dbx.host.split('?').next().unwrap_or(&dbx.host).to_string();
                cred.material = Material::GoogleImpersonated {
                    source: Box::new(material.clone()),
                    url: format!("{IAM_CREDENTIALS}/{target}:generateAccessToken"),
                    target: target.clone(),
                    delegates: Vec::new(),
                };
                cred.kind = Kind::DatabricksGoogle;
                cred.principal = target;
                cred.endpoints = super::google_cred::google_endpoints(None);
                cred.scopes = Vec::new();
                cred.audience = Some(workspace);
                cred.context.depends_on = Some(id.clone());
                cred.context.details.push(format!(
                    "its token: ADC ({profile}) impersonates the service account for an ID token"
                ));
            }
            _ => {}
        }
    }
}

/// IAM Credentials, where ADC impersonates a service account.
const IAM_CREDENTIALS: &str = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AdcPlace;
    use crate::sources::databrickscfg::{Logins, parse};
    use crate::sources::{DatabricksEnv, google_cred, google_json};

    const KEY: &str = r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//r","account":"dana@example.test"}"#;

    fn adc() -> Credential {
        let path = Path::new("/h/.config/gcloud/application_default_credentials.json");
        let file = google_json::parse(KEY, path).expect("ADC");
        let mut cred = google_cred::google_credential(
            file,
            google_cred::Placement {
                id: CredentialId("adc".into()),
                source: path,
                profile: "adc:gcloud",
                platform: crate::model::Platform::Gcp,
                scopes: Vec::new(),
                audience: None,
            },
        );
        cred.context.adc = Some(AdcPlace {
            active: true,
            shadowed_by: None,
        });
        cred
    }

    fn google_id_profile() -> Credential {
        let text = "[gcp]\nhost = https://1.1.gcp.databricks.com\nauth_type = google-id\n\
                    google_service_account = runner@p.iam.gserviceaccount.com\n";
        let (mut creds, errors) = parse(
            text,
            Path::new("/h/.databrickscfg"),
            &DatabricksEnv::default(),
            &Logins::default(),
        );
        assert!(errors.is_empty(), "{errors:?}");
        creds.remove(0)
    }

    #[test]
    fn google_id_is_adc_impersonating_the_account_for_the_workspace() {
        let mut all = vec![google_id_profile(), adc()];
        link(&mut all);
        let gcp = &all[0];
        assert_eq!(gcp.kind, Kind::DatabricksGoogle);
        assert_eq!(gcp.principal, "runner@p.iam.gserviceaccount.com");
        assert_eq!(
            gcp.audience.as_deref(),
            Some("https://1.1.gcp.databricks.com")
        );
        assert_eq!(gcp.context.depends_on, Some(CredentialId("adc".into())));
        let Material::GoogleImpersonated {
            source,
            target,
            url,
            ..
        } = &gcp.material
        else {
            panic!("{:?}", gcp.material);
        };
        assert_eq!(target, "runner@p.iam.gserviceaccount.com");
        assert!(url.ends_with("runner@p.iam.gserviceaccount.com:generateAccessToken"));
        assert!(matches!(**source, Material::GoogleUser { .. }));
    }

    #[test]
    fn google_id_without_adc_stays_a_row_that_says_what_makes_its_token() {
        let mut all = vec![google_id_profile()];
        link(&mut all);
        assert_eq!(all[0].kind, Kind::DatabricksOther);
        assert_eq!(all[0].context.depends_on, None);
        assert!(all[0].context.details[0].contains("ADC impersonating runner@p"));
    }

    #[test]
    fn a_google_credentials_value_must_be_a_key_file_or_a_keys_json() {
        let why = google_key("/nowhere/key.json").err().expect("refused");
        assert!(
            why.contains("neither an existing file nor a key's JSON"),
            "{why}"
        );
        let why = google_key(KEY).err().expect("refused");
        assert!(why.contains("needs a service-account key"), "{why}");
        assert!(!why.contains("1//r"));
    }
}
