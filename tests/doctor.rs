//! `tokentop doctor` against the emulator's probe targets, which answer as
//! Cloud Run, a Google API and a Databricks workspace do (wire.md §5); and
//! its exit statuses, as `--help` and README document them.

#[path = "support/listing.rs"]
mod listing;

use tokentop::model::Cause;

#[tokio::test]
async fn every_exit_status_is_in_help_and_readme() {
    let home = tempfile::tempdir().expect("tempdir");
    let help = listing::tokentop(home.path(), &["doctor", "--help"], &[]).await;
    assert_eq!(help.code, 0, "{}", help.stderr);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for (code, meaning) in Cause::EXIT_CLASSES {
        let line = format!("{code}  {meaning}");
        assert!(
            help.stdout.lines().any(|l| l.trim() == line),
            "`{line}` not in doctor --help:\n{}",
            help.stdout
        );
        assert!(
            readme.contains(&format!("\n| {code} | ")),
            "exit {code} not in README's doctor table"
        );
    }
}
