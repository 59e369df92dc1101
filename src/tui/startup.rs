//! The dashboard's first state from what the user configured: keys, themes
//! and `[ui]` settings. A mistake in any of them is kept as one line naming
//! the file, line and field, shown on the status line, and the defaults run.

use super::app::App;
use super::keymap::Keymap;
use super::theme::{ColorDepth, Source, Themes};
use super::user_config::{self, UiConfig};
use crate::model::Clock;
use std::sync::Arc;

/// What the dashboard starts with.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// The theme asked for on the command line; it wins over the config's.
    pub theme: Option<String>,
    /// No colour at all (NO_COLOR, --no-color, a monochrome TERM): `mono`
    /// is the only theme.
    pub colourless: bool,
    /// Refuse what changes tokens.
    pub readonly: bool,
    /// The user's `config.toml`: (path, text).
    pub config: Option<(String, String)>,
    /// The user's theme files: (path, text) each.
    pub themes: Vec<(String, String)>,
    /// Files that could not be read.
    pub errors: Vec<String>,
}

/// The dashboard as configured, drawn for `depth`.
pub fn app(start: &Start, depth: ColorDepth, clock: Arc<dyn Clock>) -> Result<App, String> {
    let keymap = Keymap::default_keys()?;
    let mut errors = start.errors.clone();
    let mut sources = Vec::new();
    for (file, text) in &start.themes {
        match Source::read(text, file) {
            Ok(source) => sources.push(source),
            Err(e) => errors.push(e),
        }
    }
    let (themes, theme_errors) = Themes::load(sources, depth);
    errors.extend(theme_errors);
    let mut config = match &start.config {
        Some((file, text)) => user_config::read(text, file, &keymap).unwrap_or_else(|e| {
            errors.push(e);
            UiConfig::default()
        }),
        None => UiConfig::default(),
    };
    let keymap = config.keymap.take().unwrap_or(keymap);
    // Accent colours as the terminal can show them.
    for (_, colour) in &mut config.accents {
        *colour = super::theme_file::for_depth(*colour, depth);
    }
    let mut themes = themes;
    if start.colourless {
        themes.keep_only("mono");
    }
    let mut app = App::new(keymap, themes, clock);
    app.readonly = start.readonly;
    if let Some(name) = start.theme.as_ref().or(config.theme.as_ref())
        && let Err(e) = app.themes.select(name)
    {
        errors.push(e);
    }
    app.config = config;
    app.config_errors = errors;
    Ok(app)
}
