//! The Cloud Run-like probe target: ID tokens for its URL, the invoker
//! role, and the 401 / 403 pages of wire.md §5.

use super::common;
use super::iam_common::{TARGET, grant, iam_call, named_sa, sa_token};

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokentop::emulator::{Emulator, EmulatorOptions, RunOptions};

const COMPUTE_SA: &str = "123456789012-compute@developer.gserviceaccount.com";
const SVC: &str = "svc@demo-project.iam.gserviceaccount.com";

async fn start_run(run: RunOptions) -> Emulator {
    Emulator::start(EmulatorOptions {
        run,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

/// The metadata server's ID token of the default account for `audience`.
async fn mds_id_token(emu: &Emulator, audience: &str) -> String {
    let r = client()
        .get(format!(
            "http://{}/computeMetadata/v1/instance/service-accounts/default/identity",
            emu.metadata_host()
        ))
        .query(&[("audience", audience)])
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// An ID token of the key file `sa` for `audience` via the JWT-bearer grant.
async fn key_id_token(emu: &Emulator, sa: &Value, audience: &str) -> String {
    let iat = now();
    let claims = json!({"iss": sa["client_email"], "aud": GOOGLE_AUD,
                        "target_audience": audience, "iat": iat, "exp": iat + 3600});
    let (status, body) = post_form(
        &format!("{}/token", emu.google_url()),
        &[
            ("grant_type", JWT_BEARER),
            ("assertion", &assertion(sa, &claims)),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["id_token"].as_str().unwrap().to_string()
}

/// `method` on run URL + `path` with an optional `Authorization` value:
/// status, content type, body.
async fn call(
    emu: &Emulator,
    method: reqwest::Method,
    path: &str,
    authorization: Option<&str>,
) -> (u16, String, String) {
    let mut req = client().request(method, format!("{}{path}", emu.run_url()));
    if let Some(value) = authorization {
        req = req.header("authorization", value);
    }
    let r = req.send().await.unwrap();
    let ct = content_type(&r);
    (r.status().as_u16(), ct, r.text().await.unwrap())
}

/// GET `path` with `Bearer token`.
async fn get_with(emu: &Emulator, path: &str, token: &str) -> (u16, String, String) {
    call(
        emu,
        reqwest::Method::GET,
        path,
        Some(&format!("Bearer {token}")),
    )
    .await
}

fn page(code: u16, reason: &str, detail: &str) -> String {
    format!(
        "<html><head>\n<meta http-equiv=\"content-type\" content=\"text/html;charset=utf-8\">\n\
         <title>{code} {reason}</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n\
         <h1>Error: {reason}</h1>\n<h2>{detail}</h2>\n<h2></h2>\n</body></html>\n"
    )
}

/// The 401 page for `path`, as Cloud Run serves it.
fn unauthorized(path: &str) -> (u16, String, String) {
    let detail =
        format!("Your client does not have permission to the requested URL <code>{path}</code>.");
    (401, HTML.into(), page(401, "Unauthorized", &detail))
}

/// The 403 page for `verb` on `path`.
fn forbidden(verb: &str, path: &str) -> (u16, String, String) {
    let detail = format!(
        "Your client does not have permission to {verb} URL <code>{path}</code> from this server."
    );
    (403, HTML.into(), page(403, "Forbidden", &detail))
}

const HTML: &str = "text/html; charset=UTF-8";

fn hello(email: &str) -> (u16, String, String) {
    (
        200,
        "text/plain; charset=utf-8".into(),
        format!("hello {email}"),
    )
}

#[tokio::test]
async fn run_url_is_a_fourth_listener_stopped_by_shutdown() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let emu = Emulator::start(EmulatorOptions {
        run_port: port,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let url = emu.run_url();
    assert_eq!(url, format!("http://127.0.0.1:{port}"));
    for other in [emu.google_url(), emu.databricks_url()] {
        assert_ne!(url, other);
    }
    assert!(!emu.metadata_host().ends_with(&format!(":{port}")));
    assert_eq!(call(&emu, reqwest::Method::GET, "/", None).await.0, 403);
    emu.shutdown().await;
    assert!(client().get(&url).send().await.is_err());
}

#[tokio::test]
async fn invoker_with_a_token_for_the_url_gets_in_on_any_path_and_method() {
    let emu = start().await;
    emu.grant_run_invoker(COMPUTE_SA);
    let token = mds_id_token(&emu, &emu.run_url()).await;
    assert_eq!(get_with(&emu, "/", &token).await, hello(COMPUTE_SA));
    let bearer = format!("Bearer {token}");
    let posted = call(&emu, reqwest::Method::POST, "/orders/7", Some(&bearer)).await;
    assert_eq!(posted, hello(COMPUTE_SA));
    // The URL with a trailing slash is the same audience.
    let slash = mds_id_token(&emu, &format!("{}/", emu.run_url())).await;
    assert_eq!(get_with(&emu, "/x", &slash).await, hello(COMPUTE_SA));
    emu.shutdown().await;
}

#[tokio::test]
async fn custom_audiences_count_once_registered() {
    let emu = start().await;
    emu.grant_run_invoker(COMPUTE_SA);
    let audience = "https://orders.acme.example";
    let token = mds_id_token(&emu, audience).await;
    assert_eq!(get_with(&emu, "/", &token).await, unauthorized("/"));
    emu.add_run_audience(audience);
    assert_eq!(get_with(&emu, "/", &token).await, hello(COMPUTE_SA));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_valid_token_without_the_invoker_role_is_forbidden() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    let token = key_id_token(&emu, &sa, &emu.run_url()).await;
    assert_eq!(get_with(&emu, "/a", &token).await, forbidden("get", "/a"));
    emu.grant_run_invoker(COMPUTE_SA);
    assert_eq!(get_with(&emu, "/a", &token).await, forbidden("get", "/a"));
    emu.grant_run_invoker(SVC);
    assert_eq!(get_with(&emu, "/a", &token).await, hello(SVC));
    emu.shutdown().await;
}

#[tokio::test]
async fn no_authorization_is_forbidden() {
    let emu = start().await;
    let got = call(&emu, reqwest::Method::GET, "/", None).await;
    assert_eq!(got, forbidden("get", "/"));
    let got = call(&emu, reqwest::Method::POST, "/jobs/a&b", None).await;
    assert_eq!(got, forbidden("post", "/jobs/a&amp;b"));
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_audience_is_unauthorized_even_for_an_invoker() {
    let emu = start().await;
    emu.grant_run_invoker(COMPUTE_SA);
    let token = mds_id_token(&emu, "https://other-service-uc.a.run.app").await;
    assert_eq!(get_with(&emu, "/p", &token).await, unauthorized("/p"));
    let token = mds_id_token(&emu, &format!("{}/p", emu.run_url())).await;
    assert_eq!(get_with(&emu, "/p", &token).await, unauthorized("/p"));
    emu.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_unauthorized_unless_within_the_leeway() {
    let strict = start().await;
    let lenient = start_run(RunOptions {
        leeway_secs: 60,
        ..RunOptions::default()
    })
    .await;
    let mut tokens = Vec::new();
    for emu in [&strict, &lenient] {
        let sa = service_account(emu, 1);
        emu.grant_run_invoker(SVC);
        let token = key_id_token(emu, &sa, &emu.run_url()).await;
        tokens.push(token);
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(get_with(&strict, "/", &tokens[0]).await, unauthorized("/"));
    assert_eq!(get_with(&lenient, "/", &tokens[1]).await, hello(SVC));
    strict.shutdown().await;
    lenient.shutdown().await;
}

#[tokio::test]
async fn forged_unknown_kid_and_garbage_tokens_are_unauthorized() {
    let emu = start().await;
    emu.grant_run_invoker(COMPUTE_SA);
    let good = mds_id_token(&emu, &emu.run_url()).await;
    let header = jsonwebtoken::decode_header(&good).unwrap();
    let claims: Value = jsonwebtoken::dangerous::insecure_decode_claims::<Value>(&good).unwrap();
    let sa = service_account(&emu, 3600);
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(sa["private_key"].as_str().unwrap().as_bytes())
            .unwrap();
    // Same claims and kid, another key: a bad signature.
    let forged = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    // Same claims, a kid the emulator never published.
    let mut unknown = header.clone();
    unknown.kid = Some("0123456789abcdef".into());
    let unknown = jsonwebtoken::encode(&unknown, &claims, &key).unwrap();
    // The real token with its signature cut off.
    let (unsigned, _) = good.rsplit_once('.').unwrap();
    let cut = format!("{unsigned}.");
    for bad in [forged.as_str(), &unknown, &cut, "garbage", "a.b.c"] {
        assert_eq!(get_with(&emu, "/", bad).await, unauthorized("/"), "{bad}");
    }
    let basic = call(&emu, reqwest::Method::GET, "/", Some("Basic dXNlcjpwdw==")).await;
    assert_eq!(basic, unauthorized("/"));
    assert_eq!(get_with(&emu, "/", &good).await, hello(COMPUTE_SA));
    emu.shutdown().await;
}

#[tokio::test]
async fn tokens_of_a_dropped_signing_key_are_unauthorized() {
    let emu = start().await;
    emu.grant_run_invoker(COMPUTE_SA);
    let token = mds_id_token(&emu, &emu.run_url()).await;
    emu.rotate_signing_keys(true).unwrap();
    assert_eq!(get_with(&emu, "/", &token).await, hello(COMPUTE_SA));
    emu.rotate_signing_keys(false).unwrap();
    assert_eq!(get_with(&emu, "/", &token).await, unauthorized("/"));
    let fresh = mds_id_token(&emu, &emu.run_url()).await;
    assert_eq!(get_with(&emu, "/", &fresh).await, hello(COMPUTE_SA));
    emu.shutdown().await;
}

#[tokio::test]
async fn an_id_token_without_email_is_its_service_accounts() {
    let emu = start().await;
    let caller = service_account(&emu, 3600);
    let _target = named_sa(&emu, TARGET);
    grant(&emu, &format!("serviceAccount:{SVC}"), TARGET);
    let bearer = sa_token(&emu, &caller, CLOUD_PLATFORM).await;
    let body = json!({ "audience": emu.run_url() });
    let r = iam_call(&emu, Some(&bearer), TARGET, "generateIdToken", &body).await;
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get_with(&emu, "/", &token).await, forbidden("get", "/"));
    emu.grant_run_invoker(TARGET);
    assert_eq!(get_with(&emu, "/", &token).await, hello(TARGET));
    emu.shutdown().await;
}

#[tokio::test]
async fn an_access_token_is_unauthorized_or_forbidden_as_configured() {
    let by_default = start().await;
    let forbidding = start_run(RunOptions {
        access_token_is_forbidden: true,
        ..RunOptions::default()
    })
    .await;
    for (emu, expected) in [
        (&by_default, unauthorized("/")),
        (&forbidding, forbidden("get", "/")),
    ] {
        emu.grant_run_invoker(SVC);
        let sa = service_account(emu, 3600);
        let token = sa_token(emu, &sa, CLOUD_PLATFORM).await;
        assert_eq!(get_with(emu, "/", &token).await, expected);
    }
    by_default.shutdown().await;
    forbidding.shutdown().await;
}
