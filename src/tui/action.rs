//! The user's vocabulary. Keymap entries name these (kebab-case), and help is
//! built from them.

use serde::Deserialize;

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
}

impl Action {
    /// The action's name as keymap files and hints write it.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Suspend => "suspend",
            Action::Help => "help",
            Action::Close => "close",
            Action::SelectNext => "select-next",
            Action::SelectPrev => "select-prev",
            Action::SelectFirst => "select-first",
            Action::SelectLast => "select-last",
            Action::Refresh => "refresh",
            Action::Decode => "decode",
            Action::Revoke => "revoke",
            Action::Downscope => "downscope",
            Action::Drop => "drop",
            Action::Login => "login",
            Action::Doctor => "doctor",
            Action::NextField => "next-field",
            Action::Reload => "reload",
            Action::Confirm => "confirm",
            Action::Cancel => "cancel",
            Action::ScrollDown => "scroll-down",
            Action::ScrollUp => "scroll-up",
        }
    }
}
