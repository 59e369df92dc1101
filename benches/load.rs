//! How `tokentop list` scales with the number of credentials: wall time and
//! peak memory (RSS) for 1,000 and 10,000 Databricks M2M profiles refreshed
//! against the in-process emulator, under `ulimit -n 1024`. The 1,000 run
//! is the baseline of the same invocation; ratios are against it.
//!
//! Run: `cargo bench --bench load` (needs /usr/bin/time). Results: BENCHMARKS.md.

#[path = "../tests/support/many.rs"]
mod many;
#[path = "support/timed.rs"]
mod timed;

use timed::{Timed, median, timed};
use tokentop::emulator::{Emulator, EmulatorOptions};

const SIZES: [usize; 2] = [1_000, 10_000];
const REPEATS: usize = 3;

/// One run of `tokentop list --json` refreshing every credential.
async fn run(home: &std::path::Path) -> Timed {
    let run = timed(home, "ulimit -n 1024 &&", &["list", "--json"]).await;
    let listing = std::fs::read_to_string(home.join("list.json")).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&listing).unwrap_or_default();
    assert_eq!(
        run.code,
        Some(0),
        "every credential refreshed: {}; source errors: {}",
        run.stderr,
        value["source_errors"]
    );
    run
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
