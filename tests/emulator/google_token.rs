//! Google `POST /token`: refresh-token and JWT-bearer grants, success and errors.

use super::common;

use base64::Engine as _;
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn refresh_grant_form_body_returns_opaque_token_and_id_token() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid", USERINFO_EMAIL]);
    assert_eq!(u["type"], "authorized_user");
    assert_eq!(u["account"], "alice@example.test");
    assert_eq!(u["token_uri"], format!("{}/token", emu.google_url()));
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].is_number());
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{expires_in}");
    assert_eq!(
        body["scope"],
        format!("{CLOUD_PLATFORM} openid {USERINFO_EMAIL}")
    );
    let id_token = body["id_token"].as_str().unwrap();
    let claims = verify_with_jwks(
        &format!("{}/oauth2/v3/certs", emu.google_url()),
        id_token,
        u["client_id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(claims["iss"], emu.google_url());
    assert_eq!(claims["email"], "alice@example.test");
    assert_eq!(claims["azp"], u["client_id"]);
    assert!(
        claims["sub"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_grant_json_body_and_basic_auth() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let url = format!("{}/token", emu.google_url());
    // JSON body, client credentials in the body (what google-cloud-rust sends).
    let r = client()
        .post(&url)
        .json(&json!({
            "grant_type": "refresh_token",
            "client_id": u["client_id"],
            "client_secret": u["client_secret"],
            "refresh_token": u["refresh_token"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    assert!(body.get("id_token").is_none(), "no openid, no id_token");
    // Form body, client credentials in HTTP Basic.
    let r = client()
        .post(&url)
        .basic_auth(
            u["client_id"].as_str().unwrap(),
            u["client_secret"].as_str(),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", u["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_grant_scope_subset_and_superset() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid", USERINFO_EMAIL]);
    let url = format!("{}/token", emu.google_url());
    let base = [
        ("grant_type", "refresh_token"),
        ("client_id", u["client_id"].as_str().unwrap()),
        ("client_secret", u["client_secret"].as_str().unwrap()),
        ("refresh_token", u["refresh_token"].as_str().unwrap()),
    ];
    let mut form = base.to_vec();
    form.push(("scope", CLOUD_PLATFORM));
    let (status, body) = post_form(&url, &form).await;
    assert_eq!(status, 200);
    assert_eq!(body["scope"], CLOUD_PLATFORM);
    assert!(body.get("id_token").is_none());
    let mut form = base.to_vec();
    form.push(("scope", "https://www.googleapis.com/auth/drive"));
    let (status, body) = post_form(&url, &form).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
    emu.shutdown().await;
}

#[tokio::test]
async fn refresh_grant_errors() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let other = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let url = format!("{}/token", emu.google_url());
    let cid = u["client_id"].as_str().unwrap();
    let secret = u["client_secret"].as_str().unwrap();

    let (status, body) = post_form(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", cid),
            ("client_secret", secret),
            ("refresh_token", "1//0unknown"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    );

    let (status, body) = post_form(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "nope.apps.googleusercontent.com"),
            ("client_secret", secret),
            ("refresh_token", u["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"error": "invalid_client", "error_description": "The OAuth client was not found."})
    );

    let (status, body) = post_form(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", cid),
            ("client_secret", "wrong"),
            ("refresh_token", u["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");

    // Another client's refresh token.
    let (status, body) = post_form(
        &url,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", cid),
            ("client_secret", secret),
            ("refresh_token", other["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "unauthorized_client");

    let (status, body) = post_form(&url, &[("grant_type", "password"), ("username", "x")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unsupported_grant_type");
    let (status, body) = post_form(&url, &[("client_id", cid)]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unsupported_grant_type");
    emu.shutdown().await;
}

#[tokio::test]
async fn revoked_refresh_token_is_refused() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let (status, _) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    let (status, _) = post_form(
        &format!("{}/revoke", emu.google_url()),
        &[("token", u["refresh_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        body["error_description"],
        "Token has been expired or revoked."
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn service_account_key_file_shape() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    assert_eq!(sa["type"], "service_account");
    assert_eq!(sa["project_id"], "demo-project");
    assert_eq!(
        sa["client_email"],
        "svc@demo-project.iam.gserviceaccount.com"
    );
    assert_eq!(sa["token_uri"], format!("{}/token", emu.google_url()));
    assert_eq!(sa["private_key_id"].as_str().unwrap().len(), 40);
    let pem = sa["private_key"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(pem.ends_with("-----END PRIVATE KEY-----\n"));
    let der_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(der_b64)
        .unwrap();
    aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).expect("PKCS#8 RSA key");
    assert!(
        sa["client_id"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c.is_ascii_digit())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn jwt_bearer_scoped_access_token() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    let url = format!("{}/token", emu.google_url());
    let jwt = assertion(&sa, &scoped_claims(&sa, CLOUD_PLATFORM));
    let (status, body) = post_form(&url, &[("grant_type", JWT_BEARER), ("assertion", &jwt)]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].is_number());
    // The emulator's own token URL is an accepted audience too.
    let iat = now();
    let claims = json!({"iss": sa["client_email"], "aud": url, "scope": CLOUD_PLATFORM, "iat": iat, "exp": iat + 3600});
    let (status, _) = post_form(
        &url,
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion(&sa, &claims)),
        ],
    )
    .await;
    assert_eq!(status, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn jwt_bearer_target_audience_returns_verifiable_id_token() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    let iat = now();
    let aud = "https://my-run-service-abc.a.run.app";
    let claims = json!({"iss": sa["client_email"], "aud": GOOGLE_AUD, "target_audience": aud, "iat": iat, "exp": iat + 3600});
    let (status, body) = post_form(
        &format!("{}/token", emu.google_url()),
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion(&sa, &claims)),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "only id_token: {body}");
    let id_token = body["id_token"].as_str().unwrap();
    let claims = verify_with_jwks(
        &format!("{}/oauth2/v3/certs", emu.google_url()),
        id_token,
        aud,
    )
    .await;
    assert_eq!(claims["iss"], emu.google_url());
    assert_eq!(claims["sub"], sa["client_id"]);
    assert_eq!(claims["azp"], sa["client_id"]);
    assert_eq!(claims["email"], sa["client_email"]);
    assert_eq!(claims["email_verified"], true);
    emu.shutdown().await;
}

#[tokio::test]
async fn jwt_bearer_errors() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    let other = service_account(&emu, 3600);
    let url = format!("{}/token", emu.google_url());
    let grant = |jwt: String| {
        let url = url.clone();
        async move { post_form(&url, &[("grant_type", JWT_BEARER), ("assertion", &jwt)]).await }
    };
    let timeframe = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

    // Signed with another key but naming this key's kid: bad signature.
    let mut forged = other.clone();
    forged["private_key_id"] = sa["private_key_id"].clone();
    let (status, body) = grant(assertion(&forged, &scoped_claims(&sa, CLOUD_PLATFORM))).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    );

    // Unknown kid.
    let mut unknown = sa.clone();
    unknown["private_key_id"] = json!("0123456789abcdef0123456789abcdef01234567");
    let (status, body) = grant(assertion(&unknown, &scoped_claims(&sa, CLOUD_PLATFORM))).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Invalid JWT Signature."))
    );

    // An iss that does not own this key.
    let mut claims = scoped_claims(&sa, CLOUD_PLATFORM);
    claims["iss"] = json!("someone-else@demo-project.iam.gserviceaccount.com");
    let (status, body) = grant(assertion(&sa, &claims)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Too long-lived.
    let iat = now();
    let claims = json!({"iss": sa["client_email"], "aud": GOOGLE_AUD, "scope": CLOUD_PLATFORM, "iat": iat, "exp": iat + 3601});
    let (status, body) = grant(assertion(&sa, &claims)).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some(timeframe))
    );

    // iat in the future beyond the skew.
    let claims = json!({"iss": sa["client_email"], "aud": GOOGLE_AUD, "scope": CLOUD_PLATFORM, "iat": iat + 300, "exp": iat + 900});
    let (status, body) = grant(assertion(&sa, &claims)).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some(timeframe))
    );

    // Already expired.
    let claims = json!({"iss": sa["client_email"], "aud": GOOGLE_AUD, "scope": CLOUD_PLATFORM, "iat": iat - 4000, "exp": iat - 400});
    let (status, body) = grant(assertion(&sa, &claims)).await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some(timeframe))
    );

    // Wrong audience.
    let claims = json!({"iss": sa["client_email"], "aud": "https://example.test/token", "scope": CLOUD_PLATFORM, "iat": iat, "exp": iat + 3600});
    let (status, body) = grant(assertion(&sa, &claims)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Neither scope nor target_audience (google-auth sends scope "").
    let (status, body) = grant(assertion(&sa, &scoped_claims(&sa, ""))).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"error": "invalid_scope", "error_description": "Invalid OAuth scope or ID token audience provided."})
    );

    // Not a JWT at all.
    let (status, body) = grant("not-a-jwt".into()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    emu.shutdown().await;
}
