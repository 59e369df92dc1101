//! Themes are data: a palette of named colours, then semantic slots that
//! widgets ask for. Built-in themes live in `themes/*.toml`, embedded here.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// Built-in themes: (name, TOML text). `tests/themes.rs` checks this list
/// against the files in `themes/`.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// Every slot a theme must define, as `section.key`.
pub const SLOTS: &[&str] = &[
    "ttl.fresh",
    "ttl.expiring",
    "ttl.critical",
    "ttl.expired",
    "ttl.unknown",
    "state.busy",
    "state.error",
    "state.revoked",
    "secret.fingerprint",
    "chrome.border",
    "chrome.title",
    "chrome.header",
    "chrome.selection",
    "chrome.key",
    "chrome.key_desc",
    "chrome.label",
    "alert.info",
    "alert.warn",
    "alert.error",
];

/// A resolved theme: every slot to a style.
#[derive(Debug, Clone)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    slots: HashMap<String, Style>,
}

#[derive(Deserialize)]
struct ThemeFile {
    meta: Meta,
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(flatten)]
    sections: BTreeMap<String, BTreeMap<String, SlotSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    name: String,
    /// What the palette needs ("16", "256", "truecolor"); informational for now.
    #[serde(rename = "colors")]
    _colors: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct SlotSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    crossed: bool,
}

impl Theme {
    /// A built-in theme by name.
    pub fn built_in(name: &str) -> Result<Self, String> {
        let (_, text) = BUILT_IN.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            format!(
                "no built-in theme `{name}` (have: {})",
                BUILT_IN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        Self::parse(text, &format!("themes/{name}.toml"))
    }

    /// Parses theme text; errors name the file, line and key.
    pub fn parse(text: &str, file: &str) -> Result<Self, String> {
        let raw: ThemeFile =
            toml::from_str(text).map_err(|e| crate::model::toml_error::describe(file, text, &e))?;
        let mut slots = HashMap::new();
        for (section, entries) in &raw.sections {
            for (key, spec) in entries {
                let slot = format!("{section}.{key}");
                if !SLOTS.contains(&slot.as_str()) {
                    return Err(format!("{file}: unknown slot `{slot}`"));
                }
                let style = resolve(spec, &raw.palette)
                    .map_err(|e| format!("{file}: slot `{slot}`: {e}"))?;
                slots.insert(slot, style);
            }
        }
        if let Some(missing) = SLOTS.iter().find(|s| !slots.contains_key(**s)) {
            return Err(format!("{file}: missing slot `{missing}`"));
        }
        Ok(Self {
            name: raw.meta.name,
            slots,
        })
    }

    /// The style of a slot (`section.key`); unknown slots are plain.
    pub fn slot(&self, slot: &str) -> Style {
        self.slots.get(slot).copied().unwrap_or_default()
    }
}

/// The themes to choose from (built-in, then the user's) and the one in use.
#[derive(Debug, Clone)]
pub struct Themes {
    all: Vec<Theme>,
    current: usize,
}

impl Themes {
    /// Every built-in theme, the first in use.
    pub fn built_in() -> Result<Self, String> {
        let all = BUILT_IN
            .iter()
            .map(|(name, _)| Theme::built_in(name))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { all, current: 0 })
    }

    /// The theme in use.
    pub fn current(&self) -> &Theme {
        &self.all[self.current]
    }

    /// Every theme's name, in cycling order.
    pub fn names(&self) -> Vec<String> {
        self.all.iter().map(|t| t.name.clone()).collect()
    }

    /// Uses the theme called `name`; the error lists the names there are.
    pub fn select(&mut self, name: &str) -> Result<(), String> {
        match self.all.iter().position(|t| t.name == name) {
            Some(i) => {
                self.current = i;
                Ok(())
            }
            None => Err(format!(
                "no theme `{name}` (have: {})",
                self.names().join(", ")
            )),
        }
    }

    /// Moves to the next theme and names it.
    pub fn cycle(&mut self) -> &str {
        self.current = (self.current + 1) % self.all.len();
        &self.current().name
    }
}

fn resolve(spec: &SlotSpec, palette: &BTreeMap<String, String>) -> Result<Style, String> {
    let color = |name: &Option<String>| -> Result<Option<Color>, String> {
        let Some(name) = name else { return Ok(None) };
        let value = palette.get(name).unwrap_or(name);
        value.parse::<Color>().map(Some).map_err(|_| {
            format!("`{value}` is not a colour (16 ANSI names, reset, #rrggbb or 0-255)")
        })
    };
    let mut style = Style::default();
    if let Some(fg) = color(&spec.fg)? {
        style = style.fg(fg);
    }
    if let Some(bg) = color(&spec.bg)? {
        style = style.bg(bg);
    }
    for (on, modifier) in [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.underline, Modifier::UNDERLINED),
        (spec.reversed, Modifier::REVERSED),
        (spec.crossed, Modifier::CROSSED_OUT),
    ] {
        if on {
            style = style.add_modifier(modifier);
        }
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_resolves_every_slot() {
        for (name, _) in BUILT_IN {
            let theme = Theme::built_in(name).expect(name);
            assert_eq!(&theme.name, name);
        }
    }

    #[test]
    fn default_takes_its_colours_from_the_file() {
        let theme = Theme::built_in("default").expect("default");
        assert_eq!(theme.slot("ttl.fresh").fg, Some(Color::Green));
        assert!(
            theme
                .slot("ttl.expired")
                .add_modifier
                .contains(Modifier::CROSSED_OUT)
        );
    }

    #[test]
    fn mono_has_no_colours() {
        let theme = Theme::built_in("mono").expect("mono");
        for slot in SLOTS {
            assert_eq!(theme.slot(slot).fg, None, "{slot}");
        }
    }

    #[test]
    fn bad_colour_names_the_file_and_slot() {
        let text = Theme::built_in("default")
            .map(|_| BUILT_IN[0].1.replace("\"green\"", "\"greenish\""))
            .expect("text");
        let err = Theme::parse(&text, "user.toml").expect_err("bad colour");
        assert!(
            err.contains("user.toml") && err.contains("ttl.fresh") && err.contains("greenish"),
            "{err}"
        );
    }
}
