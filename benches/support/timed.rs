//! `tokentop` run under `/usr/bin/time`: its wall time and peak RSS.

use std::path::Path;

/// One timed run.
pub struct Timed {
    /// Wall time, seconds.
    pub seconds: f64,
    /// Peak resident set size, KiB.
    pub peak_kib: u64,
    /// Exit code.
    pub code: Option<i32>,
    /// What it printed on stderr (besides the timing).
    pub stderr: String,
}

/// Runs `PREFIX /usr/bin/time tokentop ARGS >$HOME/list.json` with `home`
/// as HOME (`prefix` is shell, e.g. `ulimit -n 1024 &&`).
pub async fn timed(home: &Path, prefix: &str, args: &[&str]) -> Timed {
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{prefix} exec /usr/bin/time -f 'TIME %e %M' \"$0\" \"$@\" >\"$HOME/list.json\""
        ))
        .arg(env!("CARGO_BIN_EXE_tokentop"))
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .await
        .expect("run tokentop");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("TIME "))
        .unwrap_or_else(|| panic!("no timing: {stderr}"));
    let mut parts = line.split_whitespace();
    let seconds = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let peak_kib = parts.next().and_then(|s| s.parse().ok()).expect("kib");
    Timed {
        seconds,
        peak_kib,
        code: out.status.code(),
        stderr,
    }
}

/// The median of `values`.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
