//! `tokentop list` as scripts use it: the real binary against the emulator,
//! with a private HOME so no real credential file is read.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/secrets.rs"]
mod secrets;

use secrets::{assert_no_secrets, demo_secrets};
use std::path::Path;
use tokentop::emulator::{Emulator, EmulatorOptions};

/// `tokentop list ARGS` with a private HOME: status, stdout, stderr.
async fn list(home: &Path, args: &[&str]) -> (i32, String, String) {
    let run = listing::list(home, args, &[]).await;
    (run.code, run.stdout, run.stderr)
}

fn assert_no_raw_tokens(text: &str) {
    assert!(
        !text.contains("ya29.") && !text.contains("eyJ"),
        "a raw token was printed:\n{text}"
    );
}

#[tokio::test]
async fn list_json_shows_every_demo_credential_with_fingerprints_only() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    let (code, stdout, stderr) = list(
        dir.path(),
        &["--json", "--profiles", &profiles.display().to_string()],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_no_raw_tokens(&stdout);
    assert_no_secrets(&format!("{stdout}{stderr}"), &demo_secrets(dir.path()));
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let creds = json["credentials"].as_array().expect("credentials");
    assert_eq!(creds.len(), 5);
    for c in creds {
        assert!(
            c["fingerprint"]
                .as_str()
                .is_some_and(|f| f.starts_with("sha256:")),
            "{c}"
        );
        assert!(c["ttl_seconds"].as_i64().is_some_and(|t| t > 0), "{c}");
        assert_eq!(c["status"], "live", "{c}");
    }
    let platforms: Vec<&str> = creds
        .iter()
        .filter_map(|c| c["platform"].as_str())
        .collect();
    for p in ["dataproc", "dataflow", "cloud-run", "databricks"] {
        assert!(platforms.contains(&p), "{platforms:?}");
    }
    assert_eq!(json["source_errors"], serde_json::json!([]));
}

#[tokio::test]
async fn a_broken_file_is_named_and_hides_nothing_else() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    // Break one credential file: the other four must still be listed.
    std::fs::write(
        dir.path().join("oncall-adc.json"),
        r#"{"type":"authorized_user","client_id":"x"}"#,
    )
    .expect("write");
    let (code, stdout, stderr) =
        list(dir.path(), &["--profiles", &profiles.display().to_string()]).await;
    // The remaining credentials are listed; the broken source decides the status.
    assert_eq!(
        code,
        i32::from(tokentop::cli::EXIT_SOURCE_BROKEN),
        "{stderr}"
    );
    assert_no_raw_tokens(&stdout);
    assert_eq!(
        stdout.lines().count(),
        1 + 4,
        "header + four rows:\n{stdout}"
    );
    assert!(
        stderr.contains("oncall-adc.json") && stderr.contains("client_secret"),
        "{stderr}"
    );
    // Asked for by name, the broken profile is said to be broken, not absent.
    let run = listing::tokentop(
        dir.path(),
        &[
            "refresh",
            "nightly-dataflow",
            "--profiles",
            &profiles.display().to_string(),
        ],
        &[],
    )
    .await;
    assert_eq!(
        run.code,
        i32::from(tokentop::cli::EXIT_SOURCE_BROKEN),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("profile `nightly-dataflow`")
            && run.stderr.contains("oncall-adc.json")
            && !run.stderr.contains("no credential named"),
        "{}",
        run.stderr
    );
}

/// `list --json` over one `authorized_user` profile whose token endpoint is `token_uri`.
async fn list_one_user(token_uri: &str) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let user = serde_json::json!({
        "type": "authorized_user", "client_id": "c", "client_secret": "s",
        "refresh_token": "1//r", "token_uri": token_uri,
    });
    std::fs::write(dir.path().join("user.json"), user.to_string()).expect("write");
    let profiles = dir.path().join("profiles.toml");
    let text =
        "[[profile]]\nname = \"p\"\nplatform = \"gcp\"\ngoogle_credentials = \"user.json\"\n";
    std::fs::write(&profiles, text).expect("write");
    let (code, stdout, _) = list(
        dir.path(),
        &["--json", "--profiles", &profiles.display().to_string()],
    )
    .await;
    (code, serde_json::from_str(&stdout).expect("JSON"))
}

#[tokio::test]
async fn a_failing_refresh_exits_1_and_says_why() {
    // A token endpoint on a loopback port where nothing listens.
    let (code, json) = list_one_user("http://127.0.0.1:9/token").await;
    assert_eq!(code, 1);
    let error = json["credentials"][0]["error"].as_str().expect("an error");
    assert_eq!(
        error, "refresh failed: offline: 127.0.0.1:9 refused the connection",
        "short, naming the host"
    );
    assert_eq!(json["credentials"][0]["error_cause"], "offline");
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused() {
    let (code, json) = list_one_user("http://oauth2.example.com/token").await;
    assert_eq!(code, 1);
    let error = json["credentials"][0]["error"].as_str().expect("an error");
    assert!(
        error.contains("plain http is allowed only to loopback"),
        "{error}"
    );
}

#[tokio::test]
async fn ambient_files_are_found_without_a_profiles_file() {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        "[ws]\nhost = https://ws.cloud.databricks.com\nclient_id = app\nclient_secret = s\n\n[pat]\nhost = https://ws.cloud.databricks.com\ntoken = dapi0\n",
    )
    .expect("write");
    let gcloud = home.path().join(".config/gcloud");
    std::fs::create_dir_all(&gcloud).expect("mkdir");
    std::fs::write(
        gcloud.join("application_default_credentials.json"),
        r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//r","account":"me@example.com"}"#,
    )
    .expect("write");
    let (code, stdout, stderr) = list(home.path(), &["--json", "--no-refresh"]).await;
    // Every auth style is a row: the [pat] section is a personal access token.
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let profiles: Vec<&str> = json["credentials"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["profile"].as_str())
        .collect();
    assert_eq!(profiles, ["adc:gcloud", "ws", "pat"]);
    let adc = &json["credentials"][0];
    assert_eq!(adc["active_adc"], true, "{adc}");
    assert_eq!(adc["credential_type"], "authorized_user");
    assert_eq!(adc["principal"], "me@example.com");
    assert_eq!(json["source_errors"], serde_json::json!([]));
    let pat = &json["credentials"][2];
    assert_eq!(
        (pat["kind"].as_str(), pat["auth_type"].as_str()),
        (Some("databricks-pat"), Some("pat"))
    );
    assert_eq!(json["skipped"], serde_json::json!([]));
    assert!(
        !stdout.contains("dapi0") && !stdout.contains("1//r"),
        "secrets printed: {stdout}"
    );
}

#[tokio::test]
async fn an_absurd_expires_in_is_refused_not_taken_for_a_live_token() {
    let router = axum::Router::new().route(
        "/token",
        axum::routing::post(|| async {
            axum::Json(serde_json::json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 1_000_000_000_000_000u64}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/token", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (code, json) =
        tokio::time::timeout(std::time::Duration::from_secs(20), list_one_user(&url))
            .await
            .expect("list finishes");
    // A lifetime of 31 billion years is a broken answer, not a live token.
    assert_eq!(code, i32::from(tokentop::cli::EXIT_NOT_LIVE), "{json}");
    let row = &json["credentials"][0];
    assert_eq!(row["fingerprint"], serde_json::Value::Null, "{row}");
    let error = row["error"].as_str().expect("an error");
    assert!(
        error.contains("`expires_in`") && error.contains("not a plausible lifetime"),
        "{error}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_with_the_secrets() {
    // A second server that must never see a request.
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let elsewhere = axum::Router::new().fallback(move || {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async { "gotcha" }
    });
    let other = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let other_url = format!("http://{}/steal", other.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(other, elsewhere).await });
    let redirecting = axum::Router::new().route(
        "/token",
        axum::routing::post(move || {
            let to = other_url.clone();
            async move {
                (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, to)],
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/token", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, redirecting).await });
    let (code, json) = list_one_user(&url).await;
    assert_eq!(code, 1, "{json}");
    assert_eq!(
        seen.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    assert!(json["credentials"][0]["error"].is_string(), "{json}");
}

#[tokio::test]
async fn with_nothing_usable_list_says_where_it_looked_and_what_was_broken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = dir.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        "[[profile]]\nname = \"p\"\nplatform = \"gcp\"\ngoogle_credentials = \"missing.json\"\n",
    )
    .expect("write");
    let (code, stdout, stderr) =
        list(dir.path(), &["--profiles", &profiles.display().to_string()]).await;
    assert_eq!(code, i32::from(tokentop::cli::EXIT_SOURCE_BROKEN));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("no credentials found"), "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("missing.json"),
        "{stderr}"
    );
}

/// `tokentop list` with its stdout given by `stdout`: status and stderr.
async fn list_into(home: &Path, profiles: &Path, stdout: std::process::Stdio) -> (i32, String) {
    let mut child = tokio::process::Command::new(listing::BIN)
        .args(["list", "--profiles"])
        .arg(profiles)
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env_remove("CLOUDSDK_CONFIG")
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("list runs");
    // A piped stdout is closed before list writes: the reader went away.
    drop(child.stdout.take());
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("finished within 60 s")
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn a_reader_that_goes_away_ends_list_quietly_and_a_full_disk_is_said() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    // `tokentop list | head -0`.
    let (code, stderr) = list_into(dir.path(), &profiles, std::process::Stdio::piped()).await;
    assert_eq!(code, 141, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // `tokentop list > /dev/full`.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let (code, stderr) = list_into(dir.path(), &profiles, full.into()).await;
    assert_eq!(code, 74, "{stderr}");
    assert!(
        stderr.contains("writing the output: No space left on device")
            && !stderr.contains("panicked"),
        "{stderr}"
    );
    emulator.shutdown().await;
}
