//! The metadata server, as tokentop sees it on a Dataproc or Dataflow
//! worker or in Cloud Run: the emulator's metadata server over real HTTP,
//! reached through `GCE_METADATA_HOST` as google-auth reaches it.

#[path = "support/listing.rs"]
mod listing;

use listing::list;
use std::sync::Arc;
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions};
use tokentop::engine::protocol::{Command, Level, Update};
use tokentop::engine::{self, EngineConfig};
use tokentop::model::{Row, SystemClock};
use tokentop::sources::{DiscoveryConfig, GoogleEnv};

async fn emulator() -> Emulator {
    Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator")
}

fn credentials(stdout: &str) -> Vec<serde_json::Value> {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    json["credentials"].as_array().expect("array").clone()
}

#[tokio::test]
async fn list_shows_every_service_account_with_its_token_and_the_default_one_as_adc() {
    let emulator = emulator().await;
    let home = tempfile::tempdir().expect("tempdir");
    let host = emulator.metadata_host();
    let run = list(home.path(), &["--json"], &[("GCE_METADATA_HOST", &host)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let creds = credentials(&run.stdout);
    assert_eq!(creds.len(), 2, "{creds:?}");
    let default = &creds[0];
    assert_eq!(default["profile"], "metadata");
    assert_eq!(
        default["principal"],
        "123456789012-compute@developer.gserviceaccount.com"
    );
    assert_eq!(default["credential_type"], "compute_engine");
    assert_eq!(default["active_adc"], true);
    assert_eq!(default["project"], "tokentop-demo");
    assert_eq!(default["tokens"][0]["role"], "access");
    let ttl = default["ttl_seconds"].as_i64().expect("a TTL");
    assert!((3500..=3600).contains(&ttl), "{ttl}");
    assert!(
        default["details"]
            .to_string()
            .contains("zone us-central1-a"),
        "{default}"
    );
    let other = &creds[1];
    assert_eq!(other["active_adc"], false);
    assert_eq!(
        other["shadowed_by"],
        serde_json::Value::Null,
        "not in the chain"
    );
    assert_eq!(
        other["principal"],
        "etl-runner@tokentop-demo.iam.gserviceaccount.com"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_adc_file_shadows_the_metadata_server() {
    let emulator = emulator().await;
    let home = tempfile::tempdir().expect("tempdir");
    let gcloud = home.path().join(".config/gcloud");
    std::fs::create_dir_all(&gcloud).expect("mkdir");
    std::fs::write(
        gcloud.join("application_default_credentials.json"),
        r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//r"}"#,
    )
    .expect("write");
    let host = emulator.metadata_host();
    let run = list(
        home.path(),
        &["--json", "--no-refresh"],
        &[("GCE_METADATA_HOST", &host)],
    )
    .await;
    let creds = credentials(&run.stdout);
    let active: Vec<&serde_json::Value> =
        creds.iter().filter(|c| c["active_adc"] == true).collect();
    assert_eq!(active.len(), 1, "{creds:?}");
    assert_eq!(active[0]["credential_type"], "authorized_user");
    let metadata = creds
        .iter()
        .find(|c| c["profile"] == "metadata")
        .expect("the metadata server is still shown");
    let shadow = metadata["shadowed_by"].as_str().expect("shadowed");
    assert!(
        shadow.contains("gcloud's ADC file")
            && shadow.contains("application_default_credentials.json"),
        "{shadow}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_server_without_the_flavor_header_is_not_a_metadata_server() {
    // Answers every request 200 with a plausible listing, but without
    // `Metadata-Flavor: Google`.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let body = "default/\n";
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    let home = tempfile::tempdir().expect("tempdir");
    let run = list(home.path(), &["--json"], &[("GCE_METADATA_HOST", &host)]).await;
    assert!(credentials(&run.stdout).is_empty(), "{}", run.stdout);
    assert!(
        run.stdout.contains("not a metadata server"),
        "the note says why: {}",
        run.stdout
    );
}

#[tokio::test]
async fn plain_http_to_a_remote_metadata_host_is_refused_before_connecting() {
    let home = tempfile::tempdir().expect("tempdir");
    let run = list(
        home.path(),
        &["--json"],
        &[("GCE_METADATA_HOST", "metadata.example.test")],
    )
    .await;
    assert!(credentials(&run.stdout).is_empty());
    assert!(
        run.stdout
            .contains("plain http is allowed only to loopback"),
        "{}",
        run.stdout
    );
}

async fn rows_settled(handle: &mut engine::EngineHandle) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    loop {
        let update = tokio::time::timeout(Duration::from_secs(20), handle.updates.recv())
            .await
            .expect("an update within 20 s")
            .expect("engine running");
        match update {
            Update::Snapshot { rows: all, .. } => rows = all,
            Update::Row(row) => {
                if let Some(slot) = rows.iter_mut().find(|r| r.id == row.id) {
                    *slot = *row;
                }
            }
            _ => {}
        }
        if !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.fingerprint.is_some() && r.busy.is_none())
        {
            return rows;
        }
    }
}

#[tokio::test]
async fn a_refresh_says_the_metadata_server_handed_back_its_cached_token_and_revoke_is_refused() {
    let emulator = emulator().await;
    let discovery = DiscoveryConfig {
        google: Some(GoogleEnv {
            metadata_host: Some(emulator.metadata_host()),
            ..GoogleEnv::default()
        }),
        ..DiscoveryConfig::default()
    };
    let mut handle =
        engine::start(EngineConfig::new(discovery, true), Arc::new(SystemClock)).expect("engine");
    let rows = rows_settled(&mut handle).await;
    let default = rows.iter().find(|r| r.profile == "metadata").expect("row");
    assert!(default.capabilities.can_refresh());
    assert!(!default.capabilities.can_revoke());
    for command in [
        Command::Refresh(default.id.clone()),
        Command::Revoke(default.id.clone()),
    ] {
        handle.commands.send(command).await.expect("send");
    }
    let (mut cached, mut refused) = (false, false);
    while !(cached && refused) {
        let update = tokio::time::timeout(Duration::from_secs(20), handle.updates.recv())
            .await
            .expect("an update within 20 s")
            .expect("engine running");
        match update {
            Update::Notice { level, text }
                if text.contains("same token") && text.contains("the issuer caches it") =>
            {
                assert_eq!(level, Level::Info);
                assert!(
                    text.contains(default.fingerprint.as_deref().unwrap_or("?")),
                    "{text}"
                );
                cached = true;
            }
            Update::Notice { level, text } if text.contains("shared by everything") => {
                assert_eq!(level, Level::Warn);
                refused = true;
            }
            Update::Row(row) if row.id == default.id => {
                assert_eq!(row.error, None, "{:?}", row.error);
            }
            _ => {}
        }
    }
    handle.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_cloud_run_profile_on_the_metadata_server_gets_its_id_token_from_the_identity_endpoint() {
    let emulator = emulator().await;
    let home = tempfile::tempdir().expect("tempdir");
    let host = emulator.metadata_host();
    const SERVICE: &str = "https://orders-abc-uc.a.run.app";
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"orders-from-run\"\nplatform = \"cloud-run\"\n\
             google_metadata = \"default\"\naudience = \"{SERVICE}\"\n"
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();
    let args = [
        "refresh",
        "orders-from-run",
        "--json",
        "--profiles",
        &profiles,
    ];
    let run = listing::tokentop(home.path(), &args, &[("GCE_METADATA_HOST", &host)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(row["token_role"], "id", "{row}");
    assert_eq!(row["audience"], SERVICE, "{row}");
    assert_eq!(
        row["warning"],
        serde_json::Value::Null,
        "aud matches: {row}"
    );
    assert_eq!(row["scopes"], serde_json::json!([]), "an ID token has none");
    assert_eq!(
        row["principal"], "123456789012-compute@developer.gserviceaccount.com",
        "learned from the token's email (format=full)"
    );
    let at = |field: &str| {
        chrono::DateTime::parse_from_rfc3339(row[field].as_str().expect(field)).expect("a time")
    };
    let life = (at("expires_at") - at("issued_at")).num_seconds();
    assert!((3500..=3600).contains(&life), "expiry from its exp: {life}");

    // Off Google (no metadata server), the profile says so by name and
    // the rest of the file still reads.
    let off = listing::tokentop(
        home.path(),
        &["list", "--json", "--no-refresh", "--profiles", &profiles],
        &[("NO_GCE_CHECK", "true")],
    )
    .await;
    assert_eq!(off.code, 3, "{}", off.stdout);
    assert!(
        off.stdout.contains("orders-from-run") && off.stdout.contains("google_metadata"),
        "{}",
        off.stdout
    );
    emulator.shutdown().await;
}
