//! IAM Credentials `generateIdToken` and `signJwt`.

use super::common;
use super::iam_common::*;

use common::*;
use serde_json::{Value, json};

const AUDIENCE: &str = "https://orders-api-x7k2q-uc.a.run.app";

#[tokio::test]
async fn id_token_verifies_against_the_jwks_with_and_without_email() {
    let emu = start().await;
    let caller = service_account(&emu, 3600);
    let target = named_sa(&emu, TARGET);
    let bearer = sa_token(&emu, &caller, CLOUD_PLATFORM).await;
    let body = json!({ "audience": AUDIENCE, "includeEmail": true, "delegates": [] });
    let r = iam_call(&emu, Some(&bearer), TARGET, "generateIdToken", &body).await;
    assert_eq!(r.status(), 403);
    let denied: Value = r.json().await.unwrap();
    assert_eq!(
        denied["error"]["details"][0]["metadata"]["permission"],
        "iam.serviceAccounts.getOpenIdToken"
    );
    grant(
        &emu,
        "serviceAccount:svc@demo-project.iam.gserviceaccount.com",
        TARGET,
    );
    let certs = format!("{}/oauth2/v3/certs", emu.google_url());
    let r = iam_call(&emu, Some(&bearer), TARGET, "generateIdToken", &body).await;
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let claims = verify_with_jwks(&certs, &token, AUDIENCE).await;
    assert_eq!(claims["email"], TARGET);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["sub"], target["client_id"]);
    assert_eq!(claims["iss"], emu.google_url());
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 3600);
    // tokeninfo knows it.
    let (status, info) =
        get_json(&format!("{}/tokeninfo?id_token={token}", emu.google_url())).await;
    assert_eq!(status, 200);
    assert_eq!(info["aud"], AUDIENCE);

    let body = json!({ "audience": AUDIENCE });
    let r = iam_call(&emu, Some(&bearer), TARGET, "generateIdToken", &body).await;
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let claims = verify_with_jwks(&certs, &token, AUDIENCE).await;
    assert!(claims.get("email").is_none(), "{claims}");

    let r = iam_call(&emu, Some(&bearer), TARGET, "generateIdToken", &json!({})).await;
    assert_eq!(r.status(), 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn sign_jwt_uses_the_accounts_own_key() {
    let emu = start().await;
    let caller = service_account(&emu, 3600);
    let target = named_sa(&emu, TARGET);
    let bearer = sa_token(&emu, &caller, CLOUD_PLATFORM).await;
    grant(
        &emu,
        "serviceAccount:svc@demo-project.iam.gserviceaccount.com",
        TARGET,
    );
    let payload =
        json!({ "iss": TARGET, "sub": TARGET, "aud": "https://example.test" }).to_string();
    let r = iam_call(
        &emu,
        Some(&bearer),
        TARGET,
        "signJwt",
        &json!({ "payload": payload }),
    )
    .await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["keyId"], target["private_key_id"]);
    let signed = body["signedJwt"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(signed).unwrap();
    assert_eq!(header.kid.as_deref(), target["private_key_id"].as_str());
    // A signJwt JWT with the right aud is a valid JWT-bearer assertion.
    let iat = now();
    let claims = json!({ "iss": TARGET, "aud": GOOGLE_AUD, "scope": CLOUD_PLATFORM, "iat": iat, "exp": iat + 600 });
    let r = iam_call(
        &emu,
        Some(&bearer),
        TARGET,
        "signJwt",
        &json!({ "payload": claims.to_string() }),
    )
    .await;
    let assertion = r.json::<Value>().await.unwrap()["signedJwt"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, token) = post_form(
        &format!("{}/token", emu.google_url()),
        &[("grant_type", JWT_BEARER), ("assertion", &assertion)],
    )
    .await;
    assert_eq!(status, 200, "{token}");
    let r = iam_call(
        &emu,
        Some(&bearer),
        TARGET,
        "signJwt",
        &json!({ "payload": "[1]" }),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = iam_call(&emu, Some(&bearer), TARGET, "signBlob", &json!({})).await;
    assert_eq!(r.status(), 404);
    emu.shutdown().await;
}
