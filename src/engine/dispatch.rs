//! The engine's job bookkeeping: starting jobs (one running and one queued
//! per credential and operation), applying what they return, journalling,
//! and letting them finish when the engine stops.

use super::jobs::{self, Op};
use super::protocol::{Level, Update};
use super::{Done, Engine, Running, SHUTDOWN_GRACE, outcome};
use crate::audit;
use crate::model::CredentialId;
use tokio::sync::mpsc;

impl Engine {
    /// Starts a job. While one runs for the same row and operation, a new
    /// request is remembered once and started when it finishes (one running,
    /// one pending), so every token a server issues is seen and journalled.
    pub(super) fn spawn(&mut self, id: &CredentialId, op: Op) {
        let key = (id.clone(), op);
        if let Some(running) = self.in_flight.get_mut(&key) {
            // A refresh asked for during one is queued once (the user wants a
            // token newer than that click); a second decode or revoke of the
            // same token would only repeat the first.
            running.again |= op == Op::Refresh;
            return;
        }
        let Some(future) = self.job_future(id, op) else {
            return;
        };
        self.next_job += 1;
        let job = self.next_job;
        tracing::debug!(credential = %id, op = op.label(), job, "job started");
        let timeout = self.config.request_timeout * 3;
        let (tx, task_id) = (self.done.clone(), id.clone());
        let task = tokio::spawn(async move {
            let outcome = jobs::guarded(op, future, timeout).await;
            let _ = tx.send(Done {
                id: task_id,
                op,
                job,
                outcome,
            });
        });
        let subject = self
            .store
            .get(id)
            .and_then(|e| e.token.as_ref())
            .map(|t| t.value.fingerprint());
        self.in_flight.insert(
            key,
            Running {
                job,
                abort: task.abort_handle(),
                again: false,
                subject,
            },
        );
        if let Some(entry) = self.store.get_mut(id) {
            entry.busy = Some(op.label());
        }
        self.push_row(id);
    }

    /// The work for `op` on `id`, or `None` (with a notice) when there is none to do.
    fn job_future(&self, id: &CredentialId, op: Op) -> Option<jobs::JobFuture> {
        let Some(entry) = self.store.get(id) else {
            self.notice(Level::Warn, format!("unknown credential {id}"));
            return None;
        };
        let (cred, res, profile) = (
            entry.credential.clone(),
            self.resources.clone(),
            &entry.credential.provenance.profile,
        );
        match (op, entry.token.clone()) {
            (Op::Refresh, _) => Some(Box::pin(jobs::refresh(res, cred, self.clock.now()))),
            (Op::Decode, Some(token)) => Some(Box::pin(jobs::decode(res, cred, token))),
            (Op::Revoke, Some(token)) => match cred.capabilities().revoke_blocked {
                None => Some(Box::pin(jobs::revoke(res, cred, token))),
                Some(why) => {
                    self.notice(Level::Warn, format!("{profile}: {why}"));
                    None
                }
            },
            (_, None) => {
                self.notice(Level::Warn, format!("{profile}: no token yet (press r)"));
                None
            }
        }
    }

    pub(super) fn finish(&mut self, done: Done) {
        let key = (done.id.clone(), done.op);
        if self.in_flight.get(&key).map(|r| r.job) != Some(done.job) {
            return;
        }
        let Some(running) = self.in_flight.remove(&key) else {
            return;
        };
        let still_busy = [Op::Refresh, Op::Decode, Op::Revoke]
            .into_iter()
            .find(|op| self.in_flight.contains_key(&(done.id.clone(), *op)));
        let Some(entry) = self.store.get_mut(&done.id) else {
            return;
        };
        entry.busy = still_busy.map(Op::label);
        let profile = entry.credential.provenance.profile.clone();
        let applied = outcome::apply(entry, done.op, done.outcome, running.subject);
        if let Some(line) = &applied.journal {
            tracing::info!(credential = %done.id, job = done.job, action = line.action, result = %line.result, "job finished");
            self.record(&done.id, &profile, line);
        }
        if let Some((level, text)) = applied.notice {
            self.notice(level, text);
        }
        if let Some(report) = applied.decoded {
            self.send(Update::Decoded(report));
        }
        self.push_row(&done.id);
        if running.again && !self.stopping {
            self.spawn(&done.id, done.op);
        }
    }

    /// Appends a journal line, if there is a journal.
    fn record(&self, id: &CredentialId, profile: &str, change: &audit::Change) {
        let Some(journal) = &self.config.journal else {
            return;
        };
        let entry = audit::Entry {
            at: self.clock.now(),
            profile,
            credential: &id.0,
            change,
        };
        if let Err(e) = journal.append(&entry) {
            self.notice(
                Level::Warn,
                format!("audit journal {}: {e}", journal.path().display()),
            );
        }
    }

    /// Lets jobs in flight finish for a moment (a refresh or revoke may have
    /// reached its issuer already), then abandons the rest, journalling them.
    pub(super) async fn stop(&mut self, done: &mut mpsc::UnboundedReceiver<Done>) {
        self.stopping = true;
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while !self.in_flight.is_empty() {
            tokio::select! {
                Some(finished) = done.recv() => self.finish(finished),
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        for ((id, op), running) in std::mem::take(&mut self.in_flight) {
            running.abort.abort();
            if op == Op::Decode {
                continue;
            }
            let Some(entry) = self.store.get(&id) else {
                continue;
            };
            let change = audit::Change {
                action: op.label(),
                before: running.subject,
                after: None,
                result: "abandoned: tokentop quit while it was in flight".into(),
            };
            self.record(&id, &entry.credential.provenance.profile, &change);
        }
    }
}
