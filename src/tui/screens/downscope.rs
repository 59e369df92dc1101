//! "Which scopes should the new token keep?": the downscope prompt. What is
//! typed is text; Enter asks, Esc cancels.

use crate::model::Row;
use crate::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// The longest prompt kept: scopes are URLs, a handful at most.
const MAX_INPUT: usize = 1024;

/// Applies a key to the prompt's text: a printable character is typed,
/// Backspace deletes. Returns false for any other key (Enter, Esc,
/// Ctrl-C...), which the keymap then answers.
pub fn edit(input: &mut String, key: &KeyEvent) -> bool {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(c) if plain && !c.is_control() => {
            if input.len() < MAX_INPUT {
                input.push(c);
            }
            true
        }
        KeyCode::Backspace => {
            input.pop();
            true
        }
        _ => false,
    }
}

/// The scopes typed, split on spaces and commas; a Google short name
/// (`devstorage.read_only`) becomes its full URL when `google` is set.
pub fn scopes(input: &str, google: bool) -> Vec<String> {
    input
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(|s| {
            if google && !s.contains(':') && !s.contains('/') {
                format!("https://www.googleapis.com/auth/{s}")
            } else {
                s.to_string()
            }
        })
        .collect()
}

/// Draws the prompt for `row`.
pub fn render(row: Option<&Row>, input: &str, theme: &Theme, frame: &mut Frame, area: Rect) {
    let profile = row.map_or("?", |r| r.profile.as_str());
    let text = vec![
        Line::from(vec![
            Span::raw("Scopes the new token keeps: "),
            Span::styled(format!("{input}█"), theme.slot("chrome.title")),
        ]),
        Line::from(vec![
            Span::styled("Enter", theme.slot("chrome.key")),
            Span::raw(" ask   "),
            Span::styled("Esc", theme.slot("chrome.key")),
            Span::raw(" cancel"),
        ]),
        Line::default(),
        Line::from("Space-separated; short names (devstorage.read_only) are Google's."),
        Line::from("The server decides what it grants; the row shows both."),
        Line::from("A Cloud Storage boundary: tokentop downscope PROFILE --boundary FILE"),
    ];
    let block = Block::bordered().title(Span::styled(
        format!(" downscope · {profile} "),
        theme.slot("chrome.title"),
    ));
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_google_names_become_urls_and_others_stay() {
        assert_eq!(
            scopes("devstorage.read_only, https://x/y", true),
            [
                "https://www.googleapis.com/auth/devstorage.read_only",
                "https://x/y"
            ]
        );
        assert_eq!(scopes("sql all-apis", false), ["sql", "all-apis"]);
        let mut input = String::new();
        assert!(edit(
            &mut input,
            &KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE)
        ));
        assert_eq!(input, "q", "q is text here, not quit");
        assert!(!edit(
            &mut input,
            &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ));
        assert!(edit(
            &mut input,
            &KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)
        ));
        assert_eq!(input, "");
    }
}
