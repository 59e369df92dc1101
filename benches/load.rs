//! How `tokentop list` scales with the number of credentials: wall time and
//! peak memory (RSS) for 1,000 and 10,000 Databricks M2M profiles refreshed
//! against the in-process emulator, under `ulimit -n 1024`. The 1,000 run
//! is the baseline of the same invocation; ratios are against it.
//!
//! Run: `cargo bench --bench load` (needs /usr/bin/time). Results: BENCHMARKS.md.

#[path = "../tests/support/many.rs"]
mod many;

use tokentop::emulator::{Emulator, EmulatorOptions};

const SIZES: [usize; 2] = [1_000, 10_000];
const REPEATS: usize = 3;

struct Sample {
    seconds: f64,
    peak_kib: u64,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn run(home: &std::path::Path) -> Sample {
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg("ulimit -n 1024 && exec /usr/bin/time -f 'TIME %e %M' \"$0\" list --json >\"$HOME/list.json\"")
        .arg(env!("CARGO_BIN_EXE_tokentop"))
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .await
        .expect("run tokentop list");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("TIME "))
        .unwrap_or_else(|| panic!("no timing: {stderr}"));
    let mut parts = line.split_whitespace();
    let seconds = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let peak_kib = parts.next().and_then(|s| s.parse().ok()).expect("kib");
    let listing = std::fs::read_to_string(home.join("list.json")).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&listing).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "every credential refreshed: {stderr}; source errors: {}",
        value["source_errors"]
    );
    Sample { seconds, peak_kib }
}

#[tokio::main]
async fn main() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let mut results = Vec::new();
    for size in SIZES {
        let home = tempfile::tempdir().expect("tempdir");
        let cfg = many::databricks_profiles(&emulator, size, &format!("bench-{size}"));
        std::fs::write(home.path().join(".databrickscfg"), cfg).expect("write");
        let mut samples = Vec::new();
        for _ in 0..REPEATS {
            samples.push(run(home.path()).await);
        }
        let seconds = median(samples.iter().map(|s| s.seconds).collect());
        let peak_mib = median(samples.iter().map(|s| s.peak_kib as f64 / 1024.0).collect());
        results.push((size, seconds, peak_mib));
    }
    let (base_size, base_seconds, base_mib) = results[0];
    println!("| credentials | median wall time | median peak RSS | time ratio | memory ratio |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for (size, seconds, mib) in &results {
        println!(
            "| {size} | {seconds:.2} s | {mib:.1} MiB | {:.2}x (size {:.0}x) | {:.2}x |",
            seconds / base_seconds,
            *size as f64 / base_size as f64,
            mib / base_mib
        );
    }
}
