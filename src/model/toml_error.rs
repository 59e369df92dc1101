//! One way to report a TOML mistake: file, line, message.

/// `FILE line N: MESSAGE` for a TOML parse or schema error in `text`.
pub fn describe(file: &str, text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => format!(
            "{file} line {}: {}",
            line_of(text, span.start),
            err.message()
        ),
        None => format!("{file}: {}", err.message()),
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}
