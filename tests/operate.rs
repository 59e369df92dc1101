//! `tokentop refresh PROFILE` and `tokentop revoke PROFILE` against the
//! emulator: one operation, its row after it, and an exit status a script
//! can trust.

#[path = "support/listing.rs"]
mod listing;

use listing::{demo, tokentop};

#[tokio::test]
async fn refresh_and_revoke_one_profile_with_honest_exit_statuses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(dir.path()).await;
    let profiles = profiles.display().to_string();
    let run = |args: Vec<&'static str>| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--profiles".to_string(), profiles.clone()]);
        let home = dir.path().to_path_buf();
        async move {
            let args: Vec<&str> = all.iter().map(String::as_str).collect();
            tokentop(&home, &args, &[]).await
        }
    };

    let refreshed = run(vec!["refresh", "nightly-dataflow", "--json"]).await;
    assert_eq!(refreshed.code, 0, "{}", refreshed.stderr);
    let row: serde_json::Value = serde_json::from_str(&refreshed.stdout).expect("JSON");
    assert_eq!(row["status"], "live");
    assert!(
        row["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("sha256:"))
    );

    let refused = run(vec!["revoke", "etl-dataproc"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    // The command to cut access names this key and its account.
    let key: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dataproc-etl.json")).expect("key file"),
    )
    .expect("key JSON");
    let disable = format!(
        "keys disable {} --iam-account={}",
        key["private_key_id"].as_str().expect("kid"),
        key["client_email"].as_str().expect("email")
    );
    assert!(
        refused.stderr.contains(&disable) && refused.stdout.is_empty(),
        "{}",
        refused.stderr
    );

    let revoked = run(vec!["revoke", "nightly-dataflow", "--json"]).await;
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let row: serde_json::Value = serde_json::from_str(&revoked.stdout).expect("JSON");
    assert_eq!(row["status"], "revoked");

    // The refresh token died with it (wire.md §2.4): said in words, with the fix.
    let dead = run(vec!["refresh", "nightly-dataflow"]).await;
    assert_eq!(dead.code, 1, "{}", dead.stdout);
    assert!(
        dead.stderr.contains("fix: ") && dead.stderr.contains("application-default login"),
        "{}",
        dead.stderr
    );

    let unknown = run(vec!["refresh", "no-such-profile"]).await;
    assert_eq!(unknown.code, 4);
    assert!(
        unknown
            .stderr
            .contains("no credential named `no-such-profile`")
            && unknown.stderr.contains("etl-dataproc"),
        "{}",
        unknown.stderr
    );
    emulator.shutdown().await;
}
