//! The lines under the table about the selected row: where it came from,
//! its token, its error and fix, and the facts of its kind.

use crate::model::{Row, Status, abbreviate_scopes};
use crate::tui::app::App;
use crate::tui::theme::{Slot, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Lines about the selected row, as many as fit: where it came from and
/// its token; its error (which wraps into the lines below); else its place
/// in ADC and gcloud, its other tokens, the facts of its kind, its scopes.
pub fn render_selected(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(row) = app.selected_row() else {
        return;
    };
    let label = theme.slot(Slot::Label);
    let mut first = vec![
        Span::styled(row.profile.clone(), theme.slot(Slot::Title)),
        Span::raw(" "),
        Span::styled("token ", label),
        Span::styled(
            row.fingerprint.clone().unwrap_or_else(|| "none".into()),
            theme.slot(Slot::Fingerprint),
        ),
        Span::raw(" "),
        Span::styled("from ", label),
        Span::raw(row.source_with_trust()),
    ];
    if let Some(exp) = row.expires_at {
        first.insert(2, Span::raw(format!("exp {} ", exp.format("%H:%M:%SZ"))));
    }
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(first)), top);
    let lines: Vec<Line> = detail_lines(row)
        .into_iter()
        .map(|(head, text)| Line::from(vec![Span::styled(head, label), Span::raw(text)]))
        .collect();
    let Some(e) = &row.error else {
        frame.render_widget(Paragraph::new(lines), rest);
        return;
    };
    let mut lines = lines;
    if let Some(fix) = &row.fix {
        lines.insert(
            0,
            Line::from(vec![
                Span::styled("fix: ", label),
                Span::styled(fix.clone(), theme.slot(Slot::Title)),
            ]),
        );
    }
    let error = Line::from(vec![
        Span::styled("! ", theme.slot(Slot::StateError)),
        Span::styled(e.to_string(), theme.slot(Slot::StateError)),
        Span::raw(if row.fingerprint.is_some() && row.status == Status::Live {
            " (last good token kept)"
        } else {
            ""
        }),
    ]);
    // The error first, wrapped into two lines at most when details follow.
    let error_height = if rest.height > 2 { 2 } else { rest.height };
    let [error_area, below] =
        Layout::vertical([Constraint::Length(error_height), Constraint::Min(0)]).areas(rest);
    let needed = error.width().div_ceil(usize::from(error_area.width.max(1)));
    let used = u16::try_from(needed)
        .unwrap_or(u16::MAX)
        .min(error_area.height);
    frame.render_widget(Paragraph::new(error).wrap(Wrap { trim: true }), error_area);
    let below = Rect {
        y: error_area.y + used,
        height: below.height + error_area.height - used,
        ..below
    };
    frame.render_widget(Paragraph::new(lines), below);
}

/// The selected row's facts, most telling first: its place in ADC and
/// gcloud, its project, its other tokens, its kind's facts, its scopes.
pub fn detail_lines(row: &Row) -> Vec<(String, String)> {
    let mut lines = Vec::new();
    if let Some(warning) = &row.warning {
        lines.push(("! ".to_string(), warning.clone()));
    }
    let mut place = Vec::new();
    if row.active_adc {
        place.push("ADC active: google-auth's default() picks it".to_string());
    }
    if let Some(by) = &row.shadowed_by {
        place.push(format!("ADC shadowed by {by}"));
    }
    if let Some(project) = &row.project {
        place.push(format!("project {project}"));
    }
    if let Some(quota) = &row.quota_project {
        place.push(format!("quota project {quota}"));
    }
    if !place.is_empty() {
        lines.push((String::new(), place.join(" · ")));
    }
    if let Some(host) = &row.host {
        let auth = row.auth_type.as_deref().unwrap_or("no auth type");
        let active = if row.active {
            " · Config() uses it"
        } else {
            ""
        };
        lines.push(("workspace ".into(), format!("{host} · {auth}{active}")));
    }
    if let Some(note) = row.tokens.iter().find_map(|t| t.note.as_deref()) {
        lines.push(("comment ".into(), note.to_string()));
    }
    if let Some(account) = &row.gcloud_account {
        let active = if row.gcloud_active { "active; " } else { "" };
        let configs = match row.gcloud_configurations.as_slice() {
            [] => "no configuration uses it".to_string(),
            names => format!("configurations {}", names.join(", ")),
        };
        lines.push(("gcloud ".into(), format!("{account}: {active}{configs}")));
    }
    for token in &row.tokens {
        if Some(&token.fingerprint) == row.fingerprint.as_ref() && token.found_in.is_none() {
            continue;
        }
        let exp = token
            .expires_at
            .map(|t| format!(" exp {}", t.format("%Y-%m-%d %H:%M:%SZ")))
            .unwrap_or_default();
        let cache = token
            .found_in
            .as_deref()
            .map(|f| format!(" (cached in {f})"))
            .unwrap_or_default();
        // A narrowed token says what it was granted.
        let scopes = if token.scopes.is_empty() || token.scopes == row.scopes {
            String::new()
        } else {
            format!(" scopes {}", abbreviate_scopes(&token.scopes))
        };
        lines.push((
            format!("{} token ", token.role.label()),
            format!("{}{exp}{scopes}{cache}", token.fingerprint),
        ));
    }
    lines.extend(row.details.iter().map(|d| (String::new(), d.clone())));
    lines.push((
        "scopes ".into(),
        format!(
            "{}  aud {}",
            abbreviate_scopes(&row.scopes),
            row.audience.as_deref().unwrap_or("-")
        ),
    ));
    lines
}
