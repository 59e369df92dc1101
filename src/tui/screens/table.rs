//! The main table: one row per credential, soonest expiry first.

use crate::model::{Row, Status, TtlClass, abbreviate_scopes, format_ttl};
use crate::tui::app::App;
use crate::tui::format;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row as TableRow, Table, TableState};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Platform,
    Profile,
    Principal,
    Kind,
    Ttl,
    Life,
    State,
    Scopes,
    Audience,
    Token,
}

/// Marks the selected row.
const SELECTED: &str = "▶ ";

/// (column, header, width, priority: higher stays longer as the terminal narrows).
const COLUMNS: &[(Col, &str, u16, u8)] = &[
    (Col::Platform, "PLATFORM", 10, 6),
    (Col::Profile, "PROFILE", 15, 9),
    (Col::Principal, "PRINCIPAL", 11, 5),
    (Col::Kind, "KIND", 5, 3),
    (Col::Ttl, "TTL", 7, 10),
    (Col::Life, "LIFE", 6, 1),
    (Col::State, "STATE", 10, 8),
    (Col::Scopes, "SCOPES", 12, 4),
    (Col::Audience, "AUDIENCE", 16, 2),
    (Col::Token, "TOKEN", 15, 0),
];

/// The columns that fit `width`, in display order.
fn fitting(width: u16) -> Vec<(Col, &'static str, u16)> {
    let mut kept: Vec<_> = COLUMNS.to_vec();
    let total = |cols: &[(Col, &str, u16, u8)]| cols.iter().map(|c| c.2 + 1).sum::<u16>();
    while total(&kept) > width && kept.len() > 1 {
        let lowest = kept
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| c.3)
            .map(|(i, _)| i)
            .unwrap_or(0);
        kept.remove(lowest);
    }
    kept.into_iter().map(|(c, h, w, _)| (c, h, w)).collect()
}

/// The TTL class word with a symbol, so colour is never the only signal.
pub fn state_text(row: &Row, now: DateTime<Utc>) -> (String, &'static str) {
    if let Some(op) = &row.busy {
        return (format!("⟳ {op}"), "state.busy");
    }
    if row.error.is_some() {
        return ("! error".into(), "state.error");
    }
    if row.status == Status::Revoked {
        return ("✗ revoked".into(), "state.revoked");
    }
    let class = row.ttl_class(now);
    let symbol = match class {
        TtlClass::Fresh => "✓",
        TtlClass::Expiring | TtlClass::Critical => "⚠",
        TtlClass::Expired => "✗",
        TtlClass::Unknown => "·",
    };
    (format!("{symbol} {}", class.word()), ttl_slot(class))
}

/// The theme slot for a TTL class.
pub fn ttl_slot(class: TtlClass) -> &'static str {
    match class {
        TtlClass::Fresh => "ttl.fresh",
        TtlClass::Expiring => "ttl.expiring",
        TtlClass::Critical => "ttl.critical",
        TtlClass::Expired => "ttl.expired",
        TtlClass::Unknown => "ttl.unknown",
    }
}

fn life_bar(row: &Row, now: DateTime<Utc>, width: usize) -> String {
    match row.life_left(now) {
        Some(left) => {
            let full = (left * width as f64).ceil() as usize;
            format!(
                "{}{}",
                "█".repeat(full.min(width)),
                "░".repeat(width - full.min(width))
            )
        }
        None => " ".repeat(width),
    }
}

/// One cell. Without an AUDIENCE column, an ID token's audience shows in SCOPES.
fn cell(
    col: Col,
    row: &Row,
    now: DateTime<Utc>,
    theme: &Theme,
    width: u16,
    audience_shown: bool,
) -> Cell<'static> {
    let ttl_style = theme.slot(ttl_slot(row.ttl_class(now)));
    let w = width as usize;
    match col {
        Col::Platform => Cell::from(row.platform.label()),
        Col::Profile => Cell::from(format::truncate(&row.profile, w)),
        Col::Principal => Cell::from(format::truncate(&row.principal, w)),
        Col::Kind => Cell::from(row.kind.label()),
        Col::Ttl => Cell::from(
            row.remaining(now)
                .map(format_ttl)
                .unwrap_or_else(|| "-".into()),
        )
        .style(ttl_style),
        Col::Life => Cell::from(life_bar(row, now, w)).style(ttl_style),
        Col::State => {
            let (text, slot) = state_text(row, now);
            Cell::from(text).style(theme.slot(slot))
        }
        Col::Scopes => {
            let text = match (&row.audience, audience_shown) {
                (Some(aud), false) if row.scopes.is_empty() => {
                    format!("aud {}", format::short_url(aud))
                }
                _ => abbreviate_scopes(&row.scopes),
            };
            Cell::from(format::truncate(&text, w))
        }
        Col::Audience => Cell::from(format::truncate(
            row.audience
                .as_deref()
                .map(format::short_url)
                .unwrap_or("-"),
            w,
        )),
        Col::Token => Cell::from(row.fingerprint.clone().unwrap_or_else(|| "-".into()))
            .style(theme.slot("secret.fingerprint")),
    }
}

/// Draws the table into `area`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let now = app.clock.now();
    if app.rows.is_empty() {
        let text = if app.loaded {
            "No credentials found. Try `tokentop demo`, or see --help for where tokentop looks."
        } else {
            "Discovering credentials…"
        };
        frame.render_widget(
            Paragraph::new(text).style(theme.slot("chrome.key_desc")),
            area,
        );
        return;
    }
    let width = area.width.saturating_sub(SELECTED.chars().count() as u16);
    let mut columns = fitting(width);
    // The principal column takes what is left.
    let fixed: u16 = columns
        .iter()
        .filter(|c| c.0 != Col::Principal)
        .map(|c| c.2 + 1)
        .sum();
    for c in &mut columns {
        if c.0 == Col::Principal {
            c.2 = width.saturating_sub(fixed + 1).max(8);
        }
    }
    let audience_shown = columns.iter().any(|c| c.0 == Col::Audience);
    let header =
        TableRow::new(columns.iter().map(|c| Cell::from(c.1))).style(theme.slot("chrome.header"));
    let rows = app.rows.iter().map(|row| {
        TableRow::new(
            columns
                .iter()
                .map(|c| cell(c.0, row, now, theme, c.2, audience_shown)),
        )
    });
    let widths: Vec<Constraint> = columns.iter().map(|c| Constraint::Length(c.2)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.slot("chrome.selection"))
        // A symbol as well as the style: some terminals and captures drop reverse video.
        .highlight_symbol(SELECTED)
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(app.selected_index());
    frame.render_stateful_widget(table, area, &mut state);
}

/// Two lines about the selected row: where it came from, its token, its error.
pub fn render_selected(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = app.selected_row() else {
        return;
    };
    let label = theme.slot("chrome.label");
    let mut first = vec![
        Span::styled(row.profile.clone(), theme.slot("chrome.title")),
        Span::raw(" "),
        Span::styled("token ", label),
        Span::styled(
            row.fingerprint.clone().unwrap_or_else(|| "none".into()),
            theme.slot("secret.fingerprint"),
        ),
        Span::raw(" "),
        Span::styled("from ", label),
        Span::raw(row.source.clone()),
    ];
    if let Some(exp) = row.expires_at {
        first.insert(2, Span::raw(format!("exp {} ", exp.format("%H:%M:%SZ"))));
    }
    let second = match &row.error {
        Some(e) => Line::from(vec![
            Span::styled("! ", theme.slot("state.error")),
            Span::styled(e.clone(), theme.slot("state.error")),
            Span::raw(if row.fingerprint.is_some() {
                " (last good token kept)"
            } else {
                ""
            }),
        ]),
        None => Line::from(Span::styled(
            format!(
                "scopes {}  aud {}",
                abbreviate_scopes(&row.scopes),
                row.audience.as_deref().unwrap_or("-")
            ),
            Style::default(),
        )),
    };
    frame.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority_and_always_fit() {
        for width in [20u16, 40, 60, 80, 100, 140] {
            let cols = fitting(width);
            let used: u16 = cols.iter().map(|c| c.2 + 1).sum();
            assert!(used <= width || cols.len() == 1, "{width}: {used}");
            assert!(
                cols.iter().any(|c| c.0 == Col::Ttl),
                "{width}: TTL must stay"
            );
        }
        assert_eq!(fitting(140).len(), COLUMNS.len());
    }
}
