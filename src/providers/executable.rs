//! Executable subject token sources (wire.md §1.3, google-auth's
//! "pluggable" credentials): a command that prints the subject token as
//! JSON, run only when `GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1`, with
//! the variables google-auth gives it, a deadline, and its cached answer in
//! `output_file` used while it is good.

use super::{ProviderError, child};
use crate::model::{Executable, Secret, check_token_value};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The environment variable google-auth requires before it runs a command.
pub const ALLOW_EXECUTABLES: &str = "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES";

/// What the command is told, as google-auth tells it.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    /// The pool provider's audience.
    pub audience: &'a str,
    /// The subject token type expected.
    pub token_type: &'a str,
    /// The service account impersonated afterwards, if any.
    pub impersonated_email: Option<&'a str>,
}

/// The command's answer (its stdout, or its output file).
#[derive(Debug, Deserialize)]
struct Response {
    version: Option<u64>,
    success: Option<bool>,
    token_type: Option<String>,
    id_token: Option<String>,
    saml_response: Option<String>,
    expiration_time: Option<i64>,
    code: Option<String>,
    message: Option<String>,
}

const JWT: &str = "urn:ietf:params:oauth:token-type:jwt";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const SAML: &str = "urn:ietf:params:oauth:token-type:saml2";

/// The subject token: the output file's while it is unexpired, else the
/// command's. Refused unless `GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES=1`.
pub async fn subject_token(
    exe: &Executable,
    ask: Ask<'_>,
    now: DateTime<Utc>,
) -> Result<Secret, ProviderError> {
    let what = format!("executable `{}`", exe.command);
    if std::env::var(ALLOW_EXECUTABLES).as_deref() != Ok("1") {
        return Err(ProviderError::config(
            &what,
            format!("not run: set {ALLOW_EXECUTABLES}=1 to allow it, as google-auth requires"),
        ));
    }
    // A cached answer counts only with an expiry still ahead.
    let cached = |path: &String| {
        let text = crate::files::read_text(std::path::Path::new(path)).ok()?;
        let answer: Response = serde_json::from_str(&text).ok()?;
        answer.expiration_time?;
        token_of(answer, now, &format!("output file {path}")).ok()
    };
    if let Some(token) = exe.output_file.as_ref().and_then(cached) {
        return Ok(token);
    }
    let mut output = run(exe, ask, &what).await?;
    let mut from = what;
    // A command may answer in its output file alone.
    if let (true, Some(path)) = (output.trim().is_empty(), &exe.output_file) {
        output = crate::files::read_text(std::path::Path::new(path))
            .map_err(|e| ProviderError::config(path, format!("output file: {e}")))?;
        from = format!("output file {path}");
    }
    let answer = serde_json::from_str(&output)
        .map_err(|e| ProviderError::config(&from, format!("not the expected JSON: {e}")))?;
    token_of(answer, now, &from)
}

/// Runs the command with google-auth's variables and a deadline; its
/// stdout, or why not.
async fn run(exe: &Executable, ask: Ask<'_>, what: &str) -> Result<String, ProviderError> {
    let argv = shlex::split(&exe.command)
        .ok_or_else(|| ProviderError::config(what, "its quoting does not close"))?;
    let mut env = vec![
        ("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE", ask.audience),
        ("GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE", ask.token_type),
        ("GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE", "0"),
        ("GOOGLE_EXTERNAL_ACCOUNT_REVOKE", "0"),
    ];
    if let Some(email) = ask.impersonated_email {
        env.push(("GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL", email));
    }
    if let Some(path) = &exe.output_file {
        env.push(("GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE", path));
    }
    child::output(child::Tool {
        what,
        argv: &argv,
        env: &env,
        deadline: std::time::Duration::from_millis(exe.timeout_millis),
        setting: "timeout_millis",
        when_absent: None,
    })
    .await
}

/// The subject token in an answer, checked as google-auth checks it.
fn token_of(answer: Response, now: DateTime<Utc>, from: &str) -> Result<Secret, ProviderError> {
    let bad = |why: String| ProviderError::config(from, why);
    match answer.version {
        Some(1) => {}
        Some(v) => return Err(bad(format!("version {v} is not supported (1 is)"))),
        None => return Err(bad("its answer has no `version`".into())),
    }
    match answer.success {
        Some(true) => {}
        Some(false) => {
            return Err(bad(format!(
                "it failed: code {}: {}",
                answer.code.as_deref().unwrap_or("(none)"),
                answer.message.as_deref().unwrap_or("(no message)")
            )));
        }
        None => return Err(bad("its answer has no `success`".into())),
    }
    if answer.expiration_time.is_some_and(|t| t < now.timestamp()) {
        return Err(bad("the token it returned is expired".into()));
    }
    let token = match answer.token_type.as_deref() {
        Some(JWT | ID_TOKEN) => answer.id_token,
        Some(SAML) => answer.saml_response,
        other => return Err(bad(format!("unsupported token_type {other:?}"))),
    }
    .ok_or_else(|| bad("its answer has no token (`id_token` or `saml_response`)".into()))?;
    check_token_value(&token).map_err(|why| bad(format!("the token {why}")))?;
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked_as_google_auth_checks_them() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let read = |text: &str| token_of(serde_json::from_str(text).expect("JSON"), now, "t");
        let ok = format!(
            r#"{{"version":1,"success":true,"token_type":"{JWT}","id_token":"eyJ.subject","expiration_time":1800000600}}"#
        );
        assert_eq!(read(&ok).expect("a token").expose(), "eyJ.subject");
        let said = |text: &str| read(text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(said(&ok.replace("1800000600", "1799999999")).contains("expired"));
        let failed = r#"{"version":1,"success":false,"code":"401","message":"no session"}"#;
        assert!(said(failed).contains("code 401: no session"));
        assert!(said(&ok.replace(JWT, SAML)).contains("no token"));
        assert!(said(&ok.replace(JWT, "x")).contains("unsupported token_type"));
        assert!(said(&ok.replace("\"version\":1", "\"version\":2")).contains("version 2"));
    }
}
