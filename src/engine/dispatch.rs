//! The engine's job bookkeeping: starting jobs (one running and one queued
//! per credential and operation), applying what they return, journalling,
//! and letting them finish when the engine stops.

use super::jobs::{self, Lane, Op};
use super::protocol::{JournalLine, Level, Update};
use super::{Done, Engine, Running, SHUTDOWN_GRACE, outcome};
use crate::audit;
use crate::model::{CredentialId, DecodeReport, DecodedBody};
use tokio::sync::mpsc;

impl Engine {
    /// Starts a job. While one runs for the same row and operation, a new
    /// request is remembered once and started when it finishes (one running,
    /// one pending), so every token a server issues is seen and journalled.
    ///
    /// Jobs wait for a turn in their [`Lane`] before they start (and before
    /// their timeout starts), so a keypress never queues behind start-up work.
    pub(super) fn spawn(&mut self, id: &CredentialId, op: Op, lane: Lane) {
        let key = (id.clone(), op);
        let current = self
            .store
            .get(id)
            .and_then(|e| e.token())
            .map(|t| t.value.fingerprint());
        if let Some(running) = self.in_flight.get_mut(&key) {
            if lane == Lane::User && running.lane == Lane::Background && running.start.cancel() {
                // Still waiting behind start-up work: the user's key takes
                // its place in the user's lane (it never ran, so nothing to
                // journal).
                running.abort.abort();
                self.in_flight.remove(&key);
            } else {
                // A refresh asked for during one is queued once (the user
                // wants a token newer than that click); a decode or revoke is
                // queued only when the token changed meanwhile, else it would
                // repeat the first. The repeat runs in the asker's lane.
                running.again |= op == Op::Refresh || running.subject != current;
                if lane == Lane::User {
                    running.lane = Lane::User;
                }
                return;
            }
        }
        let Some(future) = self.job_future(id, op) else {
            return;
        };
        self.next_job += 1;
        let job = self.next_job;
        tracing::debug!(credential = %id, op = op.label(), job, "job started");
        // A sign-in waits on its user, and holds no place in a lane.
        let timeout = match op {
            Op::Login => super::login::LOGIN_DEADLINE,
            _ => self.config.request_timeout * 4,
        };
        let (tx, task_id, lanes) = (self.done.clone(), id.clone(), self.lanes.clone());
        let start = jobs::Start::default();
        let begin = start.clone();
        let task = tokio::spawn(async move {
            let _turn = match op {
                Op::Login => None,
                _ => Some(lanes.turn(lane).await),
            };
            if !begin.begin() {
                return; // called off while it waited: the engine forgot it
            }
            let outcome = jobs::guarded(op, future, timeout).await;
            let _ = tx.send(Done {
                id: task_id,
                op,
                job,
                outcome,
            });
        });
        self.in_flight.insert(
            key,
            Running {
                job,
                abort: task.abort_handle(),
                again: false,
                lane,
                start,
                subject: current,
            },
        );
        if let Some(entry) = self.store.get_mut(id) {
            entry.busy = Some(op.label());
        }
        self.push_row(id);
    }

    /// The work for `op` on `id`, or `None` (with a notice) when there is none to do.
    fn job_future(&mut self, id: &CredentialId, op: Op) -> Option<jobs::JobFuture> {
        let Some(entry) = self.store.get(id) else {
            self.notice(Level::Warn, format!("unknown credential {id}"));
            return None;
        };
        let (cred, res, profile) = (
            entry.credential.clone(),
            self.resources.clone(),
            &entry.credential.provenance.profile,
        );
        let can = crate::providers::capabilities(&cred);
        // What the family cannot do is said first, token or not. (A
        // downscope was judged on its source before its row was made.)
        let blocked = match op {
            Op::Refresh => can.refresh_blocked,
            Op::Revoke => can.revoke_blocked,
            Op::Decode | Op::Downscope | Op::Login | Op::Doctor => None,
        };
        if let Some(why) = blocked {
            let why = crate::providers::blocked_for(&cred, why);
            self.notice(Level::Warn, format!("{profile}: {why}"));
            return None;
        }
        if op == Op::Doctor {
            return self.doctor_job(id, entry);
        }
        if op == Op::Login {
            if let Err(why) = super::login::can_sign_in(&cred) {
                self.notice(Level::Warn, why);
                return None;
            }
            let updates = self.updates.clone();
            let (paste, pasted) = mpsc::unbounded_channel();
            self.login_redirects.insert(id.clone(), paste);
            return Some(Box::pin(super::login::login(
                res,
                cred,
                updates,
                pasted,
                self.clock.clone(),
            )));
        }
        match (op, entry.token().cloned()) {
            // A narrowed token is derived from its source's current one.
            (Op::Refresh | Op::Downscope, _) if entry.derived_from.is_some() => {
                let held = entry
                    .derived_from
                    .as_ref()
                    .and_then(|source| self.store.get(source))
                    .and_then(|source| source.token())
                    .cloned();
                Some(Box::pin(jobs::rederive(
                    res,
                    cred,
                    held,
                    self.clock.clone(),
                )))
            }
            (Op::Refresh, _) => Some(Box::pin(jobs::refresh(res, cred, self.clock.clone()))),
            (Op::Decode, Some(token)) => Some(Box::pin(jobs::decode(res, cred, token))),
            (Op::Revoke, Some(token)) => Some(Box::pin(jobs::revoke(res, cred, token))),
            (Op::Downscope, Some(_)) => {
                self.notice(
                    Level::Warn,
                    format!(
                        "{profile}: not a downscoped credential (press s on a row to make one)"
                    ),
                );
                None
            }
            (Op::Login | Op::Doctor, _) => None,
            (Op::Decode, None) => {
                // The dashboard may already show a decode view waiting for this.
                let reason = "no token to decode (it was dropped or never fetched)".to_string();
                self.send(Update::Decoded(failed_decode(id, profile, None, reason)));
                None
            }
            (_, None) => {
                self.notice(Level::Warn, format!("{profile}: no token yet (press r)"));
                None
            }
        }
    }

    pub(super) fn finish(&mut self, done: Done) {
        let key = (done.id.clone(), done.op);
        // A sign-in given up just as it finished still made a sign-in: its
        // tokens are kept, not dropped with the issuer's refresh token.
        let given_up = done.op == Op::Login && self.given_up_logins.remove(&done.job);
        let running = match self.in_flight.get(&key) {
            Some(running) if running.job == done.job => self.in_flight.remove(&key),
            _ if given_up && matches!(done.outcome, jobs::Outcome::Refreshed(Ok(_))) => None,
            _ => return,
        };
        let still_busy = Op::ALL
            .into_iter()
            .find(|op| self.in_flight.contains_key(&(done.id.clone(), *op)));
        if done.op == Op::Refresh {
            let ok = matches!(done.outcome, jobs::Outcome::Refreshed(Ok(_)));
            self.keeper.finished(&done.id, ok, self.clock.now());
        }
        let outcome = self.rotate_source(&done.id, done.outcome);
        let outcome = self.doctor_unfinished(&done.id, done.op, outcome);
        let Some(entry) = self.store.get_mut(&done.id) else {
            return;
        };
        entry.busy = still_busy.map(Op::label);
        let profile = entry.credential.provenance.profile.clone();
        let held = entry.credential.material.refresh_token().cloned();
        let subject = running.as_ref().and_then(|r| r.subject.clone());
        let applied = outcome::apply(entry, done.op, outcome, subject);
        let signed_in = entry.credential.material.refresh_token().cloned();
        if signed_in.is_some() && signed_in != held {
            self.keep_sign_in(&done.id);
        }
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
        if let Some(report) = applied.diagnosed {
            self.send(Update::Diagnosed(report));
        }
        self.push_row(&done.id);
        if let Some(running) = running
            && running.again
            && !self.stopping
        {
            self.spawn(&done.id, done.op, running.lane);
        }
    }

    /// A narrowed token's job may bring back its source's refresh token,
    /// rotated by the issuer while it refreshed or narrowed: the source
    /// takes it (and keeps it, for a sign-in), and so does the narrowed
    /// credential's copy. The rest of the outcome is the narrowed row's.
    fn rotate_source(&mut self, id: &CredentialId, outcome: jobs::Outcome) -> jobs::Outcome {
        let source = self.store.get(id).and_then(|e| e.derived_from.clone());
        let (Some(source), jobs::Outcome::Refreshed(Ok(tokens))) = (source, &outcome) else {
            return outcome;
        };
        let (rotated, rest): (Vec<_>, Vec<_>) = tokens
            .iter()
            .cloned()
            .partition(|t| t.role == crate::model::TokenRole::Refresh);
        if rotated.is_empty() {
            return outcome;
        }
        if let Some(derived) = self.store.get_mut(id) {
            for token in &rotated {
                derived
                    .credential
                    .material
                    .rotate_refresh_token(&token.value);
            }
        }
        if let Some(entry) = self.store.get_mut(&source) {
            let held = entry.credential.material.refresh_token().cloned();
            entry.keep_rotated_refresh_token(rotated, false);
            if entry.credential.material.refresh_token().cloned() != held {
                self.keep_sign_in(&source);
                self.push_row(&source);
            }
        }
        jobs::Outcome::Refreshed(Ok(rest))
    }

    /// Saves a sign-in's new refresh token (a login's, or one the issuer
    /// rotated) in tokentop's own store, when the credential is one of its
    /// sign-ins.
    fn keep_sign_in(&self, id: &CredentialId) {
        let Some(entry) = self.store.get(id) else {
            return;
        };
        let (Some((key, issuer, client_id)), Some(token), Some(path)) = (
            super::login::stored_as(&entry.credential),
            entry.credential.material.refresh_token(),
            self.config.discovery.login_store.as_deref(),
        ) else {
            return;
        };
        if let Some(saver) = &self.saver {
            saver.save(super::saver::Save {
                path: path.to_path_buf(),
                key: key.0.clone(),
                issuer: issuer.to_string(),
                client_id: client_id.to_string(),
                token: token.clone(),
            });
        }
    }

    /// Appends a journal line, if there is a journal.
    pub(super) fn record(&self, id: &CredentialId, profile: &str, change: &audit::Change) {
        let at = self.clock.now();
        self.send(Update::Journaled(JournalLine {
            at,
            profile: profile.to_string(),
            action: change.action.to_string(),
            before: change.before.clone(),
            after: change.after.clone(),
            result: change.result.clone(),
            file: self
                .config
                .journal
                .as_ref()
                .map(|j| j.path().display().to_string()),
        }));
        let Some(journal) = &self.config.journal else {
            return;
        };
        let entry = audit::Entry {
            at,
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
                biased;
                Some(finished) = done.recv() => self.finish(finished),
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        while let Ok(finished) = done.try_recv() {
            self.finish(finished);
        }
        for ((id, op), running) in std::mem::take(&mut self.in_flight) {
            let profile = self
                .store
                .get(&id)
                .map(|e| e.credential.provenance.profile.clone())
                .unwrap_or_default();
            self.abandon(
                &id,
                &profile,
                op,
                running,
                "tokentop quit while it was in flight",
            );
        }
    }

    /// Stops a job whose result no longer matters, leaving a trace: a
    /// refresh or revoke is journalled (it may have reached the issuer), a
    /// decode view waiting for it is told.
    pub(super) fn abandon(
        &self,
        id: &CredentialId,
        profile: &str,
        op: Op,
        running: Running,
        why: &str,
    ) {
        // A job still waiting is called off for good; one that began may
        // have reached its server, so it is journalled.
        let reached_the_network = !running.start.cancel();
        running.abort.abort();
        if op == Op::Decode {
            self.send(Update::Decoded(failed_decode(
                id,
                profile,
                running.subject,
                format!("abandoned: {why}"),
            )));
            return;
        }
        if op == Op::Doctor {
            let diagnosis = crate::model::Diagnosis::not_run(format!("abandoned: {why}"));
            self.send(Update::Diagnosed(Box::new(
                self.doctor_report(id, diagnosis),
            )));
            return;
        }
        if !reached_the_network {
            // It was still waiting for its turn: nothing was sent.
            return;
        }
        let change = audit::Change {
            action: op.label(),
            before: running.subject,
            after: None,
            result: format!("abandoned: {why}"),
        };
        self.record(id, profile, &change);
    }
}

/// A decode report that says the decode did not happen.
fn failed_decode(
    id: &CredentialId,
    profile: &str,
    fingerprint: Option<String>,
    reason: String,
) -> DecodeReport {
    DecodeReport {
        id: id.clone(),
        profile: profile.to_string(),
        fingerprint: fingerprint.unwrap_or_default(),
        body: DecodedBody::Failed { reason },
    }
}
