//! Running `tokentop list` against the emulator as the hostile-input tests
//! do: a private HOME, fault switches, and the JSON it prints.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, Fault, FaultEndpoint, FaultPlan};

pub const BIN: &str = env!("CARGO_BIN_EXE_tokentop");

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `tokentop list ARGS` with a private HOME (and XDG folders under it),
/// extra environment, and a deadline: a hang fails the test instead of
/// stalling it.
pub async fn list(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    tokentop(home, &all, env).await
}

/// `tokentop ARGS` as [`list`] runs it.
pub async fn tokentop(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    output(&mut command).await
}

/// Runs `command` to its end, within 60 s (a hang fails the test).
pub async fn output(command: &mut tokio::process::Command) -> Run {
    let out = tokio::time::timeout(Duration::from_secs(60), command.kill_on_drop(true).output())
        .await
        .expect("finished within 60 s")
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The credential of `list --json` output whose profile is `profile`.
pub fn row<'a>(json: &'a serde_json::Value, profile: &str) -> &'a serde_json::Value {
    json["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .find(|c| c["profile"] == profile)
        .unwrap_or_else(|| panic!("no row {profile}: {json}"))
}

/// A running emulator and the demo's profiles, written into `dir`.
pub async fn demo(dir: &Path) -> (Emulator, PathBuf) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let profiles = tokentop::demo::seed(&emulator, dir).expect("seed");
    (emulator, profiles)
}

pub fn fault(emulator: &Emulator, endpoints: &[FaultEndpoint], fault: Fault) {
    for endpoint in endpoints {
        emulator.set_faults(
            *endpoint,
            FaultPlan {
                rate: 1.0,
                faults: vec![fault.clone()],
            },
        );
    }
}

pub const TOKEN_ENDPOINTS: [FaultEndpoint; 2] =
    [FaultEndpoint::GoogleToken, FaultEndpoint::DatabricksToken];

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

pub fn errors(value: &serde_json::Value) -> Vec<String> {
    value["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter_map(|c| c["error"].as_str().map(str::to_string))
        .collect()
}
