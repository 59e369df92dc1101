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

async fn json_of(home: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let run = tokentop(home, args, &[]).await;
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    (run.code, json, run.stderr)
}

/// `tokentop revoke PROFILE` succeeds, and the issuer's introspection
/// confirms it (RFC 7009, then RFC 7662).
async fn revoked_and_confirmed(home: &Path, profiles: &str, profile: &str) {
    let revoked = tokentop(home, &["--profiles", profiles, "revoke", profile], &[]).await;
    assert_eq!(revoked.code, 0, "{} {}", revoked.stdout, revoked.stderr);
    let said = format!("{} {}", revoked.stdout, revoked.stderr);
    assert!(
        said.contains("confirmed: its introspection now says active: false"),
        "{said}"
    );
}

#[tokio::test]
async fn a_confidential_client_gets_revokes_and_narrows_tokens_at_a_real_issuer() {
    let server = OidcServer::start().await;
    let (home, profiles) = oidc_server::m2m_home(&server.issuer);
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
    revoked_and_confirmed(home.path(), &profiles, "api").await;
    server.stop().await;
}

#[tokio::test]
async fn a_client_proves_itself_with_a_signed_jwt() {
    let server = OidcServer::start().await;
    let home = tempfile::tempdir().expect("tempdir");
    let stranger = home.path().join("stranger.pem");
    let key = std::fs::read_to_string(&server.client_key).expect("the client's key");
    // Another server's client key: this issuer does not know it.
    let other = OidcServer::start().await;
    std::fs::copy(&other.client_key, &stranger).expect("copy");
    other.stop().await;
    let profiles = home.path().join("profiles.toml");
    std::fs::write(home.path().join("tt-jwt.pem"), key).expect("write");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"signed\"\nplatform = \"oidc\"\nissuer = \"{0}\"\nclient_id = \"tt-jwt\"\n\
             client_key_file = \"tt-jwt.pem\"\nscopes = [\"api:read\"]\n\n\
             [[profile]]\nname = \"impostor\"\nplatform = \"oidc\"\nissuer = \"{0}\"\nclient_id = \"tt-jwt\"\n\
             client_key_file = \"stranger.pem\"\nclient_auth = \"private_key_jwt\"\n",
            server.issuer
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();
    let (_, json, _) = json_of(home.path(), &["--profiles", &profiles, "list", "--json"]).await;
    let signed = row(&json, "signed");
    assert_eq!(signed["error"], serde_json::Value::Null, "{signed}");
    assert_eq!(signed["status"], "live", "{signed}");
    assert!(
        signed["details"].to_string().contains("private_key_jwt"),
        "{signed}"
    );
    let impostor = row(&json, "impostor");
    assert!(
        impostor["error"]
            .as_str()
            .is_some_and(|e| e.contains("invalid_client")),
        "{impostor}"
    );
    assert!(!json.to_string().contains("PRIVATE KEY"));
    // Revocation and introspection prove the client the same way.
    revoked_and_confirmed(home.path(), &profiles, "signed").await;
    server.stop().await;
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_refused() {
    let server = OidcServer::start().await;
    // The same server under another name (localhost): its document says
    // 127.0.0.1, so nothing is sent to it.
    let impostor = server.issuer.replace("127.0.0.1", "localhost");
    let (home, profiles) = oidc_server::m2m_home(&impostor);
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

/// Asks for a decode of `id` and waits for its report.
async fn decoded(
    handle: &mut tokentop::engine::EngineHandle,
    id: &tokentop::model::CredentialId,
) -> tokentop::model::DecodeReport {
    handle
        .commands
        .send(Command::Decode(id.clone()))
        .await
        .expect("send");
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

    let first = verified_kid(&decoded(&mut handle, &jwt).await);

    let report = decoded(&mut handle, &opaque).await;
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
    let second = verified_kid(&decoded(&mut handle, &jwt).await);
    assert_ne!(first, second, "signed with the new key");
    handle.shutdown().await;
    server.stop().await;
}

#[tokio::test]
async fn a_public_client_signs_in_from_another_device_and_stays_signed_in() {
    let server = OidcServer::start().await;
    let home = tempfile::tempdir().expect("tempdir");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"laptop\"\nplatform = \"oidc\"\nissuer = \"{}\"\n\
             client_id = \"tt-device\"\nscopes = [\"openid\", \"email\", \"api:read\"]\n",
            server.issuer
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();

    // Before: a public client has no token until it is signed in.
    let (_, json, _) = json_of(home.path(), &["--profiles", &profiles, "list", "--json"]).await;
    let before = row(&json, "laptop");
    assert!(
        before["capabilities"]["refresh_blocked"]
            .as_str()
            .is_some_and(|why| why.contains("signing in")),
        "{before}"
    );

    let mut login = tokio::process::Command::new(listing::BIN)
        .args(["--profiles", &profiles, "login", "laptop", "--json"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("tokentop login");
    let stderr = login.stderr.take().expect("stderr");
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let mut said = String::new();
    let code = tokio::time::timeout(std::time::Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.expect("read") {
            said.push_str(&line);
            said.push('\n');
            let word = line.trim();
            if word.len() == 9 && word.as_bytes()[4] == b'-' {
                return word.to_string();
            }
        }
        panic!("no code: {said}");
    })
    .await
    .expect("a code within 120 s");
    assert!(
        said.contains(&format!("{}/device", server.issuer)),
        "{said}"
    );

    // Someone approves on another device.
    let approve =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/approve_device.sh");
    let approved = tokio::process::Command::new("bash")
        .arg(approve)
        .args([&server.issuer, &code, "alice"])
        .output()
        .await
        .expect("approve");
    assert!(
        String::from_utf8_lossy(&approved.stdout).contains("Sign-in Success"),
        "code {code}: {} / {} / {said}",
        String::from_utf8_lossy(&approved.stdout),
        String::from_utf8_lossy(&approved.stderr)
    );
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), login.wait_with_output())
        .await
        .expect("signed in within 60 s")
        .expect("exit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(after["status"], "live", "{after}");
    assert_eq!(
        after["principal"], "alice@example.test",
        "the ID token's email: {after}"
    );

    // The refresh token is kept (0600), and the sign-in lasts: each later
    // run refreshes with it, and keeps the one the issuer rotates to.
    let store = home.path().join("state/tokentop/logins.json");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&store).expect("kept").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    for run in 0..2 {
        let (code, json, stderr) =
            json_of(home.path(), &["--profiles", &profiles, "list", "--json"]).await;
        let laptop = row(&json, "laptop");
        assert_eq!(code, 0, "run {run}: {laptop} {stderr}");
        assert_eq!(laptop["status"], "live", "run {run}: {laptop}");
    }

    // A user's token is what the issuer's userinfo takes: the doctor says
    // it is accepted (exit 0).
    let doctor = tokentop(
        home.path(),
        &["--profiles", &profiles, "doctor", "laptop"],
        &[],
    )
    .await;
    assert_eq!(doctor.code, 0, "{} {}", doctor.stdout, doctor.stderr);
    assert!(doctor.stdout.contains("✓ accepted"), "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains(&format!("{}/me", server.issuer)),
        "{}",
        doctor.stdout
    );

    // A sign-in the issuer no longer honours says how to make it again.
    let kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&store).expect("read")).expect("JSON");
    let spent = kept.to_string().replace(
        kept["logins"]
            .as_object()
            .and_then(|l| l.values().next())
            .expect("one")["refresh_token"]
            .as_str()
            .expect("token"),
        "no-longer-valid",
    );
    std::fs::write(&store, spent).expect("write");
    let (code, json, _) = json_of(home.path(), &["--profiles", &profiles, "list", "--json"]).await;
    let laptop = row(&json, "laptop");
    assert_eq!(code, 1, "{laptop}");
    assert_eq!(laptop["fix"], "tokentop login laptop", "{laptop}");
    assert_eq!(laptop["error_cause"], "invalid-grant", "{laptop}");
    server.stop().await;
}

#[tokio::test]
async fn a_client_secret_can_come_from_the_environment_and_its_absence_is_named() {
    let server = OidcServer::start().await;
    let home = tempfile::tempdir().expect("tempdir");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"ci\"\nplatform = \"oidc\"\nissuer = \"{}\"\nclient_id = \"tt-m2m\"\n\
             client_secret_env = \"TT_M2M_SECRET\"\nscopes = [\"api:read\"]\n",
            server.issuer
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();
    let args = ["--profiles", profiles.as_str(), "list", "--json"];
    let run = tokentop(home.path(), &args, &[("TT_M2M_SECRET", "tt-m2m-secret")]).await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(row(&json, "ci")["status"], "live", "{json}");
    assert!(!run.stdout.contains("tt-m2m-secret"));
    // Unset: the profile says which variable, and nothing is sent.
    let run = tokentop(home.path(), &args, &[]).await;
    assert!(
        run.stdout
            .contains("`client_secret_env`: the variable TT_M2M_SECRET is not set"),
        "{}",
        run.stdout
    );
    server.stop().await;
}
