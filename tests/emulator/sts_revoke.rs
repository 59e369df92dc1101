//! Revocation of workforce sign-ins at STS `POST /v1/oauth/revoke` (RFC 7009):
//! a refresh token ends its sign-in, an access token only itself; Basic
//! client auth; unknown tokens answer 200; the `sts` fault covers it.

use super::common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokentop::emulator::{Emulator, Fault, FaultEndpoint, PoolProviderSpec, WorkforceUserSpec};

const WORKFORCE: &str = "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta";

/// A workforce pool provider and one signed-in user's credential file.
fn sign_in(emu: &Emulator, subject: &str) -> Value {
    emu.add_pool_provider(PoolProviderSpec {
        audience: WORKFORCE.into(),
        issuer: "https://idp.example.test".into(),
        allowed_audiences: Vec::new(),
    })
    .unwrap();
    emu.add_workforce_user(WorkforceUserSpec {
        audience: WORKFORCE.into(),
        subject: subject.into(),
        scopes: vec![CLOUD_PLATFORM.into()],
        access_token_lifetime: Duration::from_secs(3600),
    })
    .unwrap()
}

fn field<'a>(user: &'a Value, name: &str) -> &'a str {
    user[name].as_str().unwrap()
}

/// POSTs `form` to the file's `url_field`, with the file's client as Basic
/// auth unless `auth` says otherwise (`Some(None)`: no Authorization at all).
async fn post(
    user: &Value,
    url_field: &str,
    auth: Option<Option<(&str, &str)>>,
    form: &[(&str, &str)],
) -> (u16, String) {
    let mut request = client().post(field(user, url_field)).form(form);
    let own = (field(user, "client_id"), field(user, "client_secret"));
    if let Some((id, secret)) = auth.unwrap_or(Some(own)) {
        request = request.basic_auth(id, Some(secret));
    }
    let r = request.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A refresh at `token_url`: status and JSON body.
async fn refreshed(user: &Value) -> (u16, Value) {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", field(user, "refresh_token")),
    ];
    let (status, text) = post(user, "token_url", None, &form).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A fresh access token from the sign-in.
async fn access_token(user: &Value) -> String {
    let (status, body) = refreshed(user).await;
    assert_eq!(status, 200, "{body}");
    field(&body, "access_token").to_string()
}

/// Whether `token_info_url` calls `token` active.
async fn active(user: &Value, token: &str) -> bool {
    let (status, info) = post_form(field(user, "token_info_url"), &[("token", token)]).await;
    assert_eq!(status, 200, "{info}");
    info["active"].as_bool().unwrap()
}

async fn revoke(user: &Value, token: &str, hint: Option<&str>) -> (u16, String) {
    let mut form = vec![("token", token)];
    if let Some(hint) = hint {
        form.push(("token_type_hint", hint));
    }
    post(user, "revoke_url", None, &form).await
}

#[tokio::test]
async fn the_file_names_the_revoke_url() {
    let emu = start().await;
    let user = sign_in(&emu, "alice@acme.example");
    assert_eq!(
        user["revoke_url"],
        format!("{}/v1/oauth/revoke", emu.sts_url())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn revoking_the_refresh_token_ends_the_sign_in() {
    let emu = start().await;
    let user = sign_in(&emu, "alice@acme.example");
    let first = access_token(&user).await;
    let second = access_token(&user).await;
    assert!(active(&user, &first).await && active(&user, &second).await);
    let (status, body) = revoke(&user, field(&user, "refresh_token"), Some("refresh_token")).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, body) = refreshed(&user).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Invalid refresh token."})
    );
    for token in [&first, &second] {
        let (_, info) = post_form(field(&user, "token_info_url"), &[("token", token)]).await;
        assert_eq!(info, json!({"active": false}));
    }
    // Again: the token is no longer valid, which RFC 7009 still answers with 200.
    assert_eq!(
        revoke(&user, field(&user, "refresh_token"), None).await.0,
        200
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn revoking_an_access_token_ends_only_that_token() {
    let emu = start().await;
    let user = sign_in(&emu, "alice@acme.example");
    let first = access_token(&user).await;
    let second = access_token(&user).await;
    // A wrong hint is only a hint.
    assert_eq!(revoke(&user, &first, Some("refresh_token")).await.0, 200);
    assert!(!active(&user, &first).await);
    assert!(active(&user, &second).await);
    let third = access_token(&user).await;
    assert!(active(&user, &third).await);
    emu.shutdown().await;
}

#[tokio::test]
async fn client_authentication_is_required() {
    let emu = start().await;
    let user = sign_in(&emu, "alice@acme.example");
    let refresh_token = field(&user, "refresh_token");
    let form = [("token", refresh_token)];
    let id = field(&user, "client_id");
    for auth in [None, Some((id, "wrong")), Some(("stranger", "secret"))] {
        let (status, text) = post(&user, "revoke_url", Some(auth), &form).await;
        assert_eq!(status, 401, "{auth:?}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"], "invalid_client", "{body}");
        assert!(body["error_description"].is_string());
    }
    // Credentials in the body are not HTTP Basic.
    let secret = field(&user, "client_secret");
    let in_body = [
        ("token", refresh_token),
        ("client_id", id),
        ("client_secret", secret),
    ];
    assert_eq!(post(&user, "revoke_url", Some(None), &in_body).await.0, 401);
    // None of it revoked anything.
    assert_eq!(refreshed(&user).await.0, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_foreign_and_missing_tokens() {
    let emu = start().await;
    let alice = sign_in(&emu, "alice@acme.example");
    let bob = emu
        .add_workforce_user(WorkforceUserSpec {
            audience: WORKFORCE.into(),
            subject: "bob@acme.example".into(),
            scopes: vec![CLOUD_PLATFORM.into()],
            access_token_lifetime: Duration::from_secs(3600),
        })
        .unwrap();
    for unknown in ["nope", "ya29.never-issued"] {
        assert_eq!(revoke(&alice, unknown, None).await, (200, String::new()));
    }
    // Bob's tokens are not Alice's client's to revoke.
    let bobs = access_token(&bob).await;
    for token in [field(&bob, "refresh_token"), bobs.as_str()] {
        let (status, text) = revoke(&alice, token, None).await;
        assert_eq!(status, 400, "{text}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["error"], "unauthorized_client");
    }
    assert!(active(&bob, &bobs).await);
    assert_eq!(refreshed(&bob).await.0, 200);
    let (status, text) = post(&alice, "revoke_url", None, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"],
        "invalid_request"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_sts_fault_covers_revocation() {
    let emu = start().await;
    let user = sign_in(&emu, "alice@acme.example");
    let before = emu.fault_stats().endpoint(FaultEndpoint::Sts).requests;
    emu.set_faults(FaultEndpoint::Sts, always(Fault::Html));
    let (status, body) = revoke(&user, field(&user, "refresh_token"), None).await;
    assert_eq!(status, 502);
    assert!(body.contains("Bad Gateway"), "{body}");
    let stats = emu.fault_stats().endpoint(FaultEndpoint::Sts);
    assert_eq!(stats.requests, before + 1);
    assert_eq!(stats.faults.get("html"), Some(&1));
    emu.clear_faults();
    // The faulted request revoked nothing.
    assert_eq!(refreshed(&user).await.0, 200);
    emu.shutdown().await;
}
