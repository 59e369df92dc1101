//! `tokentop list [--json]`: every credential, once, for scripts and cron;
//! one JSON document ([`listing_json`]) is what the table, the JSON and the
//! exit status are made from, here or read from a `serve` ([`show`]).

use crate::engine::EngineConfig;
use crate::engine::protocol::{RowTable, Update};
use crate::model::{
    Kind, Platform, Row, Status, SystemClock, TtlClass, abbreviate_scopes, format_ttl,
};
use crate::sources::DiscoveryConfig;
use serde::{Deserialize, Serialize};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    row: &'a Row,
    ttl_seconds: Option<i64>,
    ttl_class: TtlClass,
    /// The error's cause for scripts (`offline`, `invalid-grant`, ...).
    error_cause: Option<&'static str>,
}

#[derive(Serialize)]
struct Listing<'a> {
    credentials: Vec<Listed<'a>>,
    source_errors: &'a [String],
    skipped: &'a [String],
}

/// `list`'s exit status when every credential has a live token.
pub const EXIT_ALL_LIVE: u8 = 0;
/// Some credential has no live token: expired, revoked, or its refresh failed.
pub const EXIT_NOT_LIVE: u8 = 1;
/// A credential source (a file, or a path an environment variable names)
/// could not be read; this wins over [`EXIT_NOT_LIVE`].
pub const EXIT_SOURCE_BROKEN: u8 = 3;

/// What `list --help` says about its exit status.
pub const EXIT_HELP: &str = "Exit status: 0 every credential has a live token; 1 some credential is not live (expired, revoked, or its refresh failed); 3 a credential source could not be read or used, or with --from the serve could not be asked (this wins over 1); 2 bad usage; 74 the output could not be written (141, silently, when its reader went away, as after `| head`). With --no-refresh, tokens are not obtained, so only 0 and 3 occur.";

/// How `list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    #[default]
    Table,
    /// JSON for scripts.
    Json,
    /// The OpenMetrics families `serve` exposes.
    Openmetrics,
    /// The same in Prometheus' classic text format, for node_exporter's
    /// textfile collector.
    Prometheus,
}

/// Discovers, obtains tokens (unless `refresh` is false), prints; the exit
/// status says whether everything is live ([`EXIT_HELP`]).
pub async fn list(
    discovery: DiscoveryConfig,
    format: Format,
    refresh: bool,
) -> Result<ExitCode, String> {
    let collected = collect(discovery, refresh).await?;
    let document = listing_json(&collected)?;
    if matches!(format, Format::Openmetrics | Format::Prometheus) {
        let snapshot = super::metrics::Snapshot {
            rows: &collected.rows,
            source_errors: &collected.source_errors,
            refreshes: &collected.refreshes,
            skew: collected.skew,
            now: collected.now,
        };
        let text = super::metrics::encode(&snapshot)?;
        match format {
            Format::Prometheus => out!("{}", super::metrics::classic(&text)),
            _ => out!("{text}"),
        }
        return Ok(Document::parse(&document)?.exit_code(refresh));
    }
    show(&document, format, refresh)
}

/// The JSON document `list --json` prints (and `serve` answers at
/// `/list.json`): every row with its TTL as of the listing, the sources
/// that could not be read, the profiles skipped.
pub fn listing_json(collected: &Collected) -> Result<String, String> {
    listing_json_of(
        &collected.rows,
        &collected.source_errors,
        &collected.skipped,
        collected.now,
    )
}

/// [`listing_json`] of a table's parts.
pub fn listing_json_of(
    rows: &[Row],
    source_errors: &[String],
    skipped: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, String> {
    let credentials = rows
        .iter()
        .map(|row| Listed {
            row,
            ttl_seconds: row.remaining(now).map(|d| d.num_seconds()),
            ttl_class: row.ttl_class(now),
            error_cause: row.error.as_ref().map(crate::model::Problem::cause),
        })
        .collect();
    serde_json::to_string_pretty(&Listing {
        credentials,
        source_errors,
        skipped,
    })
    .map_err(|e| e.to_string())
}

/// Prints a listing document as `format` (table or JSON) and says its exit
/// status; the document is this run's or a `serve`'s.
pub(super) fn show(document: &str, format: Format, refresh: bool) -> Result<ExitCode, String> {
    let parsed = Document::parse(document)?;
    if format == Format::Json {
        outln!("{}", document.trim_end());
    } else if parsed.credentials.is_empty() {
        eprintln!(
            "no credentials found: tokentop looked at --profiles (or $XDG_CONFIG_HOME/tokentop/profiles.toml), \
             GOOGLE_APPLICATION_CREDENTIALS, gcloud's folder ($CLOUDSDK_CONFIG or ~/.config/gcloud: \
             its ADC file and accounts), the metadata server (on Google Cloud, or at $GCE_METADATA_HOST) \
             and ~/.databrickscfg"
        );
    } else {
        print_table(&parsed.credentials);
    }
    if format != Format::Json {
        for e in &parsed.source_errors {
            eprintln!("warning: {e}");
        }
        for note in &parsed.skipped {
            eprintln!("note: {note}");
        }
    }
    Ok(parsed.exit_code(refresh))
}

/// A listing document read back: what the table and the exit status need.
#[derive(Deserialize)]
pub(super) struct Document {
    credentials: Vec<Line>,
    source_errors: Vec<String>,
    skipped: Vec<String>,
}

/// One credential of a [`Document`].
#[derive(Deserialize)]
struct Line {
    platform: Platform,
    profile: String,
    principal: String,
    kind: Kind,
    status: Status,
    ttl_seconds: Option<i64>,
    ttl_class: TtlClass,
    scopes: Vec<String>,
    error: Option<String>,
    fix: Option<String>,
    warning: Option<String>,
}

impl Document {
    /// Reads a document `list --json` printed.
    pub(super) fn parse(text: &str) -> Result<Document, String> {
        serde_json::from_str(text).map_err(|e| format!("not a tokentop listing: {e}"))
    }

    /// [`EXIT_HELP`]: a broken source wins; then any credential not live.
    pub(super) fn exit_code(&self, refresh: bool) -> ExitCode {
        // Without a refresh nothing is live yet: only a refresh can fail the listing.
        let all_live = !refresh
            || self.credentials.iter().all(|l| {
                l.status == Status::Live && l.error.is_none() && l.ttl_class != TtlClass::Expired
            });
        ExitCode::from(if !self.source_errors.is_empty() {
            EXIT_SOURCE_BROKEN
        } else if all_live {
            EXIT_ALL_LIVE
        } else {
            EXIT_NOT_LIVE
        })
    }
}

/// What a listing found.
pub struct Collected {
    /// Every credential, settled.
    pub rows: Vec<Row>,
    /// Sources that could not be read or used.
    pub source_errors: Vec<String>,
    /// Profiles of kinds not shown yet.
    pub skipped: Vec<String>,
    /// The engine's "now" when the listing settled.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The refreshes made, from the engine's journal lines.
    pub refreshes: super::metrics::Refreshes,
    /// The servers' clocks against this machine's, as measured.
    pub skew: Option<chrono::Duration>,
}

/// Runs the engine until every row has a token or an error.
pub async fn collect(discovery: DiscoveryConfig, refresh: bool) -> Result<Collected, String> {
    let mut handle =
        crate::engine::start(EngineConfig::new(discovery, refresh), Arc::new(SystemClock))?;
    let mut table = RowTable::default();
    let mut refreshes = super::metrics::Refreshes::default();
    while let Some(update) = handle.updates.recv().await {
        table.apply(&update);
        if let Update::Journaled(line) = &update {
            refreshes.count(line);
        }
        // A row tokentop cannot refresh (another tool makes its tokens, or
        // no login is cached) waits for nothing.
        let settled = |r: &Row| {
            r.busy.is_none()
                && (r.status != Status::Pending
                    || r.error.is_some()
                    || !r.capabilities.can_refresh())
        };
        // A metadata server still being asked may add rows.
        if table.settled && (!refresh || table.rows.iter().all(settled)) {
            break;
        }
    }
    let (now, skew) = (handle.clock.now(), handle.clock.measured_skew());
    handle.shutdown().await;
    Ok(Collected {
        rows: table.rows,
        source_errors: table.source_errors,
        skipped: table.skipped,
        now,
        refreshes,
        skew,
    })
}

/// A plain table whose columns are as wide as their widest cell.
fn print_table(rows: &[Line]) {
    let header = [
        "PLATFORM",
        "PROFILE",
        "PRINCIPAL",
        "KIND",
        "TTL",
        "STATE",
        "SCOPES",
    ]
    .map(String::from);
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let ttl = r
                .ttl_seconds
                .map(|s| format_ttl(chrono::Duration::seconds(s)))
                .unwrap_or_else(|| "-".into());
            let state = match (&r.status, &r.error) {
                (_, Some(_)) => "error",
                (Status::Revoked, _) => "revoked",
                _ => r.ttl_class.word(),
            };
            [
                r.platform.label().into(),
                r.profile.clone(),
                r.principal.clone(),
                r.kind.label().into(),
                ttl,
                state.into(),
                abbreviate_scopes(&r.scopes),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: &[String; 7]| {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    outln!("{}", line(&header));
    for (row, r) in cells.iter().zip(rows) {
        outln!("{}", line(row));
        if let Some(e) = &r.error {
            outln!("  ! {e}");
        }
        if let Some(fix) = &r.fix {
            outln!("  fix: {fix}");
        }
        if let Some(warning) = &r.warning {
            outln!("  ! {warning}");
        }
    }
}
