//! Locations (XDG) and the few settings read before the UI starts. The UI
//! gets text and values from here; it never touches the filesystem itself.

use std::path::{Path, PathBuf};

/// `$XDG_CONFIG_HOME/tokentop/profiles.toml` (or the platform equivalent).
pub fn default_profiles_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tokentop").map(|d| d.config_dir().join("profiles.toml"))
}

/// `$XDG_CONFIG_HOME/tokentop/config.toml`: the user's own settings (which
/// endpoints a shared profiles file may send secrets to).
pub fn default_settings_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tokentop").map(|d| d.config_dir().join("config.toml"))
}

/// `$XDG_STATE_HOME/tokentop/`: the log file and the audit journal.
pub fn state_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "tokentop")?;
    Some(
        dirs.state_dir()
            .unwrap_or(dirs.data_local_dir())
            .to_path_buf(),
    )
}

/// `$XDG_STATE_HOME/tokentop/audit.jsonl`: the audit journal.
pub fn audit_journal_path() -> Option<PathBuf> {
    state_dir().map(|d| d.join("audit.jsonl"))
}

/// `$XDG_STATE_HOME/tokentop/logins.json`: tokentop's own sign-ins.
pub fn login_store_path() -> Option<PathBuf> {
    state_dir().map(|d| d.join("logins.json"))
}

/// What the dashboard needs to know about its look.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UiOptions {
    /// The theme asked for on the command line (`--theme`), or `mono`
    /// for `--no-color` / `NO_COLOR`: it wins over the config file's.
    pub theme: Option<String>,
    /// Look, don't touch: no refresh, revoke, downscope or sign-in.
    pub readonly: bool,
    /// No colour at all: `mono` is the only theme.
    pub colourless: bool,
    /// The user's config file and themes, as text.
    pub files: UiFiles,
}

impl UiOptions {
    /// `--no-color`, a non-empty `NO_COLOR` or a monochrome terminal
    /// (`TERM` `*-mono`, `*-m` or `dumb`) select `mono`, the only theme
    /// then; otherwise the named theme, if any.
    pub fn resolve(theme: Option<&str>, no_color: bool) -> Self {
        let term = std::env::var("TERM").unwrap_or_default();
        let colourless = no_color
            || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || monochrome(&term);
        let theme = if colourless { Some("mono") } else { theme };
        Self {
            theme: theme.map(String::from),
            colourless,
            ..Self::default()
        }
    }
}

/// A `TERM` whose terminal shows no colour.
pub fn monochrome(term: &str) -> bool {
    term == "dumb" || term.ends_with("-mono") || term.ends_with("-m")
}

/// The user's dashboard files, read but not parsed (the dashboard parses
/// them, so its errors can name the field).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UiFiles {
    /// `config.toml`: (path, text), when there is one.
    pub config: Option<(String, String)>,
    /// `themes/*.toml`: (path, text) each, by name.
    pub themes: Vec<(String, String)>,
    /// Files that exist but could not be read, one line each.
    pub errors: Vec<String>,
}

impl UiFiles {
    /// Reads `dir/config.toml` and `dir/themes/*.toml` (`dir` is the
    /// config directory, `$XDG_CONFIG_HOME/tokentop`). Missing files are
    /// not errors.
    pub fn read(dir: &Path) -> Self {
        let mut files = Self::default();
        let config = dir.join("config.toml");
        match crate::files::read_text(&config) {
            Ok(text) => files.config = Some((config.display().to_string(), text)),
            Err(crate::files::ReadError::Missing) => {}
            Err(e) => files.errors.push(format!("{}: {e}", config.display())),
        }
        let themes = dir.join("themes");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&themes)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        for path in paths {
            match crate::files::read_text(&path) {
                Ok(text) => files.themes.push((path.display().to_string(), text)),
                Err(e) => files.errors.push(format!("{}: {e}", path.display())),
            }
        }
        files
    }

    /// The user's files from the default config directory.
    pub fn read_default() -> Self {
        match directories::ProjectDirs::from("", "", "tokentop") {
            Some(dirs) => Self::read(dirs.config_dir()),
            None => Self::default(),
        }
    }
}
