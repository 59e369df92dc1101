//! PAT → OAuth exchange, M2M scopes, and the account-level OIDC endpoints
//! (wire.md §3.3, §3.4, §3.6).

use super::{common, databricks_common};

use std::time::Duration;

use common::*;
use databricks_common::*;
use tokentop::emulator::DATABRICKS_DEFAULT_USER;

const ACCESS_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

async fn exchange(
    emu: &tokentop::emulator::Emulator,
    pat: &str,
    scope: Option<&str>,
) -> (u16, serde_json::Value) {
    let mut form = vec![
        ("grant_type", TOKEN_EXCHANGE),
        ("subject_token", pat),
        ("subject_token_type", PAT_TYPE),
        ("requested_token_type", ACCESS_TYPE),
    ];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    token_call(&workspace_token_url(emu), &form).await
}

#[tokio::test]
async fn pat_exchanges_for_a_short_lived_oauth_token() {
    let emu = start().await;
    let (pat, _) = emu.add_pat("exchange me", None, &[]);
    let (status, body) = exchange(&emu, &pat, Some("sql")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], ACCESS_TYPE);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "sql");
    assert_eq!(body["expires_in"], 3600);
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(token).unwrap().typ.as_deref(),
        Some("at+jwt")
    );
    let c = verify_with_jwks(
        &format!("{}/oidc/v1/keys", emu.databricks_url()),
        token,
        &workspace_id(&emu).await,
    )
    .await;
    assert_eq!(c["sub"], DATABRICKS_DEFAULT_USER);
    assert_eq!(c["scope"], "sql");
    assert_eq!(me(&emu, token).await.1["userName"], DATABRICKS_DEFAULT_USER);
    // No scope asked: all-apis.
    assert_eq!(exchange(&emu, &pat, None).await.1["scope"], "all-apis");
    emu.shutdown().await;
}

#[tokio::test]
async fn exchange_rejections_and_limits() {
    let emu = start().await;
    let (scoped, _) = emu.add_pat("", Some(Duration::from_secs(120)), &["sql"]);
    let (status, body) = exchange(&emu, &scoped, Some("sql")).await;
    assert_eq!(status, 200, "{body}");
    let left = body["expires_in"].as_i64().unwrap();
    assert!(
        (110..=120).contains(&left),
        "capped by the PAT's expiry: {left}"
    );
    let (status, body) = exchange(&emu, &scoped, Some("all-apis")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = exchange(&emu, &scoped, Some("bogus")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, body) = exchange(&emu, "dapi0000", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let url = workspace_token_url(&emu);
    let (status, body) = token_call(
        &url,
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", &scoped),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let (status, body) = token_call(
        &url,
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", &scoped),
            ("subject_token_type", PAT_TYPE),
            (
                "requested_token_type",
                "urn:ietf:params:oauth:token-type:id_token",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // The account has no PAT exchange.
    let (status, body) = token_call(
        &account_token_url(&emu),
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", &scoped),
            ("subject_token_type", PAT_TYPE),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn m2m_grants_narrower_scopes_and_refuses_unknown_ones() {
    let emu = start().await;
    let sp = databricks_sp(&emu);
    let url = workspace_token_url(&emu);
    let ask = |scope: &'static str| {
        let (url, id, secret) = (url.clone(), sp.client_id.clone(), sp.client_secret.clone());
        async move {
            parts(
                client()
                    .post(&url)
                    .basic_auth(id, Some(secret))
                    .form(&[("grant_type", "client_credentials"), ("scope", scope)])
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    for scope in ["sql", "jobs clusters:read", "all-apis"] {
        let (status, body) = ask(scope).await;
        assert_eq!(status, 200, "{scope}: {body}");
        assert_eq!(body["scope"], scope);
        assert_eq!(
            claims(body["access_token"].as_str().unwrap())["scope"],
            scope
        );
    }
    for scope in ["everything", "jobs clusters:delete"] {
        let (status, body) = ask(scope).await;
        assert_eq!(status, 400, "{scope}");
        assert_eq!(body["error"], "invalid_scope");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn account_discovery_keys_and_m2m() {
    let emu = start().await;
    let issuer = emu.databricks_account_issuer();
    let (status, doc) = get_json(&format!("{issuer}/.well-known/oauth-authorization-server")).await;
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], issuer.as_str());
    assert_eq!(doc["token_endpoint"], format!("{issuer}/v1/token"));
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{issuer}/v1/authorize")
    );
    assert_eq!(doc["jwks_uri"], format!("{issuer}/v1/keys"));

    let sp = databricks_sp(&emu);
    let r = client()
        .post(account_token_url(&emu))
        .basic_auth(&sp.client_id, Some(&sp.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap();
    let (status, body) = parts(r).await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap();
    let c = verify_with_jwks(
        &format!("{issuer}/v1/keys"),
        token,
        &emu.databricks_account_id(),
    )
    .await;
    assert_eq!(c["iss"], issuer.as_str());
    assert_eq!(c["sub"], sp.client_id.as_str());
    assert_eq!(me(&emu, token).await.1["message"], INVALID);

    let other = format!("{}/oidc/accounts/not-ours", emu.databricks_url());
    for (status, body) in [
        get_json(&format!("{other}/.well-known/oauth-authorization-server")).await,
        get_json(&format!("{other}/v1/keys")).await,
        token_call(
            &format!("{other}/v1/token"),
            &[("grant_type", "client_credentials")],
        )
        .await,
    ] {
        assert_eq!(status, 404);
        assert_eq!(body["error_code"], "RESOURCE_DOES_NOT_EXIST");
    }
    emu.shutdown().await;
}
