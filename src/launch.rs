//! Wiring: starts the engine on a discovery configuration and hands its
//! handle to the dashboard.

use crate::audit::Journal;
use crate::config::UiOptions;
use crate::engine::{self, EngineConfig};
use crate::model::SystemClock;
use crate::sources::DiscoveryConfig;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the dashboard until the user quits, recording refreshes and
/// revocations in `journal` when there is one.
pub async fn dashboard(
    discovery: DiscoveryConfig,
    ui: UiOptions,
    journal: Option<Journal>,
) -> Result<ExitCode, String> {
    let config = EngineConfig::new(discovery, true).watching();
    let config = match journal {
        Some(j) => config.journal(j),
        None => config,
    };
    // The [refresh] table of the same config.toml: what is kept alive.
    let mut errors = ui.files.errors;
    let policy = match &ui.files.config {
        Some((file, text)) => {
            crate::sources::refresh_policy::parse(text, file).unwrap_or_else(|e| {
                errors.push(e);
                crate::model::RefreshPolicy::default()
            })
        }
        None => crate::model::RefreshPolicy::default(),
    };
    let config = config.refresh_policy(policy);
    let config = if ui.readonly {
        config.readonly()
    } else {
        config
    };
    let mut handle = engine::start(config, Arc::new(SystemClock))?;
    let start = crate::tui::startup::Start {
        theme: ui.theme,
        colourless: ui.colourless,
        readonly: ui.readonly,
        config: ui.files.config,
        themes: ui.files.themes,
        errors,
    };
    let result = crate::tui::run(&mut handle, &start).await;
    handle.shutdown().await;
    result.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
