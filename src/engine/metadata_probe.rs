//! The metadata server probe: a network job (never part of reading files)
//! that asks the machine's metadata server for its service accounts,
//! project and zone, with a short deadline so a laptop never waits on it.

use super::Engine;
use crate::model::{MetadataMachine, ProviderError};
use crate::net::Http;
use crate::providers::metadata;
use std::time::Duration;
use tokio::sync::mpsc;

/// How long the whole probe may take.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// A finished probe.
#[derive(Debug)]
pub struct Probed {
    /// The host asked.
    pub host: String,
    /// What it said, or why not.
    pub result: Result<MetadataMachine, ProviderError>,
}

/// Probes `host` on a task; the answer arrives on `done`.
pub fn spawn(http: Http, host: String, done: mpsc::UnboundedSender<Probed>) {
    tokio::spawn(async move {
        let result = match tokio::time::timeout(PROBE_TIMEOUT, metadata::probe(&http, &host)).await
        {
            Ok(answer) => answer,
            Err(_) => Err(ProviderError::Timeout { host: host.clone() }),
        };
        // The engine has stopped only when the UI has quit.
        let _ = done.send(Probed { host, result });
    });
}

impl Engine {
    /// Asks the metadata server, when there is one to ask, on a task.
    pub(super) fn probe_metadata(&mut self) {
        let host = self
            .config
            .discovery
            .google
            .as_ref()
            .and_then(|g| g.metadata_host.clone());
        if let Some(host) = host
            && !self.probing
        {
            self.probing = true;
            spawn(self.resources.http.clone(), host, self.probed.clone());
        }
    }

    /// Takes in what the metadata server said, then re-reads so its
    /// accounts join the table in their place in the ADC chain.
    pub(super) fn apply_probe(&mut self, answer: Probed) {
        self.probing = false;
        match answer.result {
            Ok(machine) => {
                self.machine = Some(machine);
                self.machine_note = None;
            }
            Err(e) => {
                self.machine_note = Some(format!("metadata server {}: {e}", answer.host));
            }
        }
        self.reload();
    }
}
