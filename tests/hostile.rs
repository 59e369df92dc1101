//! Hostile input, as an attacker with a crafted file or a crafted token
//! server on 127.0.0.1 would try it: the real `tokentop list` binary against
//! the emulator's fault switches. Each test is a reproduction that once
//! leaked, hung or misled.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/secrets.rs"]
mod secrets;

use listing::{TOKEN_ENDPOINTS, demo, errors, fault, json, list};
use secrets::{assert_no_secrets, demo_secrets};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, Fault};

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
    // The host-only section is a login profile: a row, its name escaped.
    assert!(run.stdout.contains("evil\\u{1b}"), "{}", run.stdout);
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
