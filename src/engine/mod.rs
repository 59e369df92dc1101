//! The runtime: the credential store, jobs on tokio tasks, and the one loop
//! that turns commands into updates. The UI and CLI see only [`protocol`].

pub mod jobs;
pub mod protocol;
pub mod store;
pub mod watcher;

use crate::audit::{self, Journal};
use crate::model::{Clock, CredentialId, Status};
use crate::net::Http;
use crate::sources::{self, DiscoveryConfig};
use futures::FutureExt;
use jobs::{Op, Outcome, Resources};
pub use protocol::EngineHandle;
use protocol::{Command, Level, Update};
use std::collections::{BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// How long one provider request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where to discover credentials.
    pub discovery: DiscoveryConfig,
    /// Per-request timeout for every provider call.
    pub request_timeout: Duration,
    /// Obtain a token for every credential right after discovery (and for
    /// new ones after a re-read).
    pub refresh_on_start: bool,
    /// Re-read the sources when their files change.
    pub watch_files: bool,
    /// Where refreshes and revocations are recorded, if anywhere.
    pub journal: Option<Journal>,
}

impl EngineConfig {
    /// The standard request timeout, optionally a token for every credential
    /// at start, and no file watching (see [`EngineConfig::watching`]).
    pub fn new(discovery: DiscoveryConfig, refresh_on_start: bool) -> Self {
        Self {
            discovery,
            request_timeout: REQUEST_TIMEOUT,
            refresh_on_start,
            watch_files: false,
            journal: None,
        }
    }

    /// The same, recording refreshes and revocations in `journal`.
    pub fn journal(self, journal: Journal) -> Self {
        Self {
            journal: Some(journal),
            ..self
        }
    }

    /// The same, re-reading sources when their files change (the dashboard).
    pub fn watching(self) -> Self {
        Self {
            watch_files: true,
            ..self
        }
    }
}

/// How long to wait for a burst of file events to settle before re-reading.
const SETTLE: Duration = Duration::from_millis(250);

/// Starts the engine on the current tokio runtime.
pub fn start(config: EngineConfig, clock: Arc<dyn Clock>) -> Result<EngineHandle, String> {
    let http = Http::new(config.request_timeout).map_err(|e| format!("HTTP client: {e}"))?;
    let (command_tx, command_rx) = mpsc::channel(64);
    let (update_tx, update_rx) = mpsc::unbounded_channel();
    let (done, done_rx) = mpsc::unbounded_channel();
    let (changed, changed_rx) = mpsc::unbounded_channel();
    let engine = Engine {
        done,
        changed,
        watch: None,
        config,
        clock,
        store: Store::default(),
        resources: Resources {
            http,
            jwks: Arc::default(),
        },
        in_flight: HashMap::new(),
        next_job: 0,
        updates: update_tx,
    };
    tokio::spawn(engine.run(command_rx, done_rx, changed_rx));
    Ok(EngineHandle {
        commands: command_tx,
        updates: update_rx,
    })
}

struct Done {
    id: CredentialId,
    op: Op,
    job: u64,
    outcome: Outcome,
}

struct Engine {
    config: EngineConfig,
    clock: Arc<dyn Clock>,
    store: Store,
    resources: Resources,
    in_flight: HashMap<(CredentialId, Op), (u64, AbortHandle)>,
    next_job: u64,
    updates: mpsc::UnboundedSender<Update>,
    done: mpsc::UnboundedSender<Done>,
    changed: mpsc::UnboundedSender<()>,
    watch: Option<watcher::FileWatch>,
}

impl Engine {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut done: mpsc::UnboundedReceiver<Done>,
        mut changed: mpsc::UnboundedReceiver<()>,
    ) {
        self.reload();
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                Some(finished) = done.recv() => self.finish(finished),
                Some(()) = changed.recv() => {
                    // A save is often several events: let them settle, then read once.
                    tokio::time::sleep(SETTLE).await;
                    while changed.try_recv().is_ok() {}
                    self.reload();
                }
            }
        }
        for (_, handle) in self.in_flight.values() {
            handle.abort();
        }
    }

    fn send(&self, update: Update) {
        // The receiver is gone only when the UI has quit; nothing to tell then.
        let _ = self.updates.send(update);
    }

    fn notice(&self, level: Level, text: impl Into<String>) {
        self.send(Update::Notice {
            level,
            text: text.into(),
        });
    }

    /// Re-reads every source, publishes the table, fetches tokens for new
    /// credentials, and (re)starts the file watch.
    fn reload(&mut self) {
        let found = sources::discover(&self.config.discovery);
        tracing::info!(
            credentials = found.credentials.len(),
            broken_sources = found.errors.len(),
            "sources read"
        );
        for e in &found.errors {
            tracing::warn!(source = %e.source_path, "{}", e.message);
        }
        self.store.replace(found.credentials);
        self.send(Update::Snapshot {
            rows: self.store.rows(),
            source_errors: found.errors.iter().map(ToString::to_string).collect(),
        });
        if self.config.refresh_on_start {
            for id in self.store.ids() {
                let untouched = self
                    .store
                    .get(&id)
                    .is_some_and(|e| e.token.is_none() && e.busy.is_none() && e.error.is_none());
                if untouched {
                    self.spawn(&id, Op::Refresh);
                }
            }
        }
        if self.config.watch_files {
            let d = &self.config.discovery;
            let mut files: BTreeSet<PathBuf> = d
                .profiles_file
                .iter()
                .chain(&d.adc_files)
                .chain(&d.databricks_configs)
                .cloned()
                .collect();
            files.extend(self.store.sources().into_iter().map(PathBuf::from));
            self.watch = match watcher::watch(&files, self.changed.clone()) {
                Ok(watch) => Some(watch),
                Err(e) => {
                    self.notice(Level::Warn, format!("not watching credential files: {e}"));
                    None
                }
            };
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Refresh(id) => self.spawn(&id, Op::Refresh),
            Command::Decode(id) => self.spawn(&id, Op::Decode),
            Command::Revoke(id) => self.spawn(&id, Op::Revoke),
            Command::Reload => self.reload(),
        }
    }

    /// Starts a job; a newer request for the same row and operation replaces
    /// the one in flight (latest wins).
    fn spawn(&mut self, id: &CredentialId, op: Op) {
        let Some(entry) = self.store.get(id) else {
            return self.notice(Level::Warn, format!("unknown credential {id}"));
        };
        let cred = entry.credential.clone();
        let token = entry.token.clone();
        let res = self.resources.clone();
        let now = self.clock.now();
        let future: std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send>> =
            match (op, token) {
                (Op::Refresh, _) => Box::pin(jobs::refresh(res, cred, now)),
                (Op::Decode, Some(token)) => Box::pin(jobs::decode(res, cred, token)),
                (Op::Revoke, Some(token)) if cred.capabilities().revoke => {
                    Box::pin(jobs::revoke(res, cred, token))
                }
                (Op::Revoke, Some(_)) => {
                    return self.notice(
                        Level::Warn,
                        format!(
                            "{}: this platform has no revocation endpoint",
                            cred.provenance.profile
                        ),
                    );
                }
                (_, None) => {
                    return self.notice(
                        Level::Warn,
                        format!("{}: no token yet (press r)", cred.provenance.profile),
                    );
                }
            };
        self.next_job += 1;
        let job = self.next_job;
        tracing::debug!(credential = %id, op = op.label(), job, "job started");
        let timeout = self.config.request_timeout * 3;
        let (tx, task_id) = (self.done.clone(), id.clone());
        let task = tokio::spawn(async move {
            // A bug (or a server reply we did not foresee) that panics a job
            // becomes that row's error, not a dead engine.
            let guarded = AssertUnwindSafe(future).catch_unwind();
            let outcome = match tokio::time::timeout(timeout, guarded).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(panic)) => Outcome::Failed(format!(
                    "{} failed: internal error: {}",
                    op.label(),
                    panic_text(&*panic)
                )),
                Err(_) => Outcome::TimedOut(format!(
                    "{} timed out after {}s",
                    op.label(),
                    timeout.as_secs()
                )),
            };
            let _ = tx.send(Done {
                id: task_id,
                op,
                job,
                outcome,
            });
        });
        if let Some((_, previous)) = self
            .in_flight
            .insert((id.clone(), op), (job, task.abort_handle()))
        {
            previous.abort();
        }
        if let Some(entry) = self.store.get_mut(id) {
            entry.busy = Some(op.label());
        }
        self.push_row(id);
    }

    fn finish(&mut self, done: Done) {
        let key = (done.id.clone(), done.op);
        if self.in_flight.get(&key).map(|(job, _)| *job) != Some(done.job) {
            return; // superseded by a newer request
        }
        self.in_flight.remove(&key);
        let still_busy = [Op::Refresh, Op::Decode, Op::Revoke]
            .into_iter()
            .find(|op| self.in_flight.contains_key(&(done.id.clone(), *op)));
        let Some(entry) = self.store.get_mut(&done.id) else {
            return;
        };
        entry.busy = still_busy.map(Op::label);
        let profile = entry.credential.provenance.profile.clone();
        let before = entry.token.as_ref().map(|t| t.value.fingerprint());
        let mut journal: Option<(&str, String)> = None;
        match done.outcome {
            Outcome::Refreshed(Ok(token)) => {
                entry.token = Some(token);
                entry.status = Status::Live;
                entry.error = None;
                journal = Some(("refresh", "ok".into()));
            }
            Outcome::Refreshed(Err(e)) => {
                entry.error = Some(format!("refresh failed: {e}"));
                journal = Some(("refresh", e.clone()));
                self.notice(Level::Error, format!("{profile}: refresh failed: {e}"));
            }
            Outcome::Revoked {
                result: Ok(()),
                confirmation,
            } => {
                entry.status = Status::Revoked;
                entry.error = None;
                journal = Some(("revoke", format!("ok; {confirmation}")));
                self.notice(Level::Info, format!("{profile}: revoked; {confirmation}"));
            }
            Outcome::Revoked { result: Err(e), .. } => {
                entry.error = Some(format!("revoke failed: {e}"));
                journal = Some(("revoke", e.clone()));
                self.notice(Level::Error, format!("{profile}: revoke failed: {e}"));
            }
            Outcome::Decoded(report) => self.send(Update::Decoded(report)),
            Outcome::TimedOut(why) | Outcome::Failed(why) => {
                entry.error = Some(why.clone());
                self.notice(Level::Error, format!("{profile}: {why}"));
            }
        }
        if let Some((action, result)) = &journal {
            tracing::info!(credential = %done.id, job = done.job, action, result = %result, "job finished");
        }
        if let (Some((action, result)), Some(j)) = (journal, &self.config.journal) {
            let after = self
                .store
                .get(&done.id)
                .and_then(|e| e.token.as_ref())
                .map(|t| t.value.fingerprint());
            let entry = audit::Entry {
                at: self.clock.now(),
                action,
                profile: &profile,
                credential: &done.id.0,
                after: after.filter(|a| Some(a) != before.as_ref()),
                before,
                result,
            };
            if let Err(e) = j.append(&entry) {
                self.notice(
                    Level::Warn,
                    format!("audit journal {}: {e}", j.path().display()),
                );
            }
        }
        self.push_row(&done.id);
    }

    fn push_row(&self, id: &CredentialId) {
        if let Some(row) = self.store.row(id) {
            self.send(Update::Row(row));
        }
    }
}

/// The message of a caught panic (Secret's Debug keeps tokens out of it).
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "a job panicked".to_string())
}
