//! Databricks U2M sign-in (wire.md §3.5, §6 item 9): `/oidc/v1/authorize`
//! plays the person's consent, `/oidc/v1/token` redeems the code with the
//! PKCE verifier, and the refresh token refreshes like `add_u2m_login`'s.

use super::{common, databricks_common, login_common};

use common::*;
use databricks_common::*;
use login_common::*;
use serde_json::{Value, json};
use tokentop::emulator::{DATABRICKS_DEFAULT_USER, Emulator, LoginOptions, RedirectStatus};

const ALICE: &str = "alice@example.test";
const CALLBACK: &str = "http://localhost:8020";
const CLI: &str = "databricks-cli";

/// The authorize query for `client_id`, with `extra` replacing or adding fields.
async fn authorize_at(issuer: &str, client_id: &str, extra: &[(&str, &str)]) -> (String, Answer) {
    let (verifier, challenge) = pkce();
    let mut query = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("scope", "offline_access all-apis"),
        ("state", "dbx-state"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        query.retain(|(q, _)| q != k);
        query.push((k, v));
    }
    (
        verifier,
        visit(&format!("{issuer}/v1/authorize"), &query).await,
    )
}

/// The workspace's authorize request for `databricks-cli`.
async fn authorize(emu: &Emulator, extra: &[(&str, &str)]) -> (String, Answer) {
    authorize_at(&format!("{}/oidc", emu.databricks_url()), CLI, extra).await
}

/// The code exchange at `token_url`.
async fn exchange(
    token_url: &str,
    client_id: &str,
    code: &str,
    verifier: &str,
    redirect: &str,
) -> (u16, Value) {
    token_call(
        token_url,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", redirect),
            ("client_id", client_id),
        ],
    )
    .await
}

fn assert_invalid_grant((status, body): (u16, Value)) {
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
}

#[tokio::test]
async fn sign_in_then_refresh_like_a_cli_login() {
    let emu = start().await;
    let (verifier, answer) = authorize(&emu, &[]).await;
    assert_eq!(answer.status, 302, "{answer:?}");
    let (target, query) = answer.redirect();
    assert_eq!(target, format!("{CALLBACK}/"));
    assert_eq!(query["state"], "dbx-state");
    assert_eq!(query["scope"], "offline_access all-apis");

    let url = workspace_token_url(&emu);
    let (status, body) = exchange(&url, CLI, &query["code"], &verifier, CALLBACK).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "offline_access all-apis");
    let token = body["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let ws = workspace_id(&emu).await;
    let c = verify_with_jwks(
        &format!("{}/oidc/v1/keys", emu.databricks_url()),
        token,
        &ws,
    )
    .await;
    assert_eq!(c["client_id"], CLI);
    assert_eq!(c["sub"], DATABRICKS_DEFAULT_USER);
    assert_eq!(c["iss"], format!("{}/oidc", emu.databricks_url()));
    assert_eq!(c["scope"], "offline_access all-apis");
    assert_eq!(me(&emu, token).await.1["userName"], DATABRICKS_DEFAULT_USER);

    let refresh_token = body["refresh_token"].as_str().unwrap();
    let (status, again) = u2m_refresh(&url, refresh_token, None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        claims(again["access_token"].as_str().unwrap())["sub"],
        DATABRICKS_DEFAULT_USER
    );
    assert!(emu.revoke_refresh_token(refresh_token));
    assert_invalid_grant(u2m_refresh(&url, refresh_token, None).await);
    emu.shutdown().await;
}

#[tokio::test]
async fn sign_in_user_client_and_redirect_status_are_settable() {
    let emu = start_login(LoginOptions {
        databricks_redirect_status: RedirectStatus::MovedPermanently,
        databricks_clients: vec!["my-app".into()],
        ..LoginOptions::default()
    })
    .await;
    emu.set_databricks_sign_in_user(ALICE);
    let issuer = format!("{}/oidc", emu.databricks_url());
    let redirect = "http://127.0.0.1:9321/cb";
    let (verifier, answer) = authorize_at(&issuer, "my-app", &[("redirect_uri", redirect)]).await;
    assert_eq!(answer.status, 301, "{answer:?}");
    let code = answer.query()["code"].clone();
    let url = workspace_token_url(&emu);
    // The code is the client's: another public client cannot redeem it.
    assert_invalid_grant(exchange(&url, CLI, &code, &verifier, redirect).await);
    let (verifier, answer) = authorize_at(&issuer, "my-app", &[("redirect_uri", redirect)]).await;
    let code = answer.query()["code"].clone();
    let (status, body) = exchange(&url, "my-app", &code, &verifier, redirect).await;
    assert_eq!(status, 200, "{body}");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(
        (c["sub"].as_str(), c["client_id"].as_str()),
        (Some(ALICE), Some("my-app"))
    );
    assert_eq!(
        me(&emu, body["access_token"].as_str().unwrap()).await.1["userName"],
        ALICE
    );
    let refresh = [
        ("grant_type", "refresh_token"),
        ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ("client_id", "my-app"),
    ];
    assert_eq!(token_call(&url, &refresh).await.0, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn codes_are_single_use_and_bound_to_verifier_redirect_and_issuer() {
    let emu = start().await;
    let url = workspace_token_url(&emu);
    let code_of = |a: &Answer| a.query()["code"].clone();

    let (verifier, answer) = authorize(&emu, &[]).await;
    let code = code_of(&answer);
    assert_eq!(exchange(&url, CLI, &code, &verifier, CALLBACK).await.0, 200);
    assert_invalid_grant(exchange(&url, CLI, &code, &verifier, CALLBACK).await);

    let (_, answer) = authorize(&emu, &[]).await;
    let (wrong, _) = pkce();
    assert_invalid_grant(exchange(&url, CLI, &code_of(&answer), &wrong, CALLBACK).await);

    let (_, answer) = authorize(&emu, &[]).await;
    let code = code_of(&answer);
    let no_verifier = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("client_id", CLI),
    ];
    assert_invalid_grant(token_call(&url, &no_verifier).await);

    let (verifier, answer) = authorize(&emu, &[]).await;
    let elsewhere = "http://localhost:8021";
    assert_invalid_grant(exchange(&url, CLI, &code_of(&answer), &verifier, elsewhere).await);

    // A workspace code does not redeem at the account.
    let (verifier, answer) = authorize(&emu, &[]).await;
    let at_account = exchange(
        &account_token_url(&emu),
        CLI,
        &code_of(&answer),
        &verifier,
        CALLBACK,
    )
    .await;
    assert_invalid_grant(at_account);
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_clients_and_redirects_get_a_page_bad_requests_a_redirect() {
    let emu = start().await;
    let issuer = format!("{}/oidc", emu.databricks_url());
    authorize_at(&issuer, "unknown-app", &[])
        .await
        .1
        .assert_page("invalid_client");
    for redirect in ["https://localhost:8020", "http://example.test:8020/", ""] {
        authorize(&emu, &[("redirect_uri", redirect)])
            .await
            .1
            .assert_page("invalid_request");
    }
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("code_challenge", "")], "invalid_request"),
        (&[("code_challenge_method", "plain")], "invalid_request"),
        (
            &[("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (&[("scope", "all-apis nonsense")], "invalid_scope"),
    ];
    for (extra, error) in cases {
        let (_, answer) = authorize(&emu, extra).await;
        assert_eq!(answer.status, 302, "{extra:?}: {answer:?}");
        let query = answer.query();
        assert_eq!(query["error"], error, "{extra:?}");
        assert_eq!(query["state"], "dbx-state");
        assert!(!query.contains_key("code"));
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn refused_consent_and_no_offline_access() {
    let emu = start_login(LoginOptions {
        refuse_consent: true,
        ..LoginOptions::default()
    })
    .await;
    let (_, answer) = authorize(&emu, &[]).await;
    assert_eq!(answer.status, 302);
    let query = answer.query();
    assert_eq!(
        (query["error"].as_str(), query["state"].as_str()),
        ("access_denied", "dbx-state")
    );
    emu.shutdown().await;

    let emu = start().await;
    let (verifier, answer) = authorize(&emu, &[("scope", "all-apis")]).await;
    let url = workspace_token_url(&emu);
    let (status, body) = exchange(&url, CLI, &answer.query()["code"], &verifier, CALLBACK).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "all-apis");
    assert!(body.get("refresh_token").is_none(), "{body}");
    emu.shutdown().await;
}

#[tokio::test]
async fn account_sign_in_refreshes_at_the_account() {
    let emu = start().await;
    let issuer = emu.databricks_account_issuer();
    let (verifier, answer) = authorize_at(&issuer, CLI, &[]).await;
    assert_eq!(answer.status, 302, "{answer:?}");
    let url = account_token_url(&emu);
    let (status, body) = exchange(&url, CLI, &answer.query()["code"], &verifier, CALLBACK).await;
    assert_eq!(status, 200, "{body}");
    let c = claims(body["access_token"].as_str().unwrap());
    assert_eq!(c["iss"], issuer.as_str());
    assert_eq!(c["aud"], emu.databricks_account_id().as_str());
    let refresh_token = body["refresh_token"].as_str().unwrap();
    assert_eq!(u2m_refresh(&url, refresh_token, None).await.0, 200);
    assert_invalid_grant(u2m_refresh(&workspace_token_url(&emu), refresh_token, None).await);

    let elsewhere = format!("{}/oidc/accounts/not-this-account", emu.databricks_url());
    assert_eq!(authorize_at(&elsewhere, CLI, &[]).await.1.status, 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn discovery_names_authorize_and_s256() {
    let emu = start().await;
    let issuers = [
        format!("{}/oidc", emu.databricks_url()),
        emu.databricks_account_issuer(),
    ];
    for issuer in issuers {
        let doc_url = format!("{issuer}/.well-known/oauth-authorization-server");
        let (status, doc) = get_json(&doc_url).await;
        assert_eq!(status, 200);
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{issuer}/v1/authorize")
        );
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        let grants = doc["grant_types_supported"].as_array().unwrap();
        assert!(grants.iter().any(|g| g == "authorization_code"), "{doc}");
    }
    emu.shutdown().await;
}
