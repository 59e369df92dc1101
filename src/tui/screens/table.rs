//! The main table: one row per credential, soonest expiry first.

use crate::model::{Row, Status, TtlClass, abbreviate_scopes, format_ttl};
use crate::tui::action::Action;
use crate::tui::app::{App, TableView};
use crate::tui::format;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::widgets::{
    Cell, HighlightSpacing, Paragraph, Row as TableRow, Table, TableState, Wrap,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What the table offers in the footer (help lists every binding).
pub const HINTS: &[Action] = &[
    Action::Refresh,
    Action::Decode,
    Action::Revoke,
    Action::Downscope,
    Action::Copy,
    Action::Filter,
    Action::Help,
    Action::Quit,
];

/// Marks the selected row.
const SELECTED: &str = "▶ ";

/// (column, header, width, priority: higher stays longer as the terminal narrows).
const COLUMNS: &[(Col, &str, u16, u8)] = &[
    (Col::Platform, "PLATFORM", 10, 6),
    (Col::Profile, "PROFILE", 15, 9),
    (Col::Principal, "PRINCIPAL", 11, 5),
    (Col::Kind, "KIND", 5, 3),
    (Col::Ttl, "TTL", 8, 10),
    (Col::Life, "LIFE", 6, 1),
    (Col::State, "STATE", 10, 8),
    (Col::Scopes, "SCOPES", 12, 4),
    (Col::Audience, "AUDIENCE", 16, 2),
    (Col::Token, "TOKEN", 15, 0),
];

/// The columns' names as `[ui] columns` writes them: their headers, lowercase.
pub const COLUMN_NAMES: &[&str] = &[
    "platform",
    "profile",
    "principal",
    "kind",
    "ttl",
    "life",
    "state",
    "scopes",
    "audience",
    "token",
];

/// How wide the principal column should be before luxury columns (LIFE,
/// TOKEN, AUDIENCE: priority 2 or less) are shown.
const PRINCIPAL_WANTED: u16 = 24;

/// The columns that fit `width`, in display order, with the principal
/// column widened to take what is left.
fn fitting(width: u16, wanted: Option<&[String]>) -> Vec<(Col, &'static str, u16)> {
    let wanted =
        |header: &str| wanted.is_none_or(|w| w.iter().any(|n| header.eq_ignore_ascii_case(n)));
    let mut kept: Vec<_> = COLUMNS.iter().copied().filter(|c| wanted(c.1)).collect();
    let total = |cols: &[(Col, &str, u16, u8)]| cols.iter().map(|c| c.2 + 1).sum::<u16>();
    loop {
        let lowest = kept
            .iter()
            .enumerate()
            .min_by_key(|(_, c)| c.3)
            .map(|(i, c)| (i, c.3));
        let spare = width.saturating_sub(total(&kept));
        let principal = kept
            .iter()
            .find(|c| c.0 == Col::Principal)
            .map_or(0, |c| c.2 + spare);
        match lowest {
            Some((i, _)) if total(&kept) > width && kept.len() > 1 => kept.remove(i),
            Some((i, priority)) if priority <= 2 && principal < PRINCIPAL_WANTED => kept.remove(i),
            _ => break,
        };
    }
    let spare = width.saturating_sub(total(&kept));
    kept.into_iter()
        .map(|(c, h, w, _)| (c, h, if c == Col::Principal { w + spare } else { w }))
        .collect()
}

/// The TTL class word with a symbol, so colour is never the only signal.
pub fn state_text(row: &Row, now: DateTime<Utc>) -> (String, Slot) {
    if let Some(op) = &row.busy {
        return (format!("⟳ {op}"), Slot::StateBusy);
    }
    settled_state(row, now)
}

/// The state a row is in, whatever work is under way on it (what the
/// filter matches, so a refresh does not hide a row for a moment).
pub fn settled_state(row: &Row, now: DateTime<Utc>) -> (String, Slot) {
    // A dead token is the headline; an error beside a usable one comes next.
    let class = row.ttl_class(now);
    if row.error.is_some() && !matches!(class, TtlClass::Expired | TtlClass::Revoked) {
        return ("! error".into(), Slot::StateError);
    }
    let symbol = match class {
        TtlClass::Fresh => "✓",
        TtlClass::Expiring | TtlClass::Critical | TtlClass::Never => "⚠",
        TtlClass::Expired | TtlClass::Revoked => "✗",
        TtlClass::Unknown => "·",
    };
    (format!("{symbol} {}", class.word()), ttl_slot(class))
}

/// The theme slot for a TTL class.
pub fn ttl_slot(class: TtlClass) -> Slot {
    match class {
        TtlClass::Fresh => Slot::TtlFresh,
        TtlClass::Expiring => Slot::TtlExpiring,
        TtlClass::Critical => Slot::TtlCritical,
        TtlClass::Expired => Slot::TtlExpired,
        TtlClass::Unknown => Slot::TtlUnknown,
        // Never expiring is a risk to see, as expiring soon is.
        TtlClass::Never => Slot::TtlExpiring,
        TtlClass::Revoked => Slot::StateRevoked,
    }
}

fn life_bar(row: &Row, now: DateTime<Utc>, width: usize) -> String {
    match row.life_left(now) {
        Some(left) if row.status != Status::Revoked => {
            let full = (left * width as f64).ceil() as usize;
            format!(
                "{}{}",
                "█".repeat(full.min(width)),
                "░".repeat(width - full.min(width))
            )
        }
        _ => " ".repeat(width),
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
        // A downscoped row hangs under its source's, named by its suffix
        // (`PROFILE/downscoped` shows as `└ downscoped`).
        Col::Profile => Cell::from(match row.derived_from {
            Some(_) => {
                let own = row.profile.rsplit('/').next().unwrap_or(&row.profile);
                format!("└ {}", format::truncate(own, w.saturating_sub(2)))
            }
            None => format::truncate(&row.profile, w),
        }),
        Col::Principal => Cell::from(format::truncate(&row.principal, w)),
        Col::Kind => Cell::from(row.kind.label()),
        Col::Ttl => Cell::from(match row.remaining(now) {
            // ↻: tokentop keeps it alive.
            Some(left) if row.status != Status::Revoked => {
                let kept = if row.auto_refresh { "↻" } else { "" };
                format!("{}{kept}", format_ttl(left))
            }
            // Kept alive, no expiry known yet: still marked, as the
            // header's count has it.
            _ if row.auto_refresh => "-↻".into(),
            _ => "-".into(),
        })
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
            .style(theme.slot(Slot::Fingerprint)),
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
        frame.render_widget(Paragraph::new(text).style(theme.slot(Slot::KeyDesc)), area);
        return;
    }
    let width = area.width.saturating_sub(SELECTED.chars().count() as u16);
    let columns = fitting(width, app.config.columns.as_deref());
    let audience_shown = columns.iter().any(|c| c.0 == Col::Audience);
    let header =
        TableRow::new(columns.iter().map(|c| Cell::from(c.1))).style(theme.slot(Slot::Header));
    if app.shown.is_empty() {
        let text = format!(
            "No row matches /{} (Esc shows every row).",
            app.filter.text()
        );
        frame.render_widget(
            Paragraph::new(text)
                .style(theme.slot(Slot::KeyDesc))
                .wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    let rows = app.visible().map(|row| {
        // Accents are colours: a theme without any (mono, NO_COLOR) has none.
        let accent = app.config.accent(&row.profile).filter(|_| theme.coloured());
        let line = TableRow::new(columns.iter().map(|c| {
            let drawn = cell(c.0, row, now, theme, c.2, audience_shown);
            match (c.0, accent) {
                (Col::Profile, Some(colour)) => drawn.style(Style::default().fg(colour)),
                _ => drawn,
            }
        }));
        // A token just replaced stands out for a moment.
        match app.changes.flashing(&row.id, now) {
            true => line.style(theme.slot(Slot::Changed)),
            false => line,
        }
    });
    let widths: Vec<Constraint> = columns.iter().map(|c| Constraint::Length(c.2)).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.slot(Slot::Selection))
        // A symbol as well as the style: some terminals and captures drop reverse video.
        .highlight_symbol(SELECTED)
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::default().with_selected(app.selected_index());
    frame.render_stateful_widget(table, area, &mut state);
    // Where the rows landed, so a click can find its row.
    app.table_view.set(TableView {
        top: area.y + 1,
        height: area.height.saturating_sub(1),
        offset: state.offset(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_drop_by_priority_and_always_fit() {
        for width in [20u16, 40, 60, 80, 100, 140] {
            let cols = fitting(width, None);
            let used: u16 = cols.iter().map(|c| c.2 + 1).sum();
            assert!(used <= width || cols.len() == 1, "{width}: {used}");
            assert!(
                cols.iter().any(|c| c.0 == Col::Ttl),
                "{width}: TTL must stay"
            );
        }
        assert_eq!(fitting(160, None).len(), COLUMNS.len());
        let principal = |w| {
            fitting(w, None)
                .iter()
                .find(|c| c.0 == Col::Principal)
                .map_or(0, |c| c.2)
        };
        assert!(principal(118) >= PRINCIPAL_WANTED, "{}", principal(118));
        let at_80: Vec<Col> = fitting(78, None).iter().map(|c| c.0).collect();
        for col in [
            Col::Platform,
            Col::Profile,
            Col::Principal,
            Col::Kind,
            Col::Ttl,
            Col::State,
            Col::Scopes,
        ] {
            assert!(at_80.contains(&col), "80 columns keep the issue's columns");
        }
    }

    #[test]
    fn configured_columns_are_the_only_ones_and_names_match_headers() {
        let wanted = [
            "profile".to_string(),
            "ttl".to_string(),
            "state".to_string(),
        ];
        let cols: Vec<Col> = fitting(160, Some(&wanted)).iter().map(|c| c.0).collect();
        assert_eq!(cols, [Col::Profile, Col::Ttl, Col::State]);
        let headers: Vec<String> = COLUMNS.iter().map(|c| c.1.to_lowercase()).collect();
        assert_eq!(headers, COLUMN_NAMES);
    }
}
