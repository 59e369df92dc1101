//! The doctor's view: the cause in one line with its evidence, then what
//! was sent beside what came back (one above the other when narrow).

use super::Reply;
use crate::engine::protocol::Command;
use crate::model::CredentialId;
use crate::model::{Cause, DoctorReport};
use crate::tui::action::Action;
use crate::tui::event::Effect;
use crate::tui::format::wrap_words;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// Side by side from this inner width; one above the other below it.
const SIDE_BY_SIDE: u16 = 100;
/// The widest label of a fact.
const LABEL: usize = 12;

/// The lines of the view, `width` columns wide inside its border.
pub fn lines(
    report: Option<&DoctorReport>,
    theme: &Theme,
    now: DateTime<Utc>,
    width: u16,
) -> Vec<Line<'static>> {
    let Some(report) = report else {
        return vec![Line::from(Span::styled(
            "sending the token to its target…",
            theme.slot(Slot::StateBusy),
        ))];
    };
    let width = usize::from(width);
    let verdict = match report.diagnosis.cause {
        Cause::Accepted => theme.slot(Slot::TtlFresh),
        _ => theme.slot(Slot::Error),
    };
    let mut out = Vec::new();
    for (i, piece) in wrap_words(&report.verdict(), width).into_iter().enumerate() {
        let indent = if i == 0 { "" } else { "  " };
        out.push(Line::from(Span::styled(
            format!("{indent}{piece}"),
            verdict,
        )));
    }
    for evidence in &report.diagnosis.evidence {
        for piece in wrap_words(evidence, width.saturating_sub(2)) {
            out.push(Line::from(format!("  {piece}")));
        }
    }
    out.push(Line::from(""));
    let (label, heading) = (theme.slot(Slot::Label), theme.slot(Slot::Header));
    let sent = column(report.token_lines(now), label);
    let answer = column(report.answer_lines(), label);
    if width >= usize::from(SIDE_BY_SIDE) {
        let half = (width - 1) / 2;
        let sent = fit(sent, half);
        let answer = fit(answer, half);
        out.push(Line::from(vec![
            Span::styled(format!("{:<half$} ", "sent"), heading),
            Span::styled("answer", heading),
        ]));
        for i in 0..sent.len().max(answer.len()) {
            let mut spans = padded(sent.get(i), half);
            spans.push(Span::raw(" "));
            spans.extend(answer.get(i).cloned().unwrap_or_default());
            out.push(Line::from(spans));
        }
    } else {
        for (title, facts) in [("sent", sent), ("answer", answer)] {
            out.push(Line::from(Span::styled(title, heading)));
            out.extend(fit(facts, width).into_iter().map(Line::from));
        }
    }
    out
}

/// Label and value pairs as spans, the label styled.
fn column(facts: Vec<(&'static str, String)>, label: Style) -> Vec<(Span<'static>, String)> {
    facts
        .into_iter()
        .map(|(name, value)| (Span::styled(format!("{name:<LABEL$} "), label), value))
        .collect()
}

/// Each fact cut to `width`, its value continuing under itself.
fn fit(facts: Vec<(Span<'static>, String)>, width: usize) -> Vec<Vec<Span<'static>>> {
    let room = width.saturating_sub(LABEL + 1).max(8);
    let mut out = Vec::new();
    for (label, value) in facts {
        for (i, piece) in wrap_words(&value, room).into_iter().enumerate() {
            let head = if i == 0 {
                label.clone()
            } else {
                Span::raw(" ".repeat(LABEL + 1))
            };
            out.push(vec![head, Span::raw(piece)]);
        }
    }
    out
}

/// A row of the left column, padded to `width` cells.
fn padded(spans: Option<&Vec<Span<'static>>>, width: usize) -> Vec<Span<'static>> {
    let mut spans = spans.cloned().unwrap_or_default();
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    spans
}

/// What the doctor's view offers.
pub const HINTS: &[Action] = &[
    Action::ScrollDown,
    Action::ScrollUp,
    Action::Doctor,
    Action::Close,
];

/// `p` again asks again (the report is cleared while it comes); the rest
/// scrolls or closes.
pub fn handle(
    id: &CredentialId,
    report: &mut Option<Box<DoctorReport>>,
    at: &mut u16,
    action: Action,
) -> Reply {
    if action != Action::Doctor {
        return super::scroll(at, action);
    }
    (*report, *at) = (None, 0);
    let ask = Command::Doctor(id.clone(), crate::model::DoctorAsk::default());
    Reply::Stay(vec![Effect::Send(ask)])
}

/// Draws the doctor's view over `area`.
pub fn render(
    report: Option<&DoctorReport>,
    profile: &str,
    scroll: u16,
    theme: &Theme,
    now: DateTime<Utc>,
    frame: &mut Frame,
    area: Rect,
) -> u16 {
    let block = Block::bordered()
        .title(Span::styled(
            format!(" doctor · {profile} "),
            theme.slot(Slot::Title),
        ))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, area);
    super::render_text(
        frame,
        area,
        Paragraph::new(lines(report, theme, now, area.width.saturating_sub(2))).block(block),
        scroll,
    )
}
