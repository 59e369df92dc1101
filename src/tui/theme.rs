//! Themes are data: a palette of named colours, then semantic slots that
//! widgets ask for by [`Slot`]. Built-in themes live in `themes/*.toml`,
//! embedded here; users add theirs in the config directory's `themes/`.
//! A theme may name a `parent` and change only what differs (a palette, a
//! slot); reading, inheritance and colour depth are in [`theme_file`].

use super::theme_file;
use ratatui::style::Style;
pub use theme_file::{ColorDepth, Source};

/// Built-in themes: (name, TOML text). A test checks this list against
/// the files in `themes/`.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("solarized", include_str!("../../themes/solarized.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// Every style a widget can ask for, named `section.key` in theme files.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumIter,
    strum::EnumCount,
    strum::IntoStaticStr,
    strum::EnumString,
)]
pub enum Slot {
    /// A token with plenty of time left.
    #[strum(serialize = "ttl.fresh")]
    TtlFresh,
    /// Expiring soon.
    #[strum(serialize = "ttl.expiring")]
    TtlExpiring,
    /// Inside the owning client's refresh window.
    #[strum(serialize = "ttl.critical")]
    TtlCritical,
    /// Expired.
    #[strum(serialize = "ttl.expired")]
    TtlExpired,
    /// Expiry unknown.
    #[strum(serialize = "ttl.unknown")]
    TtlUnknown,
    /// Work under way.
    #[strum(serialize = "state.busy")]
    StateBusy,
    /// The last operation failed.
    #[strum(serialize = "state.error")]
    StateError,
    /// Revoked.
    #[strum(serialize = "state.revoked")]
    StateRevoked,
    /// A token's fingerprint (never the token).
    #[strum(serialize = "secret.fingerprint")]
    Fingerprint,
    /// A token shown in full after `v`.
    #[strum(serialize = "secret.revealed")]
    Revealed,
    /// Borders.
    #[strum(serialize = "chrome.border")]
    Border,
    /// Titles and names.
    #[strum(serialize = "chrome.title")]
    Title,
    /// Column headers and section titles.
    #[strum(serialize = "chrome.header")]
    Header,
    /// The selected row.
    #[strum(serialize = "chrome.selection")]
    Selection,
    /// A row that just changed (after a refresh or downscope).
    #[strum(serialize = "chrome.changed")]
    Changed,
    /// A key in the hints and help.
    #[strum(serialize = "chrome.key")]
    Key,
    /// What a key does.
    #[strum(serialize = "chrome.key_desc")]
    KeyDesc,
    /// A label before a value.
    #[strum(serialize = "chrome.label")]
    Label,
    /// An information message.
    #[strum(serialize = "alert.info")]
    Info,
    /// A warning.
    #[strum(serialize = "alert.warn")]
    Warn,
    /// An error.
    #[strum(serialize = "alert.error")]
    Error,
}

impl Slot {
    /// The slot's `section.key` name.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A resolved theme: every slot to a style.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    styles: [Style; <Slot as strum::EnumCount>::COUNT],
}

impl Theme {
    /// A built-in theme by name, in full colour.
    pub fn built_in(name: &str) -> Result<Self, String> {
        theme_file::resolve(name, &theme_file::built_in_sources(), ColorDepth::TrueColor)
    }

    /// Parses one stand-alone theme's text (its parent, if any, is a
    /// built-in); errors name the file, line and slot.
    pub fn parse(text: &str, file: &str) -> Result<Self, String> {
        let mut sources = theme_file::built_in_sources();
        let source = Source::read(text, file)?;
        let name = source.name.clone();
        sources.push(source);
        theme_file::resolve(&name, &sources, ColorDepth::TrueColor)
    }

    /// A theme from resolved styles.
    pub(crate) fn new(name: String, styles: [Style; <Slot as strum::EnumCount>::COUNT]) -> Self {
        Self { name, styles }
    }

    /// The style of a slot.
    pub fn slot(&self, slot: Slot) -> Style {
        self.styles[slot as usize]
    }

    /// Whether it uses colour at all (`mono` does not).
    pub fn coloured(&self) -> bool {
        self.styles.iter().any(|s| s.fg.is_some() || s.bg.is_some())
    }
}

/// The themes to choose from (built-in, then the user's) and the one in use.
#[derive(Debug, Clone)]
pub struct Themes {
    all: Vec<Theme>,
    current: usize,
}

impl Themes {
    /// Every built-in theme in full colour, the first in use.
    pub fn built_in() -> Result<Self, String> {
        let (themes, errors) = Self::load(Vec::new(), ColorDepth::TrueColor);
        match errors.first() {
            Some(e) => Err(e.clone()),
            None => Ok(themes),
        }
    }

    /// The built-in themes and the user's, drawn for `depth`. A user
    /// theme that cannot be read is left out and said in the errors (one
    /// line each, naming its file); one with a built-in's name replaces it.
    pub fn load(user: Vec<Source>, depth: ColorDepth) -> (Self, Vec<String>) {
        let mut sources = theme_file::built_in_sources();
        let mut errors = Vec::new();
        let mut names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        for source in user {
            match names.iter().position(|n| *n == source.name) {
                Some(i) => sources[i] = source,
                None => {
                    names.push(source.name.clone());
                    sources.push(source);
                }
            }
        }
        let mut all = Vec::new();
        for name in &names {
            match theme_file::resolve(name, &sources, depth) {
                Ok(theme) => all.push(theme),
                Err(e) => errors.push(e),
            }
        }
        if all.is_empty() {
            // Only a broken override of every built-in gets here.
            all.push(Theme::new("plain".into(), Default::default()));
        }
        (Self { all, current: 0 }, errors)
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

    /// Keeps only the theme `name` (a colourless terminal keeps `mono`).
    pub fn keep_only(&mut self, name: &str) {
        if self.all.iter().any(|t| t.name == name) {
            self.all.retain(|t| t.name == name);
            self.current = 0;
        }
    }

    /// Whether `t` has another theme to move to.
    pub fn can_cycle(&self) -> bool {
        self.all.len() > 1
    }

    /// Moves to the next theme and names it.
    pub fn cycle(&mut self) -> &str {
        self.current = (self.current + 1) % self.all.len();
        &self.current().name
    }
}
