//! What a Google metadata server says about its machine: the facts the
//! probe gathers and discovery turns into credentials.

use serde::Deserialize;

/// One service account a metadata server serves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MetadataAccount {
    /// Its email.
    pub email: String,
    /// The scopes the machine grants it.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// What a metadata server said about its machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataMachine {
    /// `host[:port]` asked.
    pub host: String,
    /// Its project id.
    pub project: Option<String>,
    /// Its zone (the last part of `projects/N/zones/Z`).
    pub zone: Option<String>,
    /// Its service accounts, `default` first.
    pub accounts: Vec<MetadataAccount>,
}
