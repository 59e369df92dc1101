//! The help overlay, generated from the keymap so it can't drift from behaviour.

use crate::tui::action::Action;
use crate::tui::format::wrap_words;
use crate::tui::keymap::{Keymap, Layer};
use crate::tui::theme::{Slot, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// What the help offers.
pub const HINTS: &[Action] = &[Action::ScrollDown, Action::ScrollUp, Action::Close];

/// Lines: one per action per layer, with every key bound to it.
pub fn lines(keymap: &Keymap, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width);
    let mut out = Vec::new();
    for (layer, title) in [
        (Layer::Table, "table"),
        (Layer::Detail, "detail (Enter)"),
        (Layer::Decode, "decode"),
        (Layer::Confirm, "confirm"),
        (Layer::Global, "everywhere"),
        (Layer::Downscope, "downscope prompt"),
        (Layer::Login, "sign-in"),
        (Layer::Doctor, "doctor"),
        (Layer::Copy, "copy menu"),
        (Layer::Journal, "audit journal (J)"),
        (Layer::Filter, "filter (/)"),
        (Layer::Command, "command line (:)"),
    ] {
        out.push(Line::from(Span::styled(title, theme.slot(Slot::Header))));
        let mut seen: Vec<(String, String)> = Vec::new();
        for b in keymap.bindings(layer) {
            match seen.iter_mut().find(|(_, desc)| *desc == b.desc) {
                Some((keys, _)) => keys.push_str(&format!(" {}", b.on)),
                None => seen.push((b.on.clone(), b.desc.clone())),
            }
        }
        for (keys, desc) in seen {
            let key = Span::styled(format!("  {keys:<14}"), theme.slot(Slot::Key));
            out.extend(hanging(key, &desc, width));
        }
    }
    out.push(Line::from(Span::styled(
        "commands (:, Tab completes)",
        theme.slot(Slot::Header),
    )));
    for (name, args, says) in crate::tui::command_line::COMMANDS {
        let usage = match (*name, args.is_empty()) {
            ("theme", _) => "theme NAME".to_string(),
            (_, true) => name.to_string(),
            (_, false) => format!("{name} {}", args.join("|")),
        };
        let key = Span::styled(format!("  :{usage:<26}"), theme.slot(Slot::Key));
        out.extend(hanging(key, says, width));
    }
    out
}

/// `key` then `text`, the text's further lines indented under its first.
fn hanging(key: Span<'static>, text: &str, width: usize) -> Vec<Line<'static>> {
    let indent = key.content.chars().count();
    wrap_words(text, width.saturating_sub(indent).max(12))
        .into_iter()
        .enumerate()
        .map(|(i, piece)| {
            let head = match i {
                0 => key.clone(),
                _ => Span::raw(" ".repeat(indent)),
            };
            Line::from(vec![head, Span::raw(piece)])
        })
        .collect()
}

/// Draws the help overlay.
pub fn render(keymap: &Keymap, scroll: u16, theme: &Theme, frame: &mut Frame, area: Rect) -> u16 {
    let block = Block::bordered()
        .title(Span::styled(" keys ", theme.slot(Slot::Title)))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, area);
    super::render_text(
        frame,
        area,
        Paragraph::new(lines(keymap, theme, area.width.saturating_sub(2)))
            .block(block)
            .wrap(Wrap { trim: false }),
        scroll,
    )
}
