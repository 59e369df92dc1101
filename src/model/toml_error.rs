//! One way to report a TOML mistake: file, line, message.

/// `FILE line N: MESSAGE` for a TOML parse or schema error in `text`.
pub fn describe(file: &str, text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => {
            let line = text.as_bytes()[..span.start.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            format!("{file} line {line}: {}", err.message())
        }
        None => format!("{file}: {}", err.message()),
    }
}
