//! The decode view: a JWT's header and claims (times as dates and "in 12m")
//! with the signature check, or an opaque token's tokeninfo answer.

use crate::model::{DecodeReport, DecodedBody, SignatureCheck};
use crate::tui::action::Action;
use crate::tui::format;
use crate::tui::theme::{Slot, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use serde_json::Value;

/// The lines of a report for a view `width` columns wide (inside its border):
/// long values wrap under their own column, not back to the left edge.
pub fn lines(
    report: Option<&DecodeReport>,
    theme: &Theme,
    now: DateTime<Utc>,
    width: u16,
) -> Vec<Line<'static>> {
    let Some(report) = report else {
        return vec![Line::from(Span::styled(
            "decoding…",
            theme.slot(Slot::StateBusy),
        ))];
    };
    let label = theme.slot(Slot::Label);
    let heading = theme.slot(Slot::Header);
    let mut out = Vec::new();
    let fields = |title: &str, map: &Value, out: &mut Vec<Line<'static>>| {
        out.push(Line::from(Span::styled(title.to_string(), heading)));
        if let Value::Object(m) = map {
            let width_of_keys = m.keys().map(String::len).max().unwrap_or(0);
            for (k, v) in m {
                let text = format::claim_value(k, v, now);
                // Space-separated scope lists read better one per line.
                let items: Vec<&str> = if k == "scope" {
                    text.split_whitespace().collect()
                } else {
                    vec![text.as_str()]
                };
                let room = usize::from(width).saturating_sub(width_of_keys + 4).max(8);
                let pieces = items.iter().flat_map(|item| chunks(item, room));
                for (i, piece) in pieces.enumerate() {
                    let name = if i == 0 { k.as_str() } else { "" };
                    out.push(Line::from(vec![
                        Span::styled(format!("  {name:<width_of_keys$}  "), label),
                        Span::raw(piece),
                    ]));
                }
            }
        }
    };
    match &report.body {
        DecodedBody::Jwt {
            header,
            claims,
            signature,
        } => {
            let (text, slot) = match signature {
                SignatureCheck::Verified { kid, jwks_url } => (
                    format!("✓ signature verified (kid {kid}) with {jwks_url}"),
                    Slot::TtlFresh,
                ),
                SignatureCheck::Failed { reason } => {
                    (format!("✗ signature NOT valid: {reason}"), Slot::Error)
                }
                SignatureCheck::NotChecked { reason } => {
                    (format!("? signature not checked: {reason}"), Slot::Warn)
                }
            };
            out.push(Line::from(Span::styled(text, theme.slot(slot))));
            fields("header", header, &mut out);
            fields("claims", claims, &mut out);
        }
        DecodedBody::Failed { reason } => {
            out.push(Line::from(Span::styled(
                format!("✗ decode failed: {reason}"),
                theme.slot(Slot::Error),
            )));
        }
        DecodedBody::Opaque { tokeninfo } => {
            out.push(Line::from(
                "opaque token (not a JWT): asked the issuer's tokeninfo",
            ));
            match tokeninfo {
                Ok(info) => fields("tokeninfo", info, &mut out),
                Err(e) => out.push(Line::from(Span::styled(
                    format!("✗ tokeninfo: {e}"),
                    theme.slot(Slot::Error),
                ))),
            }
        }
    }
    out
}

/// What the decode view offers.
pub const HINTS: &[Action] = &[Action::ScrollDown, Action::ScrollUp, Action::Close];

/// Draws the decode overlay over `area`.
pub fn render(
    report: Option<&DecodeReport>,
    profile: &str,
    scroll: u16,
    theme: &Theme,
    now: DateTime<Utc>,
    frame: &mut Frame,
    area: Rect,
) -> u16 {
    let title = match report {
        Some(r) => format!(" decode · {profile} · {} ", r.fingerprint),
        None => format!(" decode · {profile} "),
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.slot(Slot::Title)))
        .border_style(theme.slot(Slot::Border));
    frame.render_widget(Clear, area);
    super::render_text(
        frame,
        area,
        Paragraph::new(lines(report, theme, now, area.width.saturating_sub(2)))
            .block(block)
            .wrap(Wrap { trim: false }),
        scroll,
    )
}

/// `text` cut into pieces of at most `room` characters.
fn chunks(text: &str, room: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return vec![String::new()];
    }
    chars.chunks(room).map(|c| c.iter().collect()).collect()
}
