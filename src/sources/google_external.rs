//! Google identity federation files: `external_account` (workload and
//! workforce pools) and `external_account_authorized_user` (wire.md §1.2).

use super::SourceError;
use super::google_json::{Fields, GoogleFile, target_of};
use crate::model::{Kind, Material, SubjectSource};
use serde_json::Value;

/// STS's token endpoint, google-auth's default for `token_url`.
pub const STS_TOKEN_URL: &str = "https://sts.googleapis.com/v1/token";

const AWS_TOKEN_TYPE: &str = "urn:ietf:params:aws:token-type:aws4_request";

/// The pool and provider an audience names, and whether it is a workforce pool.
struct Pool {
    workforce: bool,
    pool: String,
    provider: String,
    project: Option<String>,
}

fn pool_of(audience: &str) -> Option<Pool> {
    let path = audience.strip_prefix("//iam.googleapis.com/")?;
    let parts: Vec<&str> = path.split('/').collect();
    let after = |key: &str| {
        parts
            .iter()
            .position(|p| *p == key)
            .and_then(|i| parts.get(i + 1))
            .map(|s| s.to_string())
    };
    let provider = after("providers")?;
    match (after("workforcePools"), after("workloadIdentityPools")) {
        (Some(pool), _) => Some(Pool {
            workforce: parts.first() == Some(&"locations"),
            pool,
            provider,
            project: None,
        }),
        (None, Some(pool)) => Some(Pool {
            workforce: false,
            pool,
            provider,
            project: after("projects"),
        }),
        _ => None,
    }
}

fn describe(pool: &Option<Pool>, audience: &str) -> String {
    match pool {
        Some(p) if p.workforce => format!("workforce pool {}, provider {}", p.pool, p.provider),
        Some(p) => format!(
            "workload identity pool {}, provider {}{}",
            p.pool,
            p.provider,
            p.project
                .as_deref()
                .map(|n| format!(" (project {n})"))
                .unwrap_or_default()
        ),
        None => format!("audience {audience}"),
    }
}

/// `external_account`: a subject token exchanged at STS.
pub(super) fn external_account(fields: &Fields) -> Result<GoogleFile, SourceError> {
    let audience = fields.required("audience")?;
    let subject_token_type = fields.required("subject_token_type")?;
    let Some(Value::Object(source)) = fields.object.get("credential_source") else {
        return Err(SourceError::new(
            fields.path,
            "missing field `credential_source`",
        ));
    };
    let source_fields = Fields {
        object: source,
        path: fields.path,
    };
    let subject = subject_source(&source_fields, &subject_token_type)?;
    let pool = pool_of(&audience);
    let workforce = pool.as_ref().is_some_and(|p| p.workforce);
    let user_project = fields.text("workforce_pool_user_project");
    if user_project.is_some() && !workforce {
        return Err(SourceError::new(
            fields.path,
            "field `workforce_pool_user_project`: set only for workforce pools, and `audience` is not one",
        ));
    }
    let impersonation_url = fields.text("service_account_impersonation_url");
    let material_token_url = fields
        .text("token_url")
        .unwrap_or_else(|| STS_TOKEN_URL.to_string());
    let principal = impersonation_url
        .as_deref()
        .and_then(target_of)
        .unwrap_or_default();
    let mut details = vec![describe(&pool, &audience)];
    details.push(format!("subject token: {}", subject.describe()));
    if let SubjectSource::Executable(_) = subject {
        details.push(
            "the command runs only with GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1, as google-auth requires"
                .into(),
        );
    }
    if let Some(project) = &user_project {
        details.push(format!("workforce pool user project {project}"));
    }
    if !principal.is_empty() {
        details.push(format!("impersonates {principal}"));
    }
    Ok(GoogleFile {
        kind: Kind::ExternalAccount,
        material: Material::GoogleExternal {
            audience,
            subject_token_type,
            subject,
            subject_field: subject_field(&source_fields),
            token_url: material_token_url.clone(),
            impersonation_url,
            impersonation_lifetime: fields
                .object
                .get("service_account_impersonation")
                .and_then(|i| i.get("token_lifetime_seconds"))
                .and_then(Value::as_u64),
            workforce_pool_user_project: user_project,
            client_id: fields.text("client_id"),
            client_secret: fields.text("client_secret").map(crate::model::Secret::new),
        },
        principal,
        // STS decides where its tokens may be inspected.
        token_uri: Some(material_token_url.clone()),
        project: None,
        quota_project: None,
        details,
    })
}

/// How long an executable may run when the file does not say (google-auth's default).
const DEFAULT_TIMEOUT_MILLIS: u64 = 30_000;

/// Where the subject token comes from, chosen as google-auth chooses:
/// AWS by token type, then an executable, then exactly one of file, url
/// and certificate.
fn subject_source(source: &Fields, token_type: &str) -> Result<SubjectSource, SourceError> {
    let aws = source
        .text("environment_id")
        .is_some_and(|id| id.starts_with("aws"));
    if token_type == AWS_TOKEN_TYPE || aws {
        return Ok(SubjectSource::Aws);
    }
    if let Some(Value::Object(exe)) = source.object.get("executable") {
        let exe = Fields {
            object: exe,
            path: source.path,
        };
        let within = |e: SourceError| SourceError {
            message: format!("in `credential_source.executable`: {}", e.message),
            ..e
        };
        let command = exe.required("command").map_err(within)?;
        let timeout_millis = match exe.object.get("timeout_millis") {
            None => DEFAULT_TIMEOUT_MILLIS,
            Some(value) => value
                .as_u64()
                .filter(|ms| (5_000..=120_000).contains(ms))
                .ok_or_else(|| {
                    within(SourceError::new(
                        source.path,
                        "field `timeout_millis`: must be between 5000 and 120000",
                    ))
                })?,
        };
        return Ok(SubjectSource::Executable(crate::model::Executable {
            command,
            timeout_millis,
            output_file: exe.text("output_file"),
        }));
    }
    let found: Vec<SubjectSource> = [
        source.text("file").map(SubjectSource::File),
        source.text("url").map(|url| SubjectSource::Url {
            url,
            headers: headers_of(source),
        }),
        source
            .object
            .get("certificate")
            .map(|_| SubjectSource::Certificate),
    ]
    .into_iter()
    .flatten()
    .collect();
    match <[SubjectSource; 1]>::try_from(found) {
        Ok([one]) => Ok(one),
        Err(found) => Err(SourceError::new(
            source.path,
            format!(
                "field `credential_source`: needs exactly one of `file`, `url`, `certificate` or `executable`, found {}",
                found.len()
            ),
        )),
    }
}

/// A url source's `headers`, values held as secrets.
fn headers_of(source: &Fields) -> Vec<(String, crate::model::Secret)> {
    let Some(Value::Object(headers)) = source.object.get("headers") else {
        return Vec::new();
    };
    headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.clone(), crate::model::Secret::new(value.as_str()?)))
        })
        .collect()
}

/// The JSON field of a `format` of type `json`; `None` for text.
fn subject_field(source: &Fields) -> Option<String> {
    let Some(Value::Object(format)) = source.object.get("format") else {
        return None;
    };
    let format = Fields {
        object: format,
        path: source.path,
    };
    (format.text("type").as_deref() == Some("json"))
        .then(|| format.text("subject_token_field_name"))
        .flatten()
}

/// `external_account_authorized_user`: a workforce sign-in's refresh token.
pub(super) fn external_user(fields: &Fields) -> Result<GoogleFile, SourceError> {
    let audience = fields.text("audience").unwrap_or_default();
    let details = vec![describe(&pool_of(&audience), &audience)];
    let token_url = fields.required("token_url")?;
    Ok(GoogleFile {
        kind: Kind::ExternalAccountUser,
        material: Material::GoogleExternalUser {
            client_id: fields.required("client_id")?,
            client_secret: fields.secret("client_secret")?,
            refresh_token: fields.secret("refresh_token")?,
            token_url: token_url.clone(),
            revoke_url: fields.text("revoke_url"),
            audience,
        },
        principal: String::new(),
        // STS decides where its tokens may be inspected.
        token_uri: Some(token_url),
        project: None,
        quota_project: None,
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::super::google_json::parse;
    use super::*;
    use std::path::Path;

    #[test]
    fn names_pool_provider_source_and_impersonation() {
        let text = r#"{"type":"external_account",
          "audience":"//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/providers/actions",
          "subject_token_type":"urn:ietf:params:oauth:token-type:jwt",
          "service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/wif@p.iam.gserviceaccount.com:generateAccessToken",
          "credential_source":{"url":"http://127.0.0.1:1/token"}}"#;
        let file = parse(text, Path::new("wif.json")).expect("parses");
        assert_eq!(file.kind, Kind::ExternalAccount);
        assert_eq!(file.principal, "wif@p.iam.gserviceaccount.com");
        assert_eq!(
            file.details[0],
            "workload identity pool gh, provider actions (project 123)"
        );
        assert!(file.details[1].contains("url http://127.0.0.1:1/token"));
    }

    #[test]
    fn workforce_user_project_only_for_workforce_pools() {
        let base = |audience: &str| {
            format!(
                r#"{{"type":"external_account","audience":"{audience}","subject_token_type":"urn:ietf:params:oauth:token-type:id_token","workforce_pool_user_project":"bill","credential_source":{{"executable":{{"command":"/bin/get-token"}}}}}}"#
            )
        };
        let file = parse(
            &base("//iam.googleapis.com/locations/global/workforcePools/corp/providers/okta"),
            Path::new("wf.json"),
        )
        .expect("workforce");
        assert_eq!(file.details[0], "workforce pool corp, provider okta");
        assert!(file.details.iter().any(|d| d.contains("ALLOW_EXECUTABLES")));
        let err = parse(
            &base("//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q"),
            Path::new("wl.json"),
        )
        .expect_err("workload pools have no user project");
        assert!(err.message.contains("workforce_pool_user_project"), "{err}");
    }

    #[test]
    fn one_subject_source_exactly() {
        let text = r#"{"type":"external_account","audience":"a","subject_token_type":"t","credential_source":{"file":"/f","url":"http://127.0.0.1/u"}}"#;
        let err = parse(text, Path::new("x.json")).expect_err("two sources");
        assert!(err.message.contains("exactly one"), "{err}");
    }
}
