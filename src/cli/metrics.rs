//! The OpenMetrics families `serve` exposes and `list --format openmetrics`
//! writes, through the Prometheus project's `prometheus-client`: expiry and
//! issue times per token, state per credential, refresh counts, PATs that
//! never expire, broken sources and the clock skew. Labels name what a
//! person recognises (profile, platform, kind, principal, source, role);
//! no token and no fingerprint is ever a label or a value.

use crate::engine::protocol::JournalLine;
use crate::model::{Row, TokenRole, TtlClass};
use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

/// The states `tokentop_credential_state` knows, one series each.
pub const STATES: &[&str] = &[
    "fresh", "expiring", "stale", "expired", "unknown", "never", "revoked", "error", "dead",
];

type FloatGauge = Gauge<f64, AtomicU64>;

/// An expiry or issue time, when known.
type When = Option<DateTime<Utc>>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
struct Credential {
    profile: String,
    platform: String,
    kind: String,
    principal: String,
    source: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Token {
    #[prometheus(flatten)]
    credential: Credential,
    role: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct State {
    #[prometheus(flatten)]
    credential: Credential,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    #[prometheus(flatten)]
    credential: Credential,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Broken {
    source: String,
}

fn credential(row: &Row) -> Credential {
    Credential {
        profile: row.profile.clone(),
        platform: row.platform.label().to_string(),
        kind: row.kind.label().to_string(),
        principal: row.principal.clone(),
        source: row.source.clone(),
    }
}

/// The state word of a row at `now`: its TTL class, or `error` when its
/// last operation failed beside a usable token, or `dead` when its issuer
/// refused its refresh token (a new sign-in is needed).
pub fn state(row: &Row, now: DateTime<Utc>) -> &'static str {
    let class = row.ttl_class(now);
    match &row.error {
        Some(problem) if problem.cause() == "invalid-grant" => "dead",
        Some(_) if !matches!(class, TtlClass::Expired | TtlClass::Revoked) => "error",
        _ => match class {
            TtlClass::Expired => "expired",
            other => other.word(),
        },
    }
}

/// The role label of a token.
fn role(role: TokenRole) -> &'static str {
    match role {
        TokenRole::Pat => "pat",
        TokenRole::Downscoped => "downscoped",
        TokenRole::Id => "id",
        TokenRole::Refresh => "refresh",
        _ => "access",
    }
}

/// Refreshes counted from the journal lines the engine sent: by
/// credential, ok and error, and when the last one ended.
#[derive(Debug, Default)]
pub struct Refreshes {
    by_profile: BTreeMap<String, (u64, u64, DateTime<Utc>)>,
}

impl Refreshes {
    /// Counts a journal line if it is a refresh.
    pub fn count(&mut self, line: &JournalLine) {
        if line.action != "refresh" {
            return;
        }
        let slot = self
            .by_profile
            .entry(line.profile.clone())
            .or_insert((0, 0, line.at));
        match line.result.starts_with("ok") {
            true => slot.0 += 1,
            false => slot.1 += 1,
        }
        slot.2 = line.at;
    }
}

/// What the families are made from.
pub struct Snapshot<'a> {
    /// Every credential.
    pub rows: &'a [Row],
    /// Broken sources, one line each (the file first).
    pub source_errors: &'a [String],
    /// Refreshes so far.
    pub refreshes: &'a Refreshes,
    /// The clock skew, once measured.
    pub skew: Option<chrono::Duration>,
    /// The engine's now.
    pub now: DateTime<Utc>,
}

/// The families in the OpenMetrics text format (ending `# EOF`).
pub fn encode(s: &Snapshot<'_>) -> Result<String, String> {
    let mut registry = Registry::default();
    let expiry = Family::<Token, FloatGauge>::default();
    let issued = Family::<Token, FloatGauge>::default();
    let states = Family::<State, Gauge>::default();
    let refresh_total = Family::<Outcome, Counter>::default();
    let last_refresh = Family::<Credential, FloatGauge>::default();
    let never = Family::<Credential, Gauge>::default();
    let refreshable = Family::<Credential, Gauge>::default();
    let kept = Family::<Credential, Gauge>::default();
    let broken = Family::<Broken, Gauge>::default();
    for row in s.rows {
        let who = credential(row);
        let current = row.token_role.map(role);
        let mut tokens: Vec<(&str, When, When)> = Vec::new();
        if let (Some(current), Some(_)) = (current, &row.fingerprint) {
            tokens.push((current, row.expires_at, row.issued_at));
        }
        for t in &row.tokens {
            let r = role(t.role);
            if Some(&t.fingerprint) != row.fingerprint.as_ref() && !tokens.iter().any(|x| x.0 == r)
            {
                tokens.push((r, t.expires_at, t.issued_at));
            }
        }
        for (r, expires_at, issued_at) in tokens {
            let labels = Token {
                credential: who.clone(),
                role: r.to_string(),
            };
            if let Some(t) = expires_at {
                expiry.get_or_create(&labels).set(seconds(t));
            }
            if let Some(t) = issued_at {
                issued.get_or_create(&labels).set(seconds(t));
            }
        }
        let now_state = state(row, s.now);
        for word in STATES {
            let labels = State {
                credential: who.clone(),
                state: (*word).to_string(),
            };
            states
                .get_or_create(&labels)
                .set(i64::from(*word == now_state));
        }
        // Whether a new token is in sight: tokentop can obtain one (a PAT
        // only a person makes), and its issuer has not refused the sign-in.
        let can = row.capabilities.can_refresh()
            && row.kind != crate::model::Kind::DatabricksPat
            && now_state != "dead";
        refreshable.get_or_create(&who).set(i64::from(can));
        kept.get_or_create(&who).set(i64::from(row.auto_refresh));
        if row.ttl_class(s.now) == TtlClass::Never {
            never.get_or_create(&who).set(1);
        }
        if let Some((ok, failed, at)) = s.refreshes.by_profile.get(&row.profile) {
            for (result, n) in [("ok", ok), ("error", failed)] {
                let labels = Outcome {
                    credential: who.clone(),
                    result: result.to_string(),
                };
                refresh_total.get_or_create(&labels).inc_by(*n);
            }
            last_refresh.get_or_create(&who).set(seconds(*at));
        }
    }
    for line in s.source_errors {
        let source = line.split(": ").next().unwrap_or(line).to_string();
        broken.get_or_create(&Broken { source }).set(1);
    }
    registry.register(
        "tokentop_token_expiry_timestamp_seconds",
        "When the token expires, as a Unix time (TTL: this - time())",
        expiry,
    );
    registry.register(
        "tokentop_token_issued_timestamp_seconds",
        "When the token was issued, as a Unix time",
        issued,
    );
    registry.register(
        "tokentop_credential_state",
        "1 for the credential's state now (fresh, expiring, stale, expired, unknown, never, revoked, error, dead), 0 for the others",
        states,
    );
    registry.register(
        "tokentop_refresh",
        "Refreshes tokentop made, by result",
        refresh_total,
    );
    registry.register(
        "tokentop_last_refresh_timestamp_seconds",
        "When tokentop's last refresh of the credential ended, as a Unix time",
        last_refresh,
    );
    registry.register(
        "tokentop_refreshable",
        "1 when tokentop can obtain a new token for the credential (0: another tool's, or its sign-in is dead)",
        refreshable,
    );
    registry.register(
        "tokentop_auto_refresh",
        "1 when tokentop keeps the credential's token alive by itself",
        kept,
    );
    registry.register(
        "tokentop_pat_never_expires",
        "1 for a personal access token without an expiry",
        never,
    );
    registry.register(
        "tokentop_source_errors",
        "1 for each credential source that could not be read or used",
        broken,
    );
    if let Some(skew) = s.skew {
        let gauge = FloatGauge::default();
        gauge.set(skew.num_milliseconds() as f64 / 1000.0);
        registry.register(
            "tokentop_clock_skew_seconds",
            "How far servers' clocks are ahead of this machine's (their Date headers)",
            gauge,
        );
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).map_err(|e| e.to_string())?;
    Ok(in_order(&text))
}

/// The samples of each family in a fixed order (prometheus-client's
/// follow a hash map's), so two runs over the same credentials write the
/// same text: a textfile that did not change does not diff.
fn in_order(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut samples: Vec<&str> = Vec::new();
    let flush = |samples: &mut Vec<&str>, out: &mut String| {
        samples.sort_unstable();
        for sample in samples.drain(..) {
            out.push_str(sample);
            out.push('\n');
        }
    };
    for line in text.lines() {
        if line.starts_with('#') {
            flush(&mut samples, &mut out);
            out.push_str(line);
            out.push('\n');
        } else {
            samples.push(line);
        }
    }
    flush(&mut samples, &mut out);
    out
}

/// The same families in Prometheus' classic text format (0.0.4), for
/// scrapers that do not ask for OpenMetrics and for `promtool check
/// metrics`: a counter's `# HELP` and `# TYPE` name its `_total` samples,
/// and OpenMetrics' `# UNIT` and `# EOF` lines go.
pub fn classic(openmetrics: &str) -> String {
    let counters: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(&name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        out.push_str(renamed.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

/// The content types of the two formats.
pub const OPENMETRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The classic text format's content type.
pub const CLASSIC_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}
