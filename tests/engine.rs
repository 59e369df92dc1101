//! The engine against the emulator over real HTTP on loopback: discovery of
//! the demo profiles, refresh, decode (JWT + JWKS, opaque + tokeninfo), revoke
//! with server-side confirmation, and a failed refresh that keeps the last
//! good token.

use std::sync::Arc;
use std::time::Duration;
use tokentop::audit::Journal;
use tokentop::emulator::{Emulator, EmulatorOptions};
use tokentop::engine::protocol::{Command, CopyForm, Level, Reveal, Update};
use tokentop::engine::{self, EngineHandle};
use tokentop::model::{
    DecodeReport, DecodedBody, Platform, Row, SignatureCheck, Status, SystemClock, TokenRole,
};
use tokentop::sources::DiscoveryConfig;

struct Setup {
    _emulator: Emulator,
    dir: tempfile::TempDir,
    handle: EngineHandle,
    rows: Vec<Row>,
}

async fn setup() -> Setup {
    setup_with(|config| config).await
}

async fn setup_with(configure: impl FnOnce(engine::EngineConfig) -> engine::EngineConfig) -> Setup {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    let discovery = DiscoveryConfig {
        profiles_file: Some(profiles),
        ..DiscoveryConfig::default()
    };
    let mut handle = engine::start(
        configure(engine::EngineConfig::new(discovery, true)),
        Arc::new(SystemClock),
    )
    .expect("engine");
    let mut rows = match recv(&mut handle).await {
        Update::Snapshot {
            rows,
            source_errors,
            ..
        } => {
            assert!(source_errors.is_empty(), "{source_errors:?}");
            rows
        }
        other => panic!("expected a snapshot first, got {other:?}"),
    };
    while !rows
        .iter()
        .all(|r| r.status == Status::Live && r.busy.is_none())
    {
        match recv(&mut handle).await {
            Update::Row(row) => {
                assert!(row.error.is_none(), "{}: {:?}", row.profile, row.error);
                let slot = rows.iter_mut().find(|r| r.id == row.id).expect("known row");
                *slot = *row;
            }
            Update::Notice {
                level: Level::Error,
                text,
            } => panic!("{text}"),
            _ => {}
        }
    }
    Setup {
        _emulator: emulator,
        dir,
        handle,
        rows,
    }
}

async fn recv(handle: &mut EngineHandle) -> Update {
    tokio::time::timeout(Duration::from_secs(20), handle.updates.recv())
        .await
        .expect("an update within 20 s")
        .expect("engine alive")
}

fn row<'a>(rows: &'a [Row], profile: &str) -> &'a Row {
    rows.iter()
        .find(|r| r.profile == profile)
        .unwrap_or_else(|| panic!("no row {profile}"))
}

/// The next row update for `profile` that is no longer busy.
async fn settled_row(handle: &mut EngineHandle, profile: &str) -> Row {
    loop {
        if let Update::Row(row) = recv(handle).await
            && row.profile == profile
            && row.busy.is_none()
        {
            return *row;
        }
    }
}

async fn decoded(handle: &mut EngineHandle) -> DecodeReport {
    loop {
        match recv(handle).await {
            Update::Decoded(report) => return report,
            Update::Notice {
                level: Level::Error,
                text,
            } => panic!("{text}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn every_demo_profile_gets_a_live_token() {
    let s = setup().await;
    assert_eq!(s.rows.len(), 5);
    for platform in [
        Platform::Dataproc,
        Platform::Dataflow,
        Platform::CloudRun,
        Platform::Databricks,
    ] {
        assert!(
            s.rows.iter().any(|r| r.platform == platform),
            "{platform:?}"
        );
    }
    let now = chrono::Utc::now();
    let ttl = |p: &str| {
        row(&s.rows, p)
            .remaining(now)
            .expect("expiry")
            .num_seconds()
    };
    assert!(
        (3200..=3300).contains(&ttl("etl-dataproc")),
        "{}",
        ttl("etl-dataproc")
    );
    assert!(
        (420..=480).contains(&ttl("nightly-dataflow")),
        "{}",
        ttl("nightly-dataflow")
    );
    assert!(
        (60..=100).contains(&ttl("lakehouse-batch")),
        "{}",
        ttl("lakehouse-batch")
    );
    let run = row(&s.rows, "orders-api");
    assert_eq!(run.token_role, Some(TokenRole::Id));
    assert_eq!(
        run.audience.as_deref(),
        Some("https://orders-api-x7k2q-uc.a.run.app")
    );
    let dbx = row(&s.rows, "lakehouse");
    assert_eq!(dbx.scopes, vec!["all-apis".to_string()]);
    assert!(
        dbx.audience.is_some(),
        "the workspace id from the JWT's aud"
    );
    for r in &s.rows {
        let fp = r.fingerprint.as_deref().expect("fingerprint");
        assert!(fp.starts_with("sha256:") && fp.len() == 15, "{fp}");
    }
}

#[tokio::test]
async fn refresh_replaces_the_token_and_its_expiry() {
    let mut s = setup().await;
    let before = row(&s.rows, "etl-dataproc").clone();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.handle
        .commands
        .send(Command::Refresh(before.id.clone()))
        .await
        .expect("send");
    let after = settled_row(&mut s.handle, "etl-dataproc").await;
    assert_ne!(after.fingerprint, before.fingerprint);
    assert!(after.expires_at > before.expires_at);
    assert_eq!(after.error, None);
}

#[tokio::test]
async fn decode_verifies_jwts_and_inspects_opaque_tokens() {
    let mut s = setup().await;
    for profile in ["orders-api", "lakehouse"] {
        let id = row(&s.rows, profile).id.clone();
        s.handle
            .commands
            .send(Command::Decode(id))
            .await
            .expect("send");
        let report = decoded(&mut s.handle).await;
        assert_eq!(report.profile, profile);
        let DecodedBody::Jwt {
            claims,
            signature,
            header,
        } = &report.body
        else {
            panic!("{profile}: not a JWT")
        };
        assert!(
            matches!(signature, SignatureCheck::Verified { .. }),
            "{profile}: {signature:?}"
        );
        assert!(claims.get("exp").is_some() && claims.get("iss").is_some());
        if profile == "lakehouse" {
            assert_eq!(header["typ"], "at+jwt");
            assert_eq!(claims["scope"], "all-apis");
        } else {
            assert_eq!(claims["aud"], "https://orders-api-x7k2q-uc.a.run.app");
        }
    }
    let id = row(&s.rows, "etl-dataproc").id.clone();
    s.handle
        .commands
        .send(Command::Decode(id))
        .await
        .expect("send");
    let report = decoded(&mut s.handle).await;
    let DecodedBody::Opaque {
        tokeninfo: Ok(info),
    } = &report.body
    else {
        panic!("{:?}", report.body)
    };
    assert!(
        info["scope"]
            .as_str()
            .unwrap_or_default()
            .contains("cloud-platform"),
        "{info}"
    );
    assert!(
        info["expires_in"].is_string(),
        "tokeninfo numerics are strings: {info}"
    );
}

#[tokio::test]
async fn revoke_is_confirmed_server_side_and_a_failed_refresh_keeps_the_last_token() {
    let journal_dir = tempfile::tempdir().expect("tempdir");
    let journal = journal_dir.path().join("audit.jsonl");
    let mut s = setup_with(|c| c.journal(Journal::at(&journal))).await;
    let before = row(&s.rows, "nightly-dataflow").clone();
    s.handle
        .commands
        .send(Command::Revoke(before.id.clone()))
        .await
        .expect("send");
    let mut confirmed = None;
    let revoked = loop {
        match recv(&mut s.handle).await {
            Update::Notice { text, .. } => confirmed = Some(text),
            Update::Row(r) if r.profile == "nightly-dataflow" && r.busy.is_none() => break *r,
            _ => {}
        }
    };
    assert_eq!(revoked.status, Status::Revoked);
    let confirmed = confirmed.expect("a notice");
    assert!(
        confirmed.contains("confirmed: tokeninfo now answers 400"),
        "{confirmed}"
    );

    // Revoking the access token killed the refresh token too (wire.md §2.4).
    s.handle
        .commands
        .send(Command::Refresh(before.id.clone()))
        .await
        .expect("send");
    let failed = settled_row(&mut s.handle, "nightly-dataflow").await;
    let problem = failed.error.expect("refresh must fail");
    assert_eq!(problem.cause(), "invalid-grant", "{problem}");
    // Said in words, with what fixes it.
    assert!(
        problem
            .to_string()
            .starts_with("refresh failed: the sign-in has expired or was revoked ("),
        "{problem}"
    );
    assert!(
        failed
            .fix
            .as_deref()
            .is_some_and(|fix| fix.contains("gcloud auth application-default login")),
        "{:?}",
        failed.fix
    );
    let error = problem.to_string();
    assert!(error.contains("invalid_grant"), "{error}");
    assert!(error.contains("/token"), "names the endpoint: {error}");
    assert_eq!(
        failed.fingerprint, before.fingerprint,
        "last good token stays visible"
    );

    // The journal holds every refresh and the revocation, by fingerprint.
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        !text.contains("ya29.") && !text.contains("eyJ"),
        "a raw token in the journal:\n{text}"
    );
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let of = |action: &str| {
        lines
            .iter()
            .filter(|l| l["action"] == action && l["profile"] == "nightly-dataflow")
            .cloned()
            .collect::<Vec<_>>()
    };
    let (refreshes, revokes) = (of("refresh"), of("revoke"));
    assert_eq!(
        lines.len(),
        5 + 2,
        "five first refreshes, a revoke, a failed refresh:\n{text}"
    );
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0]["before"], serde_json::json!(before.fingerprint));
    assert!(
        revokes[0]["result"]
            .as_str()
            .unwrap_or_default()
            .starts_with("ok; confirmed"),
        "{}",
        revokes[0]
    );
    assert_eq!(refreshes.len(), 2);
    assert_eq!(refreshes[0]["after"], serde_json::json!(before.fingerprint));
    assert!(
        refreshes[1]["result"]
            .as_str()
            .unwrap_or_default()
            .contains("invalid_grant"),
        "{}",
        refreshes[1]
    );
    assert_eq!(
        refreshes[1]["after"],
        serde_json::Value::Null,
        "a failed refresh issues nothing"
    );
}

/// Asks to revoke `profile`'s token and returns the warning that refuses it.
async fn refused_revoke(s: &mut Setup, profile: &str) -> String {
    let id = row(&s.rows, profile).id.clone();
    s.handle
        .commands
        .send(Command::Revoke(id))
        .await
        .expect("send");
    loop {
        if let Update::Notice { level, text } = recv(&mut s.handle).await {
            assert_eq!(level, Level::Warn, "{text}");
            return text;
        }
    }
}

#[tokio::test]
async fn tokens_google_and_databricks_cannot_revoke_say_so_and_what_cuts_access() {
    let mut s = setup().await;
    let text = refused_revoke(&mut s, "lakehouse").await;
    assert!(text.contains("revocation endpoint"), "{text}");
    let text = refused_revoke(&mut s, "etl-dataproc").await;
    assert!(
        text.contains("stays valid until it expires") && text.contains("keys disable"),
        "{text}"
    );
    let text = refused_revoke(&mut s, "orders-api").await;
    assert!(text.contains("ID tokens cannot be revoked"), "{text}");
}

#[tokio::test]
async fn edited_files_are_re_read_and_new_profiles_fetched() {
    let mut s = setup_with(engine::EngineConfig::watching).await;
    let profiles = s.dir.path().join("profiles.toml");
    let text = std::fs::read_to_string(&profiles).expect("read");
    let copy = "\n[[profile]]\nname = \"etl-copy\"\nplatform = \"dataproc\"\ngoogle_credentials = \"dataproc-etl.json\"\n";
    // Editors write a new file and rename it over the old one.
    let staged = s.dir.path().join(".profiles.toml.new");
    std::fs::write(&staged, format!("{text}{copy}")).expect("write");
    std::fs::rename(&staged, &profiles).expect("rename");
    let rows = loop {
        if let Update::Snapshot { rows, .. } = recv(&mut s.handle).await {
            break rows;
        }
    };
    assert_eq!(rows.len(), 6);
    let kept = row(&rows, "etl-dataproc");
    assert_eq!(
        kept.fingerprint,
        row(&s.rows, "etl-dataproc").fingerprint,
        "known credentials keep their tokens"
    );
    // The copy has no endpoint overrides: the key file's token_uri (the
    // emulator's) is used, as google-cloud-rust does.
    let fresh = settled_row(&mut s.handle, "etl-copy").await;
    assert_eq!(fresh.status, Status::Live, "{:?}", fresh.error);

    // A broken file is reported by name; its row stays with its last good
    // token and the file's error, and the other rows are untouched.
    std::fs::write(s.dir.path().join("oncall-adc.json"), "{ not json").expect("write");
    let (rows, errors) = loop {
        if let Update::Snapshot {
            rows,
            source_errors,
            ..
        } = recv(&mut s.handle).await
        {
            break (rows, source_errors);
        }
    };
    assert_eq!(rows.len(), 6);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("oncall-adc.json") && e.contains("not valid JSON")),
        "{errors:?}"
    );
    let broken = row(&rows, "nightly-dataflow");
    let error = broken
        .error
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        error.contains("source unreadable") && error.contains("oncall-adc.json"),
        "{error}"
    );
    assert_eq!(
        broken.fingerprint,
        row(&s.rows, "nightly-dataflow").fingerprint
    );
}

#[tokio::test]
async fn a_changed_secret_drops_the_old_token_and_fetches_a_new_one() {
    let mut s = setup_with(engine::EngineConfig::watching).await;
    let before = row(&s.rows, "lakehouse").clone();
    let cfg = s.dir.path().join("databrickscfg");
    let text = std::fs::read_to_string(&cfg).expect("read");
    // Rotate the secret to a wrong one: the old token must not be shown under it.
    let rotated = text.replacen("client_secret = ", "client_secret = rotated-", 1);
    std::fs::write(&cfg, rotated).expect("write");
    let after = loop {
        if let Update::Snapshot { rows, .. } = recv(&mut s.handle).await {
            break row(&rows, "lakehouse").clone();
        }
    };
    assert_eq!(
        after.fingerprint, None,
        "the old token belonged to the old secret"
    );
    let refetched = settled_row(&mut s.handle, "lakehouse").await;
    let problem = refetched.error.expect("the rotated secret is wrong");
    assert_eq!(
        problem.provider_error().and_then(|e| e.oauth_error()),
        Some("invalid_client"),
        "{problem}"
    );
    assert_ne!(before.fingerprint, None);
}

#[tokio::test]
async fn a_read_only_engine_obtains_nothing_and_refuses_changes() {
    read_only_refuses(true).await;
}

#[tokio::test]
async fn read_only_asked_for_later_refuses_from_then_on() {
    read_only_refuses(false).await;
}

/// Read-only from the start (`--readonly`) or from [`Command::ReadOnly`]
/// (the dashboard's `:readonly`): changes are refused, no token endpoint is asked.
async fn read_only_refuses(from_start: bool) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    let discovery = DiscoveryConfig {
        profiles_file: Some(profiles),
        ..DiscoveryConfig::default()
    };
    let config = engine::EngineConfig::new(discovery, false);
    let config = if from_start {
        config.readonly()
    } else {
        config
    };
    let mut handle = engine::start(config, Arc::new(SystemClock)).expect("engine");
    let rows = match recv(&mut handle).await {
        Update::Snapshot { rows, .. } => rows,
        other => panic!("expected a snapshot first, got {other:?}"),
    };
    if !from_start {
        handle.commands.send(Command::ReadOnly).await.expect("send");
    }
    let id = rows[0].id.clone();
    for command in [
        Command::Refresh(id.clone()),
        Command::Revoke(id.clone()),
        Command::Login(id),
    ] {
        handle.commands.send(command).await.expect("send");
        loop {
            match recv(&mut handle).await {
                Update::Notice { text, .. } => {
                    assert!(text.contains("read-only"), "{text}");
                    break;
                }
                // Turning read-only on sends every row again (nothing is
                // kept alive now).
                Update::Row(row) if !from_start => assert!(!row.auto_refresh),
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
    }
    let asked = emulator
        .fault_stats()
        .endpoint(tokentop::emulator::FaultEndpoint::GoogleToken)
        .requests
        + emulator
            .fault_stats()
            .endpoint(tokentop::emulator::FaultEndpoint::DatabricksToken)
            .requests;
    assert_eq!(asked, 0, "no token endpoint was asked");
    handle.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_copy_and_a_reveal_are_journalled_by_fingerprint_and_told_to_the_dashboard() {
    let journal_dir = tempfile::tempdir().expect("tempdir");
    let journal = journal_dir.path().join("audit.jsonl");
    let mut s = setup_with(|c| c.journal(Journal::at(&journal))).await;
    let etl = row(&s.rows, "etl-dataproc").clone();
    let fingerprint = etl.fingerprint.clone().expect("a token");
    for purpose in [Reveal::Copy(CopyForm::Header), Reveal::Show] {
        s.handle
            .commands
            .send(Command::Reveal(etl.id.clone(), purpose))
            .await
            .expect("send");
        let mut told = None;
        let token = loop {
            match recv(&mut s.handle).await {
                Update::Journaled(line) => told = Some(line),
                Update::Revealed {
                    token, purpose: p, ..
                } if p == purpose => break token,
                _ => {}
            }
        };
        let told = told.expect("the dashboard is told");
        assert_eq!(told.action, purpose.action());
        assert_eq!(told.before.as_deref(), Some(fingerprint.as_str()));
        assert_eq!(told.result, "ok");
        assert_eq!(
            told.file.as_deref(),
            Some(journal.display().to_string().as_str())
        );
        // A copy is its text, made from the token; a reveal the token itself.
        match purpose {
            Reveal::Copy(_) => {
                let header = token.expose();
                let bare = header
                    .strip_prefix("Authorization: Bearer ")
                    .expect("a header");
                assert_eq!(
                    tokentop::model::Secret::new(bare).fingerprint(),
                    fingerprint
                );
            }
            _ => assert_eq!(token.fingerprint(), fingerprint),
        }
    }
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        text.contains("\"action\":\"copy-header\"") && text.contains("\"action\":\"show\""),
        "{text}"
    );
    assert!(!text.contains("ya29.") && !text.contains("eyJ"), "{text}");
}
