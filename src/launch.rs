//! Wiring: starts the engine on a discovery configuration and hands its
//! handle to the dashboard.

use crate::config::UiOptions;
use crate::engine::{self, EngineConfig};
use crate::model::SystemClock;
use crate::sources::DiscoveryConfig;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the dashboard until the user quits.
pub async fn dashboard(discovery: DiscoveryConfig, ui: UiOptions) -> Result<ExitCode, String> {
    let handle = engine::start(
        EngineConfig::new(discovery, true).watching(),
        Arc::new(SystemClock),
    )?;
    crate::tui::run(handle, &ui.theme, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
