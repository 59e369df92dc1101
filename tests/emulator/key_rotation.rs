//! Signing-key rotation: new kids, with or without the old keys still published.

use super::common;

use common::*;
use serde_json::Value;
use tokentop::emulator::Emulator;

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

/// A fresh Google ID token (from a refresh with `openid`) and a Databricks access token.
async fn tokens(emu: &Emulator, u: &Value) -> (String, String) {
    let (status, body) = refresh(emu, u).await;
    assert_eq!(status, 200);
    let sp = databricks_sp(emu);
    let r = m2m_raw(emu, &sp).await.unwrap();
    assert_eq!(r.status(), 200);
    let dbx: Value = r.json().await.unwrap();
    (
        body["id_token"].as_str().unwrap().to_string(),
        dbx["access_token"].as_str().unwrap().to_string(),
    )
}

async fn tokeninfo_status(emu: &Emulator, id_token: &str) -> u16 {
    get_json(&format!(
        "{}/tokeninfo?id_token={id_token}",
        emu.google_url()
    ))
    .await
    .0
}

async fn introspect_status(emu: &Emulator, token: &str) -> u16 {
    client()
        .get(format!(
            "{}/api/2.0/tokens/introspect",
            emu.databricks_url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn rotation_keeping_old_keys_leaves_old_tokens_verifiable() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid"]);
    let (old_id, old_dbx) = tokens(&emu, &u).await;
    let certs = format!("{}/oauth2/v3/certs", emu.google_url());
    let jwks = format!("{}/oidc/v1/keys", emu.databricks_url());

    emu.rotate_signing_keys(true).unwrap();
    let (new_id, new_dbx) = tokens(&emu, &u).await;
    assert_ne!(kid(&new_id), kid(&old_id));
    assert_ne!(kid(&new_dbx), kid(&old_dbx));

    let google_kids = kids(&get_json(&certs).await.1);
    assert_eq!(google_kids, vec![kid(&new_id), kid(&old_id)]);
    let dbx_kids = kids(&get_json(&jwks).await.1);
    assert_eq!(dbx_kids, vec![kid(&new_dbx), kid(&old_dbx)]);

    let aud = u["client_id"].as_str().unwrap();
    verify_with_jwks(&certs, &old_id, aud).await;
    verify_with_jwks(&certs, &new_id, aud).await;
    assert_eq!(tokeninfo_status(&emu, &old_id).await, 200);
    assert_eq!(introspect_status(&emu, &old_dbx).await, 200);
    assert_eq!(introspect_status(&emu, &new_dbx).await, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn rotation_dropping_old_keys_invalidates_old_tokens() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid"]);
    let (old_id, old_dbx) = tokens(&emu, &u).await;
    assert_eq!(tokeninfo_status(&emu, &old_id).await, 200);
    assert_eq!(introspect_status(&emu, &old_dbx).await, 200);

    emu.rotate_signing_keys(false).unwrap();
    let (new_id, new_dbx) = tokens(&emu, &u).await;
    let google_kids = kids(
        &get_json(&format!("{}/oauth2/v3/certs", emu.google_url()))
            .await
            .1,
    );
    assert_eq!(google_kids, vec![kid(&new_id)]);
    let dbx_kids = kids(
        &get_json(&format!("{}/oidc/v1/keys", emu.databricks_url()))
            .await
            .1,
    );
    assert_eq!(dbx_kids, vec![kid(&new_dbx)]);

    assert_eq!(tokeninfo_status(&emu, &old_id).await, 400);
    assert_eq!(introspect_status(&emu, &old_dbx).await, 403);
    assert_eq!(tokeninfo_status(&emu, &new_id).await, 200);
    assert_eq!(introspect_status(&emu, &new_dbx).await, 200);
    emu.shutdown().await;
}
