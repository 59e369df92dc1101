//! The append-only audit journal: one JSON line per action that changed
//! something at an issuer (refresh, revoke). Fingerprints only, never tokens.

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What an action did to a credential's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `refresh` or `revoke`.
    pub action: &'static str,
    /// Fingerprint of the token acted on (or replaced), if any.
    pub before: Option<String>,
    /// Fingerprint of a newly issued token, if any.
    pub after: Option<String>,
    /// `ok...`, or the error.
    pub result: String,
}

/// One journal line.
#[derive(Debug, Clone, Serialize)]
pub struct Entry<'a> {
    /// When (engine clock).
    pub at: DateTime<Utc>,
    /// Profile name.
    pub profile: &'a str,
    /// Credential id (source file and profile).
    pub credential: &'a str,
    /// What happened.
    #[serde(flatten)]
    pub change: &'a Change,
}

/// An append-only journal file.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// A journal at `path`; the file and its folder are created on first write.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line (the file 0600 in a 0700 folder).
    pub fn append(&self, entry: &Entry<'_>) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        crate::files::append_private(&self.path)?.write_all(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_json_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let journal = Journal::at(dir.path().join("sub/audit.jsonl"));
        for action in ["refresh", "revoke"] {
            let change = Change {
                action,
                before: Some("sha256:00000000".into()),
                after: None,
                result: "ok".into(),
            };
            let entry = Entry {
                at: DateTime::from_timestamp(0, 0).unwrap_or_default(),
                profile: "p",
                credential: "/k.json#p",
                change: &change,
            };
            journal.append(&entry).expect("append");
        }
        let text = std::fs::read_to_string(journal.path()).expect("read");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["action"], "revoke");
        assert_eq!(lines[0]["before"], "sha256:00000000");
    }
}
