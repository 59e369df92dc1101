//! Google tokeninfo, revoke, JWKS and discovery.

use super::common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

async fn access_token(emu: &tokentop::emulator::Emulator, u: &Value) -> String {
    let (status, body) = refresh(emu, u).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn tokeninfo_get(
    emu: &tokentop::emulator::Emulator,
    param: &str,
    token: &str,
) -> (u16, Value) {
    let r = client()
        .get(format!("{}/tokeninfo", emu.google_url()))
        .query(&[(param, token)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

fn invalid_value() -> Value {
    json!({"error": "invalid_token", "error_description": "Invalid Value"})
}

#[tokio::test]
async fn tokeninfo_access_token_all_request_shapes() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, USERINFO_EMAIL]);
    let token = access_token(&emu, &u).await;
    let url = format!("{}/tokeninfo", emu.google_url());

    let (status, info) = tokeninfo_get(&emu, "access_token", &token).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["azp"], u["client_id"]);
    assert_eq!(info["aud"], u["client_id"]);
    assert_eq!(info["scope"], format!("{CLOUD_PLATFORM} {USERINFO_EMAIL}"));
    assert_eq!(info["email"], "alice@example.test");
    assert_eq!(info["email_verified"], "true");
    assert_eq!(info["access_type"], "offline");
    assert!(info["sub"].is_string());
    let exp: i64 = info["exp"].as_str().unwrap().parse().unwrap();
    let expires_in: i64 = info["expires_in"].as_str().unwrap().parse().unwrap();
    assert!((exp - now() - expires_in).abs() <= 2);

    let r = client()
        .post(&url)
        .form(&[("access_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client()
        .post(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client().get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn tokeninfo_service_account_token_without_email_scope() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    let jwt = assertion(&sa, &scoped_claims(&sa, CLOUD_PLATFORM));
    let (_, body) = post_form(
        &format!("{}/token", emu.google_url()),
        &[("grant_type", JWT_BEARER), ("assertion", &jwt)],
    )
    .await;
    let (status, info) =
        tokeninfo_get(&emu, "access_token", body["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(info["azp"], sa["client_id"]);
    assert_eq!(info["sub"], sa["client_id"]);
    assert_eq!(info["access_type"], "online");
    assert_eq!(info["scope"], CLOUD_PLATFORM);
    assert!(
        info.get("email").is_none(),
        "email only with the email scope: {info}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn tokeninfo_id_token_claims_as_strings() {
    let emu = start().await;
    let u = user(&emu, 3600, &["openid", USERINFO_EMAIL]);
    let (_, body) = refresh(&emu, &u).await;
    let id_token = body["id_token"].as_str().unwrap();
    let (status, info) = tokeninfo_get(&emu, "id_token", id_token).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["aud"], u["client_id"]);
    assert_eq!(info["email"], "alice@example.test");
    assert_eq!(info["email_verified"], "true");
    assert_eq!(info["alg"], "RS256");
    assert!(info["kid"].is_string());
    assert!(info["exp"].as_str().unwrap().parse::<i64>().is_ok());
    assert!(info["iat"].is_string());
    emu.shutdown().await;
}

#[tokio::test]
async fn tokeninfo_rejects_unknown_and_expired_tokens() {
    let emu = start().await;
    let (status, body) = tokeninfo_get(&emu, "access_token", "ya29.unknown").await;
    assert_eq!((status, body), (400, invalid_value()));
    let (status, body) = tokeninfo_get(&emu, "id_token", "eyJ.bad.jwt").await;
    assert_eq!((status, body), (400, invalid_value()));
    let r = client()
        .get(format!("{}/tokeninfo", emu.google_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let u = user(&emu, 2, &[CLOUD_PLATFORM, "openid"]);
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    assert_eq!(body["expires_in"], 2);
    let token = body["access_token"].as_str().unwrap().to_string();
    let id_token = body["id_token"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let (status, body) = tokeninfo_get(&emu, "access_token", &token).await;
    assert_eq!((status, body), (400, invalid_value()));
    let (status, body) = tokeninfo_get(&emu, "id_token", &id_token).await;
    assert_eq!((status, body), (400, invalid_value()));
    // The refresh token itself still works.
    let (status, _) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn revoke_access_token_revokes_the_grant() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let first = access_token(&emu, &u).await;
    let second = access_token(&emu, &u).await;
    let revoke = format!("{}/revoke", emu.google_url());
    let r = client()
        .post(&revoke)
        .form(&[("token", first.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().is_empty());
    for token in [&first, &second] {
        let (status, body) = tokeninfo_get(&emu, "access_token", token).await;
        assert_eq!((status, body), (400, invalid_value()));
    }
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // Revoking again: no longer known.
    let (status, body) = post_form(&revoke, &[("token", first.as_str())]).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_token", "error_description": "Token expired or revoked"})
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn revoke_refresh_token_via_query_kills_access_tokens() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let token = access_token(&emu, &u).await;
    let r = client()
        .post(format!("{}/revoke", emu.google_url()))
        .query(&[("token", u["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = tokeninfo_get(&emu, "access_token", &token).await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn revoke_errors_and_get_is_404() {
    let emu = start().await;
    let revoke = format!("{}/revoke", emu.google_url());
    let (status, body) = post_form(&revoke, &[("token", "ya29.never-issued")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_token");
    let r = client()
        .get(&revoke)
        .query(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A service-account token can be revoked on its own.
    let sa = service_account(&emu, 3600);
    let jwt = assertion(&sa, &scoped_claims(&sa, CLOUD_PLATFORM));
    let (_, body) = post_form(
        &format!("{}/token", emu.google_url()),
        &[("grant_type", JWT_BEARER), ("assertion", &jwt)],
    )
    .await;
    let token = body["access_token"].as_str().unwrap();
    let (status, _) = post_form(&revoke, &[("token", token)]).await;
    assert_eq!(status, 200);
    let (status, _) = tokeninfo_get(&emu, "access_token", token).await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn jwks_and_discovery() {
    let emu = start().await;
    let g = emu.google_url();
    let r = client()
        .get(format!("{g}/oauth2/v3/certs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=3600, must-revalidate"
    );
    let jwks: Value = r.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["e"], "AQAB");
    assert!(key["n"].as_str().unwrap().len() > 300);
    // kid is stable across fetches.
    let (_, again) = get_json(&format!("{g}/oauth2/v3/certs")).await;
    assert_eq!(again["keys"][0]["kid"], key["kid"]);

    let (status, doc) = get_json(&format!("{g}/.well-known/openid-configuration")).await;
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], g);
    assert_eq!(doc["token_endpoint"], format!("{g}/token"));
    assert_eq!(doc["revocation_endpoint"], format!("{g}/revoke"));
    assert_eq!(doc["jwks_uri"], format!("{g}/oauth2/v3/certs"));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    emu.shutdown().await;
}
