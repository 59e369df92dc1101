//! How discovery scales when tokentop's profiles file names many profiles
//! of one `.databrickscfg`: `tokentop list --json --no-refresh` (discovery
//! alone, no network) for 1,000 and 3,000 profiles, read straight from
//! `~/.databrickscfg` (the baseline of each size, in the same invocation)
//! and through a profiles file naming each one. The config and the CLI's
//! login cache are read once per reload however many entries name them.
//!
//! Run: `cargo bench --bench profiles` (needs /usr/bin/time). Results: BENCHMARKS.md.

#[path = "../tests/support/many.rs"]
mod many;
#[path = "support/timed.rs"]
mod timed;

use std::path::Path;
use timed::{median, timed};
use tokentop::emulator::{Emulator, EmulatorOptions};

const SIZES: [usize; 2] = [1_000, 3_000];
const REPEATS: usize = 3;

/// Seconds and peak RSS (KiB) of `tokentop ARGS list --json --no-refresh`,
/// after checking that it listed `expected` credentials.
async fn run(home: &Path, args: &[&str], expected: usize) -> (f64, u64) {
    let mut all = args.to_vec();
    all.extend(["list", "--json", "--no-refresh"]);
    let run = timed(home, "", &all).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let listing = std::fs::read_to_string(home.join("list.json")).expect("listing");
    let value: serde_json::Value = serde_json::from_str(&listing).expect("JSON");
    let listed = value["credentials"].as_array().map_or(0, Vec::len);
    assert!(
        listed >= expected,
        "{listed} credentials listed, expected {expected}: {} {}",
        value["source_errors"],
        run.stderr
    );
    (run.seconds, run.peak_kib)
}

#[tokio::main]
async fn main() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    println!("| profiles | read from | median wall time | median peak RSS | time ratio |");
    println!("| ---: | --- | ---: | ---: | ---: |");
    for size in SIZES {
        let home = tempfile::tempdir().expect("tempdir");
        let config = home.path().join(".databrickscfg");
        let cfg = many::databricks_profiles(&emulator, size, &format!("named-{size}"));
        std::fs::write(&config, cfg).expect("write");
        let mut named = String::new();
        for n in 0..size {
            named.push_str(&format!(
                "[[profile]]\nname = \"named-{n}\"\nplatform = \"databricks\"\ndatabricks_config = \"{}\"\ndatabricks_profile = \"p{n}\"\n\n",
                config.display()
            ));
        }
        let profiles = home.path().join("profiles.toml");
        std::fs::write(&profiles, named).expect("write");
        let profiles = profiles.display().to_string();
        let cases: [(&str, Vec<&str>, usize); 2] = [
            ("~/.databrickscfg", vec![], size),
            ("a profiles file", vec!["--profiles", &profiles], 2 * size),
        ];
        let mut baseline = None;
        for (label, args, expected) in cases {
            let mut samples = Vec::new();
            for _ in 0..REPEATS {
                samples.push(run(home.path(), &args, expected).await);
            }
            let seconds = median(samples.iter().map(|s| s.0).collect());
            let mib = median(samples.iter().map(|s| s.1 as f64 / 1024.0).collect());
            let base = *baseline.get_or_insert(seconds);
            println!(
                "| {size} | {label} | {seconds:.2} s | {mib:.1} MiB | {:.2}x |",
                seconds / base.max(0.01)
            );
        }
    }
    emulator.shutdown().await;
}
