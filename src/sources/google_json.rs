//! Google credential JSON files: `authorized_user` and `service_account` (wire.md §1.2).

use super::SourceError;
use crate::model::{Material, Secret};
use serde::Deserialize;
use std::path::Path;

/// The default Google token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// Google's token endpoint and the older aliases still found in files (wire.md §2.1).
pub const GOOGLE_TOKEN_URLS: [&str; 3] = [
    GOOGLE_TOKEN_URL,
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
];

/// A parsed Google credential file.
#[derive(Debug, Clone)]
pub struct GoogleFile {
    /// Secret material for the grant.
    pub material: Material,
    /// Principal: the account email (users) or `client_email` (service accounts).
    pub principal: String,
    /// The file's `token_uri`, if it names one (honoured, as google-cloud-rust does).
    pub token_uri: Option<String>,
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
    account: Option<String>,
    client_email: Option<String>,
    private_key_id: Option<String>,
    private_key: Option<String>,
    token_uri: Option<String>,
}

/// Reads and parses a Google credential file. Errors name the file and the field.
pub fn read(path: &Path) -> Result<GoogleFile, SourceError> {
    let text = super::read_source(path)?;
    parse(&text, path)
}

/// Parses the text of a Google credential file read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<GoogleFile, SourceError> {
    let raw: RawFile = serde_json::from_str(text)
        .map_err(|e| SourceError::new(path, format!("not valid JSON: {e}")))?;
    let field = |value: Option<String>, name: &str| {
        value
            .filter(|v| !v.is_empty())
            .ok_or_else(|| SourceError::new(path, format!("missing field `{name}`")))
    };
    match raw.kind.as_deref() {
        Some("authorized_user") => Ok(GoogleFile {
            principal: raw
                .account
                .clone()
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| "user".into()),
            material: Material::GoogleUser {
                client_id: field(raw.client_id, "client_id")?,
                client_secret: Secret::new(field(raw.client_secret, "client_secret")?),
                refresh_token: Secret::new(field(raw.refresh_token, "refresh_token")?),
            },
            token_uri: raw.token_uri,
        }),
        Some("service_account") => {
            let client_email = field(raw.client_email, "client_email")?;
            Ok(GoogleFile {
                principal: client_email.clone(),
                material: Material::GoogleServiceAccount {
                    client_email,
                    private_key_id: field(raw.private_key_id, "private_key_id")?,
                    private_key: Secret::new(field(raw.private_key, "private_key")?),
                },
                token_uri: raw.token_uri,
            })
        }
        Some(other) => Err(SourceError::new(
            path,
            format!("field `type`: credential type `{other}` is not supported yet"),
        )),
        None => Err(SourceError::new(path, "missing field `type`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_authorized_user_file() {
        let text = r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//r","account":"a@example.test"}"#;
        let file = parse(text, Path::new("adc.json")).expect("parses");
        assert_eq!(file.principal, "a@example.test");
        assert!(
            matches!(file.material, Material::GoogleUser { ref client_id, .. } if client_id == "c")
        );
    }

    #[test]
    fn names_the_file_and_the_missing_field() {
        let text = r#"{"type":"authorized_user","client_id":"c","client_secret":"s"}"#;
        let err = parse(text, Path::new("/x/adc.json")).expect_err("refresh_token is missing");
        let message = err.to_string();
        assert!(message.contains("/x/adc.json"), "{message}");
        assert!(message.contains("refresh_token"), "{message}");
    }

    #[test]
    fn rejects_bad_json_without_echoing_secrets() {
        let err = parse(
            r#"{"type":"service_account","private_key":"SECRET"#,
            Path::new("k.json"),
        )
        .expect_err("truncated");
        assert!(err.to_string().contains("not valid JSON"));
        assert!(!err.to_string().contains("SECRET"));
    }
}
