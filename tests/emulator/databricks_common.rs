//! Helpers shared by the Databricks tests: raw token-endpoint and REST calls.
#![allow(dead_code)]

use super::common::client;

use serde_json::Value;
use tokentop::emulator::{DatabricksOptions, Emulator, EmulatorOptions};

pub const PAT_TYPE: &str = "urn:databricks:params:oauth:token-type:personal-access-token";
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const INVALID: &str = "Invalid access token.";
pub const EXPIRING: &str = "Token is expiring within 30 seconds. (token expired)";

/// An emulator with these Databricks options.
pub async fn start_with(databricks: DatabricksOptions) -> Emulator {
    Emulator::start(EmulatorOptions {
        databricks,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

/// Status and JSON body (`Null` if not JSON) of a response.
pub async fn parts(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `GET host+path` with an optional bearer token.
pub async fn get_bearer(emu: &Emulator, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = client().get(format!("{}{path}", emu.databricks_url()));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    parts(req.send().await.unwrap()).await
}

/// `POST host+path` with a JSON body and a bearer token.
pub async fn post_bearer(emu: &Emulator, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(format!("{}{path}", emu.databricks_url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    parts(r).await
}

/// A form POST to `url` (a token endpoint).
pub async fn token_call(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    parts(client().post(url).form(form).send().await.unwrap()).await
}

/// The workspace token endpoint.
pub fn workspace_token_url(emu: &Emulator) -> String {
    format!("{}/oidc/v1/token", emu.databricks_url())
}

/// The account token endpoint.
pub fn account_token_url(emu: &Emulator) -> String {
    format!("{}/v1/token", emu.databricks_account_issuer())
}

/// The unverified claims of a JWT.
pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The workspace id, as a string.
pub async fn workspace_id(emu: &Emulator) -> String {
    let (_, meta) = get_bearer(emu, "/.well-known/databricks-config", None).await;
    meta["workspace_id"].as_str().unwrap().to_string()
}

/// A U2M refresh at `url` with the client id in the body.
pub async fn u2m_refresh(url: &str, refresh_token: &str, scope: Option<&str>) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", "databricks-cli"),
    ];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    token_call(url, &form).await
}

/// `SCIM Me`'s `userName` for `token`, or the rejection.
pub async fn me(emu: &Emulator, token: &str) -> (u16, Value) {
    get_bearer(emu, "/api/2.0/preview/scim/v2/Me", Some(token)).await
}

/// Lower-case hex SHA-256 (a PAT's `token_id`, the SDK cache's file name).
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
