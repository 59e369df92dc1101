//! Typing mode: a screen that takes text (the filter, the command line, the
//! downscope form, a pasted address) gets keys as characters here, before
//! the keymap is asked, so `q` or `j` typed there are letters, not actions.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Applies `key` to `text`: a printable character is appended (while
/// `text` is shorter than `max` bytes), Backspace deletes one, Ctrl-U
/// clears the line and Ctrl-W deletes the last word, as shells do. Returns
/// false for any other key (Enter, Esc, Tab, arrows, Ctrl-C), which the
/// screen or the keymap then answers.
pub fn edit(text: &mut String, max: usize, key: &KeyEvent) -> bool {
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Char('u') if control => text.clear(),
        KeyCode::Char('w') if control => {
            let kept = text.trim_end().len();
            let cut = text[..kept].rfind([' ', ',']).map_or(0, |i| i + 1);
            text.truncate(cut);
        }
        KeyCode::Char(c) if !control && !alt && !c.is_control() => {
            if text.len() + c.len_utf8() <= max {
                text.push(c);
            }
        }
        KeyCode::Backspace => {
            text.pop();
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn typed(keys: &[KeyEvent], max: usize) -> (String, Vec<bool>) {
        let mut text = String::new();
        let taken = keys.iter().map(|k| edit(&mut text, max, k)).collect();
        (text, taken)
    }

    #[test]
    fn letters_that_are_keys_elsewhere_are_text_here() {
        let keys: Vec<_> = "q j/:"
            .chars()
            .map(|c| key(KeyCode::Char(c), KeyModifiers::NONE))
            .collect();
        let (text, taken) = typed(&keys, 64);
        assert_eq!(text, "q j/:");
        assert!(taken.iter().all(|t| *t));
    }

    #[test]
    fn shell_editing_keys_work_and_others_are_left_to_the_screen() {
        let mut text = "sort platform".to_string();
        assert!(edit(
            &mut text,
            64,
            &key(KeyCode::Char('w'), KeyModifiers::CONTROL)
        ));
        assert_eq!(text, "sort ");
        assert!(edit(
            &mut text,
            64,
            &key(KeyCode::Backspace, KeyModifiers::NONE)
        ));
        assert_eq!(text, "sort");
        assert!(edit(
            &mut text,
            64,
            &key(KeyCode::Char('u'), KeyModifiers::CONTROL)
        ));
        assert_eq!(text, "");
        for other in [KeyCode::Enter, KeyCode::Esc, KeyCode::Tab, KeyCode::Up] {
            assert!(!edit(&mut text, 64, &key(other, KeyModifiers::NONE)));
        }
        assert!(!edit(
            &mut text,
            64,
            &key(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ));
    }

    #[test]
    fn text_stops_at_its_cap_without_splitting_a_character() {
        let keys: Vec<_> = "abé"
            .chars()
            .map(|c| key(KeyCode::Char(c), KeyModifiers::NONE))
            .collect();
        let (text, _) = typed(&keys, 3);
        assert_eq!(text, "ab");
    }
}
