//! `tokentop serve`: the engine without a terminal (discovery, the file
//! watch, the auto-refresh policy when configured) behind `/metrics` in the
//! OpenMetrics text format (the classic text format for scrapers that do
//! not ask for it), and `/healthz`. Loopback unless another
//! address is given; `/metrics` may ask for a bearer token read from a file
//! (Prometheus sends it with `authorization.credentials_file`). `/list.json`
//! answers the document `list --json` prints, for `list --from`.

use super::metrics::{self, Refreshes};
use crate::engine::EngineConfig;
use crate::engine::protocol::{RowTable, Update};
use crate::model::{Clock, Secret, SystemClock};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// Where and how `serve` listens.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// A file holding the bearer token `/metrics` asks for.
    pub bearer_token_file: Option<PathBuf>,
}

struct Shared {
    table: Mutex<(RowTable, Refreshes)>,
    clock: Arc<dyn Clock>,
    bearer: Option<Secret>,
}

/// Runs until SIGINT or SIGTERM.
pub async fn serve(engine: EngineConfig, options: ServeOptions) -> Result<ExitCode, String> {
    let bearer = options
        .bearer_token_file
        .as_deref()
        .map(read_bearer)
        .transpose()?;
    if !options.listen.ip().is_loopback() {
        eprintln!(
            "tokentop serve: warning: listening on {}, not loopback: whoever reaches it sees your credentials' names and expiries{}",
            options.listen,
            if bearer.is_some() {
                ""
            } else {
                " (give --bearer-token-file)"
            }
        );
    }
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("listen on {}: {e}", options.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let mut handle = crate::engine::start(engine, Arc::new(SystemClock))?;
    let shared = Arc::new(Shared {
        table: Mutex::new((RowTable::default(), Refreshes::default())),
        clock: handle.clock.clone(),
        bearer,
    });
    let app = Router::new()
        .route("/metrics", get(scrape))
        .route("/list.json", get(listing))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(shared.clone());
    eprintln!("tokentop serve: http://{bound}/metrics");
    let server = axum::serve(listener, app).with_graceful_shutdown(stopped());
    let mut server = std::pin::pin!(server.into_future());
    loop {
        tokio::select! {
            result = &mut server => {
                result.map_err(|e| e.to_string())?;
                break;
            }
            update = handle.updates.recv() => {
                let Some(update) = update else { break };
                let mut guard = shared.table.lock().unwrap_or_else(|p| p.into_inner());
                let (table, refreshes) = &mut *guard;
                if let Update::Journaled(line) = &update {
                    refreshes.count(line);
                }
                table.apply(&update);
            }
        }
    }
    handle.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// SIGINT or SIGTERM.
async fn stopped() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
}

/// The bearer token in `path` (`--bearer-token-file`), trimmed; a file
/// others may read is warned about.
pub(super) fn read_bearer(path: &Path) -> Result<Secret, String> {
    let text = crate::files::read_text(path)
        .map_err(|e| format!("--bearer-token-file {}: {e}", path.display()))?;
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "tokentop: warning: --bearer-token-file {} can be read by other users (chmod 600 it)",
            path.display()
        );
    }
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("--bearer-token-file {}: empty", path.display()));
    }
    Ok(Secret::new(token))
}

/// The 401 to answer when a bearer token is asked for and not given.
fn refused(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let expected = shared.bearer.as_ref()?;
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let same = aws_lc_rs::constant_time::verify_slices_are_equal(
        given.as_bytes(),
        expected.expose().as_bytes(),
    )
    .is_ok();
    let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
    (!same).then(|| (StatusCode::UNAUTHORIZED, challenge, "unauthorized\n").into_response())
}

/// `/list.json`: the document `tokentop list --json` prints, of this
/// engine's rows (what `list --from` reads).
async fn listing(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refused(&shared, &headers) {
        return refusal;
    }
    let guard = shared.table.lock().unwrap_or_else(|p| p.into_inner());
    let (table, _) = &*guard;
    let document = super::list::listing_json_of(
        &table.rows,
        &table.source_errors,
        &table.skipped,
        shared.clock.now(),
    );
    match document {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}

/// `/metrics`: the families, after the bearer token if one is asked for.
async fn scrape(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Some(refusal) = refused(&shared, &headers) {
        return refusal;
    }
    let guard = shared.table.lock().unwrap_or_else(|p| p.into_inner());
    let (table, refreshes) = &*guard;
    let snapshot = metrics::Snapshot {
        rows: &table.rows,
        source_errors: &table.source_errors,
        refreshes,
        skew: shared.clock.measured_skew(),
        now: shared.clock.now(),
    };
    // Prometheus asks for OpenMetrics; curl and older scrapers get the
    // classic text format.
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/openmetrics-text"));
    match metrics::encode(&snapshot) {
        Ok(text) if openmetrics => {
            ([(header::CONTENT_TYPE, metrics::OPENMETRICS_TYPE)], text).into_response()
        }
        Ok(text) => {
            let text = metrics::classic(&text);
            ([(header::CONTENT_TYPE, metrics::CLASSIC_TYPE)], text).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    }
}
