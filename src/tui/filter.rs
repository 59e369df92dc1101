//! The `/` filter: fzf's syntax over what a row shows. Words are ANDed; a
//! word matches fuzzily (`prd` finds `prod-etl`) in any one of the row's
//! profile, principal, platform, kind, scopes, audience or state; `!word`
//! keeps rows where no field contains it; `'word` asks for the exact
//! substring, `^word` a prefix, `word$` a suffix. Case is ignored unless a
//! capital letter is typed.

use super::screens::table::settled_state;
use crate::model::Row;
use chrono::{DateTime, Utc};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

/// A filter as typed, parsed once.
#[derive(Debug, Default)]
pub struct Filter {
    text: String,
    pattern: Pattern,
}

impl Filter {
    /// The filter for `text` (empty keeps every row).
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            pattern: Pattern::parse(text, CaseMatching::Smart, Normalization::Smart),
        }
    }

    /// What was typed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether it keeps every row.
    pub fn is_empty(&self) -> bool {
        self.pattern.atoms.is_empty()
    }

    /// The indices of the `rows` it keeps, in order.
    pub fn apply(&self, rows: &[Row], now: DateTime<Utc>) -> Vec<usize> {
        if self.is_empty() {
            return (0..rows.len()).collect();
        }
        let mut matcher = Matcher::new(Config::DEFAULT);
        (0..rows.len())
            .filter(|i| self.score(&rows[*i], now, &mut matcher).is_some())
            .collect()
    }

    /// The index of the row it matches best (the first of equals), if any:
    /// typing `etl-d` selects etl-dataproc, not a row the words merely
    /// scatter across.
    pub fn best(&self, rows: &[Row], now: DateTime<Utc>) -> Option<usize> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut best: Option<(u32, usize)> = None;
        for (i, row) in rows.iter().enumerate() {
            if let Some(score) = self.score(row, now, &mut matcher)
                && best.is_none_or(|(top, _)| score > top)
            {
                best = Some((score, i));
            }
        }
        best.map(|(_, i)| i)
    }

    /// How well `row` matches (higher is better), or `None` when it is
    /// not kept: every word found in one of its fields, an inverted word
    /// in none.
    fn score(&self, row: &Row, now: DateTime<Utc>, matcher: &mut Matcher) -> Option<u32> {
        let fields = fields(row, now);
        let mut buffer = Vec::new();
        let mut total = 0u32;
        for atom in &self.pattern.atoms {
            let mut scores = fields.iter().map(|field| {
                let haystack = Utf32Str::new(field, &mut buffer);
                atom.score(haystack, matcher)
            });
            match atom.negative {
                // nucleo answers an inverted word with a score where the
                // word is absent.
                true => {
                    if !scores.all(|s| s.is_some()) {
                        return None;
                    }
                }
                false => total += u32::from(scores.flatten().max()?),
            }
        }
        Some(total)
    }
}

impl Clone for Filter {
    fn clone(&self) -> Self {
        Self::new(&self.text)
    }
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// What a row is matched against: what its table line and details show.
fn fields(row: &Row, now: DateTime<Utc>) -> Vec<String> {
    vec![
        row.profile.clone(),
        row.principal.clone(),
        row.platform.label().to_string(),
        row.kind.label().to_string(),
        row.scopes.join(" "),
        row.audience.clone().unwrap_or_default(),
        settled_state(row, now).0,
    ]
}
