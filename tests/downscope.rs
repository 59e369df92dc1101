//! `tokentop downscope PROFILE` against the emulator: fewer scopes from a
//! service-account key, and a Credential Access Boundary exchanged at STS;
//! the narrowed token is a child of its source and never outlives it; a
//! boundary of 11 rules is refused before anything is sent.

#[path = "support/listing.rs"]
mod listing;

use listing::{demo, tokentop};

const READ_ONLY: &str = "https://www.googleapis.com/auth/devstorage.read_only";

/// The source and downscoped tokens of the row a `downscope --json` printed.
fn source_and_child(stdout: &str) -> (serde_json::Value, serde_json::Value, serde_json::Value) {
    let row: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    let tokens = row["tokens"].as_array().expect("tokens");
    let role = |r: &str| {
        tokens
            .iter()
            .find(|t| t["role"] == r)
            .cloned()
            .unwrap_or_else(|| panic!("no {r} token: {row}"))
    };
    let (source, child) = (role("access"), role("downscoped"));
    assert_eq!(child["parent"], source["fingerprint"], "{row}");
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

    let narrowed = run(args(&["--scope", READ_ONLY])).await;
    assert_eq!(narrowed.code, 0, "{}", narrowed.stderr);
    let (row, _, child) = source_and_child(&narrowed.stdout);
    assert_eq!(child["scopes"], serde_json::json!([READ_ONLY]), "{row}");

    let boundary = dir.path().join("boundary.json");
    std::fs::write(
        &boundary,
        serde_json::json!({"accessBoundary": {"accessBoundaryRules": [rule()]}}).to_string(),
    )
    .expect("write");
    let bounded = run(args(&["--boundary", &boundary.display().to_string()])).await;
    assert_eq!(bounded.code, 0, "{}", bounded.stderr);
    let (row, source, child) = source_and_child(&bounded.stdout);
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
    let (row, source, child) = source_and_child(&run.stdout);
    assert_eq!(child["scopes"], serde_json::json!([EMAIL]), "{row}");
    assert_ne!(
        source["scopes"], child["scopes"],
        "the source keeps its own"
    );
    emulator.shutdown().await;
}
