//! Databricks workspace: metadata, discovery, M2M tokens, JWKS and REST checks.

use super::{common, databricks_common};

use std::time::Duration;

use common::*;
use databricks_common::{EXPIRING, INVALID, get_bearer, start_with};
use serde_json::{Value, json};
use tokentop::emulator::{
    DatabricksErrorCode, DatabricksOptions, DatabricksSp, DatabricksSpSpec, Emulator,
};

const APP_ID: &str = "6d3c3f4e-1111-2222-3333-444455556666";

fn sp(emu: &Emulator, lifetime_secs: u64) -> DatabricksSp {
    emu.add_databricks_service_principal(DatabricksSpSpec {
        application_id: APP_ID.into(),
        access_token_lifetime: Duration::from_secs(lifetime_secs),
    })
}

async fn m2m_token(emu: &Emulator, sp: &DatabricksSp) -> Value {
    let r = client()
        .post(format!("{}/oidc/v1/token", emu.databricks_url()))
        .basic_auth(&sp.client_id, Some(&sp.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn get_with_bearer(url: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = client().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn host_metadata_and_discovery() {
    let emu = start().await;
    let host = emu.databricks_url();
    let (status, meta) = get_json(&format!("{host}/.well-known/databricks-config")).await;
    assert_eq!(status, 200);
    assert_eq!(meta["oidc_endpoint"], format!("{host}/oidc"));
    assert_eq!(meta["cloud"], "aws");
    assert_eq!(meta["account_id"], emu.databricks_account_id());
    let ws = meta["workspace_id"].as_str().unwrap();
    assert!(ws.len() >= 15 && ws.chars().all(|c| c.is_ascii_digit()));

    let (status, doc) = get_json(&format!(
        "{host}/oidc/.well-known/oauth-authorization-server"
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], format!("{host}/oidc"));
    assert_eq!(doc["token_endpoint"], format!("{host}/oidc/v1/token"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{host}/oidc/v1/authorize")
    );
    assert_eq!(doc["jwks_uri"], format!("{host}/oidc/v1/keys"));
    let scopes = doc["scopes_supported"].as_array().unwrap();
    for s in ["all-apis", "sql", "offline_access"] {
        assert!(scopes.contains(&json!(s)));
    }
    assert!(
        doc["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_credentials"))
    );
    assert!(
        doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("client_secret_basic"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn client_credentials_token_is_a_verifiable_at_jwt() {
    let emu = start().await;
    let host = emu.databricks_url();
    let p = sp(&emu, 3600);
    assert_eq!(p.client_id, APP_ID);
    let body = m2m_token(&emu, &p).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "all-apis");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);

    let (_, meta) = get_json(&format!("{host}/.well-known/databricks-config")).await;
    let ws = meta["workspace_id"].as_str().unwrap();
    let r = client()
        .get(format!("{host}/oidc/v1/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=3600, must-revalidate"
    );
    let claims = verify_with_jwks(&format!("{host}/oidc/v1/keys"), token, ws).await;
    assert_eq!(claims["client_id"], APP_ID);
    assert_eq!(claims["sub"], APP_ID);
    assert_eq!(claims["scope"], "all-apis");
    assert_eq!(claims["iss"], format!("{host}/oidc"));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(jti.len(), 36);
    assert_eq!(jti.matches('-').count(), 4);

    // Databricks and Google keys differ.
    let (_, gkeys) = get_json(&format!("{}/oauth2/v3/certs", emu.google_url())).await;
    assert_ne!(gkeys["keys"][0]["kid"].as_str(), header.kid.as_deref());
    emu.shutdown().await;
}

#[tokio::test]
async fn client_credentials_body_auth_and_default_scope() {
    let emu = start().await;
    let p = sp(&emu, 3600);
    let (status, body) = post_form(
        &format!("{}/oidc/v1/token", emu.databricks_url()),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "all-apis");
    emu.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_errors() {
    let emu = start().await;
    let p = sp(&emu, 3600);
    let url = format!("{}/oidc/v1/token", emu.databricks_url());
    let failed =
        json!({"error": "invalid_client", "error_description": "Client authentication failed"});
    let r = client()
        .post(&url)
        .basic_auth(&p.client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap(), failed);
    let (status, body) = post_form(&url, &[("grant_type", "client_credentials")]).await;
    assert_eq!((status, body), (401, failed.clone()));
    let r = client()
        .post(&url)
        .basic_auth("unknown-app", Some(&p.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, body) = post_form(
        &url,
        &[("grant_type", "password"), ("client_id", &p.client_id)],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unsupported_grant_type");
    emu.shutdown().await;
}

#[tokio::test]
async fn introspect_and_me_with_live_token() {
    let emu = start().await;
    let host = emu.databricks_url();
    let p = sp(&emu, 3600);
    let token = m2m_token(&emu, &p).await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, meta) = get_json(&format!("{host}/.well-known/databricks-config")).await;
    let ws: u64 = meta["workspace_id"].as_str().unwrap().parse().unwrap();

    let (status, body) =
        get_with_bearer(&format!("{host}/api/2.0/tokens/introspect"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["principal_context"]["authentication_scope"]["workspace_id"],
        ws
    );
    assert_eq!(
        body["principal_context"]["authentication_scope"]["account_id"],
        emu.databricks_account_id()
    );
    let (status, body) =
        get_with_bearer(&format!("{host}/api/2.0/preview/scim/v2/Me"), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["userName"], APP_ID);
    assert_eq!(body["active"], true);
    assert!(body["id"].is_string());
    emu.shutdown().await;
}

#[tokio::test]
async fn rest_calls_reject_missing_invalid_and_expiring_tokens() {
    let emu = start().await;
    let host = emu.databricks_url();
    let missing = json!({"error_code": "UNAUTHENTICATED", "message": "Credential was not sent or was of an unsupported type for this API."});
    let invalid = json!({"error_code": "PERMISSION_DENIED", "message": INVALID});
    let expiring = json!({"error_code": "PERMISSION_DENIED", "message": EXPIRING});
    for path in ["/api/2.0/tokens/introspect", "/api/2.0/preview/scim/v2/Me"] {
        let url = format!("{host}{path}");
        assert_eq!(get_with_bearer(&url, None).await, (401, missing.clone()));
        assert_eq!(
            get_with_bearer(&url, Some("dapi-garbage")).await,
            (403, invalid.clone())
        );
        let r = client()
            .get(&url)
            .basic_auth("u", Some("p"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let url = format!("{host}/api/2.0/tokens/introspect");
    let r = client().get(&url).bearer_auth("nope").send().await.unwrap();
    assert_eq!(
        r.headers()["x-databricks-reason-phrase"].to_str().unwrap(),
        INVALID
    );
    // A Google ID token is signed, but not by the workspace.
    let u = user(&emu, 3600, &["openid"]);
    let (_, body) = refresh(&emu, &u).await;
    assert_eq!(
        get_with_bearer(&url, body["id_token"].as_str()).await,
        (403, invalid.clone())
    );

    // A 2 s token is already inside the 30 s window; once past its expiry it
    // is plainly invalid. A 35 s token is accepted now and refused as
    // expiring once it is within 30 s of expiry.
    let short = sp(&emu, 2);
    let body = m2m_token(&emu, &short).await;
    assert_eq!(body["expires_in"], 2);
    let short_token = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        get_with_bearer(&url, Some(&short_token)).await,
        (403, expiring.clone())
    );
    let soon = emu.add_databricks_service_principal(DatabricksSpSpec {
        application_id: "soon-app".into(),
        access_token_lifetime: Duration::from_secs(35),
    });
    let body = m2m_token(&emu, &soon).await;
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(get_with_bearer(&url, Some(token)).await.0, 200);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(get_with_bearer(&url, Some(token)).await, (403, expiring));
    assert_eq!(
        get_with_bearer(&url, Some(&short_token)).await,
        (403, invalid)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn numeric_error_codes_on_request() {
    let emu = start_with(DatabricksOptions {
        error_code: DatabricksErrorCode::Numeric,
        ..DatabricksOptions::default()
    })
    .await;
    let path = "/api/2.0/preview/scim/v2/Me";
    assert_eq!(
        get_bearer(&emu, path, Some("dapi0")).await,
        (403, json!({"error_code": 403, "message": INVALID}))
    );
    assert_eq!(get_bearer(&emu, path, None).await.1["error_code"], 401);
    emu.shutdown().await;
    let emu = start_with(DatabricksOptions {
        error_code: DatabricksErrorCode::Named("INVALID_TOKEN".into()),
        ..DatabricksOptions::default()
    })
    .await;
    assert_eq!(
        get_bearer(&emu, path, Some("dapi0")).await,
        (
            403,
            json!({"error_code": "INVALID_TOKEN", "message": INVALID})
        )
    );
    emu.shutdown().await;
}
