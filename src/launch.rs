//! Wiring: starts the engine on a discovery configuration and hands its
//! handle to the dashboard.

use crate::config::UiOptions;
use crate::engine::{self, EngineConfig};
use crate::model::SystemClock;
use crate::sources::DiscoveryConfig;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How long one provider request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// The engine configuration used by the dashboard and `list`.
pub fn engine_config(discovery: DiscoveryConfig, refresh_on_start: bool) -> EngineConfig {
    EngineConfig {
        discovery,
        request_timeout: REQUEST_TIMEOUT,
        refresh_on_start,
    }
}

/// Runs the dashboard until the user quits.
pub async fn dashboard(discovery: DiscoveryConfig, ui: UiOptions) -> Result<ExitCode, String> {
    let handle = engine::start(engine_config(discovery, true), Arc::new(SystemClock))?;
    crate::tui::run(handle, &ui.theme, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
