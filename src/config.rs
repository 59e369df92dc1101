//! Locations (XDG) and the few settings read before the UI starts. The UI
//! gets text and values from here; it never touches the filesystem itself.

use std::path::PathBuf;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiOptions {
    /// Theme name (a built-in theme file's stem).
    pub theme: String,
    /// Look, don't touch: no refresh, revoke, downscope or sign-in.
    pub readonly: bool,
}

impl UiOptions {
    /// `--no-color` or a non-empty `NO_COLOR` select `mono`; otherwise the named
    /// theme, or `default`.
    pub fn resolve(theme: Option<&str>, no_color: bool) -> Self {
        let no_color = no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let theme = if no_color {
            "mono"
        } else {
            theme.unwrap_or("default")
        };
        Self {
            theme: theme.to_string(),
            readonly: false,
        }
    }
}
