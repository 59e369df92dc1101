//! Pure text helpers for the screens: scope and URL abbreviation, claim times.

use crate::model::format_relative;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A URL without its scheme, for narrow columns.
pub fn short_url(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
}

/// Claims whose values are times (NumericDate).
pub const TIME_CLAIMS: &[&str] = &["exp", "iat", "nbf", "auth_time"];

/// A claim value as text; times also as a date and relative to now.
pub fn claim_value(name: &str, value: &Value, now: DateTime<Utc>) -> String {
    let plain = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if !TIME_CLAIMS.contains(&name) {
        return plain;
    }
    let seconds = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
    match seconds.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)) {
        Some(at) => format!(
            "{} ({})",
            at.format("%Y-%m-%d %H:%M:%S UTC"),
            format_relative(at, now)
        ),
        None => plain,
    }
}

/// Cuts `text` to at most `width` characters, marking the cut with `…`.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` in lines of at most `room` characters, broken at spaces where
/// it can be (a URL or fingerprint longer than a line is cut).
pub fn wrap_words(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let (used, len) = (line.chars().count(), word.chars().count());
        if used > 0 && used + 1 + len > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > room {
            let head: String = line.chars().take(room).collect();
            line = line.chars().skip(room).collect();
            lines.push(head);
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_claims_show_date_and_relative() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let text = claim_value("exp", &Value::from(1_800_000_720i64), now);
        assert_eq!(text, "2027-01-15 08:12:00 UTC (in 12m)");
        assert_eq!(
            claim_value("exp", &Value::from("1800000060"), now),
            "2027-01-15 08:01:00 UTC (in 1m00s)"
        );
        assert_eq!(claim_value("sub", &Value::from("x"), now), "x");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
