//! tracing to a file, off unless asked for. Never to the terminal.

use tracing_appender::non_blocking::WorkerGuard;

/// Starts logging at `level` into `$XDG_STATE_HOME/tokentop/tokentop.log`
/// (0600, in a 0700 folder).
/// Keep the guard alive for the program's life.
pub fn init(level: &str) -> Result<WorkerGuard, String> {
    let dir = crate::config::state_dir().ok_or("no state directory")?;
    let path = dir.join("tokentop.log");
    let file =
        crate::files::append_private(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_new(format!("tokentop={level}"))
        .map_err(|e| e.to_string())?;
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .map_err(|e| e.to_string())?;
    Ok(guard)
}
