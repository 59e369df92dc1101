//! The token before and after a refresh or downscope the user asked for,
//! side by side under the table: fingerprint, expiry and time left, scopes,
//! audience and principal, what changed highlighted. Any key closes it.

use crate::model::{Row, abbreviate_scopes, format_ttl};
use crate::tui::changes::Comparison;
use crate::tui::format::truncate;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// The label column's width.
const LABEL: usize = 10;

/// The facts compared: (label, value of a row at `now`).
fn facts(row: &Row, now: DateTime<Utc>) -> Vec<(&'static str, String)> {
    let role = row.token_role.map_or("token", |r| r.label());
    let expires = match row.expires_at {
        Some(t) => {
            let left = t - now;
            let sign = if left < chrono::Duration::zero() {
                "-"
            } else {
                ""
            };
            format!(
                "{} ({sign}{})",
                t.format("%H:%M:%SZ"),
                format_ttl(left.abs())
            )
        }
        None => "no expiry".into(),
    };
    vec![
        (
            "token",
            format!("{} ({role})", row.fingerprint.as_deref().unwrap_or("-")),
        ),
        ("expires", expires),
        ("scopes", abbreviate_scopes(&row.scopes)),
        (
            "audience",
            row.audience.clone().unwrap_or_else(|| "-".into()),
        ),
        ("principal", row.principal.clone()),
        ("profile", row.profile.clone()),
    ]
}

/// How many lines the panel takes.
pub const HEIGHT: u16 = 8;

/// Draws `c` in `area` just above line `above` (where the selected row's
/// own lines start, which stay in view).
pub fn render(
    c: &Comparison,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    above: u16,
) {
    let bottom = above.clamp(area.y, area.bottom());
    let height = HEIGHT.min(bottom - area.y);
    let panel = Rect {
        y: bottom - height,
        height,
        ..area
    };
    let column = usize::from(panel.width).saturating_sub(LABEL + 1) / 2;
    let label = theme.slot(Slot::Label);
    let mut lines = vec![Line::from(vec![
        Span::raw(" ".repeat(LABEL)),
        Span::styled(format!("{:<column$}", "before"), theme.slot(Slot::Header)),
        Span::styled("after", theme.slot(Slot::Header)),
    ])];
    for ((name, old), (_, new)) in facts(&c.old, now).into_iter().zip(facts(&c.new, now)) {
        let changed = if old == new {
            Style::default()
        } else {
            theme.slot(Slot::Changed)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{name:<LABEL$}"), label),
            Span::raw(format!(
                "{:<column$}",
                truncate(&old, column.saturating_sub(1))
            )),
            Span::styled(truncate(&new, column), changed),
        ]));
    }
    let title = format!(" new token · {} · Esc closes ", c.new.profile);
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.slot(Slot::Title)))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, panel);
    frame.render_widget(Paragraph::new(lines).block(block), panel);
}
