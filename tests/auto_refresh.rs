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

async fn start(policy: RefreshPolicy) -> (Emulator, EngineHandle, Vec<Row>, tempfile::TempDir) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
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

/// The fingerprints `profile`'s row takes until `count` distinct ones were seen.
async fn fingerprints(handle: &mut EngineHandle, profile: &str, count: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < count {
        if let Update::Row(row) = next(handle).await
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
    emulator
        .fault_stats()
        .endpoint(FaultEndpoint::GoogleToken)
        .requests
}

#[tokio::test]
async fn a_kept_alive_token_is_refreshed_inside_its_window_at_most_once_a_gap() {
    // A window wider than the tokens' lives: each is due as soon as it
    // arrives, so only the gap paces the refreshes.
    let policy = RefreshPolicy {
        all: true,
        windows: vec![("google".into(), chrono::Duration::hours(1))],
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
    let seen = tokio::time::timeout(
        Duration::from_secs(15),
        fingerprints(&mut handle, "etl-dataproc", 2),
    )
    .await
    .expect("a token, then a new one inside the window");
    assert_ne!(seen[0], seen[1]);
    // Paced by the gap: over four seconds each Google credential is asked
    // for at most three tokens (one per two seconds, plus the one under way).
    let google = rows
        .iter()
        .filter(|r| tokentop::model::refresh_policy::family(r.platform) == "google")
        .count() as u64;
    let before = google_token_requests(&emulator);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let asked = google_token_requests(&emulator) - before;
    assert!(
        asked <= 3 * google,
        "{asked} token requests for {google} credentials in 4 s"
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
