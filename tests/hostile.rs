//! Hostile input, as an attacker with a crafted file or a crafted token
//! server on 127.0.0.1 would try it: the real `tokentop list` binary against
//! the emulator's fault switches. Each test is a reproduction that once
//! leaked, hung or misled.

#[path = "support/many.rs"]
mod many;
#[path = "support/secrets.rs"]
mod secrets;

use secrets::{assert_no_secrets, demo_secrets};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, Fault, FaultEndpoint, FaultPlan};

const BIN: &str = env!("CARGO_BIN_EXE_tokentop");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `tokentop list ARGS` with a private HOME (and XDG folders under it),
/// extra environment, and a deadline: a hang fails the test instead of
/// stalling it.
async fn list(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = tokio::process::Command::new(BIN);
    command
        .arg("list")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .kill_on_drop(true);
    for (k, v) in env {
        command.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("tokentop list finished within 60 s")
        .expect("run tokentop");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A running emulator and the demo's profiles, written into `dir`.
async fn demo(dir: &Path) -> (Emulator, PathBuf) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let profiles = tokentop::demo::seed(&emulator, dir).expect("seed");
    (emulator, profiles)
}

fn fault(emulator: &Emulator, endpoints: &[FaultEndpoint], fault: Fault) {
    for endpoint in endpoints {
        emulator.set_faults(
            *endpoint,
            FaultPlan {
                rate: 1.0,
                faults: vec![fault.clone()],
            },
        );
    }
}

const TOKEN_ENDPOINTS: [FaultEndpoint; 2] =
    [FaultEndpoint::GoogleToken, FaultEndpoint::DatabricksToken];

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn errors(value: &serde_json::Value) -> Vec<String> {
    value["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .filter_map(|c| c["error"].as_str().map(str::to_string))
        .collect()
}

fn no_terminal_escapes(text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
        "terminal control characters were printed: {text:?}"
    );
}

#[tokio::test]
async fn a_server_echoing_the_request_leaks_no_secret_to_screen_or_log() {
    let home = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(home.path()).await;
    let secrets = demo_secrets(home.path());
    let profiles = profiles.display().to_string();
    for echo in [Fault::EchoSecrets, Fault::EchoSecretsError] {
        fault(&emulator, &TOKEN_ENDPOINTS, echo.clone());
        for format in [&["--json"][..], &[][..]] {
            let args = [&["--profiles", &profiles][..], format].concat();
            let run = list(home.path(), &args, &[("TOKENTOP_LOG", "debug")]).await;
            assert_eq!(run.code, 1, "{echo}: every refresh fails: {}", run.stderr);
            assert_no_secrets(&run.stdout, &secrets);
            assert_no_secrets(&run.stderr, &secrets);
        }
    }
    let log = home.path().join("state/tokentop/tokentop.log");
    let text = std::fs::read_to_string(&log).expect("the log was written");
    assert!(text.contains("job finished"), "{text}");
    assert_no_secrets(&text, &secrets);
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&log), 0o600, "the log is private");
    assert_eq!(mode(log.parent().expect("dir")), 0o700);
}

#[tokio::test]
async fn list_prints_no_terminal_escapes_from_files_or_servers() {
    let home = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(home.path()).await;
    // A server that puts escapes in every field it can (scope, token_type…).
    fault(&emulator, &TOKEN_ENDPOINTS, Fault::Escapes);
    // A credential file whose account sets the title and writes the clipboard.
    let adc = home.path().join("oncall-adc.json");
    let mut user: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&adc).expect("read")).expect("json");
    user["account"] = "a\u{1b}]0;PWNED\u{7}\u{1b}]52;c;UFdORUQK\u{7}\u{1b}[2J".into();
    std::fs::write(&adc, user.to_string()).expect("write");
    // A profile name and an INI section name with escapes, the section broken.
    let text = std::fs::read_to_string(&profiles).expect("read");
    std::fs::write(
        &profiles,
        text.replace(
            "name = \"lakehouse\"",
            // TOML's own escapes: the parsed name holds ESC and BEL.
            "name = \"lake\\u001b]0;PWNED\\u0007house\"",
        ),
    )
    .expect("write");
    let cfg = home.path().join("databrickscfg");
    let mut ini = std::fs::read_to_string(&cfg).expect("read");
    ini.push_str("\n[evil\u{1b}[2J\u{9b}31m]\nhost = https://x.cloud.databricks.com\n");
    std::fs::write(&cfg, ini).expect("write");
    let run = list(
        home.path(),
        &["--profiles", &profiles.display().to_string()],
        &[("DATABRICKS_CONFIG_FILE", &cfg.display().to_string())],
    )
    .await;
    no_terminal_escapes(&run.stdout);
    no_terminal_escapes(&run.stderr);
    assert!(run.stdout.contains("lake\\u{1b}]0;PWNED"), "{}", run.stdout);
    assert!(run.stderr.contains("evil\\u{1b}[2J"), "{}", run.stderr);
}

#[tokio::test]
async fn endless_and_huge_answers_are_refused_unread() {
    let home = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(home.path()).await;
    let profiles = profiles.display().to_string();
    for (answer, expected) in [
        (Fault::EndlessBody, "larger than 262144 bytes"),
        (Fault::HugeToken, "larger than 262144 bytes"),
        (Fault::EmptyToken, "`access_token` is empty"),
    ] {
        fault(&emulator, &TOKEN_ENDPOINTS, answer.clone());
        let run = list(home.path(), &["--json", "--profiles", &profiles], &[]).await;
        assert_eq!(run.code, 1, "{answer}: {}", run.stderr);
        let errors = errors(&json(&run));
        assert_eq!(errors.len(), 5, "{answer}: every row failed: {errors:?}");
        assert!(
            errors.iter().all(|e| e.contains(expected)),
            "{answer}: {errors:?}"
        );
    }
}

#[tokio::test]
async fn expires_in_as_a_string_is_accepted_on_every_grant() {
    let home = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(home.path()).await;
    fault(&emulator, &TOKEN_ENDPOINTS, Fault::ExpiresInString);
    let run = list(
        home.path(),
        &["--json", "--profiles", &profiles.display().to_string()],
        &[],
    )
    .await;
    let value = json(&run);
    assert_eq!(run.code, 0, "{value}");
    for c in value["credentials"].as_array().expect("rows") {
        // The Cloud Run ID token's expiry is its own `exp` claim.
        assert!(c["ttl_seconds"].as_i64().unwrap_or(0) > 60, "{c}");
    }
}

#[tokio::test]
async fn paths_that_are_not_regular_files_are_named_and_hide_nothing() {
    let home = tempfile::tempdir().expect("tempdir");
    let good = home.path().join(".databrickscfg");
    std::fs::write(
        &good,
        "[ws]\nhost = https://ws.cloud.databricks.com\nclient_id = app\nclient_secret = s3cr3t-s3cr3t\n",
    )
    .expect("write");
    let fifo = home.path().join("fifo.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let dangling = home.path().join("dangling.json");
    std::os::unix::fs::symlink(home.path().join("gone.json"), &dangling).expect("link");
    let looping = home.path().join("loop.json");
    std::os::unix::fs::symlink(&looping, &looping).expect("link");
    for (path, expected) in [
        (fifo.clone(), "a FIFO, not a regular file"),
        (PathBuf::from("/dev/zero"), "a device, not a regular file"),
        (home.path().to_path_buf(), "a folder, not a regular file"),
        (dangling, "a symbolic link to"),
        (looping, "a loop of symbolic links"),
        (home.path().join("missing.json"), "no such file"),
    ] {
        let path_text = path.display().to_string();
        let run = list(
            home.path(),
            &["--json", "--no-refresh"],
            &[("GOOGLE_APPLICATION_CREDENTIALS", &path_text)],
        )
        .await;
        assert_eq!(
            run.code,
            i32::from(tokentop::cli::EXIT_SOURCE_BROKEN),
            "{path_text}"
        );
        let value = json(&run);
        let said = value["source_errors"].to_string();
        assert!(
            said.contains(&path_text)
                && said.contains(expected)
                && said.contains("GOOGLE_APPLICATION_CREDENTIALS"),
            "{path_text}: {said}"
        );
        assert_eq!(
            value["credentials"][0]["profile"], "ws",
            "the good file is still listed"
        );
    }
}

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
    assert!(
        team["source"]
            .as_str()
            .is_some_and(|s| s.contains("https://collector.invalid/token, trusted in config.toml")),
        "{team}"
    );
}

#[tokio::test]
async fn an_expired_token_makes_list_exit_1() {
    let home = tempfile::tempdir().expect("tempdir");
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let sp = emulator.add_databricks_service_principal(tokentop::emulator::DatabricksSpSpec {
        application_id: "expired-app".into(),
        access_token_lifetime: Duration::ZERO,
    });
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[now-gone]\nhost = {}\nclient_id = {}\nclient_secret = {}\n",
            emulator.databricks_url(),
            sp.client_id,
            sp.client_secret
        ),
    )
    .expect("write");
    let run = list(home.path(), &["--json"], &[]).await;
    let value = json(&run);
    assert_eq!(value["credentials"][0]["ttl_class"], "expired", "{value}");
    assert_eq!(run.code, i32::from(tokentop::cli::EXIT_NOT_LIVE), "{value}");
}

/// More credentials than the open-file limit allows sockets: requests in
/// flight are bounded and connections reused, so every one refreshes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_credentials_than_file_descriptors_all_refresh() {
    const PROFILES: usize = 600;
    const FD_LIMIT: usize = 128;
    let home = tempfile::tempdir().expect("tempdir");
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let cfg = many::databricks_profiles(&emulator, PROFILES, "app");
    std::fs::write(home.path().join(".databrickscfg"), cfg).expect("write");
    let mut command = tokio::process::Command::new("bash");
    command
        .arg("-c")
        .arg(format!("ulimit -n {FD_LIMIT} && exec \"$0\" list --json"))
        .arg(BIN)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .expect("finished")
        .expect("run");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let rows = value["credentials"].as_array().expect("rows");
    assert_eq!(rows.len(), PROFILES);
    let failed: Vec<&serde_json::Value> = rows.iter().filter(|r| !r["error"].is_null()).collect();
    assert!(
        failed.is_empty(),
        "{} of {PROFILES} failed, e.g. {}",
        failed.len(),
        failed[0]
    );
    assert_eq!(out.status.code(), Some(0));
}

/// A watched credential file swapped for a FIFO: the running engine names
/// it, keeps the row's last good token, and goes on answering.
#[tokio::test]
async fn a_watched_file_swapped_for_a_fifo_freezes_nothing() {
    use tokentop::engine::protocol::{Command, Update};
    let home = tempfile::tempdir().expect("tempdir");
    let (_emulator, profiles) = demo(home.path()).await;
    let config = tokentop::engine::EngineConfig::new(
        tokentop::sources::DiscoveryConfig {
            profiles_file: Some(profiles),
            ..Default::default()
        },
        true,
    )
    .watching();
    let mut handle =
        tokentop::engine::start(config, std::sync::Arc::new(tokentop::model::SystemClock))
            .expect("engine");
    // Wait for the user's token.
    let adc_id = loop {
        if let Update::Row(row) = next(&mut handle.updates).await
            && row.profile == "nightly-dataflow"
            && row.fingerprint.is_some()
        {
            break row.id;
        }
    };
    let adc = home.path().join("oncall-adc.json");
    std::fs::remove_file(&adc).expect("rm");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&adc)
            .status()
            .expect("mkfifo")
            .success()
    );
    let (rows, errors) = loop {
        if let Update::Snapshot {
            rows,
            source_errors,
            ..
        } = next(&mut handle.updates).await
            && !source_errors.is_empty()
        {
            break (rows, source_errors);
        }
    };
    assert!(
        errors
            .iter()
            .any(|e| e.contains("a FIFO, not a regular file")),
        "{errors:?}"
    );
    let row = rows.iter().find(|r| r.id == adc_id).expect("the row stays");
    assert!(
        row.fingerprint.is_some(),
        "the last good token stays: {row:?}"
    );
    assert!(
        row.error.as_deref().is_some_and(|e| e.contains("FIFO")),
        "{row:?}"
    );
    // Still answering: a reload comes back with a snapshot.
    handle.commands.send(Command::Reload).await.expect("send");
    loop {
        if let Update::Snapshot { .. } = next(&mut handle.updates).await {
            break;
        }
    }
    handle.shutdown().await;
}

/// "Not now" answers are asked again after the server's Retry-After, at
/// most twice; a wait longer than tokentop's limit is reported instead.
#[tokio::test]
async fn a_busy_server_is_asked_again_after_its_retry_after() {
    let home = tempfile::tempdir().expect("tempdir");
    let (emulator, profiles) = demo(home.path()).await;
    let profiles = profiles.display().to_string();
    let databricks = [FaultEndpoint::DatabricksToken];
    fault(
        &emulator,
        &databricks,
        Fault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let started = std::time::Instant::now();
    let run = list(home.path(), &["--json", "--profiles", &profiles], &[]).await;
    let waited = started.elapsed();
    let requests = emulator
        .fault_stats()
        .endpoint(FaultEndpoint::DatabricksToken)
        .requests;
    assert_eq!(requests, 2 * 3, "two profiles, three tries each");
    assert!(waited >= Duration::from_secs(2), "waited {waited:?}");
    assert_eq!(run.code, 1);
    fault(
        &emulator,
        &databricks,
        Fault::TooManyRequests {
            retry_after_secs: 600,
        },
    );
    let run = list(home.path(), &["--json", "--profiles", &profiles], &[]).await;
    let requests = emulator
        .fault_stats()
        .endpoint(FaultEndpoint::DatabricksToken)
        .requests;
    assert_eq!(requests, 6 + 2, "no retry when asked to wait 10 minutes");
    let errors = errors(&json(&run));
    assert!(
        errors
            .iter()
            .filter(|e| e.contains("HTTP 429") && e.contains("the server asks to wait 600 s"))
            .count()
            == 2,
        "{errors:?}"
    );
}

/// The engine's next update, within 20 s (else it is frozen).
async fn next(
    updates: &mut tokio::sync::mpsc::UnboundedReceiver<tokentop::engine::protocol::Update>,
) -> tokentop::engine::protocol::Update {
    tokio::time::timeout(Duration::from_secs(20), updates.recv())
        .await
        .expect("the engine answers (not frozen)")
        .expect("update")
}
