//! Any standard issuer, against a real one: panva's certified
//! oidc-provider on 127.0.0.1 (tests/oidc/server.mjs). A confidential
//! client's tokens by client credentials, with the issuer found through its
//! discovery document; revocation confirmed by introspection; narrowing by
//! RFC 8693 token exchange; RFC 9068 JWT access tokens; a discovery
//! document naming another issuer refused.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/oidc_server.rs"]
mod oidc_server;
#[path = "support/settle.rs"]
mod settle;

use listing::{row, tokentop};
use oidc_server::OidcServer;
use std::path::Path;
use tokentop::engine::protocol::{Command, Update};
use tokentop::model::{DecodedBody, SignatureCheck};

/// A home whose profiles file names the server's confidential client as
/// `api` (opaque tokens) and `api-jwt` (JWT access tokens for a resource).
fn home_for(issuer: &str) -> (tempfile::TempDir, String) {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("m2m.secret"), "tt-m2m-secret\n").expect("write");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"api\"\nplatform = \"oidc\"\nissuer = \"{issuer}\"\n\
             client_id = \"tt-m2m\"\nclient_secret_file = \"m2m.secret\"\nscopes = [\"api:read\", \"api:write\"]\n\n\
             [[profile]]\nname = \"api-jwt\"\nplatform = \"oidc\"\nissuer = \"{issuer}/\"\n\
             client_id = \"tt-m2m\"\nclient_secret_file = \"m2m.secret\"\nscopes = [\"api:read\"]\n\
             resource = \"https://api.tokentop.test\"\n"
        ),
    )
    .expect("write");
    (home, profiles.display().to_string())
}

async fn json_of(home: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let run = tokentop(home, args, &[]).await;
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    (run.code, json, run.stderr)
}

#[tokio::test]
async fn a_confidential_client_gets_revokes_and_narrows_tokens_at_a_real_issuer() {
    let server = OidcServer::start().await;
    let (home, profiles) = home_for(&server.issuer);
    let (code, json, stderr) =
        json_of(home.path(), &["--profiles", &profiles, "list", "--json"]).await;
    assert_eq!(code, 0, "{json} {stderr}");
    let api = row(&json, "api");
    assert_eq!(api["platform"], "oidc");
    assert_eq!(api["kind"], "oidc-client");
    assert_eq!(api["principal"], "tt-m2m");
    assert_eq!(api["scopes"], serde_json::json!(["api:read", "api:write"]));
    let ttl = api["ttl_seconds"].as_i64().expect("an expiry");
    assert!((590..=600).contains(&ttl), "the server's 600 s: {api}");

    // RFC 9068: a JWT access token for the resource, its sub and aud read.
    let jwt = row(&json, "api-jwt");
    assert_eq!(jwt["error"], serde_json::Value::Null, "{jwt}");
    assert_eq!(jwt["audience"], "https://api.tokentop.test", "{jwt}");
    assert_eq!(jwt["principal"], "tt-m2m", "its sub: {jwt}");

    // RFC 8693: narrowed to one scope; more than the token holds is refused.
    let (code, child, stderr) = json_of(
        home.path(),
        &[
            "--profiles",
            &profiles,
            "downscope",
            "api",
            "--scope",
            "api:read",
            "--json",
        ],
    )
    .await;
    assert_eq!(code, 0, "{child} {stderr}");
    assert_eq!(child["profile"], "api/downscoped");
    assert_eq!(child["scopes"], serde_json::json!(["api:read"]), "{child}");
    let refused = tokentop(
        home.path(),
        &[
            "--profiles",
            &profiles,
            "downscope",
            "api",
            "--scope",
            "openid",
        ],
        &[],
    )
    .await;
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("scope exceeds subject_token"),
        "{}",
        refused.stderr
    );

    // RFC 7009, confirmed by RFC 7662: the issuer calls it inactive.
    let revoked = tokentop(
        home.path(),
        &["--profiles", &profiles, "revoke", "api"],
        &[],
    )
    .await;
    assert_eq!(revoked.code, 0, "{} {}", revoked.stdout, revoked.stderr);
    let said = format!("{} {}", revoked.stdout, revoked.stderr);
    assert!(
        said.contains("confirmed: its introspection now says active: false"),
        "{said}"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let server = OidcServer::start().await;
    // The same server under another name (localhost): its document says
    // 127.0.0.1, so nothing is sent to it.
    let impostor = server.issuer.replace("127.0.0.1", "localhost");
    let (home, profiles) = home_for(&impostor);
    let (code, json, _) = json_of(home.path(), &["--profiles", &profiles, "list", "--json"]).await;
    assert_eq!(code, 1);
    let api = row(&json, "api");
    let error = api["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("openid-configuration") && error.contains("names issuer"),
        "{api}"
    );
    server.stop().await;
}

/// The report of the next decode.
async fn decoded(handle: &mut tokentop::engine::EngineHandle) -> tokentop::model::DecodeReport {
    loop {
        if let Update::Decoded(report) = settle::next(handle).await {
            return report;
        }
    }
}

/// The kid a JWT decode verified with, or why not.
fn verified_kid(report: &tokentop::model::DecodeReport) -> String {
    match &report.body {
        DecodedBody::Jwt {
            signature: SignatureCheck::Verified { kid, .. },
            ..
        } => kid.clone(),
        other => panic!("not verified: {other:?}"),
    }
}

#[tokio::test]
async fn jwts_verify_with_the_issuers_keys_through_a_key_rotation_and_opaque_tokens_are_introspected()
 {
    let server = OidcServer::start().await;
    let port = server.port();
    let (_home, profiles) = home_for(&server.issuer);
    let discovery = tokentop::sources::DiscoveryConfig {
        profiles_file: Some(profiles.into()),
        ..tokentop::sources::DiscoveryConfig::default()
    };
    let mut handle = tokentop::engine::start(
        tokentop::engine::EngineConfig::new(discovery, false),
        std::sync::Arc::new(tokentop::model::SystemClock),
    )
    .expect("engine");
    let rows = settle::first_rows(&mut handle).await;
    let id = |profile: &str| {
        rows.iter()
            .find(|r| r.profile == profile)
            .map(|r| r.id.clone())
            .expect("row")
    };
    let (jwt, opaque) = (id("api-jwt"), id("api"));
    for row in [&jwt, &opaque] {
        let row = settle::refreshed(&mut handle, row).await;
        assert!(row.error.is_none(), "{:?}", row.error);
    }

    handle
        .commands
        .send(Command::Decode(jwt.clone()))
        .await
        .expect("send");
    let first = verified_kid(&decoded(&mut handle).await);

    handle
        .commands
        .send(Command::Decode(opaque.clone()))
        .await
        .expect("send");
    let report = decoded(&mut handle).await;
    let DecodedBody::Opaque {
        tokeninfo: Ok(said),
    } = &report.body
    else {
        panic!("{:?}", report.body);
    };
    assert_eq!(said["active"], true, "{said}");
    assert_eq!(said["client_id"], "tt-m2m", "{said}");

    // The issuer restarts with a new key: the new token's kid is unknown to
    // the cached key set, which is fetched again once.
    server.stop().await;
    let server = OidcServer::start_on(port).await;
    let row = settle::refreshed(&mut handle, &jwt).await;
    assert!(row.error.is_none(), "{:?}", row.error);
    handle
        .commands
        .send(Command::Decode(jwt.clone()))
        .await
        .expect("send");
    let second = verified_kid(&decoded(&mut handle).await);
    assert_ne!(first, second, "signed with the new key");
    handle.shutdown().await;
    server.stop().await;
}
