//! A token shown in full (`v`), over the lines under the table, until it
//! is masked again: after ten seconds, on `v`, or when the selection moves.

use crate::tui::app::ShownToken;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Draws `shown` at the bottom of `area` (above its last line, the status line).
pub fn render(
    shown: &ShownToken,
    profile: &str,
    now: DateTime<Utc>,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let room = usize::from(area.width.max(1));
    let lines = shown.token.expose().chars().count().div_ceil(room).max(1);
    let height = u16::try_from(lines + 1)
        .unwrap_or(u16::MAX)
        .min(area.height.saturating_sub(1));
    let box_area = Rect {
        y: area.bottom().saturating_sub(1 + height),
        height,
        ..area
    };
    let left = (shown.until - now).num_seconds().max(0);
    // Cut to the room there is: say so, a selection would take part of it.
    let cut = if usize::from(height) < lines + 1 {
        " · CUT: c copies it whole"
    } else {
        ""
    };
    let title = format!(" token · {profile} · masked in {left}s (v hides){cut} ");
    // A rule above, no sides: a terminal selection takes the token alone.
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.slot(Slot::Warn)))
        .border_style(theme.slot(Slot::Warn));
    let text = Line::styled(shown.token.expose().to_string(), theme.slot(Slot::Revealed));
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: false }),
        box_area,
    );
}
