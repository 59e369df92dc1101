//! One credential's whole story (Enter): what it is, whether its token
//! outlives a Dataproc or Dataflow job of the length the user types, every
//! token it holds on one timeline, where it came from and what shadows it,
//! and what tokentop can and cannot do with it and why.

use super::Reply;
use super::selected::detail_lines;
use crate::model::{Kind, Row, Status, format_ttl};
use crate::tui::action::Action;
use crate::tui::input;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// What the detail view offers.
pub const HINTS: &[Action] = &[Action::ScrollDown, Action::ScrollUp, Action::Close];

/// The timeline's width in cells.
const BAR: usize = 20;

/// Digits are the job's length in minutes; the rest scrolls or closes.
pub fn type_key(job: &mut String, key: &KeyEvent) -> Option<Reply> {
    let digit = matches!(key.code, KeyCode::Char(c) if c.is_ascii_digit());
    let taken = (digit || key.code == KeyCode::Backspace) && input::edit(job, 5, key);
    taken.then_some(Reply::Stay(Vec::new()))
}

/// The view's lines for `row` at `now`, with a job of `job` minutes.
pub fn lines(row: &Row, job: &str, now: DateTime<Utc>, theme: &Theme) -> Vec<Line<'static>> {
    let label = theme.slot(Slot::Label);
    let header = theme.slot(Slot::Header);
    let fact = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<14}"), label),
            Span::raw(value),
        ])
    };
    let mut out = vec![Line::styled("credential", header)];
    out.push(fact("profile", row.profile.clone()));
    out.push(fact("principal", or_dash(&row.principal)));
    out.push(fact(
        "kind",
        format!(
            "{} ({}) on {}",
            row.kind.label(),
            kind_words(row.kind),
            row.platform.label()
        ),
    ));
    if let Some(t) = row.credential_type {
        out.push(fact("type", t.to_string()));
    }
    out.push(fact("state", state_words(row, now)));
    if let Some(warning) = &row.warning {
        out.push(Line::styled(format!("! {warning}"), theme.slot(Slot::Warn)));
    }
    if let Some(error) = &row.error {
        out.push(Line::styled(
            format!("! {error}"),
            theme.slot(Slot::StateError),
        ));
    }
    if let Some(fix) = &row.fix {
        out.push(fact("fix", fix.clone()));
    }
    out.push(Line::default());
    out.push(Line::styled("will it outlive a job?", header));
    out.push(Line::from(vec![
        Span::styled("job length    ", label),
        Span::raw(job.to_string()),
        Span::styled("▏", theme.slot(Slot::Key)),
        Span::styled(" minutes (type digits)", theme.slot(Slot::KeyDesc)),
    ]));
    if let Some(minutes) = job_minutes(job) {
        let (verdict, slot) = outlives(row, minutes, now);
        out.push(Line::styled(verdict, theme.slot(slot)));
    }
    out.push(Line::default());
    out.push(Line::styled("tokens", header));
    out.extend(timeline(row, job_minutes(job), now, theme));
    out.push(Line::default());
    out.push(Line::styled("provenance", header));
    out.push(fact("source", row.source_with_trust()));
    if let Some(parent) = &row.derived_from {
        out.push(fact("narrowed from", parent.to_string()));
    }
    if let Some(source) = &row.depends_on {
        out.push(fact("identity from", source.to_string()));
    }
    for (name, value) in detail_lines(row) {
        out.push(fact(name.trim(), value));
    }
    out.push(Line::default());
    out.push(Line::styled("what tokentop can do", header));
    let caps = &row.capabilities;
    for (name, key, blocked) in [
        ("refresh", "r", caps.refresh_blocked),
        ("revoke", "x", caps.revoke_blocked),
        ("downscope", "s", caps.downscope_blocked),
    ] {
        let (mark, slot, why) = match blocked {
            None => ("✓", Slot::TtlFresh, format!("yes: {key}")),
            Some(why) => ("✗", Slot::KeyDesc, why.to_string()),
        };
        out.push(Line::from(vec![
            Span::styled(format!("{mark} {name:<12}"), theme.slot(slot)),
            Span::raw(why),
        ]));
    }
    out
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_string()
    }
}

fn job_minutes(job: &str) -> Option<i64> {
    job.parse::<i64>().ok().filter(|m| *m > 0)
}

/// What a kind is, in words.
fn kind_words(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "a person's refresh token",
        Kind::ServiceAccount => "a service-account key",
        Kind::ServiceAccountIdToken => "a key minting ID tokens",
        Kind::Impersonated => "impersonation of a service account",
        Kind::ExternalAccount => "workload identity federation",
        Kind::ExternalAccountUser => "a workforce sign-in",
        Kind::MetadataServer => "the metadata server",
        Kind::DatabricksM2m => "a Databricks service principal",
        Kind::DatabricksPat => "a Databricks personal access token",
        Kind::DatabricksU2m => "a Databricks user login",
        Kind::DatabricksOther => "a Databricks profile another tool operates",
        Kind::DatabricksGoogle => "Databricks with a Google identity",
        Kind::Downscoped => "a narrowed token",
        Kind::OidcClient => "an OIDC client",
    }
}

fn state_words(row: &Row, now: DateTime<Utc>) -> String {
    let class = row.ttl_class(now).word();
    let when = |t: Option<DateTime<Utc>>| {
        t.map_or("-".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M:%SZ").to_string()
        })
    };
    match (&row.status, row.remaining(now)) {
        (Status::Revoked, _) => format!("{class}; was to expire {}", when(row.expires_at)),
        (_, Some(left)) => format!(
            "{class}; issued {}, expires {} ({}{})",
            when(row.issued_at),
            when(row.expires_at),
            if left < Duration::zero() { "-" } else { "" },
            format_ttl(left.abs())
        ),
        (_, None) => format!("{class}; no expiry known"),
    }
}

/// Every token of the row, each with a bar of the time it has left on one
/// scale (to the latest expiry, or the job's end), the job's end marked.
fn timeline(row: &Row, job: Option<i64>, now: DateTime<Utc>, theme: &Theme) -> Vec<Line<'static>> {
    let mut tokens: Vec<(String, String, Option<DateTime<Utc>>)> = Vec::new();
    if let Some(fp) = &row.fingerprint {
        let role = row.token_role.map_or("token", |r| r.label());
        tokens.push((role.to_string(), fp.clone(), row.expires_at));
    }
    for t in &row.tokens {
        if Some(&t.fingerprint) != row.fingerprint.as_ref() {
            tokens.push((
                t.role.label().to_string(),
                t.fingerprint.clone(),
                t.expires_at,
            ));
        }
    }
    if tokens.is_empty() {
        return vec![Line::styled("no token yet", theme.slot(Slot::KeyDesc))];
    }
    let job_end = job.map(|m| now + Duration::minutes(m));
    let horizon = tokens
        .iter()
        .filter_map(|t| t.2)
        .chain(job_end)
        .max()
        .filter(|h| *h > now);
    tokens
        .into_iter()
        .map(|(role, fp, exp)| {
            let cells = |t: DateTime<Utc>| match horizon {
                Some(h) => {
                    let part = (t - now).num_seconds() as f64 / (h - now).num_seconds() as f64;
                    (part.clamp(0.0, 1.0) * BAR as f64).round() as usize
                }
                None => 0,
            };
            let left = exp.map_or(BAR, cells);
            let mark = job_end.map(cells);
            let bar: String = (0..BAR)
                .map(|i| match (mark == Some(i + 1), i < left) {
                    (true, _) => '|',
                    (false, true) => '█',
                    (false, false) => '░',
                })
                .collect();
            // The row's own token, revoked: its expiry no longer matters.
            let revoked = row.status == Status::Revoked && Some(&fp) == row.fingerprint.as_ref();
            let says = match exp {
                _ if revoked => "revoked: refused wherever it is sent".to_string(),
                Some(t) if t <= now => format!("expired {}", t.format("%H:%M:%SZ")),
                Some(t) => format!(
                    "{} left, exp {}",
                    format_ttl(t - now),
                    t.format("%H:%M:%SZ")
                ),
                None => "no expiry known".into(),
            };
            let slot = match exp {
                _ if revoked => Slot::StateRevoked,
                Some(t) if t <= now => Slot::TtlExpired,
                _ => Slot::TtlFresh,
            };
            Line::from(vec![
                Span::styled(format!("{role:<12}"), theme.slot(Slot::Label)),
                Span::styled(format!("{fp}  "), theme.slot(Slot::Fingerprint)),
                Span::styled(bar, theme.slot(slot)),
                Span::raw(format!("  {says}")),
            ])
        })
        .collect()
}

/// Whether the row's token outlives a job starting now and running
/// `minutes`, and what happens when it does not.
pub fn outlives(row: &Row, minutes: i64, now: DateTime<Utc>) -> (String, Slot) {
    let end = now + Duration::minutes(minutes);
    if row.status == Status::Revoked {
        let next = match row.kind.revoke_ends_login() {
            true => "its refresh token went with it: sign in again first",
            false => "r obtains a new one",
        };
        return (
            format!("✗ no: the token was revoked; {next}"),
            Slot::TtlExpired,
        );
    }
    let Some(exp) = row.expires_at else {
        return match row.fingerprint {
            Some(_) => ("✓ the token has no expiry".into(), Slot::TtlFresh),
            None => ("? no token yet: r obtains one".into(), Slot::TtlUnknown),
        };
    };
    // The server stops taking it a little before exp (Databricks: 30 s).
    let usable = exp - row.platform.rejection_window();
    if usable >= end {
        let spare = format_ttl(usable - end);
        return (
            format!("✓ yes: {spare} to spare after a {minutes}-minute job"),
            Slot::TtlFresh,
        );
    }
    let dies = if usable <= now {
        "it is already past use".to_string()
    } else {
        format!("it stops working {} into the job", format_ttl(usable - now))
    };
    // An issuer that refused the refresh token (invalid_grant) renews nothing.
    let dead = row
        .error
        .as_ref()
        .is_some_and(|p| p.cause() == "invalid-grant");
    let renewable = row.capabilities.refresh_blocked.is_none()
        && !dead
        && !matches!(row.kind, Kind::DatabricksPat | Kind::Downscoped);
    match renewable {
        true => (
            format!(
                "⚠ not this token: {dies}. A job holding the credential renews it itself; a job handed this token alone (copied, exported) fails"
            ),
            Slot::TtlExpiring,
        ),
        false => (
            format!("✗ no: {dies}, and nothing renews it; make a longer-lived one first"),
            Slot::TtlExpired,
        ),
    }
}

/// Draws the detail view of `row` over `area`.
pub fn render(
    row: Option<&Row>,
    job: &str,
    scroll: u16,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> u16 {
    let Some(row) = row else { return 0 };
    let block = Block::bordered()
        .title(Span::styled(
            format!(" detail · {} ", row.profile),
            theme.slot(Slot::Title),
        ))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, area);
    super::render_text(
        frame,
        area,
        Paragraph::new(lines(row, job, now, theme))
            .style(Style::default())
            .block(block)
            .wrap(Wrap { trim: false }),
        scroll,
    )
}
