//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use tokentop::emulator::{Emulator, EmulatorOptions, GoogleUserSpec, ServiceAccountSpec};

pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
pub const USERINFO_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
pub const GOOGLE_AUD: &str = "https://oauth2.googleapis.com/token";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub async fn start() -> Emulator {
    Emulator::start(EmulatorOptions::default()).await.unwrap()
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub fn user(emu: &Emulator, lifetime_secs: u64, scopes: &[&str]) -> Value {
    emu.add_google_user(GoogleUserSpec {
        email: "alice@example.test".into(),
        scopes: scopes.iter().map(ToString::to_string).collect(),
        access_token_lifetime: Duration::from_secs(lifetime_secs),
    })
}

pub fn service_account(emu: &Emulator, lifetime_secs: u64) -> Value {
    emu.add_google_service_account(ServiceAccountSpec {
        email: "svc@demo-project.iam.gserviceaccount.com".into(),
        project_id: "demo-project".into(),
        access_token_lifetime: Duration::from_secs(lifetime_secs),
    })
}

/// Signs an assertion with the SA key file's private key and kid.
pub fn assertion(sa: &Value, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(sa["private_key"].as_str().unwrap().as_bytes()).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(sa["private_key_id"].as_str().unwrap().to_string());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// Standard google-auth style claims for a scoped access token.
pub fn scoped_claims(sa: &Value, scope: &str) -> Value {
    let iat = now();
    json!({"iss": sa["client_email"], "aud": GOOGLE_AUD, "scope": scope, "iat": iat, "exp": iat + 3600})
}

pub async fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = client().post(url).form(form).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn get_json(url: &str) -> (u16, Value) {
    let r = client().get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn refresh(emu: &Emulator, user: &Value) -> (u16, Value) {
    post_form(
        &format!("{}/token", emu.google_url()),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", user["client_id"].as_str().unwrap()),
            ("client_secret", user["client_secret"].as_str().unwrap()),
            ("refresh_token", user["refresh_token"].as_str().unwrap()),
        ],
    )
    .await
}

/// Fetches a JWK Set and verifies `token` (RS256) with the key named by its kid.
pub async fn verify_with_jwks(jwks_url: &str, token: &str, aud: &str) -> Value {
    let (status, jwks) = get_json(jwks_url).await;
    assert_eq!(status, 200);
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks).unwrap();
    let kid = jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let jwk = set.find(&kid).expect("kid present in JWKS");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[aud]);
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .unwrap()
        .claims
}

/// A plan that faults every request with `fault`.
pub fn always(fault: tokentop::emulator::Fault) -> tokentop::emulator::FaultPlan {
    tokentop::emulator::FaultPlan {
        rate: 1.0,
        faults: vec![fault],
    }
}

/// A Databricks service principal with one-hour tokens.
pub fn databricks_sp(emu: &Emulator) -> tokentop::emulator::DatabricksSp {
    emu.add_databricks_service_principal(tokentop::emulator::DatabricksSpSpec {
        application_id: "0b1c2d3e-aaaa-bbbb-cccc-ddddeeeeffff".into(),
        access_token_lifetime: Duration::from_secs(3600),
    })
}

/// The `Authorization: Basic` value reqwest sends for these credentials.
pub fn basic_header(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

/// The M2M client-credentials request, raw.
pub async fn m2m_raw(
    emu: &Emulator,
    sp: &tokentop::emulator::DatabricksSp,
) -> reqwest::Result<reqwest::Response> {
    client()
        .post(format!("{}/oidc/v1/token", emu.databricks_url()))
        .header(
            "authorization",
            basic_header(&sp.client_id, &sp.client_secret),
        )
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
}

/// The response's content type, or "".
pub fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}
