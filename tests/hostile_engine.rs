//! Hostile conditions the engine itself must ride out: more credentials
//! than file descriptors, a watched file swapped for a FIFO, and servers
//! that ask to be left alone.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/many.rs"]
mod many;

use listing::{BIN, demo, errors, fault, json, list};
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, Fault, FaultEndpoint};

/// More credentials than the open-file limit allows sockets: requests in
/// flight are bounded and connections reused, so every one refreshes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_credentials_than_file_descriptors_all_refresh() {
    const PROFILES: usize = 600;
    const FD_LIMIT: usize = 128;
    let home = tempfile::tempdir().expect("tempdir");
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let cfg = many::databricks_profiles(&emulator, PROFILES, "app");
    std::fs::write(home.path().join(".databrickscfg"), cfg).expect("write");
    let mut command = tokio::process::Command::new("bash");
    command
        .arg("-c")
        .arg(format!("ulimit -n {FD_LIMIT} && exec \"$0\" list --json"))
        .arg(BIN)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("finished")
        .expect("run");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let rows = value["credentials"].as_array().expect("rows");
    assert_eq!(rows.len(), PROFILES);
    let failed: Vec<&serde_json::Value> = rows.iter().filter(|r| !r["error"].is_null()).collect();
    assert!(
        failed.is_empty(),
        "{} of {PROFILES} failed, e.g. {}",
        failed.len(),
        failed[0]
    );
    assert_eq!(out.status.code(), Some(0));
}

/// A watched credential file swapped for a FIFO: the running engine names
/// it, keeps the row's last good token, and goes on answering.
#[tokio::test]
async fn a_watched_file_swapped_for_a_fifo_freezes_nothing() {
    use tokentop::engine::protocol::{Command, Update};
    let home = tempfile::tempdir().expect("tempdir");
    let (_emulator, profiles) = demo(home.path()).await;
    let mut handle = watching_engine(profiles, true);
    // Wait for the user's token.
    let adc_id = loop {
        if let Update::Row(row) = next(&mut handle.updates).await
            && row.profile == "nightly-dataflow"
            && row.fingerprint.is_some()
        {
            break row.id;
        }
    };
    let adc = home.path().join("oncall-adc.json");
    std::fs::remove_file(&adc).expect("rm");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&adc)
            .status()
            .expect("mkfifo")
            .success()
    );
    let (rows, errors) = loop {
        if let Update::Snapshot {
            rows,
            source_errors,
            ..
        } = next(&mut handle.updates).await
            && !source_errors.is_empty()
        {
            break (rows, source_errors);
        }
    };
    assert!(
        errors
            .iter()
            .any(|e| e.contains("a FIFO, not a regular file")),
        "{errors:?}"
    );
    let row = rows.iter().find(|r| r.id == adc_id).expect("the row stays");
    assert!(
        row.fingerprint.is_some(),
        "the last good token stays: {row:?}"
    );
    assert!(
        row.error
            .as_ref()
            .is_some_and(|e| e.to_string().contains("FIFO")),
        "{row:?}"
    );
    // Still answering: a reload comes back with a snapshot.
    handle.commands.send(Command::Reload).await.expect("send");
    loop {
        if let Update::Snapshot { .. } = next(&mut handle.updates).await {
            break;
        }
    }
    handle.shutdown().await;
}

/// "Not now" answers are asked again after the server's Retry-After, at
/// most twice; a wait longer than tokentop's limit is reported instead.
#[tokio::test]
async fn a_busy_server_is_asked_again_after_its_retry_after() {
    let home = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(home.path()).await;
    let profiles = profiles.display().to_string();
    let databricks = [FaultEndpoint::DatabricksToken];
    fault(
        &emulator,
        &databricks,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let started = std::time::Instant::now();
    let run = list(home.path(), &["--json", "--profiles", &profiles], &[]).await;
    let waited = started.elapsed();
    let requests = emulator
        .fault_stats()
        .endpoint(FaultEndpoint::DatabricksToken)
        .requests;
    assert_eq!(requests, 2 * 3, "two profiles, three tries each");
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}");
    assert_eq!(run.code, 1);
    fault(
        &emulator,
        &databricks,
        Fault::TooManyRequests {
            retry_after_secs: 600,
        },
    );
    let run = list(home.path(), &["--json", "--profiles", &profiles], &[]).await;
    let requests = emulator
        .fault_stats()
        .endpoint(FaultEndpoint::DatabricksToken)
        .requests;
    assert_eq!(requests, 6 + 2, "no retry when asked to wait 10 minutes");
    let errors = errors(&json(&run));
    assert!(
        errors
            .iter()
            .filter(|e| e.contains("HTTP 429") && e.contains("the server asks to wait 600 s"))
            .count()
            == 2,
        "{errors:?}"
    );
}

/// The engine's next update, within 20 s (else it is frozen).
/// The engine on `profiles`, watching its files; `refresh` obtains tokens
/// at start.
fn watching_engine(profiles: std::path::PathBuf, refresh: bool) -> tokentop::engine::EngineHandle {
    let config = tokentop::engine::EngineConfig::new(
        tokentop::sources::DiscoveryConfig {
            profiles_file: Some(profiles),
            ..Default::default()
        },
        refresh,
    )
    .watching();
    tokentop::engine::start(config, std::sync::Arc::new(tokentop::model::SystemClock))
        .expect("engine")
}

async fn next(
    updates: &mut tokio::sync::mpsc::UnboundedReceiver<tokentop::engine::protocol::Update>,
) -> tokentop::engine::protocol::Update {
    tokio::time::timeout(Duration::from_secs(20), updates.recv())
        .await
        .expect("the engine answers (not frozen)")
        .expect("update")
}

/// A credential file broken from the start is watched as the good ones
/// are: mended, it is read again and its row appears, with no key and no
/// restart (a `serve` has no R).
#[tokio::test]
async fn a_file_broken_from_the_start_is_read_again_once_mended() {
    use tokentop::engine::protocol::Update;
    let home = tempfile::tempdir().expect("tempdir");
    let (_emulator, profiles) = demo(home.path()).await;
    let adc = home.path().join("oncall-adc.json");
    let good = std::fs::read_to_string(&adc).expect("read");
    std::fs::write(&adc, &good[..good.len() / 2]).expect("break it");
    let mut handle = watching_engine(profiles, false);
    loop {
        if let Update::Snapshot {
            rows,
            source_errors,
            ..
        } = next(&mut handle.updates).await
        {
            assert!(
                source_errors.iter().any(|e| e.contains("oncall-adc.json")),
                "{source_errors:?}"
            );
            assert!(!rows.iter().any(|r| r.profile == "nightly-dataflow"));
            break;
        }
    }
    // Mended by a tool that writes a new file and renames it over the old.
    let fresh = home.path().join("oncall-adc.json.new");
    std::fs::write(&fresh, &good).expect("write");
    std::fs::rename(&fresh, &adc).expect("rename");
    loop {
        if let Update::Snapshot {
            rows,
            source_errors,
            ..
        } = next(&mut handle.updates).await
            && source_errors.is_empty()
        {
            assert!(
                rows.iter().any(|r| r.profile == "nightly-dataflow"),
                "{rows:?}"
            );
            break;
        }
    }
    handle.shutdown().await;
}
