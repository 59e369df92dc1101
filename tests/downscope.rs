//! `tokentop downscope PROFILE` against the emulator: fewer scopes from a
//! service-account key, and a Credential Access Boundary exchanged at STS;
//! the narrowed token is a row of its own under its source's, its token a
//! child of the source's that never outlives it; `--print-token` hands the
//! token itself to a pipe; a boundary of 11 rules is refused before
//! anything is sent.

#[path = "support/listing.rs"]
mod listing;

use listing::{demo, tokentop};

const READ_ONLY: &str = "https://www.googleapis.com/auth/devstorage.read_only";

/// The downscoped row a `downscope --json` printed (named after `source`),
/// its source token and its own.
fn source_and_child(
    stdout: &str,
    source: &str,
) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    let row: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    assert_eq!(row["kind"], "downscoped", "{row}");
    assert_eq!(row["profile"], format!("{source}/downscoped"), "{row}");
    assert!(
        row["derived_from"]
            .as_str()
            .is_some_and(|id| id.ends_with(source)),
        "{row}"
    );
    let tokens = row["tokens"].as_array().expect("tokens");
    let role = |r: &str| {
        tokens
            .iter()
            .find(|t| t["role"] == r)
            .cloned()
            .unwrap_or_else(|| panic!("no {r} token: {row}"))
    };
    let (source, child) = (role("source"), role("downscoped"));
    assert_eq!(child["parent"], source["fingerprint"], "{row}");
    assert_eq!(
        row["fingerprint"], child["fingerprint"],
        "the row shows its own"
    );
    (row, source, child)
}

fn rule() -> serde_json::Value {
    serde_json::json!({
        "availableResource": "//storage.googleapis.com/projects/_/buckets/acme-logs",
        "availablePermissions": ["inRole:roles/storage.objectViewer"],
    })
}

#[tokio::test]
async fn a_key_narrows_its_scopes_and_a_boundary_is_exchanged_at_sts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (emulator, _demo_profiles) = demo(dir.path()).await;
    // The demo's key, with the emulator's STS for downscoping.
    let g = emulator.google_url();
    let profiles = dir.path().join("sts-profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"etl\"\nplatform = \"dataproc\"\ngoogle_credentials = \"dataproc-etl.json\"\n\
             [profile.endpoints]\ntoken = \"{g}/token\"\ntokeninfo = \"{g}/tokeninfo\"\nsts = \"{g}/v1/token\"\n"
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();
    let home = dir.path().to_path_buf();
    let run = |args: Vec<String>| {
        let home = home.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            tokentop(&home, &args, &[]).await
        }
    };
    let args = |extra: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = vec!["downscope".into(), "etl".into(), "--json".into()];
        all.extend(extra.iter().map(|s| s.to_string()));
        all.extend(["--profiles".to_string(), profiles.clone()]);
        all
    };

    let narrowed = run(args(&["--scope", READ_ONLY, "--print-token"])).await;
    assert_eq!(narrowed.code, 0, "{}", narrowed.stderr);
    let (row, _, child) = source_and_child(&narrowed.stdout, "etl");
    assert_eq!(child["scopes"], serde_json::json!([READ_ONLY]), "{row}");
    let token = row["token"]
        .as_str()
        .expect("--print-token puts it in the JSON");
    assert_eq!(
        tokentop::model::Secret::new(token).fingerprint(),
        child["fingerprint"].as_str().unwrap_or_default(),
        "the token printed is the one the row shows"
    );
    let journal = std::fs::read_to_string(home.join("state/tokentop/audit.jsonl"))
        .expect("the audit journal");
    assert!(
        journal.contains("\"reveal\"") && !journal.contains(token),
        "the reveal is journalled by fingerprint only: {journal}"
    );
    let quiet = run(vec![
        "downscope".into(),
        "etl".into(),
        "--scope".into(),
        READ_ONLY.into(),
        "--print-token".into(),
        "--profiles".into(),
        profiles.clone(),
    ])
    .await;
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    let piped = quiet.stdout.trim();
    assert!(
        !piped.contains(' ')
            && piped.len() > 20
            && quiet.stderr.contains("etl/downscoped: token sha256:"),
        "stdout is the token alone, the facts go to stderr: {} / {}",
        quiet.stdout,
        quiet.stderr
    );
    // Short Google names, as the dashboard takes them.
    let plain = run(args(&["--scope", "devstorage.read_only"])).await;
    let (_, _, child) = source_and_child(&plain.stdout, "etl");
    assert_eq!(child["scopes"], serde_json::json!([READ_ONLY]));
    assert!(
        !plain.stdout.contains("\"token\""),
        "without --print-token the token is never printed"
    );

    let boundary = dir.path().join("boundary.json");
    std::fs::write(
        &boundary,
        serde_json::json!({"accessBoundary": {"accessBoundaryRules": [rule()]}}).to_string(),
    )
    .expect("write");
    let bounded = run(args(&["--boundary", &boundary.display().to_string()])).await;
    assert_eq!(bounded.code, 0, "{}", bounded.stderr);
    let (row, source, child) = source_and_child(&bounded.stdout, "etl");
    let when = |t: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(t["expires_at"].as_str().expect("expiry"))
            .expect("time")
    };
    assert!(
        when(&child) <= when(&source),
        "never outlives its source: {row}"
    );

    let too_many = dir.path().join("eleven.json");
    std::fs::write(
        &too_many,
        serde_json::json!({"accessBoundary": {"accessBoundaryRules": vec![rule(); 11]}})
            .to_string(),
    )
    .expect("write");
    let refused = run(args(&["--boundary", &too_many.display().to_string()])).await;
    assert_ne!(refused.code, 0);
    assert!(
        refused.stderr.contains("maximum of 10") && refused.stderr.contains("eleven.json"),
        "{}",
        refused.stderr
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_user_narrows_through_the_refresh_grants_scope() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(dir.path()).await;
    let profiles = profiles.display().to_string();
    const EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
    let run = tokentop(
        dir.path(),
        &[
            "downscope",
            "nightly-dataflow",
            "--scope",
            EMAIL,
            "--json",
            "--profiles",
            &profiles,
        ],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (row, source, child) = source_and_child(&run.stdout, "nightly-dataflow");
    assert_eq!(child["scopes"], serde_json::json!([EMAIL]), "{row}");
    assert_ne!(
        source["scopes"], child["scopes"],
        "the source keeps its own"
    );
    emulator.shutdown().await;
}
