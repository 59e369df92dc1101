//! `tokentop refresh|revoke|downscope|login PROFILE`: one operation on one
//! credential, for scripts. The same engine as the dashboard: the
//! same discovery, the same rules, the same journal.

use crate::engine::EngineConfig;
use crate::engine::protocol::{Command, EngineHandle, Level, Reveal, Update};
use crate::model::{
    AccessBoundary, CredentialId, Downscope, Kind, Row, Secret, Status, SystemClock,
};
use std::process::ExitCode;
use std::sync::Arc;

/// The operations a script can ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// Obtain a new token.
    Refresh,
    /// Revoke the current token, confirmed server-side.
    Revoke,
    /// Narrow the current token (obtained first when none is held).
    Downscope(Downscope),
    /// Sign in on another device (RFC 8628): the URL and code are printed
    /// on stderr, and the command waits for the user.
    Login,
}

/// A Credential Access Boundary from a JSON file (google-auth's shape),
/// checked; errors name the file.
pub fn boundary_file(path: &std::path::Path) -> Result<AccessBoundary, String> {
    let text = crate::files::read_text(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let boundary: AccessBoundary = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: not an access boundary (line {}, column {}): {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    boundary
        .check()
        .map_err(|why| format!("{}: {why}", path.display()))?;
    Ok(boundary)
}

/// Exit status when the operation was done.
pub const EXIT_DONE: u8 = 0;
/// The operation failed or was refused (the reason is on stderr).
pub const EXIT_FAILED: u8 = 1;
/// No credential, or more than one, answers to the name given. (A profile
/// of that name whose file could not be used exits 3, as `list` does.)
pub const EXIT_NO_SUCH_PROFILE: u8 = 4;

/// How the result is printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Output {
    /// The row after it as JSON (else a line of text).
    pub json: bool,
    /// The token itself on stdout (in the JSON as `token`), for a pipe;
    /// the facts go to stderr then. Journalled by fingerprint.
    pub print_token: bool,
}

/// Runs `operation` on the credential named `profile` (its profile name,
/// or its id as `list --json` prints it) and prints the row after it (for
/// a downscope, the new downscoped row), as text or JSON.
pub async fn operate(
    engine: EngineConfig,
    operation: Operation,
    profile: &str,
    output: Output,
) -> Result<ExitCode, String> {
    let mut handle = crate::engine::start(engine, Arc::new(SystemClock))?;
    let row = match named(&mut handle, profile).await {
        Ok(row) => row,
        Err(code) => {
            handle.shutdown().await;
            return Ok(code);
        }
    };
    let mut commands = Vec::new();
    // A revocable credential holding no token yet (nothing cached) gets
    // one first: revoking it is how its grant is ended (a Google user's
    // refresh token dies with it). A downscope narrows the token shown.
    let needs_token = match &operation {
        Operation::Refresh | Operation::Login => false,
        Operation::Revoke => row.capabilities.can_revoke(),
        Operation::Downscope(_) => row.capabilities.downscope_blocked.is_none(),
    };
    if needs_token && row.fingerprint.is_none() {
        commands.push(Command::Refresh(row.id.clone()));
    }
    commands.push(match &operation {
        Operation::Refresh => Command::Refresh(row.id.clone()),
        Operation::Login => Command::Login(row.id.clone()),
        Operation::Revoke => Command::Revoke(row.id.clone()),
        // Short Google scope names, as the dashboard takes them.
        Operation::Downscope(Downscope::Scopes(scopes)) => {
            let google = row.platform != crate::model::Platform::Databricks;
            let scopes = crate::model::expand_scopes(scopes.iter().map(String::as_str), google);
            Command::Downscope(row.id.clone(), Downscope::Scopes(scopes))
        }
        Operation::Downscope(ask) => Command::Downscope(row.id.clone(), ask.clone()),
    });
    let (mut after, mut notices) = (None, Vec::new());
    for command in commands {
        // A downscope's answer is the new row under the source's.
        let narrowing = matches!(command, Command::Downscope(..));
        send(&handle, command).await?;
        let source = &row.id;
        let (row, mut said) = finished(&mut handle, |r| match narrowing {
            true => r.derived_from.as_ref() == Some(source),
            false => r.id == *source,
        })
        .await;
        notices.append(&mut said);
        let failed = row.as_ref().is_none_or(|r| r.error.is_some());
        after = row;
        if failed {
            break;
        }
    }
    let done = after.as_ref().is_some_and(|after| {
        after.error.is_none()
            && match operation {
                Operation::Refresh | Operation::Login => after.status == Status::Live,
                Operation::Revoke => after.status == Status::Revoked,
                Operation::Downscope(_) => {
                    after.kind == Kind::Downscoped && after.fingerprint.is_some()
                }
            }
    });
    let token = match (&after, done && output.print_token) {
        (Some(after), true) => revealed(&mut handle, &after.id).await?,
        _ => None,
    };
    handle.shutdown().await;
    for (level, text) in &notices {
        if *level != Level::Info || !output.json {
            eprintln!("{}: {text}", level_word(*level));
        }
    }
    let Some(after) = after else {
        return Ok(ExitCode::from(EXIT_FAILED));
    };
    print(&after, token.as_ref(), output)?;
    Ok(ExitCode::from(if done { EXIT_DONE } else { EXIT_FAILED }))
}

/// Prints the row: JSON (with the token when asked), or a line of facts
/// (on stderr when the token itself takes stdout).
fn print(after: &Row, token: Option<&Secret>, output: Output) -> Result<(), String> {
    if output.json {
        let mut value = serde_json::to_value(after).map_err(|e| e.to_string())?;
        if let (Some(token), Some(map)) = (token, value.as_object_mut()) {
            map.insert("token".into(), token.expose().into());
        }
        let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
        outln!("{text}");
        return Ok(());
    }
    let facts = match &after.fingerprint {
        Some(fingerprint) => format!(
            "{}: token {fingerprint} {}",
            after.profile,
            after
                .expires_at
                .map(|t| format!("expires {}", t.format("%Y-%m-%d %H:%M:%SZ")))
                .unwrap_or_default()
        ),
        None => format!("{}: no token", after.profile),
    };
    match token {
        Some(token) => {
            eprintln!("{facts}");
            outln!("{}", token.expose());
        }
        None => outln!("{facts}"),
    }
    if let Some(fix) = &after.fix {
        eprintln!("fix: {fix}");
    }
    Ok(())
}

/// The one credential named `profile` (its profile name or id), once
/// discovery has settled; else says on stderr why there is none and gives
/// the exit status: [`EXIT_NO_SUCH_PROFILE`], or [`super::EXIT_SOURCE_BROKEN`]
/// when a profile of that name is in a file that could not be used.
pub(super) async fn named(handle: &mut EngineHandle, profile: &str) -> Result<Row, ExitCode> {
    let (rows, broken) = settled_rows(handle).await;
    let matching: Vec<&Row> = rows
        .iter()
        .filter(|r| r.profile == profile || r.id.0 == profile)
        .collect();
    if let [one] = matching.as_slice() {
        return Ok((*one).clone());
    }
    // Named, but broken: profiles.toml and a key file it names say
    // "profile `NAME`", a .databrickscfg "profile [NAME]".
    let about_it = |why: &&String| {
        why.contains(&format!("profile `{profile}`"))
            || why.contains(&format!("profile [{profile}]:"))
    };
    if matching.is_empty()
        && let Some(why) = broken.iter().find(about_it)
    {
        eprintln!("tokentop: {why}");
        return Err(ExitCode::from(super::EXIT_SOURCE_BROKEN));
    }
    let names: Vec<&str> = rows.iter().map(|r| r.profile.as_str()).collect();
    let what = if matching.is_empty() {
        "no credential"
    } else {
        "more than one credential"
    };
    eprintln!(
        "tokentop: {what} named `{profile}`; give a profile or an id from `tokentop list --json` (profiles: {})",
        names.join(", ")
    );
    // The one asked for may be in a file that could not be read.
    for why in broken {
        eprintln!("tokentop: not read: {why}");
    }
    Err(ExitCode::from(EXIT_NO_SUCH_PROFILE))
}

pub(super) async fn send(handle: &EngineHandle, command: Command) -> Result<(), String> {
    handle
        .commands
        .send(command)
        .await
        .map_err(|_| "the engine stopped".to_string())
}

/// The current token of `id`, asked of the engine (which journals it).
async fn revealed(handle: &mut EngineHandle, id: &CredentialId) -> Result<Option<Secret>, String> {
    send(handle, Command::Reveal(id.clone(), Reveal::Print)).await?;
    while let Some(update) = handle.updates.recv().await {
        match update {
            Update::Revealed {
                id: whose, token, ..
            } if whose == *id => return Ok(Some(token)),
            Update::Notice {
                level: Level::Warn,
                text,
            } => return Err(text),
            _ => {}
        }
    }
    Ok(None)
}

pub(super) fn level_word(level: Level) -> &'static str {
    match level {
        Level::Info => "note",
        Level::Warn => "warning",
        Level::Error => "error",
    }
}

/// The table once discovery (and any metadata server probe) has settled,
/// with the sources that could not be read.
async fn settled_rows(handle: &mut EngineHandle) -> (Vec<Row>, Vec<String>) {
    while let Some(update) = handle.updates.recv().await {
        if let Update::Snapshot {
            rows,
            settled,
            source_errors,
            ..
        } = update
            && settled
        {
            return (rows, source_errors);
        }
    }
    (Vec::new(), Vec::new())
}

/// Waits for the operation to end: the row it `watches` once it is no
/// longer busy, with the notices said meanwhile; no row when it was
/// refused before it began (the notice says why).
pub(super) async fn finished(
    handle: &mut EngineHandle,
    watches: impl Fn(&Row) -> bool,
) -> (Option<Row>, Vec<(Level, String)>) {
    let mut notices = Vec::new();
    let mut began = false;
    while let Some(update) = handle.updates.recv().await {
        match update {
            Update::Row(row) if watches(&row) => {
                if row.busy.is_some() {
                    began = true;
                } else if began {
                    return (Some(*row), notices);
                }
            }
            Update::Notice { level, text } => {
                let refused = !began && level == Level::Warn;
                notices.push((level, text));
                if refused {
                    return (None, notices);
                }
            }
            // Said at once, and the address may be pasted here.
            Update::BrowserPrompt {
                id,
                url,
                port,
                forward,
                ..
            } => {
                eprint!("{}", browser_prompt(&url, port, &forward));
                paste_from_stdin(handle.commands.downgrade(), id);
            }
            // Said at once: the user is to act on it.
            Update::LoginPrompt {
                verification_uri,
                verification_uri_complete,
                user_code,
                expires_at,
                ..
            } => eprint!(
                "{}",
                login_prompt(
                    &verification_uri,
                    verification_uri_complete.as_deref(),
                    &user_code,
                    expires_at
                )
            ),
            _ => {}
        }
    }
    (None, notices)
}

/// What a browser sign-in asks of the user, wherever the browser is.
fn browser_prompt(url: &str, port: u16, forward: &str) -> String {
    format!(
        "\nOpen in a browser:\n\n    {url}\n\n\
         A browser on this machine comes back to port {port} by itself. From a laptop,\n\
         forward the port first:\n\n    {forward}\n\n\
         or paste here the address the browser ends on (it may fail to load), then Enter:\n"
    )
}

/// Each line typed or pasted on stdin goes to the sign-in of `id`, while
/// the engine runs (a weak handle: waiting on stdin never keeps it up).
fn paste_from_stdin(commands: tokio::sync::mpsc::WeakSender<Command>, id: CredentialId) {
    tokio::spawn(async move {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim().is_empty() {
                continue;
            }
            let pasted = Command::LoginRedirect(id.clone(), line.trim().to_string());
            let Some(commands) = commands.upgrade() else {
                break;
            };
            if commands.send(pasted).await.is_err() {
                break;
            }
        }
    });
}

/// What a sign-in asks of the user, for a terminal on another machine:
/// the URL to open anywhere, and the code, each on a line of its own.
fn login_prompt(
    uri: &str,
    complete: Option<&str>,
    code: &str,
    until: chrono::DateTime<chrono::Utc>,
) -> String {
    let mut text =
        format!("\nOn any device, open\n\n    {uri}\n\nand enter the code\n\n    {code}\n\n");
    if let Some(complete) = complete {
        text.push_str(&format!("(or open {complete})\n\n"));
    }
    // A phone's camera reads it off the terminal (not off a log file).
    if std::io::IsTerminal::is_terminal(&std::io::stderr())
        && let Some(lines) = crate::model::qr_code(complete.unwrap_or(uri))
    {
        text.push_str(&lines.join("\n"));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "Waiting until {} (Ctrl-C gives up)...\n",
        until.format("%H:%M:%SZ")
    ));
    text
}
