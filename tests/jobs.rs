//! Engine jobs against a slow loopback token endpoint: a burst of requests
//! becomes one running job and one pending, and a server that never answers
//! becomes a timeout on the row, not a stuck row.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokentop::engine::protocol::{Command, EngineHandle, Update};
use tokentop::engine::{self, EngineConfig};
use tokentop::model::{Row, Status, SystemClock};
use tokentop::sources::DiscoveryConfig;

/// A token endpoint that answers after `delay`, counting requests.
async fn slow_token_server(delay: Duration) -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let router = axum::Router::new().route(
        "/token",
        axum::routing::post(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                tokio::time::sleep(delay).await;
                axum::Json(serde_json::json!({"access_token": format!("at-{n}"), "token_type": "Bearer", "expires_in": 3600}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/token", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, hits)
}

/// An engine over one `authorized_user` profile whose token endpoint is `url`.
async fn engine_for(url: &str, dir: &std::path::Path, timeout: Duration) -> (EngineHandle, Row) {
    engine_with(url, dir, timeout, |c| c).await
}

async fn engine_with(
    url: &str,
    dir: &std::path::Path,
    timeout: Duration,
    configure: impl FnOnce(EngineConfig) -> EngineConfig,
) -> (EngineHandle, Row) {
    let user = serde_json::json!({"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "1//r", "token_uri": url});
    std::fs::write(dir.join("user.json"), user.to_string()).expect("write");
    let profiles = dir.join("profiles.toml");
    std::fs::write(
        &profiles,
        "[[profile]]\nname = \"p\"\nplatform = \"gcp\"\ngoogle_credentials = \"user.json\"\n",
    )
    .expect("write");
    let discovery = DiscoveryConfig {
        profiles_file: Some(profiles),
        ..DiscoveryConfig::default()
    };
    // Watching files; tokens only on request (refresh_on_start also fetches
    // after a reload, which the rotation test relies on).
    let config = EngineConfig {
        request_timeout: timeout,
        ..EngineConfig::new(discovery, false).watching()
    };
    let mut handle = engine::start(configure(config), Arc::new(SystemClock)).expect("engine");
    match next(&mut handle).await {
        Update::Snapshot { mut rows, .. } => {
            let row = rows.pop().expect("one row");
            (handle, row)
        }
        other => panic!("expected a snapshot, got {other:?}"),
    }
}

async fn next(handle: &mut EngineHandle) -> Update {
    tokio::time::timeout(Duration::from_secs(20), handle.updates.recv())
        .await
        .expect("an update")
        .expect("engine alive")
}

/// Waits for the row to be idle again.
async fn idle(handle: &mut EngineHandle) -> Row {
    loop {
        if let Update::Row(row) = next(handle).await
            && row.busy.is_none()
        {
            return *row;
        }
    }
}

#[tokio::test]
async fn a_burst_of_refreshes_runs_one_and_queues_one() {
    let (url, hits) = slow_token_server(Duration::from_millis(1000)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut handle, row) = engine_for(&url, dir.path(), Duration::from_secs(10)).await;
    for _ in 0..10 {
        handle
            .commands
            .send(Command::Refresh(row.id.clone()))
            .await
            .expect("send");
    }
    let first = idle(&mut handle).await;
    let second = idle(&mut handle).await;
    assert_eq!(first.status, Status::Live);
    assert_ne!(
        first.fingerprint, second.fingerprint,
        "the queued refresh ran after the first"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "ten requests, one running and one pending"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_on_its_row() {
    let (url, _) = slow_token_server(Duration::from_secs(30)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut handle, row) = engine_for(&url, dir.path(), Duration::from_secs(1)).await;
    handle
        .commands
        .send(Command::Refresh(row.id.clone()))
        .await
        .expect("send");
    let row = idle(&mut handle).await;
    let problem = row.error.expect("an error");
    assert_eq!(problem.cause(), "timeout", "{problem}");
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("");
    let error = problem.to_string();
    assert!(
        error.contains("timed out") && error.contains(host),
        "{error}"
    );
    assert_eq!(row.status, Status::Pending);
}

#[tokio::test]
async fn a_result_for_a_replaced_secret_never_lands_on_the_new_one() {
    // Slow enough that the reload surely lands while the first refresh runs.
    let (url, hits) = slow_token_server(Duration::from_secs(4)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut handle, row) = engine_for(&url, dir.path(), Duration::from_secs(10)).await;
    handle
        .commands
        .send(Command::Refresh(row.id.clone()))
        .await
        .expect("send");
    // While that refresh (the server's token "at-1") is in flight, the secret rotates.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rotated = serde_json::json!({"type": "authorized_user", "client_id": "c", "client_secret": "rotated", "refresh_token": "1//r", "token_uri": url});
    std::fs::write(dir.path().join("user.json"), rotated.to_string()).expect("write");
    // The reload drops the old job; asking again fetches under the new secret ("at-2").
    loop {
        if let Update::Snapshot { .. } = next(&mut handle).await {
            break;
        }
    }
    handle
        .commands
        .send(Command::Refresh(row.id.clone()))
        .await
        .expect("send");
    let fresh = idle(&mut handle).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(update) = handle.updates.try_recv() {
        assert!(
            !matches!(update, Update::Row(ref r) if r.fingerprint.is_some() && r.fingerprint != fresh.fingerprint),
            "a late result landed: {update:?}"
        );
    }
    assert_eq!(
        fresh.fingerprint,
        Some(tokentop::model::Secret::new("at-2").fingerprint())
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn quitting_journals_what_was_still_in_flight() {
    let (url, _) = slow_token_server(Duration::from_secs(30)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("audit.jsonl");
    let (handle, row) = engine_with(&url, dir.path(), Duration::from_secs(20), |c| {
        c.journal(tokentop::audit::Journal::at(&journal))
    })
    .await;
    handle
        .commands
        .send(Command::Refresh(row.id.clone()))
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(200)).await;
    tokio::time::timeout(Duration::from_secs(10), handle.shutdown())
        .await
        .expect("shutdown is bounded");
    let text = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        text.contains("\"action\":\"refresh\"") && text.contains("abandoned"),
        "{text}"
    );
}

/// Waits until `count` rows have a token and nothing in flight.
async fn idle_rows(handle: &mut EngineHandle, count: usize) -> Vec<Row> {
    let mut rows = std::collections::HashMap::new();
    while rows.len() < count {
        if let Update::Row(row) = next(handle).await {
            if row.busy.is_none() && row.fingerprint.is_some() {
                rows.insert(row.id.clone(), row);
            } else {
                rows.remove(&row.id);
            }
        }
    }
    rows.into_values().map(|r| *r).collect()
}

/// A key pressed for a row still queued behind start-up refreshes takes
/// that row out of the queue: it is served in the user's lane, long before
/// the background work ahead of it is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keypress_jumps_the_start_up_queue() {
    const USERS: usize = 200;
    // A token endpoint that takes 150 ms and records which user asked, in order.
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = arrivals.clone();
    let router = axum::Router::new().route(
        "/token",
        axum::routing::post(move |body: String| {
            let who = body
                .split('&')
                .find_map(|kv| kv.strip_prefix("refresh_token="))
                .unwrap_or_default()
                .to_string();
            log.lock().expect("lock").push(who);
            async move {
                tokio::time::sleep(Duration::from_millis(150)).await;
                axum::Json(serde_json::json!({"access_token": "at", "expires_in": 3600}))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/token", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut profiles = String::new();
    for n in 0..USERS {
        let user = serde_json::json!({"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": format!("r{n}"), "token_uri": url});
        std::fs::write(dir.path().join(format!("u{n}.json")), user.to_string()).expect("write");
        profiles.push_str(&format!(
            "[[profile]]\nname = \"u{n}\"\nplatform = \"gcp\"\ngoogle_credentials = \"u{n}.json\"\n\n"
        ));
    }
    let profiles_path = dir.path().join("profiles.toml");
    std::fs::write(&profiles_path, profiles).expect("write");
    let discovery = DiscoveryConfig {
        profiles_file: Some(profiles_path),
        ..DiscoveryConfig::default()
    };
    let mut handle =
        engine::start(EngineConfig::new(discovery, true), Arc::new(SystemClock)).expect("engine");
    let Update::Snapshot { rows, .. } = next(&mut handle).await else {
        panic!("a snapshot first");
    };
    // Once start-up work is under way, pick a user the server has not
    // heard from yet: its refresh is still waiting for a turn.
    while arrivals.lock().expect("lock").len() < 16 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (waiting, before) = {
        let seen = arrivals.lock().expect("lock");
        let n = (0..USERS)
            .rev()
            .find(|n| !seen.contains(&format!("r{n}")))
            .expect("a user still waiting");
        (n, seen.len())
    };
    let id = rows
        .iter()
        .find(|r| r.profile == format!("u{waiting}"))
        .expect("row")
        .id
        .clone();
    handle
        .commands
        .send(Command::Refresh(id))
        .await
        .expect("send");
    let position = loop {
        let seen = arrivals.lock().expect("lock").clone();
        if let Some(at) = seen.iter().position(|w| *w == format!("r{waiting}")) {
            break at;
        }
        drop(seen);
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    // Let the start-up work finish: the row must have been asked once only
    // (its queued start-up refresh was called off, not run as well).
    for row in idle_rows(&mut handle, USERS).await {
        assert!(row.error.is_none(), "{row:?}");
    }
    let asked = arrivals
        .lock()
        .expect("lock")
        .iter()
        .filter(|w| **w == format!("r{waiting}"))
        .count();
    assert_eq!(asked, 1, "the row was asked {asked} times");
    // In its lane it is asked at once, not after the ~180 still queued.
    assert!(
        position < before + 32,
        "asked as request {position}, {} after the keypress",
        position - before
    );
    handle.shutdown().await;
}
