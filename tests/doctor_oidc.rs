//! The doctor against a real issuer (oidc-provider): its userinfo
//! endpoint is a resource server that refuses a client's own token, a JWT
//! meant for another resource, and a revoked token, each for its reason.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/oidc_server.rs"]
mod oidc_server;
#[path = "support/settle.rs"]
mod settle;

use listing::tokentop;
use oidc_server::OidcServer;
use tokentop::engine::protocol::{Command, Update};
use tokentop::model::{Cause, DoctorAsk};

#[tokio::test]
async fn the_issuers_userinfo_refuses_a_clients_token_and_another_resources_jwt() {
    let server = OidcServer::start().await;
    let (home, profiles) = oidc_server::m2m_home(&server.issuer);
    let args =
        |profile: &'static str| ["--profiles", &profiles, "doctor", profile].map(String::from);

    let run = tokentop(
        home.path(),
        &args("api").each_ref().map(String::as_str),
        &[],
    )
    .await;
    assert_eq!(run.code, 11, "{} {}", run.stdout, run.stderr);
    for said in [
        "HTTP 401",
        "error=\"invalid_token\"",
        "issuer       says it is active",
        "a token of a kind it does not take",
        &format!("{}/me (oauth)", server.issuer),
    ] {
        assert!(run.stdout.contains(said), "{said}: {}", run.stdout);
    }

    let run = tokentop(
        home.path(),
        &args("api-jwt").each_ref().map(String::as_str),
        &[],
    )
    .await;
    assert_eq!(run.code, 11, "{} {}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("its audience does not name this target")
            && run.stdout.contains("token aud: https://api.tokentop.test")
            && run.stdout.contains("signature    verified"),
        "{}",
        run.stdout
    );

    // JSON for scripts, without the client's secret.
    let run = tokentop(
        home.path(),
        &["--profiles", &profiles, "doctor", "api", "--json"],
        &[],
    )
    .await;
    assert_eq!(run.code, 11, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["diagnosis"]["cause"], "wrong-token-type", "{report}");
    assert_eq!(report["response"]["status"], 401);
    assert_eq!(report["response"]["challenge"]["error"], "invalid_token");
    assert!(!run.stdout.contains("tt-m2m-secret"));

    // Nothing listening: unreachable (16); plain http off loopback: nothing sent (1).
    let closed = "http://127.0.0.1:9/";
    let run = tokentop(
        home.path(),
        &["--profiles", &profiles, "doctor", "api", "--url", closed],
        &[],
    )
    .await;
    assert_eq!(run.code, 16, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no answer"), "{}", run.stdout);
    let run = tokentop(
        home.path(),
        &[
            "--profiles",
            &profiles,
            "doctor",
            "api",
            "--url",
            "http://api.example.test/",
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{} {}", run.stdout, run.stderr);
    assert!(run.stdout.contains("http"), "{}", run.stdout);
    server.stop().await;
}

#[tokio::test]
async fn a_token_revoked_at_the_issuer_is_named_revoked() {
    let server = OidcServer::start().await;
    let (_home, profiles) = oidc_server::m2m_home(&server.issuer);
    let discovery = tokentop::sources::DiscoveryConfig {
        profiles_file: Some(profiles.into()),
        ..tokentop::sources::DiscoveryConfig::default()
    };
    let mut handle = tokentop::engine::start(
        tokentop::engine::EngineConfig::new(discovery, false),
        std::sync::Arc::new(tokentop::model::SystemClock),
    )
    .expect("engine");
    let id = settle::first_id(&mut handle, "api").await;
    let row = settle::refreshed(&mut handle, &id).await;
    assert!(row.error.is_none(), "{:?}", row.error);
    handle
        .commands
        .send(Command::Revoke(id.clone()))
        .await
        .expect("send");
    let row = settle::settled(&mut handle, &id).await;
    assert_eq!(row.status, tokentop::model::Status::Revoked, "{row:?}");

    handle
        .commands
        .send(Command::Doctor(id.clone(), DoctorAsk::default()))
        .await
        .expect("send");
    let report = loop {
        if let Update::Diagnosed(report) = settle::next(&mut handle).await {
            break report;
        }
    };
    assert_eq!(report.diagnosis.cause, Cause::Revoked, "{report:?}");
    assert_eq!(report.token.issuer_says_active, Some(false));
    assert_eq!(report.response.as_ref().map(|r| r.status), Some(401));
    handle.shutdown().await;
    server.stop().await;
}
