//! Reading theme files: `[meta]` (name, optional parent), a palette of
//! named colours, and slots as `section.key = { fg, bg, bold, … }`. A
//! theme with a parent starts from the parent's palette and slots and
//! overrides what it names, so a palette alone can make a new theme. An
//! unknown slot, a missing one, an unknown colour or a parent loop is an
//! error naming the file. Colours are drawn for the terminal's depth:
//! `#rrggbb` becomes the nearest of 256 or of the 16 ANSI colours.

use super::theme::{BUILT_IN, Slot, Theme};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    TrueColor,
    /// The xterm 256-colour palette (`TERM=*-256color`).
    Ansi256,
    /// The 16 ANSI colours, which follow the terminal's own palette.
    Ansi16,
}

impl ColorDepth {
    /// The depth `COLORTERM` and `TERM` say.
    pub fn detect(colorterm: Option<&str>, term: Option<&str>) -> Self {
        let colorterm = colorterm.unwrap_or_default().to_ascii_lowercase();
        let term = term.unwrap_or_default();
        if colorterm == "truecolor" || colorterm == "24bit" || term.ends_with("-direct") {
            ColorDepth::TrueColor
        } else if term.contains("256") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        }
    }
}

/// One theme file, read but not yet resolved.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its `[meta] name`.
    pub name: String,
    /// The theme it starts from.
    pub parent: Option<String>,
    /// Where it came from, for errors.
    pub file: String,
    palette: BTreeMap<String, String>,
    slots: BTreeMap<String, SlotSpec>,
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
    parent: Option<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
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

impl Source {
    /// Reads a theme file's text; errors name the file and the slot or
    /// field (a TOML mistake, its line too).
    pub fn read(text: &str, file: &str) -> Result<Self, String> {
        let raw: ThemeFile =
            toml::from_str(text).map_err(|e| crate::model::toml_error::describe(file, text, &e))?;
        let mut slots = BTreeMap::new();
        for (section, entries) in raw.sections {
            for (key, spec) in entries {
                let slot = format!("{section}.{key}");
                if Slot::from_str(&slot).is_err() {
                    return Err(format!("{file}: unknown slot `{slot}`"));
                }
                slots.insert(slot, spec);
            }
        }
        Ok(Self {
            name: raw.meta.name,
            parent: raw.meta.parent,
            file: file.to_string(),
            palette: raw.palette,
            slots,
        })
    }
}

/// The built-in theme files, read.
pub fn built_in_sources() -> Vec<Source> {
    BUILT_IN
        .iter()
        .filter_map(|(name, text)| Source::read(text, &format!("themes/{name}.toml")).ok())
        .collect()
}

/// The theme `name` from `sources`, its parents applied, for `depth`.
pub fn resolve(name: &str, sources: &[Source], depth: ColorDepth) -> Result<Theme, String> {
    // The chain from the theme up to its root.
    let mut chain: Vec<&Source> = Vec::new();
    let mut next = Some(name.to_string());
    while let Some(wanted) = next {
        let source =
            sources
                .iter()
                .find(|s| s.name == wanted)
                .ok_or_else(|| match chain.last() {
                    Some(child) => format!("{}: parent theme `{wanted}` not found", child.file),
                    None => format!("no theme `{wanted}`"),
                })?;
        if chain.iter().any(|s| s.name == source.name) {
            return Err(format!(
                "{}: theme parents loop back to `{wanted}`",
                source.file
            ));
        }
        chain.push(source);
        next = source.parent.clone();
    }
    let file = &chain[0].file;
    let mut palette = BTreeMap::new();
    let mut specs = BTreeMap::new();
    for source in chain.iter().rev() {
        palette.extend(source.palette.clone());
        specs.extend(source.slots.clone());
    }
    let mut styles: [Style; <Slot as strum::EnumCount>::COUNT] = Default::default();
    for slot in <Slot as strum::IntoEnumIterator>::iter() {
        let spec = specs
            .get(slot.name())
            .ok_or_else(|| format!("{file}: missing slot `{}`", slot.name()))?;
        styles[slot as usize] = style(spec, &palette, depth)
            .map_err(|e| format!("{file}: slot `{}`: {e}", slot.name()))?;
    }
    Ok(Theme::new(chain[0].name.clone(), styles))
}

fn style(
    spec: &SlotSpec,
    palette: &BTreeMap<String, String>,
    depth: ColorDepth,
) -> Result<Style, String> {
    let color = |name: &Option<String>| -> Result<Option<Color>, String> {
        let Some(name) = name else { return Ok(None) };
        let value = palette.get(name).unwrap_or(name);
        let color = value.parse::<Color>().map_err(|_| {
            format!("`{value}` is not a colour (16 ANSI names, reset, #rrggbb or 0-255)")
        })?;
        Ok(Some(for_depth(color, depth)))
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

/// The 16 ANSI colours with xterm's default values.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// The levels of the xterm 256-colour cube's channels.
const CUBE: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// `color` as the terminal can show it.
pub fn for_depth(color: Color, depth: ColorDepth) -> Color {
    let rgb = match color {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) if i >= 16 => rgb_of_index(i),
        Color::Indexed(i) => return ANSI16[usize::from(i)].0,
        named => return named,
    };
    match depth {
        ColorDepth::TrueColor => color,
        ColorDepth::Ansi256 => Color::Indexed(index_of_rgb(rgb)),
        ColorDepth::Ansi16 => nearest16(rgb),
    }
}

/// An xterm 256-colour index's colour (16 and up: the cube, then greys).
fn rgb_of_index(i: u8) -> (u8, u8, u8) {
    match i {
        0..16 => ANSI16[usize::from(i)].1,
        16..232 => {
            let n = usize::from(i - 16);
            (CUBE[n / 36], CUBE[(n / 6) % 6], CUBE[n % 6])
        }
        _ => {
            let grey = 8 + (i - 232) * 10;
            (grey, grey, grey)
        }
    }
}

/// The nearest of the cube's colours and the grey ramp's.
fn index_of_rgb(rgb: (u8, u8, u8)) -> u8 {
    let level = |v: u8| {
        CUBE.iter()
            .enumerate()
            .min_by_key(|(_, c)| (i32::from(**c) - i32::from(v)).abs())
            .map_or(0, |(i, _)| i as u8)
    };
    let cube = 16 + 36 * level(rgb.0) + 6 * level(rgb.1) + level(rgb.2);
    let average = (u16::from(rgb.0) + u16::from(rgb.1) + u16::from(rgb.2)) / 3;
    let grey = 232 + ((average.saturating_sub(3)) / 10).min(23) as u8;
    [cube, grey]
        .into_iter()
        .min_by_key(|i| distance(rgb, rgb_of_index(*i)))
        .unwrap_or(cube)
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> i32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).pow(2);
    d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)
}

fn nearest16(rgb: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, c)| distance(rgb, *c))
        .map_or(Color::Reset, |(c, _)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_map_to_the_nearest_cube_or_grey() {
        assert_eq!(index_of_rgb((255, 0, 0)), 196);
        assert_eq!(index_of_rgb((0, 0, 0)), 16);
        assert_eq!(index_of_rgb((128, 128, 128)), 244);
        // Every index maps back to itself or one of the same colour.
        for i in 16..=255u8 {
            let back = index_of_rgb(rgb_of_index(i));
            assert_eq!(rgb_of_index(back), rgb_of_index(i), "{i} -> {back}");
        }
    }
}
