//! Databricks on GCP with a Google identity, against the emulator over
//! real HTTP: a `google-credentials` profile's token is the Google ID
//! token its service-account key mints for the workspace host, and its
//! row links to the key's own row.

#[path = "support/listing.rs"]
mod listing;

use listing::{list, row};
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, ServiceAccountSpec};

const RUNNER: &str = "dbx-runner@acme-data.iam.gserviceaccount.com";

#[tokio::test]
async fn a_google_key_mints_the_workspace_its_id_token_and_its_row_links_to_the_key() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let key = emulator.add_google_service_account(ServiceAccountSpec {
        email: RUNNER.into(),
        project_id: "acme-data".into(),
        access_token_lifetime: Duration::from_secs(3600),
    });
    let home = tempfile::tempdir().expect("tempdir");
    let key_path = home.path().join("dbx-runner.json");
    std::fs::write(&key_path, key.to_string()).expect("write");
    let host = emulator.databricks_url();
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[gcp-key]\nhost = {host}\nauth_type = google-credentials\ngoogle_credentials = {}\n\n\
             [gcp-inline]\nhost = {host}\nauth_type = google-credentials\ngoogle_credentials = {key}\n\n\
             [gcp-bad]\nhost = {host}\nauth_type = google-credentials\ngoogle_credentials = /nowhere/key.json\n",
            key_path.display()
        ),
    )
    .expect("write");
    let adc = key_path.display().to_string();
    let run = list(
        home.path(),
        &["--json"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", &adc)],
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    let google = json["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .find(|c| c["platform"] == "gcp")
        .unwrap_or_else(|| panic!("the key's own row: {json}"));

    for profile in ["gcp-key", "gcp-inline"] {
        let dbx = row(&json, profile);
        assert_eq!(dbx["error"], serde_json::Value::Null, "{dbx}");
        assert_eq!(dbx["platform"], "databricks", "{dbx}");
        assert_eq!(dbx["kind"], "databricks-google", "{dbx}");
        assert_eq!(dbx["principal"], RUNNER, "{dbx}");
        assert_eq!(dbx["token_role"], "id", "a Google ID token: {dbx}");
        assert_eq!(dbx["audience"], host, "its aud is the workspace: {dbx}");
        assert!(
            dbx["ttl_seconds"].as_i64().is_some_and(|t| t > 3000),
            "{dbx}"
        );
    }
    let linked = row(&json, "gcp-key");
    assert_eq!(linked["depends_on"], google["id"], "{linked}");
    let inline = row(&json, "gcp-inline");
    assert_eq!(inline["depends_on"], serde_json::Value::Null, "{inline}");
    assert!(
        inline["details"].to_string().contains("a key given inline"),
        "{inline}"
    );
    // The inline key is a secret: it is in no row.
    let private_key = key["private_key"].as_str().expect("key");
    let middle = &private_key[100..160];
    assert!(!run.stdout.contains(middle) && !run.stderr.contains(middle));

    // A key that is not there: the profile says so, the others stay.
    let errors = json["source_errors"].to_string();
    assert!(
        errors.contains("gcp-bad") && errors.contains("neither an existing file nor a key's JSON"),
        "{errors}"
    );
    emulator.shutdown().await;
}
