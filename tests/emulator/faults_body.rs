//! Faults that forge the body of a successful answer: echoed secrets, terminal
//! escapes, empty, huge and stringly-typed fields.

use super::common;

use common::*;
use serde_json::Value;
use tokentop::emulator::{Fault, FaultEndpoint};

const ESC: char = '\u{1b}';

/// Refreshes with the client secret in Basic auth and the refresh token in the body.
async fn refresh_basic(emu: &tokentop::emulator::Emulator, u: &Value) -> (u16, Value, String) {
    let auth = basic_header(
        u["client_id"].as_str().unwrap(),
        u["client_secret"].as_str().unwrap(),
    );
    let r = client()
        .post(format!("{}/token", emu.google_url()))
        .header("authorization", &auth)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", u["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null), auth)
}

/// True when `token` is a live access token according to tokeninfo.
async fn live(emu: &tokentop::emulator::Emulator, token: &str) -> bool {
    let url = format!("{}/tokeninfo?access_token={token}", emu.google_url());
    get_json(&url).await.0 == 200
}

#[tokio::test]
async fn echo_secrets_reflects_body_and_authorization() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::EchoSecrets));
    let (status, body, auth) = refresh_basic(&emu, &u).await;
    assert_eq!(status, 200);
    let refresh_token = u["refresh_token"].as_str().unwrap();
    let encoded: String = url::form_urlencoded::byte_serialize(refresh_token.as_bytes()).collect();
    for field in [
        "access_token",
        "expires_in",
        "scope",
        "id_token",
        "token_type",
    ] {
        let text = body[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field}: {body}"));
        assert!(
            text.contains(&auth),
            "{field} lacks the Authorization header"
        );
        assert!(
            text.contains(&format!("refresh_token={encoded}")),
            "{field} lacks the body"
        );
    }

    // Databricks: the client secret travels in the Basic header.
    let sp = databricks_sp(&emu);
    emu.set_faults(FaultEndpoint::DatabricksToken, always(Fault::EchoSecrets));
    let body: Value = m2m_raw(&emu, &sp).await.unwrap().json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert!(access.contains(&basic_header(&sp.client_id, &sp.client_secret)));
    assert!(access.contains("grant_type=client_credentials"));
    emu.shutdown().await;
}

#[tokio::test]
async fn echo_secrets_error_puts_them_in_error_description() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::EchoSecretsError));
    let (status, body, auth) = refresh_basic(&emu, &u).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains(&auth));
    assert!(description.contains("grant_type=refresh_token"));

    // A GET endpoint: the token in the query string is echoed too.
    emu.set_faults(
        FaultEndpoint::GoogleTokeninfo,
        always(Fault::EchoSecretsError),
    );
    let (status, body) = get_json(&format!(
        "{}/tokeninfo?access_token=ya29.secret-in-query",
        emu.google_url()
    ))
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("ya29.secret-in-query")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn escapes_poison_every_string_but_the_tokens() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid"]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::Escapes));
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    let scope = body["scope"].as_str().unwrap();
    assert!(scope.contains("\u{1b}]0;PWNED\u{7}"), "{scope:?}");
    assert!(scope.contains("\u{1b}]52;c;UFdORUQK\u{7}"));
    assert!(scope.contains("\u{1b}[2J"));
    assert!(scope.contains(CLOUD_PLATFORM));
    assert!(body["token_type"].as_str().unwrap().contains(ESC));
    let access = body["access_token"].as_str().unwrap();
    assert!(!access.contains(ESC));
    assert!(!body["id_token"].as_str().unwrap().contains(ESC));
    emu.clear_faults();
    assert!(live(&emu, access).await);

    // A document without a scope gets one, and nested strings are poisoned.
    emu.set_faults(FaultEndpoint::DatabricksDiscovery, always(Fault::Escapes));
    let (status, doc) = get_json(&format!(
        "{}/oidc/.well-known/oauth-authorization-server",
        emu.databricks_url()
    ))
    .await;
    assert_eq!(status, 200);
    assert!(doc["issuer"].as_str().unwrap().contains("\u{1b}]0;PWNED"));
    assert!(doc["scopes_supported"][0].as_str().unwrap().contains(ESC));
    assert!(doc["scope"].as_str().unwrap().contains(ESC));
    emu.shutdown().await;
}

#[tokio::test]
async fn empty_token_is_200_with_an_empty_access_token() {
    let emu = start().await;
    let sp = databricks_sp(&emu);
    emu.set_faults(FaultEndpoint::DatabricksToken, always(Fault::EmptyToken));
    let r = m2m_raw(&emu, &sp).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["access_token"], "");
    assert_eq!(body["expires_in"], 3600);
    emu.shutdown().await;
}

#[tokio::test]
async fn huge_token_is_two_megabytes() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::HugeToken));
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap();
    assert!(token.len() >= 2_000_000, "{}", token.len());
    assert!(token.starts_with("ya29."));
    assert!(body["expires_in"].is_number());
    emu.shutdown().await;
}

#[tokio::test]
async fn expires_in_string_keeps_a_usable_token() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::ExpiresInString));
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    let expires_in = body["expires_in"].as_str().expect("a JSON string");
    let secs: i64 = expires_in.parse().unwrap();
    assert!((3590..=3600).contains(&secs), "{secs}");
    assert!(live(&emu, body["access_token"].as_str().unwrap()).await);
    emu.shutdown().await;
}

#[tokio::test]
async fn forged_success_even_when_the_real_answer_was_an_error() {
    let emu = start().await;
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::EmptyToken));
    let (status, body) = post_form(
        &format!("{}/token", emu.google_url()),
        &[("grant_type", "refresh_token"), ("client_id", "nobody")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["access_token"], "");
    emu.clear_faults();
    let (status, _) = post_form(
        &format!("{}/token", emu.google_url()),
        &[("grant_type", "refresh_token"), ("client_id", "nobody")],
    )
    .await;
    assert_eq!(status, 401);
    emu.shutdown().await;
}
