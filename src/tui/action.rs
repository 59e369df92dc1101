//! The user's vocabulary. Keymap entries name these (kebab-case), and help is
//! built from them.

use serde::Deserialize;

/// Everything a key can ask for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Action {
    /// Leave tokentop.
    Quit,
    /// Give the terminal back to the shell until `fg` (Ctrl-Z).
    Suspend,
    /// Show the keys.
    Help,
    /// Close the top overlay.
    Close,
    /// Move the selection down.
    SelectNext,
    /// Move the selection up.
    SelectPrev,
    /// Jump to the first row.
    SelectFirst,
    /// Jump to the last row.
    SelectLast,
    /// Refresh the selected credential.
    Refresh,
    /// Decode and verify the selected token.
    Decode,
    /// Revoke the selected token (asks first).
    Revoke,
    /// Ask for a token with fewer scopes.
    Downscope,
    /// Forget a downscoped token's row.
    Drop,
    /// Sign the selected OIDC profile in from another device.
    Login,
    /// Send the selected token to its target and say why it is refused.
    Doctor,
    /// Move to the next field of a form.
    NextField,
    /// Re-read every credential source.
    Reload,
    /// Answer yes in a confirmation.
    Confirm,
    /// Answer no in a confirmation.
    Cancel,
    /// Scroll an overlay down.
    ScrollDown,
    /// Scroll an overlay up.
    ScrollUp,
    /// Filter the table as you type.
    Filter,
    /// Show every row again.
    ClearFilter,
    /// Open the `:` command line.
    CommandLine,
    /// Complete the word being typed.
    Complete,
    /// Switch to the next theme.
    CycleTheme,
    /// Copy the selected token (a menu of forms), with OSC 52.
    Copy,
    /// Show the selected token for a few seconds.
    Reveal,
    /// Everything about the selected credential.
    Detail,
    /// Keep the selected credential's token alive, or stop.
    AutoRefresh,
    /// Keep every token alive, or stop.
    AutoRefreshAll,
    /// This session's audit journal.
    Journal,
    /// Move the selection a page down.
    PageDown,
    /// Move the selection a page up.
    PageUp,
}

impl Action {
    /// The action's name as keymap files, hints and help write it: the
    /// same kebab-case name serde reads (a test holds them together).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Whether it obtains, narrows, revokes or signs in a token: what
    /// read-only mode refuses.
    pub fn changes_tokens(self) -> bool {
        matches!(
            self,
            Action::Refresh
                | Action::Revoke
                | Action::Downscope
                | Action::Login
                | Action::AutoRefresh
                | Action::AutoRefreshAll
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_name_reads_back_as_its_action() {
        #[derive(Deserialize)]
        struct One {
            run: Action,
        }
        for action in Action::iter() {
            let text = format!("run = \"{}\"", action.name());
            let read: One = toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(read.run, action, "{text}");
        }
    }
}
