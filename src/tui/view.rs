//! The whole frame as a function of the state: `view(&App, &Theme, &mut Frame)`.

use super::app::App;
use super::screens::{compare, reveal, selected, table};
use super::theme::{Slot, Theme};
use crate::engine::protocol::Level;
use crate::model::TtlClass;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws everything.
pub fn view(app: &App, theme: &Theme, frame: &mut Frame) {
    // A text view drawn below says how far it may scroll.
    app.scroll_limit.set(u16::MAX);
    let area = frame.area();
    let least = match area.height {
        0..10 => 0,
        10..18 => 2,
        _ => 3,
    };
    // Room the table does not need goes to the selected row's details.
    let wanted = app.selected_row().map_or(0, |row| {
        let lines = 1
            + usize::from(row.error.is_some())
            + usize::from(row.fix.is_some())
            + selected::detail_lines(row).len();
        u16::try_from(lines).unwrap_or(u16::MAX)
    });
    let rows = u16::try_from(app.shown.len()).unwrap_or(u16::MAX);
    let spare = area.height.saturating_sub(3 + 1 + rows);
    let detail = if least == 0 {
        0
    } else {
        wanted.min(spare).max(least)
    };
    // A status longer than the screen is wide takes a second line, where
    // there is room for one.
    let said = status_line(app, theme);
    let status_height = match said.width() > usize::from(area.width) && area.height >= 12 {
        true => 2,
        false => 1,
    };
    let [head, body, selected, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(2),
        Constraint::Length(detail),
        Constraint::Length(status_height),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header(app, theme, head.width)), head);
    table::render(app, theme, frame, body);
    selected::render_selected(app, theme, frame, selected);
    frame.render_widget(Paragraph::new(said).wrap(Wrap { trim: false }), status);
    frame.render_widget(Paragraph::new(key_hints(app, theme, hints.width)), hints);
    // Overlays cover everything between the header and the key hints.
    let middle = Rect {
        x: area.x,
        y: head.bottom(),
        width: area.width,
        height: hints.y.saturating_sub(head.bottom()),
    };
    if let Some(compared) = &app.changes.compared {
        let above = if selected.height > 0 {
            selected.y
        } else {
            status.y
        };
        compare::render(compared, app.clock.now(), theme, frame, middle, above);
    }
    if let Some(shown) = &app.shown_token {
        let profile = app
            .rows
            .iter()
            .find(|r| r.id == shown.id)
            .map_or("?", |r| r.profile.as_str());
        reveal::render(shown, profile, app.clock.now(), theme, frame, middle);
    }
    for overlay in &app.overlays {
        overlay.render(app, theme, frame, area, middle);
    }
}

/// `tokentop · 5 credentials · 2 expiring · 1 error · 1 revoked`, or on a
/// narrow terminal `tokentop 5 · ⚠2 ✗1 !1 ⊘1`.
fn header(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    let now = app.clock.now();
    let count = |c: TtlClass| app.rows.iter().filter(|r| r.ttl_class(now) == c).count();
    let errors = app.rows.iter().filter(|r| r.error.is_some()).count();
    let counts = [
        (
            count(TtlClass::Expiring) + count(TtlClass::Critical),
            "⚠",
            "expiring",
            "expiring",
            Slot::TtlExpiring,
        ),
        (
            count(TtlClass::Expired),
            "✗",
            "expired",
            "expired",
            Slot::TtlExpired,
        ),
        (errors, "!", "error", "errors", Slot::StateError),
        (
            count(TtlClass::Revoked),
            "⊘",
            "revoked",
            "revoked",
            Slot::StateRevoked,
        ),
    ];
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let narrow = width < 60;
    let mut spans = vec![
        Span::styled("tokentop", theme.slot(Slot::Title)),
        Span::raw(if narrow {
            format!(" {}", app.rows.len())
        } else {
            format!(" · {}", plural(app.rows.len(), "credential", "credentials"))
        }),
    ];
    // First, so a narrow header never cuts it off.
    if app.readonly {
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(
            if narrow { "RO" } else { "read-only" },
            theme.slot(Slot::Warn),
        ));
    }
    for (n, symbol, one, many, slot) in counts.into_iter().filter(|c| c.0 > 0) {
        let text = if narrow {
            format!("{symbol}{n}")
        } else {
            plural(n, one, many)
        };
        spans.push(Span::raw(if narrow && spans.len() > 2 {
            " "
        } else {
            " · "
        }));
        spans.push(Span::styled(text, theme.slot(slot)));
    }
    if !app.filter.is_empty() {
        let (shown, all) = (app.shown.len(), app.rows.len());
        let text = if narrow {
            format!("filter {shown}/{all}")
        } else {
            format!("{shown}/{all} match /{}", app.filter.text())
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text, theme.slot(Slot::Label)));
    }
    let kept = app.rows.iter().filter(|r| r.auto_refresh).count();
    if kept > 0 {
        let text = match (kept == app.rows.len(), narrow) {
            (true, true) => "↻all".to_string(),
            (false, true) => format!("↻{kept}"),
            (true, false) => "auto-refresh all".to_string(),
            (false, false) => format!("auto-refresh {kept}"),
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text, theme.slot(Slot::StateBusy)));
    }
    // Countdowns are corrected by it; the user should still know.
    if let Some(skew) = app.clock.skew() {
        let side = if skew > chrono::Duration::zero() {
            "+"
        } else {
            "-"
        };
        let size = crate::model::format_ttl(skew.abs());
        let text = if narrow {
            format!("⏱{side}{size}")
        } else {
            format!("clock {side}{size} (corrected)")
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text, theme.slot(Slot::Warn)));
    }
    Line::from(spans)
}

fn status_line(app: &App, theme: &Theme) -> Line<'static> {
    let (level, text) = match (app.status_now(app.clock.now()), app.source_errors.first()) {
        (Some((level, text)), _) => (*level, text.clone()),
        (None, _) if let Some(work) = work_line(app) => (Level::Info, work),
        (None, _) if !app.config_errors.is_empty() => {
            let more = match app.config_errors.len() {
                1 => String::new(),
                n => format!(" (and {} more: J lists them)", n - 1),
            };
            (Level::Warn, format!("{}{more}", app.config_errors[0]))
        }
        (None, Some(first)) if app.source_errors.len() == 1 => {
            (Level::Warn, format!("not read: {first}"))
        }
        (None, Some(first)) => (
            Level::Warn,
            format!(
                "{} sources not read (J lists them): {first}",
                app.source_errors.len()
            ),
        ),
        (None, None) => match app.skipped.first() {
            Some(first) => (
                Level::Info,
                format!("{} profile(s) not shown yet: {first}", app.skipped.len()),
            ),
            None => return Line::default(),
        },
    };
    let slot = match level {
        Level::Info => Slot::Info,
        Level::Warn => Slot::Warn,
        Level::Error => Slot::Error,
    };
    Line::from(Span::styled(text, theme.slot(slot)))
}

/// Work under way, by operation, with a spinner: `⠹ refresh 3 · doctor 1`.
fn work_line(app: &App) -> Option<String> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for op in app.rows.iter().filter_map(|r| r.busy.as_deref()) {
        match counts.iter_mut().find(|(name, _)| *name == op) {
            Some((_, n)) => *n += 1,
            None => counts.push((op, 1)),
        }
    }
    if counts.is_empty() {
        return None;
    }
    const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let frame = SPINNER[app.clock.now().timestamp().rem_euclid(10) as usize];
    let work: Vec<String> = counts.iter().map(|(op, n)| format!("{op} {n}")).collect();
    Some(format!("{frame} {}", work.join(" · ")))
}

/// Key hints: the actions the screen in focus offers, with the keys the
/// keymap binds them to. Read-only, what would change a token is not offered.
fn key_hints(app: &App, theme: &Theme, max_width: u16) -> Line<'static> {
    let layer = app.layer();
    let offered = app.overlays.last().map_or(table::HINTS, |top| top.hints());
    let actions = offered
        .iter()
        .filter(|a| !(app.readonly && a.changes_tokens()));
    let mut items: Vec<(String, &str)> = actions
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
        spans.push(Span::styled(key, theme.slot(Slot::Key)));
        spans.push(Span::styled(
            format!(" {name}  "),
            theme.slot(Slot::KeyDesc),
        ));
    }
    Line::from(spans)
}
