//! Driving `tokentop login` as a person would: the command running with a
//! private HOME, the sign-in address it prints, and the browser that follows
//! the issuer's redirect back.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

/// `tokentop ARGS` running (HOME and XDG folders in `home`), stdio piped.
pub fn spawn(home: &Path, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tokentop"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().expect("tokentop runs")
}

/// The first word of `child`'s stderr containing `marker` (the sign-in
/// address), what stderr said until then, and the rest of stderr (read to
/// its end, so the command never writes into a closed pipe).
pub async fn address(
    child: &mut tokio::process::Child,
    marker: &str,
) -> (String, String, tokio::task::JoinHandle<String>) {
    let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut said = String::new();
    let found = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await.expect("read") {
            said.push_str(&line);
            said.push('\n');
            if let Some(word) = line.split_whitespace().find(|w| w.contains(marker)) {
                return Some(word.to_string());
            }
        }
        None
    })
    .await
    .expect("an address within 120 s");
    let Some(url) = found else {
        panic!("no `{marker}` address: {said}");
    };
    let rest = tokio::spawn(async move {
        let mut rest = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push_str(&line);
            rest.push('\n');
        }
        rest
    });
    (url, said, rest)
}

/// The value of the query parameter `name` in `url`.
pub fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A browser that shows redirects instead of following them.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The row `tokentop login --json` printed, once it exits 0 (within 60 s).
pub async fn signed_in(child: tokio::process::Child) -> serde_json::Value {
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("done within 60 s")
        .expect("exit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}
