//! Google credential JSON files, all five types google-auth loads for ADC
//! (wire.md §1.2), with the same required fields.

use super::SourceError;
use super::google_external;
use crate::model::{Kind, Material, Secret};
use serde_json::{Map, Value};
use std::path::Path;

/// The default Google token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// Google's token endpoints: the OAuth one and the older aliases still
/// found in files (wire.md §2.1), and STS's (§2.8). A credential whose
/// tokens come from one of these may be inspected and revoked at Google.
pub const GOOGLE_TOKEN_URLS: [&str; 5] = [
    GOOGLE_TOKEN_URL,
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
    "https://sts.googleapis.com/v1/token",
    "https://sts.googleapis.com/v1/oauth/token",
];

/// A parsed Google credential file.
#[derive(Debug, Clone)]
pub struct GoogleFile {
    /// The credential type.
    pub kind: Kind,
    /// Secret material for the grant.
    pub material: Material,
    /// Principal: the account email, `client_email`, the impersonated
    /// service account; empty when only a token will tell (a user file
    /// without `account`, a federated identity).
    pub principal: String,
    /// The file's `token_uri`, if it names one (honoured, as google-cloud-rust does).
    pub token_uri: Option<String>,
    /// The project the file itself names (`project_id` of a key).
    pub project: Option<String>,
    /// `quota_project_id`.
    pub quota_project: Option<String>,
    /// Facts for the detail lines.
    pub details: Vec<String>,
}

/// Reads and parses a Google credential file. Errors name the file and the field.
pub fn read(path: &Path) -> Result<GoogleFile, SourceError> {
    let text = super::read_source(path)?;
    parse(&text, path)
}

/// The fields of a JSON object, read the way google-auth reads them: an
/// empty string counts as missing.
pub(super) struct Fields<'a> {
    pub(super) object: &'a Map<String, Value>,
    pub(super) path: &'a Path,
}

impl Fields<'_> {
    /// A string field, if present and not empty.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        self.object
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    }

    /// A string field that must be there. As google-auth checks, being
    /// there is enough: an empty value is the server's to refuse.
    pub(super) fn required(&self, name: &str) -> Result<String, SourceError> {
        match self.object.get(name) {
            Some(Value::String(v)) => Ok(v.clone()),
            Some(_) => Err(SourceError::new(
                self.path,
                format!("field `{name}` is not a string"),
            )),
            None => Err(SourceError::new(
                self.path,
                format!("missing field `{name}`"),
            )),
        }
    }

    /// A secret field that must be there.
    pub(super) fn secret(&self, name: &str) -> Result<Secret, SourceError> {
        self.required(name).map(Secret::new)
    }
}

/// Parses the text of a Google credential file read from `path`.
pub fn parse(text: &str, path: &Path) -> Result<GoogleFile, SourceError> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        SourceError::new(
            path,
            format!("not valid JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    let Value::Object(object) = &value else {
        return Err(SourceError::new(path, "not a JSON object"));
    };
    let fields = Fields { object, path };
    let kind = fields
        .text("type")
        .ok_or_else(|| SourceError::new(path, "missing field `type`"))?;
    let mut file = match kind.as_str() {
        "authorized_user" | "service_account" => plain(&fields, &kind)?,
        "impersonated_service_account" => impersonated(&fields)?,
        "external_account" => google_external::external_account(&fields)?,
        "external_account_authorized_user" => google_external::external_user(&fields)?,
        other => {
            return Err(SourceError::new(
                path,
                format!("field `type`: credential type `{other}` is not one tokentop reads"),
            ));
        }
    };
    file.quota_project = fields.text("quota_project_id");
    Ok(file)
}

/// `authorized_user` or `service_account`, alone or as an impersonation's source.
fn plain(fields: &Fields, kind: &str) -> Result<GoogleFile, SourceError> {
    let file = |kind, material, principal| GoogleFile {
        kind,
        material,
        principal,
        token_uri: fields.text("token_uri"),
        // google-auth takes a project from a key file only.
        project: (kind == Kind::ServiceAccount)
            .then(|| fields.text("project_id"))
            .flatten(),
        quota_project: None,
        details: Vec::new(),
    };
    if kind == "authorized_user" {
        let material = Material::GoogleUser {
            client_id: fields.required("client_id")?,
            client_secret: fields.secret("client_secret")?,
            refresh_token: fields.secret("refresh_token")?,
        };
        return Ok(file(
            Kind::User,
            material,
            fields.text("account").unwrap_or_default(),
        ));
    }
    let client_email = fields.required("client_email")?;
    // google-auth requires `token_uri` of a key file, and so does tokentop.
    fields.required("token_uri")?;
    let private_key = fields.secret("private_key")?;
    check_private_key(&private_key, fields.path)?;
    let universe_domain = fields
        .text("universe_domain")
        .filter(|u| u != "googleapis.com");
    let mut key = file(
        Kind::ServiceAccount,
        Material::GoogleServiceAccount {
            client_email: client_email.clone(),
            private_key_id: fields.text("private_key_id").unwrap_or_default(),
            private_key,
            universe_domain: universe_domain.clone(),
        },
        client_email,
    );
    if let Some(universe) = universe_domain {
        key.details.push(format!(
            "universe {universe}: its tokens are JWTs it signs itself (no token endpoint), as google-auth makes them"
        ));
    }
    Ok(key)
}

/// A key file's `private_key` must be a PEM key google-auth can sign with
/// (RSA, or EC for ES256 keys). The error never quotes it.
fn check_private_key(key: &Secret, path: &Path) -> Result<(), SourceError> {
    let pem = key.expose().as_bytes();
    let rsa = jsonwebtoken::EncodingKey::from_rsa_pem(pem).is_ok();
    if rsa || jsonwebtoken::EncodingKey::from_ec_pem(pem).is_ok() {
        return Ok(());
    }
    Err(SourceError::new(
        path,
        "field `private_key`: not a PEM private key (RSA or EC)",
    ))
}

/// `impersonated_service_account`: its target principal, with its source.
fn impersonated(fields: &Fields) -> Result<GoogleFile, SourceError> {
    let url = fields.required("service_account_impersonation_url")?;
    let target = target_of(&url).ok_or_else(|| {
        SourceError::new(
            fields.path,
            "field `service_account_impersonation_url`: no service account before `:generateAccessToken`",
        )
    })?;
    let Some(Value::Object(source)) = fields.object.get("source_credentials") else {
        return Err(SourceError::new(
            fields.path,
            "missing field `source_credentials`",
        ));
    };
    let inner = Fields {
        object: source,
        path: fields.path,
    };
    let in_source = |e: SourceError| SourceError {
        message: format!("in `source_credentials`: {}", e.message),
        ..e
    };
    let source_type = inner.required("type").map_err(in_source)?;
    let source_file = match source_type.as_str() {
        "authorized_user" | "service_account" => plain(&inner, &source_type),
        "external_account_authorized_user" => google_external::external_user(&inner),
        other => Err(SourceError::new(
            fields.path,
            format!("field `type`: `{other}` cannot be an impersonation's source"),
        )),
    }
    .map_err(in_source)?;
    let delegates: Vec<String> = fields
        .object
        .get("delegates")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let source_who = match source_file.principal.as_str() {
        "" => source_type.clone(),
        who => format!("{source_type} {who}"),
    };
    let mut details = vec![format!(
        "impersonates {target}, source credential: {source_who}"
    )];
    if !delegates.is_empty() {
        details.push(format!("delegates: {}", delegates.join(" → ")));
    }
    Ok(GoogleFile {
        kind: Kind::Impersonated,
        material: Material::GoogleImpersonated {
            source: Box::new(source_file.material),
            target: target.clone(),
            delegates,
            url,
        },
        principal: target,
        token_uri: source_file.token_uri,
        project: None,
        quota_project: None,
        details,
    })
}

/// The service account of a `…/serviceAccounts/EMAIL:generateAccessToken` URL.
pub(super) fn target_of(url: &str) -> Option<String> {
    let (before, _) = url.rsplit_once(":generateAccessToken")?;
    let (_, email) = before.rsplit_once('/')?;
    (!email.is_empty()).then(|| email.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_authorized_user_file() {
        let text = r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//r","account":"a@example.test","quota_project_id":"bill"}"#;
        let file = parse(text, Path::new("adc.json")).expect("parses");
        assert_eq!(file.principal, "a@example.test");
        assert_eq!(file.quota_project.as_deref(), Some("bill"));
        assert!(
            matches!(file.material, Material::GoogleUser { ref client_id, .. } if client_id == "c")
        );
        let text = r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//r"}"#;
        let file = parse(text, Path::new("adc.json")).expect("parses");
        assert_eq!(
            file.principal, "",
            "no account: a token will tell, not the word `user`"
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

    #[test]
    fn an_impersonated_file_is_its_target_with_its_source() {
        let text = r#"{"type":"impersonated_service_account",
            "service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/deploy@p.iam.gserviceaccount.com:generateAccessToken",
            "delegates":["a@p.iam.gserviceaccount.com"],
            "source_credentials":{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"r"}}"#;
        let file = parse(text, Path::new("imp.json")).expect("parses");
        assert_eq!(file.kind, Kind::Impersonated);
        assert_eq!(file.principal, "deploy@p.iam.gserviceaccount.com");
        assert!(file.details[0].contains("source credential: authorized_user"));
        assert!(file.details[1].contains("a@p.iam"));
        let no_source = r#"{"type":"impersonated_service_account","service_account_impersonation_url":"https://x/v1/projects/-/serviceAccounts/t@p:generateAccessToken"}"#;
        let err = parse(no_source, Path::new("imp.json")).expect_err("no source");
        assert!(err.message.contains("source_credentials"), "{err}");
        let bad_source = r#"{"type":"impersonated_service_account","service_account_impersonation_url":"https://x/v1/projects/-/serviceAccounts/t@p:generateAccessToken","source_credentials":{"type":"authorized_user","client_id":"c"}}"#;
        let err = parse(bad_source, Path::new("imp.json")).expect_err("bad source");
        assert!(
            err.message
                .contains("in `source_credentials`: missing field `client_secret`"),
            "{err}"
        );
    }

    #[test]
    fn a_key_needs_its_token_uri_as_google_auth_does() {
        let text = r#"{"type":"service_account","client_email":"sa@p.iam.gserviceaccount.com","private_key":"k","project_id":"p"}"#;
        let err = parse(text, Path::new("k.json")).expect_err("no token_uri");
        assert!(err.message.contains("token_uri"), "{err}");
    }
}
