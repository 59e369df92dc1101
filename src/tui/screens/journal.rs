//! This session's audit journal (`J`): every refresh, revoke, downscope,
//! copy and reveal, newest first, by fingerprint only, and where the
//! journal file is kept.

use crate::engine::protocol::JournalLine;
use crate::tui::action::Action;
use crate::tui::theme::{Slot, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use std::collections::VecDeque;

/// What the journal view offers.
pub const HINTS: &[Action] = &[Action::ScrollDown, Action::ScrollUp, Action::Close];

/// The view's lines: what could not be read (credential sources, the
/// dashboard's own files), then the journal, newest entry first.
pub fn lines(
    journal: &VecDeque<JournalLine>,
    problems: &[String],
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if !problems.is_empty() {
        out.push(Line::styled(
            format!("not read ({})", problems.len()),
            theme.slot(Slot::Header),
        ));
        for problem in problems {
            out.push(Line::styled(format!("! {problem}"), theme.slot(Slot::Warn)));
        }
        out.push(Line::default());
    }
    out.push(Line::styled(
        match journal.back().and_then(|l| l.file.as_deref()) {
            Some(file) => format!("kept in {file}"),
            None => "this session only: no journal file is kept".into(),
        },
        theme.slot(Slot::KeyDesc),
    ));
    if journal.is_empty() {
        out.push(Line::from(
            "Nothing yet: refreshes, revocations, copies and reveals are listed here.",
        ));
    }
    for line in journal.iter().rev() {
        let result = match line.result.starts_with("ok") {
            true => theme.slot(Slot::TtlFresh),
            false => theme.slot(Slot::StateError),
        };
        let tokens = match (&line.before, &line.after) {
            (Some(before), Some(after)) => format!("{before} → {after}"),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => "-".into(),
        };
        out.push(Line::from(vec![
            Span::styled(
                line.at.format("%H:%M:%S ").to_string(),
                theme.slot(Slot::KeyDesc),
            ),
            Span::styled(format!("{:<12}", line.action), theme.slot(Slot::Label)),
            Span::styled(format!("{} ", line.profile), theme.slot(Slot::Title)),
            Span::styled(format!("{tokens} "), theme.slot(Slot::Fingerprint)),
            Span::styled(line.result.clone(), result),
        ]));
    }
    out
}

/// Draws the journal over `area`.
pub fn render(
    journal: &VecDeque<JournalLine>,
    problems: &[String],
    scroll: u16,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> u16 {
    let block = Block::bordered()
        .title(Span::styled(
            " audit journal · this session ",
            theme.slot(Slot::Title),
        ))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, area);
    super::render_text(
        frame,
        area,
        Paragraph::new(lines(journal, problems, theme))
            .block(block)
            .wrap(Wrap { trim: false }),
        scroll,
    )
}
