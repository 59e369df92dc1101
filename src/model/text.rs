//! The one place untrusted text (file contents, server answers, names) is
//! made safe for a terminal: the table, `list`, warnings and errors all show
//! text that went through [`printable`].

use std::borrow::Cow;

/// `text` with every character a terminal could act on written out as a
/// visible escape (`\u{1b}`): C0 and C1 controls (ESC, BEL, CSI, OSC…), DEL,
/// line and paragraph separators, the bidirectional overrides that reorder
/// what is displayed, and the invisible characters that make two names look
/// alike. Text
/// without them is returned as is; the result is stable
/// (`printable(printable(x)) == printable(x)`).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`printable`], owned.
pub fn printable_owned(text: &str) -> String {
    printable(text).into_owned()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// The URL as a QR code, for a phone's camera: dark modules drawn as blank
/// and light ones as blocks (with the quiet zone), so it reads on the dark
/// background most terminals have. Lines of half-block characters.
pub fn qr_code(url: &str) -> Option<Vec<String>> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let text = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .build();
    Some(text.lines().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_become_visible_and_inert() {
        let hostile = "a\u{1b}]0;PWNED\u{7}\u{1b}]52;c;UFdORUQK\u{7}\u{9b}2J\u{202e}txt";
        for invisible in ["\u{200b}", "\u{2028}", "\u{2060}", "\u{feff}", "\u{2066}"] {
            assert_ne!(printable(invisible), invisible, "{invisible:?}");
        }
        let shown = printable(hostile);
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown:?}"
        );
        assert_eq!(
            shown,
            "a\\u{1b}]0;PWNED\\u{7}\\u{1b}]52;c;UFdORUQK\\u{7}\\u{9b}2J\\u{202e}txt"
        );
        assert_eq!(printable(&shown), shown, "stable");
    }

    #[test]
    fn ordinary_text_is_untouched_and_not_copied() {
        let plain = "svc@proj.iam.gserviceaccount.com — «ünïcode» 東京";
        assert!(matches!(printable(plain), Cow::Borrowed(p) if p == plain));
    }
}
