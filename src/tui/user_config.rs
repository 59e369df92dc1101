//! The dashboard's part of the user's `config.toml`, the `[ui]` table:
//!
//! ```toml
//! [ui]
//! theme = "light"              # any built-in or user theme
//! columns = ["profile", "ttl", "state", "principal"]
//! mouse = false                # leave the mouse to the terminal's selection
//!
//! [ui.accent]                  # the profile column's colour, by glob;
//!                              # the most specific match wins
//! "prod*" = "red"
//!
//! [ui.keys.table]              # key = action, over the default keymap
//! "K" = "revoke"
//! ```
//!
//! Other tables in the file belong to other readers. A mistake is one
//! error naming the file, line and field; the defaults then run.

use super::action::Action;
use super::keymap::{Keymap, Layer, parse_key};
use super::screens::table::COLUMN_NAMES;
use crate::model::toml_error::{describe, line_of};
use ratatui::style::Color;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// What the `[ui]` table asks for.
#[derive(Debug, Clone)]
pub struct UiConfig {
    /// Take the mouse (wheel, clicks); the terminal's selection then needs Shift.
    pub mouse: bool,
    /// The theme to start with.
    pub theme: Option<String>,
    /// The table's columns, by header name (lowercase), when not all.
    pub columns: Option<Vec<String>>,
    /// The profile column's colour for profiles matching a glob; the most
    /// specific glob that matches wins.
    pub accents: Vec<(String, Color)>,
    /// The keymap with the user's keys applied.
    pub keymap: Option<Keymap>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    ui: Option<Ui>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Ui {
    theme: Option<String>,
    mouse: Option<bool>,
    columns: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    accent: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    keys: BTreeMap<Layer, BTreeMap<Spanned<String>, Action>>,
}

/// Reads the `[ui]` table of `text` (from `file`), applying its keys over
/// `keymap`.
pub fn read(text: &str, file: &str, keymap: &Keymap) -> Result<UiConfig, String> {
    let parsed: File = toml::from_str(text).map_err(|e| describe(file, text, &e))?;
    let Some(ui) = parsed.ui else {
        return Ok(UiConfig::default());
    };
    let at = |span: std::ops::Range<usize>| format!("{file} line {}", line_of(text, span.start));
    let columns = match ui.columns {
        Some(columns) => {
            let mut names = Vec::new();
            for column in columns {
                let name = column.get_ref().to_ascii_lowercase();
                if !COLUMN_NAMES.contains(&name.as_str()) {
                    return Err(format!(
                        "{}: [ui] columns: no column `{name}` (have: {})",
                        at(column.span()),
                        COLUMN_NAMES.join(", ")
                    ));
                }
                names.push(name);
            }
            Some(names)
        }
        None => None,
    };
    let mut accents = Vec::new();
    for (glob, colour) in ui.accent {
        let parsed = colour.get_ref().parse::<Color>().map_err(|_| {
            format!(
                "{}: [ui.accent] `{glob}`: `{}` is not a colour (16 ANSI names, #rrggbb or 0-255)",
                at(colour.span()),
                colour.get_ref()
            )
        })?;
        accents.push((glob, parsed));
    }
    // The most specific glob (most literal characters) is asked first.
    let literal = |glob: &str| glob.chars().filter(|c| !matches!(c, '*' | '?')).count();
    accents.sort_by_key(|(glob, _)| std::cmp::Reverse(literal(glob)));
    let keymap = match ui.keys.is_empty() {
        true => None,
        false => {
            let mut keymap = keymap.clone();
            for (layer, keys) in ui.keys {
                for (key, action) in keys {
                    let parsed = parse_key(key.get_ref()).ok_or_else(|| {
                        format!(
                            "{}: [ui.keys.{}] `{}` is not a key (a character, <C-x>, <Enter>, <Esc>, <Tab>, arrows, <Home>, <End>, <PageUp>, <PageDown>)",
                            at(key.span()),
                            layer.name(),
                            key.get_ref()
                        )
                    })?;
                    keymap.bind(layer, key.get_ref(), parsed, action);
                }
            }
            Some(keymap)
        }
    };
    Ok(UiConfig {
        mouse: ui.mouse.unwrap_or(true),
        theme: ui.theme,
        columns,
        accents,
        keymap,
    })
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            mouse: true,
            theme: None,
            columns: None,
            accents: Vec::new(),
            keymap: None,
        }
    }
}

impl UiConfig {
    /// The accent colour for `profile`, if a glob matches it.
    pub fn accent(&self, profile: &str) -> Option<Color> {
        self.accents
            .iter()
            .find(|(glob, _)| wildmatch::WildMatch::new(glob).matches(profile))
            .map(|(_, colour)| *colour)
    }
}
