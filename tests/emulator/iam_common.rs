//! Helpers for the IAM Credentials and STS tests.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use tokentop::emulator::{Emulator, ImpersonationGrant, ServiceAccountSpec};

use super::common::*;

pub const IAM_SCOPE: &str = "https://www.googleapis.com/auth/iam";
pub const TARGET: &str = "target@demo-project.iam.gserviceaccount.com";
pub const MID: &str = "mid@demo-project.iam.gserviceaccount.com";
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
pub const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";
pub const DENIED_ACCESS: &str =
    "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).";

/// A service account with one-hour tokens under `email`.
pub fn named_sa(emu: &Emulator, email: &str) -> Value {
    emu.add_google_service_account(ServiceAccountSpec {
        email: email.into(),
        project_id: "demo-project".into(),
        access_token_lifetime: Duration::from_secs(3600),
    })
}

/// An access token for the key file `sa` via the JWT-bearer grant.
pub async fn sa_token(emu: &Emulator, sa: &Value, scope: &str) -> String {
    let a = assertion(sa, &scoped_claims(sa, scope));
    let (status, body) = post_form(
        &format!("{}/token", emu.google_url()),
        &[("grant_type", JWT_BEARER), ("assertion", &a)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

/// Lets `member` impersonate `target` (one-hour tokens).
pub fn grant(emu: &Emulator, member: &str, target: &str) {
    emu.allow_impersonation(ImpersonationGrant {
        member: member.into(),
        target: target.into(),
        extended_lifetime: false,
    });
}

/// POSTs `body` to `:{method}` of `target`, with `bearer` if any.
pub async fn iam_call(
    emu: &Emulator,
    bearer: Option<&str>,
    target: &str,
    method: &str,
    body: &Value,
) -> reqwest::Response {
    let url = format!(
        "{}/v1/projects/-/serviceAccounts/{target}:{method}",
        emu.iam_credentials_url()
    );
    let mut request = client().post(url).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// `:generateAccessToken` as status and JSON body.
pub async fn generate(emu: &Emulator, bearer: &str, target: &str, body: &Value) -> (u16, Value) {
    let r = iam_call(emu, Some(bearer), target, "generateAccessToken", body).await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A generateAccessToken body for cloud-platform + userinfo.email.
pub fn scopes_body() -> Value {
    json!({ "scope": [CLOUD_PLATFORM, USERINFO_EMAIL] })
}

/// Tokeninfo of an access token.
pub async fn tokeninfo(emu: &Emulator, token: &str) -> (u16, Value) {
    get_json(&format!(
        "{}/tokeninfo?access_token={token}",
        emu.google_url()
    ))
    .await
}

/// Asserts Google's API error envelope with `code` and `status`.
pub fn assert_api_error(body: &Value, code: u16, status: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["status"], status, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}

/// A token-exchange POST to `{sts}/v1/token`.
pub async fn sts_exchange(emu: &Emulator, form: &[(&str, &str)]) -> (u16, Value) {
    post_form(&format!("{}/v1/token", emu.sts_url()), form).await
}
