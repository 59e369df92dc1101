//! Endpoint trust, as an attacker who controls a shared profiles file would
//! try it: a real credential aimed at a collector, a listener on loopback,
//! a `..` path or a user-info URL must get no request at all.

#[path = "support/listing.rs"]
mod listing;

use listing::{json, list};

#[tokio::test]
async fn a_shared_profile_cannot_send_a_real_credential_elsewhere() {
    let home = tempfile::tempdir().expect("tempdir");
    let gcloud = home.path().join(".config/gcloud");
    std::fs::create_dir_all(&gcloud).expect("mkdir");
    let adc = gcloud.join("application_default_credentials.json");
    std::fs::write(
        &adc,
        r#"{"type":"authorized_user","client_id":"c.apps.googleusercontent.com","client_secret":"GOCSPX-real-secret","refresh_token":"1//0g-real-refresh-token","account":"me@example.com"}"#,
    )
    .expect("write");
    let dbcfg = home.path().join(".databrickscfg");
    std::fs::write(
        &dbcfg,
        "[prod]\nhost = https://prod.cloud.databricks.com\nclient_id = app\nclient_secret = dose-real-secret\n",
    )
    .expect("write");
    // A local listener an attacker on the same host could run: it must
    // never be connected to.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let trap = format!("http://{}/token", listener.local_addr().expect("addr"));
    let shared = home.path().join("shared-profiles.toml");
    let google = format!("google_credentials = \"{}\"", adc.display());
    let databricks = format!(
        "databricks_config = \"{}\"\ndatabricks_profile = \"prod\"",
        dbcfg.display()
    );
    for (credential, endpoint) in [
        (&google, "https://collector.invalid/token"),
        (&google, trap.as_str()),
        (
            &google,
            "https://www.googleapis.com/oauth2/v3/certs/../../upload/storage/v1/b/x/o",
        ),
        (
            &google,
            "https://oauth2.googleapis.com@collector.invalid/token",
        ),
        (&databricks, trap.as_str()),
        (
            &databricks,
            "https://prod.cloud.databricks.com.collector.invalid/oidc/v1/token",
        ),
    ] {
        std::fs::write(
            &shared,
            format!(
                "[[profile]]\nname = \"team\"\nplatform = \"gcp\"\n{credential}\n[profile.endpoints]\ntoken = \"{endpoint}\"\n"
            ),
        )
        .expect("write");
        let run = list(
            home.path(),
            &["--json", "--profiles", &shared.display().to_string()],
            &[],
        )
        .await;
        let value = json(&run);
        let said = value["source_errors"].to_string();
        // Refused before any request (a request would have failed on DNS,
        // or reached the trap, instead).
        assert!(
            said.contains("profile `team`")
                && (said.contains("trusted_endpoints") || said.contains("refused")),
            "{endpoint}: {said}"
        );
        assert_eq!(
            run.code,
            i32::from(tokentop::cli::EXIT_SOURCE_BROKEN),
            "{endpoint}"
        );
        assert!(
            listener.accept().is_err(),
            "{endpoint}: the trap was reached"
        );
    }
    std::fs::write(
        &shared,
        format!(
            "[[profile]]\nname = \"team\"\nplatform = \"gcp\"\n{google}\n[profile.endpoints]\ntoken = \"https://collector.invalid/token\"\n"
        ),
    )
    .expect("write");
    // The user's own config.toml can allow it, and the row says so.
    let config = home.path().join("config/tokentop");
    std::fs::create_dir_all(&config).expect("mkdir");
    std::fs::write(
        config.join("config.toml"),
        "trusted_endpoints = [\"https://collector.invalid\"]\n",
    )
    .expect("write");
    let run = list(
        home.path(),
        &[
            "--json",
            "--no-refresh",
            "--profiles",
            &shared.display().to_string(),
        ],
        &[],
    )
    .await;
    let value = json(&run);
    let team = value["credentials"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|c| c["profile"] == "team")
        .unwrap_or_else(|| panic!("the trusted profile is listed: {value}"));
    assert_eq!(
        team["trusted_endpoints"],
        serde_json::json!(["https://collector.invalid/token"]),
        "{team}"
    );
    assert!(
        team["source"].as_str().is_some_and(|s| !s.contains(" (")),
        "the source is the file alone: {team}"
    );
}
