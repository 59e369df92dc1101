//! U2M: logins registered by the test, refreshed at the workspace (or
//! account) token endpoint as `databricks-cli` does (wire.md §3.5, §3.8).

use super::{common, databricks_common};

use common::*;
use databricks_common::*;
use serde_json::{Value, json};
use tokentop::emulator::DatabricksOptions;

const ALICE: &str = "alice@example.test";

fn invalid_grant() -> (u16, Value) {
    (
        400,
        json!({"error": "invalid_grant", "error_description": "Refresh token is invalid"}),
    )
}

#[tokio::test]
async fn login_and_refresh_issue_at_jwts_with_the_user_claims() {
    let emu = start().await;
    let login = emu.add_u2m_login(ALICE, &[]).unwrap();
    assert!(!login.account);
    assert_eq!(login.scopes, ["offline_access", "all-apis"]);
    let ws = workspace_id(&emu).await;
    let host = emu.databricks_url();
    let verify = |token: String| {
        let jwks = format!("{host}/oidc/v1/keys");
        let ws = ws.clone();
        async move { verify_with_jwks(&jwks, &token, &ws).await }
    };
    let first = verify(login.access_token.clone()).await;
    let exp = login.expiry.duration_since(std::time::UNIX_EPOCH).unwrap();
    assert_eq!(first["exp"].as_u64().unwrap(), exp.as_secs());
    assert_eq!(me(&emu, &login.access_token).await.1["userName"], ALICE);

    let (status, body) = u2m_refresh(&workspace_token_url(&emu), &login.refresh_token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "offline_access all-apis");
    assert_eq!(body["refresh_token"], login.refresh_token.as_str());
    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let c = verify(token.to_string()).await;
    assert_eq!(c["client_id"], "databricks-cli");
    assert_eq!(c["scope"], "offline_access all-apis");
    assert_eq!(c["iss"], format!("{host}/oidc"));
    assert_eq!(c["aud"], ws.as_str());
    assert_eq!(c["sub"], ALICE);
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(c["jti"].as_str().unwrap().len(), 36);
    assert_ne!(c["jti"], first["jti"]);
    assert_eq!(me(&emu, token).await.1["userName"], ALICE);
    emu.shutdown().await;
}

#[tokio::test]
async fn client_id_in_basic_and_narrower_scopes() {
    let emu = start().await;
    let login = emu
        .add_u2m_login(ALICE, &["offline_access", "all-apis", "sql"])
        .unwrap();
    let url = workspace_token_url(&emu);
    let r = client()
        .post(&url)
        .basic_auth("databricks-cli", None::<&str>)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &login.refresh_token),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = parts(r).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "offline_access all-apis sql");

    let (status, body) = u2m_refresh(&url, &login.refresh_token, Some("sql")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "sql");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scope"],
        "sql"
    );
    // The grant keeps its scopes: a later refresh may ask for all of them again.
    let (_, body) = u2m_refresh(&url, &login.refresh_token, None).await;
    assert_eq!(body["scope"], "offline_access all-apis sql");

    let (status, body) = u2m_refresh(&url, &login.refresh_token, Some("sql jobs")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_scope");
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_revoked_or_misdirected_refresh_tokens_are_invalid_grants() {
    let emu = start().await;
    let login = emu.add_u2m_login(ALICE, &[]).unwrap();
    let url = workspace_token_url(&emu);
    assert_eq!(
        u2m_refresh(&url, "doau-unknown", None).await,
        invalid_grant()
    );
    // Another client may not use the CLI's refresh token.
    let other = [
        ("grant_type", "refresh_token"),
        ("refresh_token", login.refresh_token.as_str()),
        ("client_id", "someone-else"),
    ];
    assert_eq!(token_call(&url, &other).await, invalid_grant());
    let no_client = [
        ("grant_type", "refresh_token"),
        ("refresh_token", login.refresh_token.as_str()),
    ];
    assert_eq!(token_call(&url, &no_client).await, invalid_grant());
    // A workspace login does not refresh at the account.
    let at_account = u2m_refresh(&account_token_url(&emu), &login.refresh_token, None).await;
    assert_eq!(at_account, invalid_grant());
    let (status, body) = token_call(&url, &[("grant_type", "refresh_token")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );

    assert!(emu.revoke_refresh_token(&login.refresh_token));
    assert!(!emu.revoke_refresh_token(&login.refresh_token));
    assert_eq!(
        u2m_refresh(&url, &login.refresh_token, None).await,
        invalid_grant()
    );
    // The access token already issued stays valid until it expires.
    assert_eq!(me(&emu, &login.access_token).await.0, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn rotation_and_string_expires_in_on_request() {
    let emu = start_with(DatabricksOptions {
        rotate_refresh_tokens: true,
        expires_in_as_string: true,
        ..DatabricksOptions::default()
    })
    .await;
    let login = emu.add_u2m_login(ALICE, &[]).unwrap();
    let url = workspace_token_url(&emu);
    let (status, body) = u2m_refresh(&url, &login.refresh_token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], "3600");
    let rotated = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rotated, login.refresh_token);
    assert_eq!(
        u2m_refresh(&url, &login.refresh_token, None).await,
        invalid_grant()
    );
    assert_eq!(u2m_refresh(&url, &rotated, None).await.0, 200);

    let sp = databricks_sp(&emu);
    let m2m: Value = m2m_raw(&emu, &sp).await.unwrap().json().await.unwrap();
    assert_eq!(m2m["expires_in"], "3600");
    emu.shutdown().await;
}

#[tokio::test]
async fn account_login_refreshes_at_the_account_only() {
    let emu = start().await;
    let login = emu
        .add_account_u2m_login(ALICE, &["all-apis", "offline_access"])
        .unwrap();
    assert!(login.account);
    let issuer = emu.databricks_account_issuer();
    assert_eq!(
        issuer,
        format!(
            "{}/oidc/accounts/{}",
            emu.databricks_url(),
            emu.databricks_account_id()
        )
    );
    let c = claims(&login.access_token);
    assert_eq!(
        (c["iss"].as_str(), c["aud"].as_str()),
        (
            Some(issuer.as_str()),
            Some(emu.databricks_account_id().as_str())
        )
    );
    let (status, body) = u2m_refresh(&account_token_url(&emu), &login.refresh_token, None).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let verified = verify_with_jwks(
        &format!("{issuer}/v1/keys"),
        token,
        &emu.databricks_account_id(),
    )
    .await;
    assert_eq!(verified["iss"], issuer.as_str());
    assert_eq!(verified["sub"], ALICE);
    assert_eq!(verified["scope"], "all-apis offline_access");
    assert_eq!(
        u2m_refresh(&workspace_token_url(&emu), &login.refresh_token, None).await,
        invalid_grant()
    );
    // An account token is not a workspace token.
    assert_eq!(
        me(&emu, token).await,
        (
            403,
            json!({"error_code": "PERMISSION_DENIED", "message": INVALID})
        )
    );
    emu.shutdown().await;
}
