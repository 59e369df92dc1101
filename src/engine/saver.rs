//! Sign-ins kept in tokentop's store, written off the engine's loop (a
//! write waits for a lock and two fsyncs) and in the order they were made,
//! so the last refresh token an issuer gave is the one kept.

use super::protocol::{Level, Update};
use crate::model::Secret;
use crate::sources::login_store::LoginStore;
use std::path::PathBuf;
use tokio::sync::mpsc;

/// One sign-in to keep.
pub struct Save {
    /// The store.
    pub path: PathBuf,
    /// The credential's id.
    pub key: String,
    /// Its issuer (or token endpoint, or workspace).
    pub issuer: String,
    /// Its client.
    pub client_id: String,
    /// The refresh token.
    pub token: Secret,
}

/// The writer: one task, one save at a time.
pub struct Saver {
    jobs: mpsc::UnboundedSender<Save>,
    task: tokio::task::JoinHandle<()>,
}

impl Saver {
    /// Starts the writer; a failed save is said on `updates`.
    pub fn start(updates: mpsc::UnboundedSender<Update>) -> Self {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Save>();
        let task = tokio::spawn(async move {
            while let Some(save) = queue.recv().await {
                let written = tokio::task::spawn_blocking(move || {
                    LoginStore::save(
                        &save.path,
                        &save.key,
                        &save.issuer,
                        &save.client_id,
                        &save.token,
                    )
                })
                .await
                .unwrap_or_else(|e| Err(format!("the writer stopped: {e}")));
                if let Err(e) = written {
                    let _ = updates.send(Update::Notice {
                        level: Level::Warn,
                        text: format!("the sign-in is not kept: {e}"),
                    });
                }
            }
        });
        Self { jobs, task }
    }

    /// Queues `save`.
    pub fn save(&self, save: Save) {
        let _ = self.jobs.send(save);
    }

    /// Writes what is queued, then stops (the engine is stopping: a
    /// sign-in just made must be on disk before tokentop exits).
    pub async fn finish(self) {
        drop(self.jobs);
        let _ = self.task.await;
    }
}
