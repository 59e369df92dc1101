//! Following an engine started in a test: its first snapshot, and a row
//! once its work is done.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;
use std::time::Duration;
use tokentop::engine::protocol::{Command, Update};
use tokentop::engine::{EngineConfig, EngineHandle};
use tokentop::model::{CredentialId, Row, SystemClock};
use tokentop::sources::{DatabricksEnv, DiscoveryConfig};

/// The engine on `home`'s `.databrickscfg` and Databricks caches alone,
/// getting no token until asked; watching the files when `watching`.
pub fn databricks_engine(home: &Path, watching: bool) -> EngineHandle {
    let discovery = DiscoveryConfig {
        databricks_configs: vec![home.join(".databrickscfg")],
        databricks: Some(DatabricksEnv {
            vars: Vec::new(),
            home: Some(home.to_path_buf()),
        }),
        ..DiscoveryConfig::default()
    };
    let config = EngineConfig::new(discovery, false);
    let config = if watching { config.watching() } else { config };
    tokentop::engine::start(config, std::sync::Arc::new(SystemClock)).expect("engine")
}

/// Asks for a refresh of `id` and waits for its row.
pub async fn refreshed(handle: &mut EngineHandle, id: &CredentialId) -> Row {
    handle
        .commands
        .send(Command::Refresh(id.clone()))
        .await
        .expect("send");
    settled(handle, id).await
}

/// The engine's next update, within 20 s (else it is frozen).
pub async fn next(handle: &mut EngineHandle) -> Update {
    tokio::time::timeout(Duration::from_secs(20), handle.updates.recv())
        .await
        .expect("an update within 20 s")
        .expect("engine alive")
}

/// The rows of the engine's first snapshot.
pub async fn first_rows(handle: &mut EngineHandle) -> Vec<Row> {
    loop {
        if let Update::Snapshot { rows, .. } = next(handle).await {
            return rows;
        }
    }
}

/// The id of the row shown for `profile` in the first snapshot.
pub async fn first_id(handle: &mut EngineHandle, profile: &str) -> CredentialId {
    first_rows(handle)
        .await
        .into_iter()
        .find(|r| r.profile == profile)
        .map(|r| r.id)
        .unwrap_or_else(|| panic!("no row {profile}"))
}

/// The next row for `id` that is no longer busy.
pub async fn settled(handle: &mut EngineHandle, id: &CredentialId) -> Row {
    loop {
        if let Update::Row(row) = next(handle).await
            && row.id == *id
            && row.busy.is_none()
        {
            return *row;
        }
    }
}

/// The next snapshot (a reload after a file changed).
pub async fn reloaded(handle: &mut EngineHandle) {
    while !matches!(next(handle).await, Update::Snapshot { .. }) {}
}
