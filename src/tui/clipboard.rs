//! Copying over SSH: OSC 52 asks the terminal (on the user's own machine,
//! however many hops away) to put text on its clipboard. No X11, no
//! helper program; the text goes only to the terminal.

use crate::engine::protocol::MAX_COPY_BYTES;
use base64::Engine as _;
use zeroize::Zeroizing;

/// Whether `text` fits in one OSC 52 sequence (see [`MAX_COPY_BYTES`]).
pub fn fits(text: &str) -> bool {
    text.len() <= MAX_COPY_BYTES
}

/// The escape sequences that copy `text`: OSC 52 for the terminal (and for
/// tmux with `set-clipboard on`), then, inside tmux, the same wrapped in
/// tmux's passthrough (for `allow-passthrough on`). Both are harmless
/// where they are not understood.
pub fn osc52(text: &str, inside_tmux: bool) -> Zeroizing<String> {
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(text));
    let mut out = Zeroizing::new(format!("\x1b]52;c;{}\x07", encoded.as_str()));
    if inside_tmux {
        // In a passthrough every ESC of the inner sequence is doubled.
        out.push_str(&format!(
            "\x1bPtmux;\x1b\x1b]52;c;{}\x07\x1b\\",
            encoded.as_str()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_carries_the_text_in_base64() {
        assert_eq!(osc52("hi", false).as_str(), "\x1b]52;c;aGk=\x07");
        let both = osc52("hi", true);
        assert!(both.starts_with("\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07"));
        assert!(both.ends_with("\x1b\\"));
    }

    #[test]
    fn the_size_guard_counts_the_encoded_length() {
        assert!(fits(&"a".repeat(75_000)));
        assert!(!fits(&"a".repeat(75_001)));
    }
}
