//! Google's device authorization grant (RFC 8628): `POST /device/code`,
//! the person's page at `/device` (or `Emulator::approve_device`), and the
//! poll at `/token`.

use super::{common, login_common};

use std::time::Duration;

use common::*;
use login_common::*;
use serde_json::Value;
use tokentop::emulator::{
    DevicePollStatus, Emulator, GoogleClientKind, GoogleOauthClient, LoginOptions,
    VerificationField,
};

const ALICE: &str = "alice@example.test";
const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Fast polling: 500 ms between polls, 500 ms more per `slow_down`.
fn quick() -> LoginOptions {
    LoginOptions {
        device_interval: Duration::from_millis(500),
        device_slow_down_step: Duration::from_millis(500),
        ..LoginOptions::default()
    }
}

/// `POST /device/code` for `client_id`.
async fn device_code(emu: &Emulator, client_id: &str, scope: &str) -> (u16, Value) {
    post_form(
        &format!("{}/device/code", emu.google_url()),
        &[("client_id", client_id), ("scope", scope)],
    )
    .await
}

/// A device client and its device authorization for `scope`.
async fn begin(emu: &Emulator, scope: &str) -> (GoogleOauthClient, Value) {
    let client = emu.add_google_oauth_client(GoogleClientKind::LimitedInputDevice);
    let (status, body) = device_code(emu, &client.client_id, scope).await;
    assert_eq!(status, 200, "{body}");
    (client, body)
}

/// One poll at `/token`.
async fn poll(emu: &Emulator, client: &GoogleOauthClient, device: &Value) -> (u16, Value) {
    post_form(
        &format!("{}/token", emu.google_url()),
        &[
            ("grant_type", DEVICE_CODE),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("device_code", device["device_code"].as_str().unwrap()),
        ],
    )
    .await
}

/// The person's answer at `POST /device`: status and page.
async fn answer(emu: &Emulator, user_code: &str, account: &str, decision: &str) -> (u16, String) {
    let r = browser()
        .post(format!("{}/device", emu.google_url()))
        .form(&[
            ("user_code", user_code),
            ("account", account),
            ("decision", decision),
        ])
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn assert_error((status, body): (u16, Value), want: (u16, &str)) {
    assert_eq!(
        (status, body["error"].as_str()),
        (want.0, Some(want.1)),
        "{body}"
    );
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[tokio::test]
async fn device_flow_pending_slow_down_then_approved_on_the_page() {
    let emu = start_login(quick()).await;
    emu.add_google_account(ALICE, &[]);
    let scope = format!("openid {USERINFO_EMAIL} {CLOUD_PLATFORM}");
    let (client, device) = begin(&emu, &scope).await;
    let user_code = device["user_code"].as_str().unwrap();
    assert!(
        user_code.len() == 9
            && user_code.as_bytes()[4] == b'-'
            && user_code
                .chars()
                .filter(|c| *c != '-')
                .all(|c| c.is_ascii_uppercase()),
        "{user_code}"
    );
    let page = format!("{}/device", emu.google_url());
    assert_eq!(device["verification_url"], page.as_str());
    assert!(device.get("verification_uri").is_none());
    assert_eq!(device["expires_in"], 1800);
    assert_eq!(device["interval"], 1, "500 ms is sent rounded up");

    assert_error(
        poll(&emu, &client, &device).await,
        (428, "authorization_pending"),
    );
    assert_error(poll(&emu, &client, &device).await, (403, "slow_down"));

    let form = visit(&page, &[("user_code", user_code)]).await;
    assert_eq!(form.status, 200);
    assert!(form.content_type.starts_with("text/html"));
    for needle in [
        "<form",
        "name=\"user_code\"",
        user_code,
        ALICE,
        "value=\"allow\"",
        "value=\"deny\"",
    ] {
        assert!(form.body.contains(needle), "{needle}: {}", form.body);
    }
    let (status, text) = answer(&emu, &user_code.to_lowercase(), ALICE, "allow").await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Signed in"), "{text}");

    // The slow_down made the interval 1 s.
    sleep_ms(1050).await;
    let (status, body) = poll(&emu, &client, &device).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], scope);
    assert_eq!(body["token_type"], "Bearer");
    let claims = verify_with_jwks(
        &format!("{}/oauth2/v3/certs", emu.google_url()),
        body["id_token"].as_str().unwrap(),
        &client.client_id,
    )
    .await;
    assert_eq!(claims["email"], ALICE);
    let access = body["access_token"].as_str().unwrap();
    let (status, info) = get_json(&format!(
        "{}/tokeninfo?access_token={access}",
        emu.google_url()
    ))
    .await;
    assert_eq!((status, info["email"].as_str()), (200, Some(ALICE)));
    let refresh = serde_json::json!({
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "refresh_token": body["refresh_token"],
    });
    assert_eq!(common::refresh(&emu, &refresh).await.0, 200);

    // The device code is spent.
    assert_error(poll(&emu, &client, &device).await, (400, "invalid_grant"));
    emu.shutdown().await;
}

#[tokio::test]
async fn each_slow_down_lengthens_the_interval() {
    let emu = start_login(quick()).await;
    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    assert_error(
        poll(&emu, &client, &device).await,
        (428, "authorization_pending"),
    );
    assert_error(poll(&emu, &client, &device).await, (403, "slow_down"));
    // 600 ms would have done before; the interval is now 1 s.
    sleep_ms(600).await;
    assert_error(poll(&emu, &client, &device).await, (403, "slow_down"));
    // Now 1.5 s.
    sleep_ms(1550).await;
    assert_error(
        poll(&emu, &client, &device).await,
        (428, "authorization_pending"),
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn refusals_by_api_and_by_page_give_access_denied() {
    let emu = start_login(quick()).await;
    emu.add_google_account(ALICE, &[]);
    emu.add_google_account("narrow@example.test", &["openid"]);

    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    let user_code = device["user_code"].as_str().unwrap();
    assert!(!emu.approve_device("ZZZZ-ZZZZ", ALICE, true));
    assert!(!emu.approve_device(user_code, "nobody@example.test", true));
    assert!(emu.approve_device(user_code, ALICE, false));
    assert!(
        !emu.approve_device(user_code, ALICE, true),
        "already answered"
    );
    assert_error(poll(&emu, &client, &device).await, (403, "access_denied"));

    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    let user_code = device["user_code"].as_str().unwrap();
    let (status, text) = answer(&emu, user_code, ALICE, "deny").await;
    assert_eq!(status, 200);
    assert!(text.contains("Access denied"), "{text}");
    assert_error(poll(&emu, &client, &device).await, (403, "access_denied"));
    let (status, text) = answer(&emu, user_code, ALICE, "allow").await;
    assert_eq!(status, 400);
    assert!(text.contains("already been used"), "{text}");

    // An account that may grant none of the scopes asked refuses.
    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    let user_code = device["user_code"].as_str().unwrap();
    let (status, text) = answer(&emu, user_code, "narrow@example.test", "allow").await;
    assert_eq!(status, 200);
    assert!(text.contains("Access denied"), "{text}");
    assert_error(poll(&emu, &client, &device).await, (403, "access_denied"));

    // The page refuses what it cannot take.
    let (_, device) = begin(&emu, CLOUD_PLATFORM).await;
    let user_code = device["user_code"].as_str().unwrap();
    assert_eq!(answer(&emu, "BCDF-GHJK", ALICE, "allow").await.0, 400);
    assert_eq!(
        answer(&emu, user_code, "nobody@example.test", "allow")
            .await
            .0,
        400
    );
    assert_eq!(answer(&emu, user_code, ALICE, "maybe").await.0, 400);
    assert!(emu.approve_device(user_code, ALICE, true), "still pending");
    emu.shutdown().await;
}

#[tokio::test]
async fn device_codes_expire() {
    let emu = start_login(LoginOptions {
        device_code_lifetime: Duration::from_millis(300),
        ..quick()
    })
    .await;
    emu.add_google_account(ALICE, &[]);
    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    assert_eq!(device["expires_in"], 1, "300 ms is sent rounded up");
    sleep_ms(400).await;
    assert_error(poll(&emu, &client, &device).await, (400, "expired_token"));
    let user_code = device["user_code"].as_str().unwrap();
    assert!(!emu.approve_device(user_code, ALICE, true));
    assert_eq!(answer(&emu, user_code, ALICE, "allow").await.0, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn only_device_clients_may_ask_and_polls_carry_the_secret() {
    let emu = start_login(quick()).await;
    let installed = emu.add_google_oauth_client(GoogleClientKind::Installed);
    let (status, body) = device_code(&emu, &installed.client_id, CLOUD_PLATFORM).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("TVs and Limited Input devices"),
        "{body}"
    );
    let (status, body) =
        device_code(&emu, "1-nobody.apps.googleusercontent.com", CLOUD_PLATFORM).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (401, Some("The OAuth client was not found."))
    );
    let (client, _) = begin(&emu, CLOUD_PLATFORM).await;
    assert_error(
        device_code(&emu, &client.client_id, "").await,
        (400, "invalid_request"),
    );

    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    let without_secret = [
        ("grant_type", DEVICE_CODE),
        ("client_id", client.client_id.as_str()),
        ("device_code", device["device_code"].as_str().unwrap()),
    ];
    let url = format!("{}/token", emu.google_url());
    assert_error(
        post_form(&url, &without_secret).await,
        (401, "invalid_client"),
    );
    let other = emu.add_google_oauth_client(GoogleClientKind::LimitedInputDevice);
    assert_error(poll(&emu, &other, &device).await, (400, "invalid_grant"));
    emu.shutdown().await;

    let emu = start_login(LoginOptions {
        device_poll_requires_secret: false,
        ..quick()
    })
    .await;
    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    let without_secret = [
        ("grant_type", DEVICE_CODE),
        ("client_id", client.client_id.as_str()),
        ("device_code", device["device_code"].as_str().unwrap()),
    ];
    let url = format!("{}/token", emu.google_url());
    assert_error(
        post_form(&url, &without_secret).await,
        (428, "authorization_pending"),
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn rfc_spellings_and_statuses_on_request() {
    let emu = start_login(LoginOptions {
        verification_field: VerificationField::Rfc8628Uri,
        device_poll_status: DevicePollStatus::Rfc8628,
        ..quick()
    })
    .await;
    emu.add_google_account(ALICE, &[]);
    let (client, device) = begin(&emu, CLOUD_PLATFORM).await;
    let page = format!("{}/device", emu.google_url());
    assert_eq!(device["verification_uri"], page.as_str());
    assert!(device.get("verification_url").is_none());
    assert_error(
        poll(&emu, &client, &device).await,
        (400, "authorization_pending"),
    );
    assert_error(poll(&emu, &client, &device).await, (400, "slow_down"));
    assert!(emu.approve_device(device["user_code"].as_str().unwrap(), ALICE, false));
    sleep_ms(1050).await;
    assert_error(poll(&emu, &client, &device).await, (400, "access_denied"));
    emu.shutdown().await;

    let emu = start_login(LoginOptions {
        verification_field: VerificationField::Both,
        ..quick()
    })
    .await;
    let (_, device) = begin(&emu, CLOUD_PLATFORM).await;
    assert_eq!(device["verification_uri"], device["verification_url"]);
    assert!(device["verification_uri"].is_string());
    emu.shutdown().await;
}
