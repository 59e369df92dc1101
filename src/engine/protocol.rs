//! The engine's only public surface for the UI and the CLI: commands in,
//! updates out, by value.

use crate::model::{Clock, CredentialId, DecodeReport, Row};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The id of the decode report about a token given by the user
/// ([`Command::DecodeToken`]), not a credential's.
pub const GIVEN_TOKEN: &str = "-";

/// What the UI or CLI asks the engine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Obtain a new token for a credential.
    Refresh(CredentialId),
    /// Decode and verify (JWT) or inspect (opaque) the current token.
    Decode(CredentialId),
    /// Revoke the current token at the issuer, then confirm it server-side.
    Revoke(CredentialId),
    /// Narrow the current token: fewer scopes, or an access boundary. The
    /// narrowed token gets a row of its own under its source's.
    Downscope(CredentialId, crate::model::Downscope),
    /// Forget a downscoped credential (its token stays valid until it expires).
    Drop(CredentialId),
    /// Hand the current token itself to the asker, for `purpose`
    /// (journalled by fingerprint and purpose).
    Reveal(CredentialId, Reveal),
    /// Sign in on another device (RFC 8628): an [`Update::LoginPrompt`]
    /// says what the user is to do; the row gets the tokens.
    Login(CredentialId),
    /// Give up a sign-in (its code is left to expire).
    CancelLogin(CredentialId),
    /// The address a browser sign-in ended on, pasted by the user (the
    /// browser was on another machine, its port not forwarded).
    LoginRedirect(CredentialId, String),
    /// Send the current token to a target once and name why it is
    /// refused: an [`Update::Diagnosed`] answers.
    Doctor(CredentialId, crate::model::DoctorAsk),
    /// Decode a token given by the user (not a credential's) and verify
    /// it through its issuer's published keys: an [`Update::Decoded`]
    /// whose id is [`GIVEN_TOKEN`] answers.
    DecodeToken(crate::model::Secret),
    /// Re-read every source.
    Reload,
    /// Keep a credential's token alive (refresh it inside its client's
    /// window, backing off after failures), or stop; `None` is every
    /// credential.
    AutoRefresh(Option<CredentialId>, bool),
    /// From now on refuse what changes tokens, as `--readonly` does (the
    /// dashboard's `:readonly`; there is no way back in this session).
    ReadOnly,
}

/// The longest text a copy puts on the clipboard: past about 100 kB of
/// base64, some terminals drop or cut an OSC 52 sequence.
pub const MAX_COPY_BYTES: usize = 75_000;

/// What a revealed token is for: the journal says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    /// Printed by a command (`downscope --print-token`).
    Print,
    /// Shown on the dashboard for a few seconds (`v`).
    Show,
    /// Copied to the clipboard in this form (`c`).
    Copy(CopyForm),
}

/// The forms a token is copied in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum CopyForm {
    /// The token alone.
    Token,
    /// `Authorization: Bearer TOKEN`.
    Header,
    /// A curl line for the credential's target, the token on stdin.
    Curl,
    /// `export VAR=TOKEN`.
    Export,
}

impl Reveal {
    /// The journal's word for it.
    pub fn action(self) -> &'static str {
        match self {
            Reveal::Print => "reveal",
            Reveal::Show => "show",
            Reveal::Copy(CopyForm::Token) => "copy-token",
            Reveal::Copy(CopyForm::Header) => "copy-header",
            Reveal::Copy(CopyForm::Curl) => "copy-curl",
            Reveal::Copy(CopyForm::Export) => "copy-export",
        }
    }
}

/// One audit journal entry, as the dashboard lists it: fingerprints only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLine {
    /// When (engine clock).
    pub at: chrono::DateTime<chrono::Utc>,
    /// The profile.
    pub profile: String,
    /// What was done (`refresh`, `revoke`, `copy-token`, `show`...).
    pub action: String,
    /// The token acted on, by fingerprint.
    pub before: Option<String>,
    /// A token it brought, by fingerprint.
    pub after: Option<String>,
    /// `ok`, or the error.
    pub result: String,
    /// The journal file it was written to, if one is kept.
    pub file: Option<String>,
}

/// How loud a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Something finished.
    Info,
    /// Something the user should look at.
    Warn,
    /// Something failed.
    Error,
}

/// What the engine tells the UI. Values, never handles.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The whole table after discovery, plus the sources that could not be read.
    Snapshot {
        /// Every credential.
        rows: Vec<Row>,
        /// One line per broken source, naming the file.
        source_errors: Vec<String>,
        /// One line per profile of a kind tokentop does not show yet
        /// (a Databricks personal access token, say): not an error.
        skipped: Vec<String>,
        /// Nothing more is being looked for: no read of the files and no
        /// metadata server probe is under way.
        settled: bool,
    },
    /// One row changed.
    Row(Box<Row>),
    /// A row went (a downscoped credential was dropped).
    Removed(CredentialId),
    /// A decode finished.
    Decoded(DecodeReport),
    /// The doctor's report.
    Diagnosed(Box<crate::model::DoctorReport>),
    /// The token asked for with [`Command::Reveal`]; for a copy, the text
    /// to copy, made from it.
    Revealed {
        /// Whose.
        id: CredentialId,
        /// The token itself, or the copy's text.
        token: crate::model::Secret,
        /// What it was asked for.
        purpose: Reveal,
    },
    /// A sign-in waits for its user: open the URL, enter the code.
    LoginPrompt {
        /// Whose.
        id: CredentialId,
        /// Where to go.
        verification_uri: String,
        /// The same with the code filled in, when the issuer gives one.
        verification_uri_complete: Option<String>,
        /// What to enter there.
        user_code: String,
        /// When the code stops working.
        expires_at: chrono::DateTime<chrono::Utc>,
    },
    /// A browser sign-in waits for its user: open `url` in a browser; it
    /// comes back to this machine's `port` (forwarded with `ssh -L` when
    /// the browser is elsewhere), or its final address is pasted.
    BrowserPrompt {
        /// Whose.
        id: CredentialId,
        /// The issuer's sign-in address.
        url: String,
        /// The loopback port the browser returns to.
        port: u16,
        /// The `ssh -L` line that forwards it from the user's laptop.
        forward: String,
        /// When tokentop stops waiting.
        expires_at: chrono::DateTime<chrono::Utc>,
    },
    /// A line was added to the audit journal (sent whether or not a
    /// journal file is kept: the dashboard lists this session's).
    Journaled(JournalLine),
    /// A status-line message.
    Notice {
        /// Severity.
        level: Level,
        /// The message (never a secret).
        text: String,
    },
}

/// The UI's or CLI's end of the engine.
pub struct EngineHandle {
    /// Commands to the engine (bounded: a runaway key repeat waits).
    pub commands: mpsc::Sender<Command>,
    /// Updates from the engine.
    pub updates: mpsc::UnboundedReceiver<Update>,
    /// The engine's task, awaited by [`EngineHandle::shutdown`].
    pub task: tokio::task::JoinHandle<()>,
    /// The engine's clock: the one "now" the UI counts down against too.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for EngineHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineHandle").finish_non_exhaustive()
    }
}

impl EngineHandle {
    /// Stops the engine and waits until it has: jobs in flight get up to two
    /// seconds to finish, the rest are abandoned (and journalled), and
    /// nothing more is written after this returns.
    pub async fn shutdown(self) {
        drop(self.commands);
        // The task ends when the command channel closes; a panic in it has
        // already been logged, and there is nothing left to stop.
        let _ = self.task.await;
    }
}

/// The table of rows as the engine's updates build it, for the consumers
/// that only read it (`list`, `serve`): one merge, not one per consumer.
#[derive(Debug, Clone, Default)]
pub struct RowTable {
    /// Every credential, in the engine's order (new rows last).
    pub rows: Vec<Row>,
    /// One line per broken source.
    pub source_errors: Vec<String>,
    /// Profiles of kinds not shown yet.
    pub skipped: Vec<String>,
    /// The last snapshot said nothing more is being looked for.
    pub settled: bool,
}

impl RowTable {
    /// Takes one update into the table.
    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Snapshot {
                rows,
                source_errors,
                skipped,
                settled,
            } => {
                self.rows.clone_from(rows);
                self.source_errors.clone_from(source_errors);
                self.skipped.clone_from(skipped);
                self.settled = *settled;
            }
            Update::Row(row) => match self.rows.iter_mut().find(|r| r.id == row.id) {
                Some(slot) => *slot = (**row).clone(),
                None => self.rows.push((**row).clone()),
            },
            Update::Removed(id) => self.rows.retain(|r| r.id != *id),
            _ => {}
        }
    }
}
