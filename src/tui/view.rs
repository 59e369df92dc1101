//! The whole frame as a function of the state: `view(&App, &Theme, &mut Frame)`.

use super::action::Action;
use super::app::{App, Overlay};
use super::keymap::Layer;
use super::screens::{confirm, decode, help, table};
use super::theme::Theme;
use crate::engine::protocol::Level;
use crate::model::TtlClass;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws everything.
pub fn view(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    let detail = if area.height >= 10 { 2 } else { 0 };
    let [head, body, selected, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(detail),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app, theme)), head);
    table::render(app, theme, frame, body);
    table::render_selected(app, theme, frame, selected);
    frame.render_widget(Paragraph::new(status_line(app, theme)), status);
    frame.render_widget(Paragraph::new(key_hints(app, theme, hints.width)), hints);
    for overlay in &app.overlays {
        match overlay {
            Overlay::Help => help::render(&app.keymap, theme, frame, inset(area, 2, 1)),
            Overlay::Decode { id, report, scroll } => {
                let profile = app
                    .rows
                    .iter()
                    .find(|r| &r.id == id)
                    .map_or("?", |r| r.profile.as_str());
                decode::render(
                    report.as_deref(),
                    profile,
                    *scroll,
                    theme,
                    app.clock.now(),
                    frame,
                    inset(area, 1, 1),
                );
            }
            Overlay::ConfirmRevoke { id } => {
                let row = app.rows.iter().find(|r| &r.id == id);
                confirm::render(row, theme, frame, centered(area, 60, 5));
            }
        }
    }
}

fn header(app: &App, theme: &Theme) -> Line<'static> {
    let now = app.clock.now();
    let count = |c: TtlClass| app.rows.iter().filter(|r| r.ttl_class(now) == c).count();
    let soon = count(TtlClass::Expiring) + count(TtlClass::Critical);
    let expired = count(TtlClass::Expired);
    let errors = app.rows.iter().filter(|r| r.error.is_some()).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut spans = vec![
        Span::styled("tokentop", theme.slot("chrome.title")),
        Span::raw(format!(
            " · {}",
            plural(app.rows.len(), "credential", "credentials")
        )),
    ];
    for (n, one, many, slot) in [
        (soon, "expiring", "expiring", "ttl.expiring"),
        (expired, "expired", "expired", "ttl.expired"),
        (errors, "error", "errors", "state.error"),
    ] {
        if n > 0 {
            spans.push(Span::raw(" · "));
            spans.push(Span::styled(plural(n, one, many), theme.slot(slot)));
        }
    }
    Line::from(spans)
}

fn status_line(app: &App, theme: &Theme) -> Line<'static> {
    let (level, text) = match (&app.status, app.source_errors.first()) {
        (Some((level, text)), _) => (*level, text.clone()),
        (None, Some(first)) => (
            Level::Warn,
            format!("{} source(s) unreadable: {first}", app.source_errors.len()),
        ),
        (None, None) => return Line::default(),
    };
    let slot = match level {
        Level::Info => "alert.info",
        Level::Warn => "alert.warn",
        Level::Error => "alert.error",
    };
    Line::from(Span::styled(text, theme.slot(slot)))
}

/// Key hints for the layer in focus, built from the keymap.
fn key_hints(app: &App, theme: &Theme, max_width: u16) -> Line<'static> {
    let layer = app.layer();
    let actions: &[Action] = match layer {
        Layer::Table | Layer::Global => &[
            Action::Refresh,
            Action::Decode,
            Action::Revoke,
            Action::Help,
            Action::Quit,
        ],
        Layer::Decode => &[Action::ScrollDown, Action::ScrollUp, Action::Close],
        Layer::Help => &[Action::Close],
        Layer::Confirm => &[Action::Confirm, Action::Cancel],
    };
    let mut items: Vec<(String, &str)> = actions
        .iter()
        .filter_map(|a| Some((app.keymap.key_for(*a, layer)?.to_string(), a.name())))
        .collect();
    // Narrow terminals lose hints from the middle; the last two (help, quit
    // on the table) always stay.
    let width = |items: &[(String, &str)]| {
        items
            .iter()
            .map(|(k, n)| k.chars().count() + n.len() + 3)
            .sum::<usize>()
    };
    while width(&items) > usize::from(max_width) + 2 && items.len() > 2 {
        items.remove(items.len() - 3);
    }
    let mut spans = Vec::new();
    for (key, name) in items {
        spans.push(Span::styled(key, theme.slot("chrome.key")));
        spans.push(Span::styled(
            format!(" {name}  "),
            theme.slot("chrome.key_desc"),
        ));
    }
    Line::from(spans)
}

fn inset(area: Rect, dx: u16, dy: u16) -> Rect {
    Rect {
        x: area.x + dx.min(area.width / 4),
        y: area.y + dy.min(area.height / 4),
        width: area.width.saturating_sub(2 * dx.min(area.width / 4)),
        height: area.height.saturating_sub(2 * dy.min(area.height / 4)),
    }
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
