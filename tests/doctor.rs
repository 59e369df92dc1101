//! `tokentop doctor` against the emulator's probe targets, which answer as
//! Cloud Run, a Google API and a Databricks workspace do (wire.md §5); and
//! its exit statuses, as `--help` and README document them.

#[path = "support/listing.rs"]
mod listing;

use std::time::Duration;
use tokentop::emulator::{DatabricksSpSpec, Emulator, EmulatorOptions};
use tokentop::model::Cause;

/// `tokentop doctor ARGS` in `home`: exit status and the report as JSON.
async fn doctor(home: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = listing::tokentop(home, &all, &[]).await;
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    (run.code, report)
}

#[tokio::test]
async fn a_databricks_workspace_takes_a_live_token_and_refuses_a_bad_or_dying_one() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let host = emulator.databricks_url();
    let sp = |id: &str, secs: u64| {
        emulator.add_databricks_service_principal(DatabricksSpSpec {
            application_id: id.into(),
            access_token_lifetime: Duration::from_secs(secs),
        })
    };
    let (etl, dying) = (sp("etl-sp", 1800), sp("dying-sp", 20));
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[etl]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n\
             [dying]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n\
             [bogus]\nhost = {host}\ntoken = dapi0000000000000000000000000000000\n",
            etl.client_id, etl.client_secret, dying.client_id, dying.client_secret
        ),
    )
    .expect("write");

    let (code, report) = doctor(home.path(), &["etl"]).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "accepted");
    assert_eq!(
        report["target"]["url"],
        format!("{host}/api/2.0/preview/scim/v2/Me")
    );
    assert_eq!(report["target"]["kind"], "databricks");

    // Databricks refuses a token with 30 s or less left (a 403, not a 401).
    let (code, report) = doctor(home.path(), &["dying"]).await;
    assert_eq!(code, 10, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "expired");
    assert_eq!(report["response"]["status"], 403);
    assert!(
        report["diagnosis"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("30 s")),
        "{report}"
    );

    // An unknown PAT: "Invalid access token." with 403 is the token, not IAM.
    let (code, report) = doctor(home.path(), &["bogus"]).await;
    assert_eq!(code, 14, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "rejected");
    assert_eq!(report["response"]["reason_phrase"], "Invalid access token.");
    emulator.shutdown().await;
}

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
