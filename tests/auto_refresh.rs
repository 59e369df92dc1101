//! Auto-refresh against the emulator: nothing is obtained until asked; a
//! kept-alive credential gets a token and is refreshed again inside its
//! window, at most once per gap; `a` on one row keeps only that one alive.

use std::sync::Arc;
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, FaultEndpoint};
use tokentop::engine::protocol::{Command, Update};
use tokentop::engine::{self, EngineConfig, EngineHandle};
use tokentop::model::{RefreshPolicy, Row, SystemClock};
use tokentop::sources::DiscoveryConfig;

/// How long lakehouse-batch's tokens live here.
const BATCH_LIFETIME: Duration = Duration::from_secs(40);

async fn start(policy: RefreshPolicy) -> (Emulator, EngineHandle, Vec<Row>, tempfile::TempDir) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed_with(&emulator, dir.path(), BATCH_LIFETIME).expect("seed");
    let discovery = DiscoveryConfig {
        profiles_file: Some(profiles),
        ..DiscoveryConfig::default()
    };
    let config = EngineConfig::new(discovery, false).refresh_policy(policy);
    let mut handle = engine::start(config, Arc::new(SystemClock)).expect("engine");
    let rows = loop {
        if let Update::Snapshot { rows, .. } = next(&mut handle).await {
            break rows;
        }
    };
    (emulator, handle, rows, dir)
}

async fn next(handle: &mut EngineHandle) -> Update {
    tokio::time::timeout(Duration::from_secs(20), handle.updates.recv())
        .await
        .expect("an update within 20 s")
        .expect("engine alive")
}

/// The fingerprints `profile`'s row takes until `count` distinct ones were
/// seen (the caller bounds the wait: the engine may be quiet a while).
async fn fingerprints(handle: &mut EngineHandle, profile: &str, count: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < count {
        if let Update::Row(row) = handle.updates.recv().await.expect("engine alive")
            && row.profile == profile
            && let Some(fp) = row.fingerprint
            && !seen.contains(&fp)
        {
            seen.push(fp);
        }
    }
    seen
}

fn google_token_requests(emulator: &Emulator) -> u64 {
    // Every Google credential of the demo asks this one endpoint.
    emulator
        .fault_stats()
        .endpoint(FaultEndpoint::GoogleToken)
        .requests
}

#[tokio::test]
async fn a_kept_alive_token_is_renewed_inside_its_window_but_not_before_half_its_life() {
    // lakehouse-batch's tokens live 40 s; a 95-second window covers all of
    // their lives, yet a token is renewed only once it has lived half its
    // life.
    let policy = RefreshPolicy {
        all: true,
        windows: vec![("databricks".into(), chrono::Duration::seconds(95))],
        min_gap: Some(chrono::Duration::seconds(2)),
    };
    let (emulator, mut handle, rows, _dir) = start(policy).await;
    assert!(
        rows.iter().all(|r| r.fingerprint.is_none()),
        "nothing at start"
    );
    assert!(
        rows.iter().all(|r| r.auto_refresh),
        "every row is kept alive"
    );
    let asked = || {
        emulator
            .fault_stats()
            .endpoint(FaultEndpoint::DatabricksToken)
            .requests
    };
    let first = tokio::time::timeout(
        Duration::from_secs(15),
        fingerprints(&mut handle, "lakehouse-batch", 1),
    )
    .await
    .expect("a token");
    let after_first = asked();
    let started = std::time::Instant::now();
    let seen = tokio::time::timeout(
        Duration::from_secs(60),
        fingerprints(&mut handle, "lakehouse-batch", 2),
    )
    .await
    .expect("a new token inside the window");
    assert_ne!(seen[1], first[0]);
    let waited = started.elapsed();
    // Half of 40 s, less the time the first token took to arrive.
    assert!(
        waited >= Duration::from_secs(16),
        "renewed after {waited:?}: before half its life"
    );
    // One renewal of the batch token, not one per gap.
    assert!(
        asked() - after_first <= 2,
        "{} requests",
        asked() - after_first
    );
    handle.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_on_one_row_keeps_only_it_alive_and_off_again_stops() {
    let (emulator, mut handle, rows, _dir) = start(RefreshPolicy::default()).await;
    let etl = rows
        .iter()
        .find(|r| r.profile == "etl-dataproc")
        .expect("etl-dataproc");
    handle
        .commands
        .send(Command::AutoRefresh(Some(etl.id.clone()), true))
        .await
        .expect("send");
    let seen = tokio::time::timeout(
        Duration::from_secs(15),
        fingerprints(&mut handle, "etl-dataproc", 1),
    )
    .await
    .expect("a token for the kept-alive row");
    assert_eq!(seen.len(), 1);
    // Only that one: two seconds later no other Google credential was asked.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(google_token_requests(&emulator), 1);
    handle
        .commands
        .send(Command::AutoRefresh(Some(etl.id.clone()), false))
        .await
        .expect("send");
    let off = loop {
        if let Update::Row(row) = next(&mut handle).await
            && row.id == etl.id
            && !row.auto_refresh
        {
            break row;
        }
    };
    assert!(off.fingerprint.is_some(), "its token stays");
    handle.shutdown().await;
    emulator.shutdown().await;
}

#[tokio::test]
async fn read_only_turned_on_takes_every_rows_auto_refresh_mark() {
    let policy = RefreshPolicy {
        all: true,
        ..RefreshPolicy::default()
    };
    let (emulator, mut handle, rows, _dir) = start(policy).await;
    assert!(
        rows.iter().all(|r| r.auto_refresh),
        "every row is kept alive"
    );
    handle.commands.send(Command::ReadOnly).await.expect("send");
    let mut unmarked = std::collections::HashSet::new();
    while unmarked.len() < rows.len() {
        if let Update::Row(row) = next(&mut handle).await
            && !row.auto_refresh
        {
            unmarked.insert(row.id.clone());
        }
    }
    handle.shutdown().await;
    emulator.shutdown().await;
}
