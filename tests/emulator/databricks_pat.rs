//! Personal access tokens: the Token API (create, list, delete) and PATs as
//! bearer tokens on the workspace's REST calls (wire.md §3.9, §5).

use super::{common, databricks_common};

use std::time::Duration;

use common::*;
use databricks_common::*;
use serde_json::{Value, json};
use tokentop::emulator::DATABRICKS_DEFAULT_USER;

const LIST: &str = "/api/2.0/token/list";
const CREATE: &str = "/api/2.0/token/create";
const DELETE: &str = "/api/2.0/token/delete";
/// Two years in seconds (wire.md §3.9: no lifetime → valid two years).
const TWO_YEARS: i64 = 2 * 365 * 24 * 3600;

#[tokio::test]
async fn registered_pat_authenticates_rest_calls_until_deleted() {
    let emu = start().await;
    let (pat, token_id) = emu.add_pat("laptop", None, &["all-apis"]);
    assert!(pat.starts_with("dapi") && pat.len() == 36, "{pat}");
    assert_eq!(token_id, sha256_hex(&pat));

    let (status, body) = me(&emu, &pat).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userName"], DATABRICKS_DEFAULT_USER);
    assert_eq!(body["emails"][0]["value"], DATABRICKS_DEFAULT_USER);
    let (status, body) = get_bearer(&emu, "/api/2.0/tokens/introspect", Some(&pat)).await;
    assert_eq!(status, 200);
    let scope = &body["principal_context"]["authentication_scope"];
    assert_eq!(scope["account_id"], emu.databricks_account_id());
    assert_eq!(scope["workspace_id"].to_string(), workspace_id(&emu).await);

    let (status, list) = get_bearer(&emu, LIST, Some(&pat)).await;
    assert_eq!(status, 200);
    let infos = list["token_infos"].as_array().unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0]["token_id"], token_id.as_str());
    assert_eq!(infos[0]["expiry_time"], -1);
    assert_eq!(infos[0]["comment"], "laptop");
    assert_eq!(infos[0]["scopes"], json!(["all-apis"]));
    let created = infos[0]["creation_time"].as_i64().unwrap();
    assert!(
        (created - now() * 1000).abs() < 5000,
        "milliseconds: {created}"
    );

    let (status, body) = post_bearer(&emu, DELETE, &pat, &json!({ "token_id": token_id })).await;
    assert_eq!((status, body), (200, json!({})));
    let refused = json!({"error_code": "PERMISSION_DENIED", "message": INVALID});
    assert_eq!(me(&emu, &pat).await, (403, refused.clone()));
    assert_eq!(get_bearer(&emu, LIST, Some(&pat)).await, (403, refused));
    emu.shutdown().await;
}

#[tokio::test]
async fn create_list_delete_round_trip() {
    let emu = start().await;
    let (admin, _) = emu.add_pat("bootstrap", None, &[]);
    let (status, body) = post_bearer(
        &emu,
        CREATE,
        &admin,
        &json!({"lifetime_seconds": 600, "comment": "ci", "scopes": ["sql", "jobs"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let value = body["token_value"].as_str().unwrap().to_string();
    let info = &body["token_info"];
    assert_eq!(info["token_id"], sha256_hex(&value));
    assert_eq!(info["comment"], "ci");
    assert_eq!(info["scopes"], json!(["sql", "jobs"]));
    let (created, expiry) = (
        info["creation_time"].as_i64().unwrap(),
        info["expiry_time"].as_i64().unwrap(),
    );
    assert_eq!(expiry - created, 600_000);
    assert_eq!(
        me(&emu, &value).await.1["userName"],
        DATABRICKS_DEFAULT_USER
    );

    // No lifetime: two years, not "never"; no comment or scopes: left out.
    let (_, body) = post_bearer(&emu, CREATE, &value, &json!({})).await;
    let info = &body["token_info"];
    let span = info["expiry_time"].as_i64().unwrap() - info["creation_time"].as_i64().unwrap();
    assert_eq!(span, TWO_YEARS * 1000);
    assert!(info.get("comment").is_none() && info.get("scopes").is_none());

    let (_, list) = get_bearer(&emu, LIST, Some(&admin)).await;
    let ids: Vec<&str> = list["token_infos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["token_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "{list}");
    assert!(ids.contains(&sha256_hex(&value).as_str()));

    let (status, _) = post_bearer(
        &emu,
        DELETE,
        &admin,
        &json!({"token_id": sha256_hex(&value)}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(me(&emu, &value).await.0, 403);
    let (status, body) = post_bearer(
        &emu,
        DELETE,
        &admin,
        &json!({"token_id": sha256_hex(&value)}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error_code"], "RESOURCE_DOES_NOT_EXIST");
    assert!(body["message"].is_string());
    let (status, body) = post_bearer(&emu, DELETE, &admin, &json!({"token_id": "feed"})).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn token_api_is_per_caller_and_takes_oauth_tokens() {
    let emu = start().await;
    let (user_pat, user_pat_id) = emu.add_pat("mine", None, &[]);
    let sp = databricks_sp(&emu);
    let m2m = m2m_raw(&emu, &sp)
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let oauth = m2m["access_token"].as_str().unwrap();
    let (status, body) = post_bearer(&emu, CREATE, oauth, &json!({"comment": "sp"})).await;
    assert_eq!(status, 200, "{body}");
    let sp_pat = body["token_value"].as_str().unwrap().to_string();
    assert_eq!(me(&emu, &sp_pat).await.1["userName"], sp.client_id.as_str());

    let (_, list) = get_bearer(&emu, LIST, Some(oauth)).await;
    let infos = list["token_infos"].as_array().unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0]["comment"], "sp");
    // The service principal cannot delete the user's token.
    let (status, _) = post_bearer(&emu, DELETE, oauth, &json!({"token_id": user_pat_id})).await;
    assert_eq!(status, 404);
    assert_eq!(me(&emu, &user_pat).await.0, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn expired_pats_are_refused_and_unlisted() {
    let emu = start().await;
    let (pat, _) = emu.add_pat("short", Some(Duration::from_secs(1)), &[]);
    let (keeper, _) = emu.add_pat("keeper", None, &[]);
    assert_eq!(me(&emu, &pat).await.0, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(me(&emu, &pat).await.1["message"], INVALID);
    let (_, list) = get_bearer(&emu, LIST, Some(&keeper)).await;
    assert_eq!(list["token_infos"].as_array().unwrap().len(), 1);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_api_rejections() {
    let emu = start().await;
    let (pat, _) = emu.add_pat("", None, &[]);
    assert_eq!(get_bearer(&emu, LIST, None).await.0, 401);
    assert_eq!(
        post_bearer(&emu, CREATE, "dapi-unknown", &json!({})).await,
        (
            403,
            json!({"error_code": "PERMISSION_DENIED", "message": INVALID})
        )
    );
    for bad in [
        json!({"lifetime_seconds": -5}),
        json!({"lifetime_seconds": "soon"}),
        json!({"comment": 7}),
        json!({"scopes": "sql"}),
        json!({"scopes": [1]}),
    ] {
        let (status, body) = post_bearer(&emu, CREATE, &pat, &bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error_code"], "INVALID_PARAMETER_VALUE", "{bad}");
    }
    let (status, body) = post_bearer(&emu, DELETE, &pat, &json!({})).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    let r = client()
        .post(format!("{}{CREATE}", emu.databricks_url()))
        .bearer_auth(&pat)
        .body("[1, 2]")
        .send()
        .await
        .unwrap();
    assert_eq!(parts(r).await.1["error_code"], "MALFORMED_REQUEST");
    emu.shutdown().await;
}
