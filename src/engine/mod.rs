//! The runtime: the credential store, jobs on tokio tasks, and the one loop
//! that turns commands into updates. The UI and CLI see only [`protocol`].

mod config;
pub mod decode_token;
mod derived;
mod dispatch;
pub mod doctor;
pub mod entry;
pub mod jobs;
mod keeper;
pub mod login;
pub mod metadata_probe;
pub mod outcome;
pub mod protocol;
mod reveal;
mod saver;
mod snapshot;
pub mod store;
pub mod watcher;

use crate::model::{Clock, CredentialId, Row};
use crate::net::Http;
use crate::sources;
pub use config::{EngineConfig, REQUEST_TIMEOUT};
use jobs::{Lane, Lanes, Op, Outcome, Resources};
pub use protocol::EngineHandle;
use protocol::{Command, Level, Update};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// Sleeps until `at` (callers guard against `None`).
async fn sleep_until(at: Option<tokio::time::Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}

/// How long reading every credential file may take before the engine
/// gives up on that reading (and says so) instead of waiting forever.
const DISCOVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long jobs in flight may still finish when the engine stops.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How often auto-refresh looks for tokens inside their window.
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(1);

/// How long to wait for a burst of file events to settle before re-reading.
const SETTLE: Duration = Duration::from_millis(250);

/// Starts the engine on the current tokio runtime.
pub fn start(config: EngineConfig, clock: Arc<dyn Clock>) -> Result<EngineHandle, String> {
    // Every answer's Date measures the servers' clocks; the engine and the
    // dashboard count down by this machine's clock corrected by them.
    let skew = Arc::new(crate::model::Skew::default());
    let http =
        Http::new(config.request_timeout, skew.clone()).map_err(|e| format!("HTTP client: {e}"))?;
    let clock: Arc<dyn Clock> = Arc::new(crate::model::ServerClock::new(clock, skew));
    let (command_tx, command_rx) = mpsc::channel(64);
    let (update_tx, update_rx) = mpsc::unbounded_channel();
    let (done, done_rx) = mpsc::unbounded_channel();
    let (changed, changed_rx) = mpsc::unbounded_channel();
    let (discovered, discovered_rx) = mpsc::unbounded_channel();
    let (probed, probed_rx) = mpsc::unbounded_channel();
    let (copies, copies_rx) = mpsc::unbounded_channel();
    let engine = Engine {
        done,
        changed,
        discovered,
        reading: false,
        read_deadline: None,
        read_again: false,
        watch: None,
        stopping: false,
        probed,
        copies,
        probing: false,
        machine: None,
        machine_note: None,
        doctor_asks: HashMap::new(),
        given_up_logins: std::collections::HashSet::new(),
        saver: Some(saver::Saver::start(update_tx.clone())),
        login_redirects: HashMap::new(),
        keeper: keeper::Keeper::new(config.refresh_policy.clone()),
        config,
        clock: clock.clone(),
        store: Store::default(),
        resources: Resources {
            http,
            jwks: Arc::default(),
        },
        lanes: Lanes::default(),
        in_flight: HashMap::new(),
        next_job: 0,
        updates: update_tx,
    };
    let task = tokio::spawn(engine.run(
        command_rx,
        done_rx,
        changed_rx,
        discovered_rx,
        (probed_rx, copies_rx),
    ));
    Ok(EngineHandle {
        commands: command_tx,
        updates: update_rx,
        task,
        clock,
    })
}

/// A job in flight, and whether another was asked for meanwhile.
struct Running {
    job: u64,
    abort: AbortHandle,
    /// Another refresh was asked for meanwhile.
    again: bool,
    /// The queue it waited in, and the next one will.
    lane: Lane,
    /// Whether it began (and may have reached a server).
    start: jobs::Start,
    /// Fingerprint of the token the job acts on, when it started.
    subject: Option<String>,
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
    lanes: Lanes,
    in_flight: HashMap<(CredentialId, Op), Running>,
    next_job: u64,
    updates: mpsc::UnboundedSender<Update>,
    done: mpsc::UnboundedSender<Done>,
    changed: mpsc::UnboundedSender<()>,
    watch: Option<watcher::FileWatch>,
    /// Where finished reads of the sources arrive.
    discovered: mpsc::UnboundedSender<sources::Discovery>,
    /// A read is under way.
    reading: bool,
    /// When the read under way is overdue (until that is said).
    read_deadline: Option<tokio::time::Instant>,
    /// Another read was asked for during this one.
    read_again: bool,
    /// Shutting down: finish what runs, start nothing new.
    stopping: bool,
    /// Where the metadata server probe reports.
    probed: mpsc::UnboundedSender<metadata_probe::Probed>,
    /// Where copies whose target had to be found come back.
    copies: mpsc::UnboundedSender<reveal::Copying>,
    /// A metadata server probe is under way.
    probing: bool,
    /// What the metadata server said, once it has.
    machine: Option<crate::model::MetadataMachine>,
    /// Why the metadata server could not be asked, for the notes.
    machine_note: Option<String>,
    /// Sign-ins given up, by job: tokens they bring all the same are kept.
    given_up_logins: std::collections::HashSet<u64>,
    /// Writes sign-ins to tokentop's store (taken when the engine stops).
    saver: Option<saver::Saver>,
    /// Where addresses pasted for a browser sign-in in flight go.
    login_redirects: HashMap<CredentialId, mpsc::UnboundedSender<String>>,
    /// The doctor's latest target per credential, for its job.
    doctor_asks: HashMap<CredentialId, crate::model::DoctorAsk>,
    /// What is kept alive by auto-refresh.
    keeper: keeper::Keeper,
}

impl Engine {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        mut done: mpsc::UnboundedReceiver<Done>,
        mut changed: mpsc::UnboundedReceiver<()>,
        mut discovered: mpsc::UnboundedReceiver<sources::Discovery>,
        (mut probed, mut copies): (
            mpsc::UnboundedReceiver<metadata_probe::Probed>,
            mpsc::UnboundedReceiver<reveal::Copying>,
        ),
    ) {
        self.reload();
        self.probe_metadata();
        let mut reload_at: Option<tokio::time::Instant> = None;
        let mut keep_alive = tokio::time::interval(KEEP_ALIVE_EVERY);
        keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                // Finished work first: a result already here is never dropped.
                biased;
                Some(finished) = done.recv() => self.finish(finished),
                // After finished work, so results already here are applied
                // before the table is replaced.
                Some(found) = discovered.recv() => self.apply_discovery(found),
                Some(answer) = probed.recv() => self.apply_probe(answer),
                Some(copy) = copies.recv() => self.hand_copy(copy),
                command = commands.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                Some(()) = changed.recv() => {
                    // A save is often several events: read once they settle,
                    // without holding up commands meanwhile.
                    reload_at = Some(tokio::time::Instant::now() + SETTLE);
                }
                () = sleep_until(reload_at), if reload_at.is_some() => {
                    reload_at = None;
                    self.reload();
                }
                () = sleep_until(self.read_deadline), if self.read_deadline.is_some() => {
                    self.read_overdue();
                }
                _ = keep_alive.tick(), if self.keeper.active() && !self.config.readonly => {
                    self.keep_alive();
                }
            }
        }
        self.stop(&mut done).await;
        if let Some(saver) = self.saver.take() {
            saver.finish().await;
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
    ///
    /// Reading files can hang (a dead network mount), so it runs on a
    /// blocking thread and reports back through a channel: the engine goes on
    /// answering meanwhile. One read at a time; a reload asked for during one
    /// follows it.
    fn reload(&mut self) {
        if self.reading {
            self.read_again = true;
            return;
        }
        self.reading = true;
        self.read_deadline = Some(tokio::time::Instant::now() + DISCOVERY_TIMEOUT);
        let (discovery, found) = (self.config.discovery.clone(), self.discovered.clone());
        tokio::task::spawn_blocking(move || {
            let _ = found.send(sources::discover(&discovery));
        });
    }

    /// A read that has not finished in time: the table stays as it is and
    /// says why. The read may still finish, and is then applied; no other
    /// starts meanwhile, so a hung mount holds one thread, not one per try.
    fn read_overdue(&mut self) {
        self.read_deadline = None;
        self.send(Update::Snapshot {
            rows: self.rows(),
            source_errors: vec![format!(
                "reading credential files has taken over {} s (a hung network filesystem?): \
                 keeping what is shown",
                DISCOVERY_TIMEOUT.as_secs()
            )],
            skipped: Vec::new(),
            // A read that hangs is given up on: `list` ends on this.
            settled: !self.probing,
        });
    }

    /// Applies a finished read: publishes the table, fetches tokens for new
    /// credentials, and (re)starts the file watch.
    fn apply_discovery(&mut self, found: sources::Discovery) {
        self.reading = false;
        self.read_deadline = None;
        tracing::info!(
            credentials = found.credentials.len(),
            broken_sources = found.errors.len(),
            "sources read"
        );
        for e in &found.errors {
            tracing::warn!(source = %e.source_path, "{}", e.message);
        }
        // A profile of a kind not shown yet is a note, not a broken source:
        // it does not keep an old row alive.
        let (notes, broken): (Vec<_>, Vec<_>) =
            found.errors.into_iter().partition(|e| e.unsupported);
        let mut notes: Vec<String> = notes.iter().map(ToString::to_string).collect();
        notes.extend(self.machine_note.clone());
        let mut found_credentials = found.credentials;
        if let (Some(machine), Some(google)) = (&self.machine, &self.config.discovery.google) {
            found_credentials.extend(sources::adc::metadata_credentials(google, machine));
        }
        // Work for a credential that changed or went away no longer applies.
        for (id, profile) in self.store.replace(found_credentials, &broken) {
            for op in Op::ALL {
                if let Some(running) = self.in_flight.remove(&(id.clone(), op)) {
                    self.abandon(
                        &id,
                        &profile,
                        op,
                        running,
                        "its credential changed or went away",
                    );
                }
            }
        }
        self.send(Update::Snapshot {
            rows: self.rows(),
            source_errors: broken.iter().map(ToString::to_string).collect(),
            skipped: notes,
            settled: !self.probing && !self.reading,
        });
        if self.config.refresh_on_start {
            for id in self.store.ids() {
                let untouched = self.store.get(&id).is_some_and(|e| {
                    e.token().is_none()
                        && crate::providers::capabilities(&e.credential).can_refresh()
                        && e.busy.is_none()
                        && e.error.is_none()
                        && e.source_error.is_none()
                });
                if untouched {
                    self.spawn(&id, Op::Refresh, Lane::Background);
                }
            }
        }
        if self.config.watch_files {
            let (files, folders) = self.config.discovery.watched();
            let mut files: BTreeSet<PathBuf> = files.into_iter().collect();
            files.extend(self.store.sources().into_iter().map(PathBuf::from));
            // A file that could not be read is watched too: mended, it is
            // read again without a key or a restart.
            files.extend(
                broken
                    .iter()
                    .map(|e| PathBuf::from(&e.source_path))
                    .filter(|p| p.is_absolute()),
            );
            self.watch = match watcher::watch(&files, &folders, self.changed.clone()) {
                Ok(watch) => Some(watch),
                Err(e) => {
                    self.notice(Level::Warn, format!("not watching credential files: {e}"));
                    None
                }
            };
        }
        if std::mem::take(&mut self.read_again) {
            self.reload();
        }
    }

    fn handle(&mut self, command: Command) {
        let changes_tokens = matches!(
            command,
            Command::Refresh(_)
                | Command::Revoke(_)
                | Command::Downscope(..)
                | Command::Login(_)
                | Command::LoginRedirect(..)
                | Command::AutoRefresh(_, true)
        );
        if self.config.readonly && changes_tokens {
            self.notice(
                Level::Warn,
                "read-only: tokens are not refreshed, revoked, narrowed or signed in".to_string(),
            );
            return;
        }
        match command {
            Command::Refresh(id) => self.spawn(&id, Op::Refresh, Lane::User),
            Command::Decode(id) => self.spawn(&id, Op::Decode, Lane::User),
            Command::Revoke(id) => self.spawn(&id, Op::Revoke, Lane::User),
            Command::Downscope(id, ask) => self.downscope(&id, ask),
            Command::Drop(id) => self.drop_derived(&id),
            Command::Reveal(id, purpose) => self.reveal(&id, purpose),
            Command::Login(id) => self.spawn(&id, Op::Login, Lane::User),
            Command::CancelLogin(id) => self.cancel_login(&id),
            Command::LoginRedirect(id, address) => self.login_redirect(&id, address),
            Command::DecodeToken(token) => {
                let (res, updates) = (self.resources.clone(), self.updates.clone());
                tokio::spawn(async move {
                    let report = decode_token::decode_token(res, token).await;
                    let _ = updates.send(Update::Decoded(report));
                });
            }
            Command::Doctor(id, ask) => {
                self.doctor_asks.insert(id.clone(), ask);
                self.spawn(&id, Op::Doctor, Lane::User);
            }
            Command::Reload => {
                self.reload();
                self.probe_metadata();
            }
            Command::ReadOnly => {
                self.config.readonly = true;
                // Nothing is kept alive now: every row's ↻ mark goes.
                for id in self.store.ids() {
                    self.push_row(&id);
                }
            }
            Command::AutoRefresh(id, on) => self.set_auto_refresh(id.as_ref(), on),
        }
    }

    fn push_row(&self, id: &CredentialId) {
        if let Some(mut row) = self.store.row(id) {
            row.auto_refresh = self.kept_alive(id);
            self.send(Update::Row(Box::new(row)));
        }
    }

    /// Every row, in the store's order, as the UI is to show them.
    fn rows(&self) -> Vec<Row> {
        let mut rows = self.store.rows();
        for row in &mut rows {
            row.auto_refresh = self.kept_alive(&row.id);
        }
        rows
    }

    /// Whether auto-refresh really keeps `id` alive: asked for, and
    /// tokentop can refresh it, it is not revoked, and not read-only.
    fn kept_alive(&self, id: &CredentialId) -> bool {
        self.keeper.is_on(id)
            && !self.config.readonly
            && self.store.get(id).is_some_and(|entry| {
                entry.status != crate::model::Status::Revoked
                    && crate::providers::capabilities(&entry.credential).can_refresh()
            })
    }
}
