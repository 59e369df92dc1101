//! Google sign-in with the authorization code and PKCE (RFC 6749 §4.1,
//! RFC 7636): the emulator plays the browser's consent at
//! `/o/oauth2/v2/auth`, then `/token` redeems the code once.

use super::{common, login_common};

use std::time::Duration;

use common::*;
use login_common::*;
use serde_json::Value;
use tokentop::emulator::{Emulator, GoogleClientKind, GoogleOauthClient, LoginOptions};

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const REDIRECT: &str = "http://127.0.0.1:53682/callback";
const STORAGE_LIST: &str = "storage.buckets.list";

/// A sign-in under way: the client, the PKCE verifier, the authorize answer.
struct Started {
    client: GoogleOauthClient,
    verifier: String,
    answer: Answer,
}

/// The usual authorize query for `client`, with `extra` appended.
async fn authorize(
    emu: &Emulator,
    client: &GoogleOauthClient,
    scope: &str,
    extra: &[(&str, &str)],
) -> (String, Answer) {
    let (verifier, challenge) = pkce();
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", scope),
        ("state", "st-42"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        query.retain(|(q, _)| q != k);
        query.push((k, v));
    }
    let url = format!("{}/o/oauth2/v2/auth", emu.google_url());
    (verifier, visit(&url, &query).await)
}

/// A fresh installed-app client and a sign-in as the only account.
async fn start_sign_in(emu: &Emulator, scope: &str) -> Started {
    let client = emu.add_google_oauth_client(GoogleClientKind::Installed);
    let (verifier, answer) = authorize(emu, &client, scope, &[]).await;
    Started {
        client,
        verifier,
        answer,
    }
}

/// `POST /token` with the authorization-code grant.
async fn redeem(
    emu: &Emulator,
    client: &GoogleOauthClient,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> (u16, Value) {
    post_form(
        &format!("{}/token", emu.google_url()),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client.client_id),
            ("client_secret", &client.client_secret),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect_uri),
        ],
    )
    .await
}

fn assert_invalid_grant((status, body): (u16, Value)) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert!(body["error_description"].is_string(), "{body}");
}

#[tokio::test]
async fn code_flow_signs_in_and_its_tokens_work_everywhere() {
    let emu = start().await;
    let sub = emu.add_google_account(ALICE, &[]);
    let scope = format!("openid {USERINFO_EMAIL} {CLOUD_PLATFORM}");
    let s = start_sign_in(&emu, &scope).await;
    assert_eq!(s.answer.status, 302, "{:?}", s.answer);
    let (target, query) = s.answer.redirect();
    assert_eq!(target, REDIRECT);
    assert_eq!(query["state"], "st-42");
    assert_eq!(query["scope"], scope);
    let code = &query["code"];
    assert!(code.starts_with("4/0A"), "{code}");

    let (status, body) = redeem(&emu, &s.client, code, &s.verifier, REDIRECT).await;
    assert_eq!(status, 200, "{body}");
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("ya29."));
    assert_eq!(body["token_type"], "Bearer");
    assert!((3590..=3600).contains(&body["expires_in"].as_i64().unwrap()));
    assert_eq!(body["scope"], scope);
    let claims = verify_with_jwks(
        &format!("{}/oauth2/v3/certs", emu.google_url()),
        body["id_token"].as_str().unwrap(),
        &s.client.client_id,
    )
    .await;
    assert_eq!(claims["email"], ALICE);
    assert_eq!(claims["sub"], sub.as_str());
    assert_eq!(claims["iss"], emu.google_url());

    let (status, info) = get_json(&format!(
        "{}/tokeninfo?access_token={access}",
        emu.google_url()
    ))
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["email"], ALICE);
    assert_eq!(info["azp"], s.client.client_id.as_str());
    assert_eq!(info["sub"], sub.as_str());
    assert_eq!(info["access_type"], "offline");

    emu.grant_iam(ALICE, "demo-project", STORAGE_LIST);
    let r = client()
        .get(format!(
            "{}/storage/v1/b?project=demo-project",
            emu.google_url()
        ))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let refresh = serde_json::json!({
        "client_id": s.client.client_id,
        "client_secret": s.client.client_secret,
        "refresh_token": body["refresh_token"],
    });
    let (status, again) = common::refresh(&emu, &refresh).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["scope"], scope);
    assert!(again["id_token"].is_string());

    let (status, _) = post_form(
        &format!("{}/revoke", emu.google_url()),
        &[("token", access)],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(common::refresh(&emu, &refresh).await.0, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_code_is_single_use_bound_to_its_verifier_redirect_and_client() {
    let emu = start().await;
    emu.add_google_account(ALICE, &[]);
    let other = emu.add_google_oauth_client(GoogleClientKind::Installed);
    let code_of = |s: &Started| s.answer.query()["code"].clone();

    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    let code = code_of(&s);
    assert_eq!(
        redeem(&emu, &s.client, &code, &s.verifier, REDIRECT)
            .await
            .0,
        200
    );
    assert_invalid_grant(redeem(&emu, &s.client, &code, &s.verifier, REDIRECT).await);

    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    let (wrong, _) = pkce();
    let refused = redeem(&emu, &s.client, &code_of(&s), &wrong, REDIRECT).await;
    assert_eq!(refused.1["error_description"], "Invalid code verifier.");
    assert_invalid_grant(refused);

    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    let refused = redeem(&emu, &s.client, &code_of(&s), "", REDIRECT).await;
    assert_eq!(refused.1["error_description"], "Missing code verifier.");

    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    let elsewhere = "http://127.0.0.1:53683/callback";
    assert_invalid_grant(redeem(&emu, &s.client, &code_of(&s), &s.verifier, elsewhere).await);

    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    assert_invalid_grant(redeem(&emu, &other, &code_of(&s), &s.verifier, REDIRECT).await);

    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    let mut bad_secret = s.client.clone();
    bad_secret.client_secret = "GOCSPX-wrong".into();
    let (status, body) = redeem(&emu, &bad_secret, &code_of(&s), &s.verifier, REDIRECT).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert_invalid_grant(redeem(&emu, &s.client, "4/0Anever-issued", &s.verifier, REDIRECT).await);
    emu.shutdown().await;
}

#[tokio::test]
async fn codes_expire() {
    let emu = start_login(LoginOptions {
        code_lifetime: Duration::from_millis(200),
        ..LoginOptions::default()
    })
    .await;
    emu.add_google_account(ALICE, &[]);
    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let code = s.answer.query()["code"].clone();
    assert_invalid_grant(redeem(&emu, &s.client, &code, &s.verifier, REDIRECT).await);
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_clients_and_foreign_redirects_get_a_page_never_a_redirect() {
    let emu = start().await;
    emu.add_google_account(ALICE, &[]);
    let installed = emu.add_google_oauth_client(GoogleClientKind::Installed);
    let unknown = GoogleOauthClient {
        client_id: "1-unknown.apps.googleusercontent.com".into(),
        client_secret: String::new(),
    };
    authorize(&emu, &unknown, CLOUD_PLATFORM, &[])
        .await
        .1
        .assert_page("invalid_client");
    for redirect in [
        "https://127.0.0.1:53682/callback",
        "http://attacker.example.test:53682/",
        "urn:ietf:wg:oauth:2.0:oob",
    ] {
        let (_, answer) = authorize(
            &emu,
            &installed,
            CLOUD_PLATFORM,
            &[("redirect_uri", redirect)],
        )
        .await;
        answer.assert_page("redirect_uri_mismatch");
    }
    let (_, answer) = authorize(&emu, &installed, CLOUD_PLATFORM, &[("redirect_uri", "")]).await;
    answer.assert_page("invalid_request");
    let device = emu.add_google_oauth_client(GoogleClientKind::LimitedInputDevice);
    authorize(&emu, &device, CLOUD_PLATFORM, &[])
        .await
        .1
        .assert_page("redirect_uri_mismatch");
    // localhost and the older path are fine.
    let localhost = [("redirect_uri", "http://localhost:8085/")];
    let (_, answer) = authorize(&emu, &installed, CLOUD_PLATFORM, &localhost).await;
    assert_eq!(answer.status, 302, "{answer:?}");
    let url = format!("{}/o/oauth2/auth", emu.google_url());
    let (_, challenge) = pkce();
    let old = [
        ("response_type", "code"),
        ("client_id", installed.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", CLOUD_PLATFORM),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let answer = visit(&url, &old).await;
    assert_eq!(answer.status, 302, "{answer:?}");
    assert!(!answer.query().contains_key("state"));
    emu.shutdown().await;
}

#[tokio::test]
async fn request_errors_redirect_with_error_and_state() {
    let emu = start().await;
    emu.add_google_account(ALICE, &[]);
    let client = emu.add_google_oauth_client(GoogleClientKind::Installed);
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("code_challenge", "")], "invalid_request"),
        (&[("code_challenge_method", "plain")], "invalid_request"),
        (&[("code_challenge", "too-short")], "invalid_request"),
        (&[("scope", "")], "invalid_request"),
    ];
    for (extra, error) in cases {
        let (_, answer) = authorize(&emu, &client, CLOUD_PLATFORM, extra).await;
        assert_eq!(answer.status, 302, "{extra:?}: {answer:?}");
        let (target, query) = answer.redirect();
        assert_eq!(target, REDIRECT);
        assert_eq!(query["error"], error, "{extra:?}");
        assert_eq!(query["state"], "st-42");
        assert!(!query.contains_key("code"));
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn the_person_is_the_hinted_or_only_account_and_grants_what_they_allow() {
    let emu = start().await;
    let client = emu.add_google_oauth_client(GoogleClientKind::Installed);
    authorize(&emu, &client, CLOUD_PLATFORM, &[])
        .await
        .1
        .assert_page("invalid_request");
    emu.add_google_account(ALICE, &[]);
    let bob = emu.add_google_account(BOB, &["openid", CLOUD_PLATFORM]);
    let (_, answer) = authorize(&emu, &client, CLOUD_PLATFORM, &[]).await;
    answer.assert_page("invalid_request");
    assert!(answer.body.contains("login_hint"), "{answer:?}");
    let hint = [("login_hint", "nobody@example.test")];
    authorize(&emu, &client, CLOUD_PLATFORM, &hint)
        .await
        .1
        .assert_page("invalid_request");

    // Bob allows only part of what is asked: the code carries that part.
    let asked = format!("openid {CLOUD_PLATFORM} https://www.googleapis.com/auth/drive");
    let (verifier, answer) = authorize(&emu, &client, &asked, &[("login_hint", BOB)]).await;
    let query = answer.query();
    assert_eq!(query["scope"], format!("openid {CLOUD_PLATFORM}"));
    let (status, body) = redeem(&emu, &client, &query["code"], &verifier, REDIRECT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], format!("openid {CLOUD_PLATFORM}"));
    let id = claims_of(body["id_token"].as_str().unwrap());
    assert_eq!(
        (id["email"].as_str(), id["sub"].as_str()),
        (Some(BOB), Some(bob.as_str()))
    );

    // Nothing Bob allows was asked: he refuses.
    let drive = "https://www.googleapis.com/auth/drive";
    let (_, answer) = authorize(&emu, &client, drive, &[("login_hint", BOB)]).await;
    let query = answer.query();
    assert_eq!(query["error"], "access_denied");
    assert_eq!(query["state"], "st-42");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_refusing_person_sends_access_denied() {
    let emu = start_login(LoginOptions {
        refuse_consent: true,
        ..LoginOptions::default()
    })
    .await;
    emu.add_google_account(ALICE, &[]);
    let s = start_sign_in(&emu, CLOUD_PLATFORM).await;
    assert_eq!(s.answer.status, 302);
    let (target, query) = s.answer.redirect();
    assert_eq!(target, REDIRECT);
    assert_eq!(query["error"], "access_denied");
    assert_eq!(query["state"], "st-42");
    assert!(!query.contains_key("code"));
    emu.shutdown().await;
}

#[tokio::test]
async fn pkce_can_be_optional_as_google_allows() {
    let emu = start_login(LoginOptions {
        require_pkce: false,
        ..LoginOptions::default()
    })
    .await;
    emu.add_google_account(ALICE, &[]);
    let client = emu.add_google_oauth_client(GoogleClientKind::Installed);
    let (_, answer) = authorize(&emu, &client, CLOUD_PLATFORM, &[("code_challenge", "")]).await;
    let code = answer.query()["code"].clone();
    let (status, body) = redeem(&emu, &client, &code, "", REDIRECT).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("id_token").is_none(), "no openid, no id_token");
    emu.shutdown().await;
}

#[tokio::test]
async fn discovery_names_the_sign_in_endpoints() {
    let emu = start().await;
    let base = emu.google_url();
    let (status, doc) = get_json(&format!("{base}/.well-known/openid-configuration")).await;
    assert_eq!(status, 200);
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/o/oauth2/v2/auth")
    );
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{base}/device/code")
    );
    assert_eq!(doc["token_endpoint"], format!("{base}/token"));
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    let grants = doc["grant_types_supported"].as_array().unwrap();
    for grant in [
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:device_code",
    ] {
        assert!(grants.iter().any(|g| g == grant), "{grant}");
    }
    emu.shutdown().await;
}

/// The unverified claims of a JWT.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
