//! The Databricks probe target `GET /api/2.0/clusters/list`: token scopes,
//! permission denials, and tokens of another workspace (wire.md §5).

use super::common;
use super::databricks_common::*;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokentop::emulator::{
    DATABRICKS_MISSING_SCOPES, DatabricksErrorCode, DatabricksOptions, DatabricksSp, Emulator,
};

const ALICE: &str = "alice@example.test";
const CLUSTERS: &str = "/api/2.0/clusters/list";

/// An M2M access token of `sp` with `scope`.
async fn m2m(emu: &Emulator, sp: &DatabricksSp, scope: &str) -> String {
    let r = client()
        .post(workspace_token_url(emu))
        .basic_auth(&sp.client_id, Some(&sp.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap();
    let (status, body) = parts(r).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn clusters(emu: &Emulator, token: Option<&str>) -> (u16, Value) {
    get_bearer(emu, CLUSTERS, token).await
}

fn listed() -> (u16, Value) {
    (200, json!({"clusters": []}))
}

fn missing_scopes() -> (u16, Value) {
    (
        403,
        json!({"error_code": "PERMISSION_DENIED",
               "message": "Provided OAuth token does not have required scopes: clusters"}),
    )
}

fn no_permission(name: &str) -> (u16, Value) {
    (
        403,
        json!({"error_code": "PERMISSION_DENIED",
               "message": format!("User {name} does not have permission to list clusters.")}),
    )
}

#[tokio::test]
async fn oauth_tokens_need_a_clusters_scope() {
    let emu = start().await;
    assert_eq!(
        DATABRICKS_MISSING_SCOPES,
        "Provided OAuth token does not have required scopes: clusters"
    );
    let sp = databricks_sp(&emu);
    for scope in ["all-apis", "clusters", "clusters:read", "sql clusters"] {
        let token = m2m(&emu, &sp, scope).await;
        assert_eq!(clusters(&emu, Some(&token)).await, listed(), "{scope}");
    }
    for scope in ["sql", "jobs", "jobs:read iam"] {
        let token = m2m(&emu, &sp, scope).await;
        assert_eq!(
            clusters(&emu, Some(&token)).await,
            missing_scopes(),
            "{scope}"
        );
    }
    let login = emu.add_u2m_login(ALICE, &[]).unwrap();
    assert_eq!(clusters(&emu, Some(&login.access_token)).await, listed());
    let narrow = emu
        .add_u2m_login(ALICE, &["sql", "offline_access"])
        .unwrap();
    assert_eq!(
        clusters(&emu, Some(&narrow.access_token)).await,
        missing_scopes()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn pats_pass_unless_created_with_other_scopes() {
    let emu = start().await;
    let (open, _) = emu.add_pat("open", None, &[]);
    assert_eq!(clusters(&emu, Some(&open)).await, listed());
    let (sql, _) = emu.add_pat("sql only", None, &["sql"]);
    assert_eq!(clusters(&emu, Some(&sql)).await, missing_scopes());
    let (scoped, _) = emu.add_pat("clusters", None, &["clusters"]);
    assert_eq!(clusters(&emu, Some(&scoped)).await, listed());
    // Created through the Token API with scopes: checked the same way.
    let (status, created) = post_bearer(
        &emu,
        "/api/2.0/token/create",
        &open,
        &json!({"comment": "ci", "scopes": ["jobs"]}),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let value = created["token_value"].as_str().unwrap();
    assert_eq!(clusters(&emu, Some(value)).await, missing_scopes());
    emu.shutdown().await;
}

#[tokio::test]
async fn denied_principals_get_permission_denied() {
    let emu = start().await;
    let sp = databricks_sp(&emu);
    let sp_token = m2m(&emu, &sp, "all-apis").await;
    let login = emu.add_u2m_login(ALICE, &[]).unwrap();
    let (pat, _) = emu.add_pat_for(ALICE, "alice", None, &[]);
    emu.deny_databricks_permission(ALICE);
    assert_eq!(
        clusters(&emu, Some(&login.access_token)).await,
        no_permission(ALICE)
    );
    assert_eq!(clusters(&emu, Some(&pat)).await, no_permission(ALICE));
    assert_eq!(clusters(&emu, Some(&sp_token)).await, listed());
    // The scope check comes first.
    let narrow = emu.add_u2m_login(ALICE, &["sql"]).unwrap();
    assert_eq!(
        clusters(&emu, Some(&narrow.access_token)).await,
        missing_scopes()
    );
    emu.deny_databricks_permission(&sp.client_id);
    assert_eq!(
        clusters(&emu, Some(&sp_token)).await,
        no_permission(&sp.client_id)
    );
    // Authentication is unaffected.
    assert_eq!(me(&emu, &sp_token).await.0, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn missing_and_invalid_tokens_are_rejected_as_on_other_calls() {
    let emu = start().await;
    assert_eq!(
        clusters(&emu, None).await,
        (
            401,
            json!({"error_code": "UNAUTHENTICATED",
                   "message": "Credential was not sent or was of an unsupported type for this API."})
        )
    );
    let invalid = (
        403,
        json!({"error_code": "PERMISSION_DENIED", "message": INVALID}),
    );
    assert_eq!(clusters(&emu, Some("dapi0000")).await, invalid);
    let account = emu.add_account_u2m_login(ALICE, &[]).unwrap();
    assert_eq!(clusters(&emu, Some(&account.access_token)).await, invalid);
    let (pat, _) = emu.add_pat("short", Some(Duration::from_secs(1)), &[]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(clusters(&emu, Some(&pat)).await, invalid);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_token_of_another_workspace_is_invalid_access_to_org() {
    let named = start().await;
    let numeric = start_with(DatabricksOptions {
        error_code: DatabricksErrorCode::Numeric,
        ..DatabricksOptions::default()
    })
    .await;
    for (emu, code) in [(&named, json!("PERMISSION_DENIED")), (&numeric, json!(403))] {
        let own = emu.databricks_workspace_id();
        let other = own + 1;
        let token = emu
            .databricks_foreign_workspace_token(other, ALICE, &[])
            .unwrap();
        let c = claims(&token);
        assert_eq!(c["aud"], other.to_string());
        assert_eq!(c["sub"], ALICE);
        let message = format!("Invalid access to Org: {own}");
        for path in [CLUSTERS, "/api/2.0/preview/scim/v2/Me"] {
            let r = client()
                .get(format!("{}{path}", emu.databricks_url()))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.headers()["x-databricks-reason-phrase"], message.as_str());
            assert_eq!(
                parts(r).await,
                (403, json!({"error_code": code, "message": message})),
                "{path}"
            );
        }
        // A token minted for this workspace's own id is a plain workspace token.
        let mine = emu
            .databricks_foreign_workspace_token(own, ALICE, &[])
            .unwrap();
        let (status, body) = clusters(emu, Some(&mine)).await;
        assert_eq!((status, &body["message"]), (403, &json!(INVALID)));
    }
    named.shutdown().await;
    numeric.shutdown().await;
}
