//! Running another tool for a token (an executable subject source, the
//! Databricks CLI): no stdin, stdout read up to a bound, a deadline, and
//! none of the variables tokentop may hold secrets in.

use super::ProviderError;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// The most of a tool's output read: a token answer is a few kilobytes.
const MAX_OUTPUT: u64 = 64 * 1024;

/// Variables tokentop may hold secrets in: never passed on.
const WITHHELD: [&str; 8] = [
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_SECRET",
    "DATABRICKS_PASSWORD",
    "DATABRICKS_OIDC_TOKEN",
    "DATABRICKS_AZURE_CLIENT_SECRET",
    "ARM_CLIENT_SECRET",
    "GOOGLE_CREDENTIALS",
    "GOOGLE_OAUTH_ACCESS_TOKEN",
];

/// A tool to run.
#[derive(Debug, Clone, Copy)]
pub struct Tool<'a> {
    /// How errors name it.
    pub what: &'a str,
    /// The program and its arguments.
    pub argv: &'a [String],
    /// Variables to set for it.
    pub env: &'a [(&'a str, &'a str)],
    /// How long it may run; `setting` names what sets that in errors.
    pub deadline: Duration,
    /// What sets the deadline, for the error when it passes.
    pub setting: &'a str,
    /// What to say when the program is not there, if more than the OS says.
    pub when_absent: Option<&'a str>,
}

/// Runs `tool`; its stdout when it exits 0, or why not.
pub async fn output(tool: Tool<'_>) -> Result<String, ProviderError> {
    let what = tool.what;
    let (program, args) = tool
        .argv
        .split_first()
        .ok_or_else(|| ProviderError::config(what, "the command is empty"))?;
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    for name in WITHHELD {
        command.env_remove(name);
    }
    for (name, value) in tool.env {
        command.env(name, value);
    }
    let mut child = command.spawn().map_err(|e| {
        match tool
            .when_absent
            .filter(|_| e.kind() == std::io::ErrorKind::NotFound)
        {
            Some(said) => ProviderError::config(what, said),
            None => ProviderError::config(what, format!("cannot start it: {e}")),
        }
    })?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| ProviderError::config(what, "no output"))?;
    let finished = tokio::time::timeout(tool.deadline, async {
        let mut out = String::new();
        (&mut stdout)
            .take(MAX_OUTPUT)
            .read_to_string(&mut out)
            .await?;
        let status = child.wait().await?;
        Ok::<_, std::io::Error>((status, out))
    })
    .await;
    match finished {
        Err(_) => Err(ProviderError::config(
            what,
            format!(
                "did not finish within {} ms ({})",
                tool.deadline.as_millis(),
                tool.setting
            ),
        )),
        Ok(Err(e)) => Err(ProviderError::config(
            what,
            format!("reading its output: {e}"),
        )),
        Ok(Ok((status, _))) if !status.success() => {
            Err(ProviderError::config(what, format!("exited with {status}")))
        }
        Ok(Ok((_, out))) => Ok(out),
    }
}
