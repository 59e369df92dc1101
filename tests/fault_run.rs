//! The fault run: thousands of refreshes and decodes through the engine
//! while the emulator fails half of all requests in every way it knows
//! (5xx, 429, slow, endless and truncated bodies, resets, HTML, malformed
//! JSON, echoed secrets, escapes, empty and huge tokens, foreign keys).
//!
//! Nothing may be lost: every operation finishes, every token a server
//! issued reaches the table, a failure keeps the last good token, no job
//! panics, the engine never stalls, and no secret or terminal escape
//! reaches a row, a notice or the journal. The figures are printed (run
//! with `--no-capture`) and recorded in RELIABILITY.md.

#[path = "support/secrets.rs"]
mod secrets;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokentop::audit::Journal;
use tokentop::emulator::{
    DatabricksSpSpec, Emulator, EmulatorOptions, Fault, FaultEndpoint, FaultPlan,
};
use tokentop::engine::protocol::{Command, Update};
use tokentop::engine::{self, EngineConfig, EngineHandle};
use tokentop::model::{CredentialId, Row, SystemClock};
use tokentop::sources::DiscoveryConfig;

/// Copies of the demo's five profiles.
const COPIES: usize = 14;
/// Operations to complete at least.
const OPERATIONS: usize = 5000;
/// Share of requests that fail.
const FAULT_RATE: f64 = 0.5;
/// The longest one round of operations may take before the engine counts as frozen.
const ROUND_DEADLINE: Duration = Duration::from_secs(90);

fn faults() -> Vec<Fault> {
    vec![
        Fault::ServerError,
        Fault::TooManyRequests {
            retry_after_secs: 0,
        },
        Fault::Slow {
            delay: Duration::from_millis(20),
        },
        Fault::EndlessBody,
        Fault::Reset,
        Fault::TruncatedJson,
        Fault::MalformedJson,
        Fault::Html,
        Fault::EchoSecrets,
        Fault::EchoSecretsError,
        Fault::Escapes,
        Fault::EmptyToken,
        Fault::HugeToken,
        Fault::ExpiresInString,
        Fault::EmptyBody,
        Fault::ForeignKeys,
    ]
}

/// Seeds `COPIES` copies of the demo's profiles into one profiles file;
/// returns it and every secret written.
fn seed_all(emulator: &Emulator, dir: &Path) -> (std::path::PathBuf, Vec<String>) {
    let mut all = String::new();
    let mut secrets = Vec::new();
    for copy in 0..COPIES {
        let sub = dir.join(format!("copy{copy}"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let profiles = tokentop::demo::seed(emulator, &sub).expect("seed");
        // The demo's service principals have fixed ids, so each copy would
        // replace the last one's secrets: give each copy its own.
        let sp = |name: &str| {
            emulator.add_databricks_service_principal(DatabricksSpSpec {
                application_id: format!("{name}-{copy}"),
                access_token_lifetime: Duration::from_secs(1800),
            })
        };
        let (lake, batch) = (sp("lake"), sp("batch"));
        let host = emulator.databricks_url();
        std::fs::write(
            sub.join("databrickscfg"),
            format!(
                "[lakehouse]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n[batch]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n",
                lake.client_id, lake.client_secret, batch.client_id, batch.client_secret
            ),
        )
        .expect("write");
        secrets.extend(secrets::demo_secrets(&sub));
        let text = std::fs::read_to_string(profiles).expect("read");
        let at = format!("\"{}/", sub.display());
        all.push_str(
            &text
                .replace(
                    "google_credentials = \"",
                    &format!("google_credentials = {at}"),
                )
                .replace(
                    "databricks_config = \"",
                    &format!("databricks_config = {at}"),
                )
                .replace("name = \"", &format!("name = \"c{copy}-")),
        );
        all.push('\n');
    }
    let path = dir.join("profiles.toml");
    std::fs::write(&path, all).expect("write");
    (path, secrets)
}

#[derive(Default)]
struct Tally {
    rows: HashMap<CredentialId, Row>,
    /// Every fingerprint a row has shown.
    shown: HashSet<String>,
    decodes: usize,
    losses: Vec<String>,
    panics: Vec<String>,
    texts: String,
}

impl Tally {
    fn apply(&mut self, update: Update) {
        match update {
            Update::Snapshot { rows, .. } => {
                for row in rows {
                    self.see(row);
                }
            }
            Update::Row(row) => self.see(*row),
            Update::Decoded(report) => {
                self.decodes += 1;
                self.texts.push_str(&format!("{:?}\n", report.body));
            }
            Update::Diagnosed(report) => self.texts.push_str(&format!("{report:?}\n")),
            Update::Notice { text, .. } => {
                self.texts.push_str(&text);
                self.texts.push('\n');
            }
            // Nothing here drops rows or asks for a token.
            Update::Removed(_)
            | Update::Revealed { .. }
            | Update::Journaled(_)
            | Update::LoginPrompt { .. }
            | Update::BrowserPrompt { .. } => {}
        }
    }

    fn see(&mut self, row: Row) {
        if let Some(before) = self.rows.get(&row.id)
            && before.fingerprint.is_some()
            && row.fingerprint.is_none()
        {
            self.losses
                .push(format!("{}: the last good token vanished", row.profile));
        }
        if let Some(e) = row.error.as_ref().map(ToString::to_string) {
            if e.contains("internal error") {
                self.panics.push(e.clone());
            }
            self.texts.push_str(&e);
            self.texts.push('\n');
        }
        self.texts.push_str(&format!(
            "{} {} {:?}\n",
            row.principal,
            row.scopes.join(" "),
            row.audience
        ));
        if let Some(fp) = &row.fingerprint {
            self.shown.insert(fp.clone());
        }
        self.rows.insert(row.id.clone(), row);
    }

    fn settled(&self) -> bool {
        self.rows.values().all(|r| r.busy.is_none())
    }
}

async fn settle(handle: &mut EngineHandle, tally: &mut Tally) -> Duration {
    let started = Instant::now();
    loop {
        let update = tokio::time::timeout(ROUND_DEADLINE, handle.updates.recv())
            .await
            .expect("the engine answered within the round deadline (not frozen)")
            .expect("the engine runs");
        tally.apply(update);
        while let Ok(more) = handle.updates.try_recv() {
            tally.apply(more);
        }
        if tally.settled() {
            return started.elapsed();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_operations_at_a_high_fault_rate_lose_nothing() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let (profiles, secrets) = seed_all(&emulator, dir.path());
    let journal_path = dir.path().join("audit.jsonl");
    let config = EngineConfig::new(
        DiscoveryConfig {
            profiles_file: Some(profiles),
            ..DiscoveryConfig::default()
        },
        true,
    )
    .journal(Journal::at(&journal_path));
    let mut handle = engine::start(config, Arc::new(SystemClock)).expect("engine");
    let mut tally = Tally::default();
    // The first tokens, with no faults, so that every later failure has a
    // last good token to keep.
    tally.apply(handle.updates.recv().await.expect("snapshot"));
    settle(&mut handle, &mut tally).await;
    assert_eq!(tally.rows.len(), COPIES * 5);
    for row in tally.rows.values() {
        assert!(
            row.fingerprint.is_some() && row.error.is_none(),
            "{}: {:?}",
            row.profile,
            row.error
        );
    }
    emulator.set_faults(
        FaultEndpoint::All,
        FaultPlan {
            rate: FAULT_RATE,
            faults: faults(),
        },
    );
    let ids: Vec<CredentialId> = tally.rows.keys().cloned().collect();
    let started = Instant::now();
    let (mut sent, mut rounds, mut slowest) = (0, 0, Duration::ZERO);
    while sent < OPERATIONS {
        for (n, id) in ids.iter().enumerate() {
            handle
                .commands
                .send(Command::Refresh(id.clone()))
                .await
                .expect("send");
            sent += 1;
            if (n + rounds) % 5 == 0 {
                handle
                    .commands
                    .send(Command::Decode(id.clone()))
                    .await
                    .expect("send");
                sent += 1;
            }
        }
        // Commands are acted on before their updates come: wait for the
        // first busy row, then for all to settle.
        slowest = slowest.max(settle(&mut handle, &mut tally).await);
        rounds += 1;
    }
    handle.shutdown().await;
    let elapsed = started.elapsed();
    let stats = emulator.fault_stats();
    let requests: u64 = FaultEndpoint::EACH
        .iter()
        .map(|e| stats.endpoint(*e).requests)
        .sum();
    let injected: u64 = FaultEndpoint::EACH
        .iter()
        .map(|e| stats.endpoint(*e).injected())
        .sum();

    let journal = std::fs::read_to_string(&journal_path).expect("journal");
    let refreshes: Vec<serde_json::Value> = journal
        .lines()
        .map(|l| serde_json::from_str(l).expect("journal line"))
        .filter(|v: &serde_json::Value| v["action"] == "refresh")
        .collect();
    let ok: Vec<&serde_json::Value> = refreshes
        .iter()
        .filter(|v| v["result"].as_str().is_some_and(|r| r.starts_with("ok")))
        .collect();
    let unreflected: Vec<&&serde_json::Value> = ok
        .iter()
        .filter(|v| {
            !v["after"]
                .as_str()
                .is_some_and(|fp| tally.shown.contains(fp))
        })
        .collect();
    let operations = refreshes.len() + tally.decodes;
    println!(
        "fault run: {operations} operations ({} refreshes, {} decodes) in {rounds} rounds, {:.1} s; \
         {requests} requests, {injected} faults injected; {} refreshes succeeded, all shown: {}; \
         losses: {}; panics: {}; slowest round {:.1} s (frozen: 0)",
        refreshes.len(),
        tally.decodes,
        elapsed.as_secs_f64(),
        ok.len(),
        unreflected.is_empty(),
        tally.losses.len(),
        tally.panics.len(),
        slowest.as_secs_f64(),
    );
    println!("{stats}");
    assert!(operations >= OPERATIONS, "{operations} operations");
    assert!(
        injected as f64 > requests as f64 * FAULT_RATE * 0.8,
        "{injected} of {requests}"
    );
    assert!(
        !ok.is_empty() && ok.len() < refreshes.len(),
        "both outcomes occur"
    );
    assert!(
        unreflected.is_empty(),
        "issued but never shown: {unreflected:?}"
    );
    assert!(tally.losses.is_empty(), "{:?}", tally.losses);
    assert!(tally.panics.is_empty(), "{:?}", tally.panics);
    let everything = format!("{}\n{journal}", tally.texts);
    secrets::assert_no_secrets(&everything, &secrets);
    assert!(
        !everything.chars().any(|c| c.is_control() && c != '\n'),
        "a control character reached a row, notice or the journal"
    );
}
