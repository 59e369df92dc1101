//! A `databricks auth login` the CLI keeps in the OS keyring (the 2026
//! default, `auth_storage = secure`), read by the real binary through a
//! real Secret Service: gnome-keyring on a private D-Bus session, the login
//! stored as the CLI stores it (service `databricks-cli`, account = the
//! profile). tests/run.sh installs dbus-daemon, dbus-bin, gnome-keyring and
//! libsecret-tools; without them this test fails and says so.

#[path = "support/listing.rs"]
mod listing;

use std::path::Path;
use std::time::{Duration, SystemTime};
use tokentop::emulator::{DatabricksLogin, Emulator, EmulatorOptions, FaultEndpoint};

/// Runs `tokentop ARGS` in a D-Bus session whose unlocked gnome-keyring
/// holds `login` under `databricks-cli` / `dev`, as the CLI writes it.
async fn in_keyring_session(home: &Path, login: &serde_json::Value, args: &[&str]) -> listing::Run {
    for tool in [
        "dbus-run-session",
        "dbus-send",
        "gnome-keyring-daemon",
        "secret-tool",
    ] {
        assert!(
            which(tool),
            "`{tool}` is missing: tests/run.sh installs dbus-daemon, dbus-bin, gnome-keyring and libsecret-tools"
        );
    }
    let script = r#"
        printf %s keyring-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        # The unlocked daemon must own the Secret Service name before anyone
        # asks: else D-Bus starts a second, locked one, which prompts for a
        # password nobody can type (seen on a busy machine).
        for _ in $(seq 150); do
            dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
                org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
                | grep -q 'boolean true' && break
            sleep 0.1
        done
        # The keyring may take a moment to be ready: store until it reads back.
        for _ in $(seq 50); do
            printf %s "$LOGIN" | secret-tool store --label="databricks-cli dev" service databricks-cli username dev 2>/dev/null
            [ "$(secret-tool lookup service databricks-cli username dev 2>/dev/null)" = "$LOGIN" ] && break
            sleep 0.2
        done
        [ "$(secret-tool lookup service databricks-cli username dev)" = "$LOGIN" ] || { echo "the test keyring never held the login" >&2; exit 97; }
        unset LOGIN
        exec "$TOKENTOP" "$@" >"$HOME/out.json"
    "#;
    let mut command = tokio::process::Command::new("dbus-run-session");
    command
        .args(["--", "bash", "-c", script, "tokentop"])
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TOKENTOP", listing::BIN)
        .env("LOGIN", login.to_string());
    // The session's own stdout also carries what D-Bus-activated
    // services print: tokentop's answer is written to a file of its own.
    let run = listing::output(&mut command).await;
    listing::Run {
        stdout: std::fs::read_to_string(home.join("out.json")).unwrap_or_default(),
        ..run
    }
}

fn which(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

/// The CLI's token JSON for `login`, its access token expiring at `expiry`.
fn stored(login: &DatabricksLogin, expiry: SystemTime) -> serde_json::Value {
    serde_json::json!({
        "access_token": login.access_token,
        "token_type": "Bearer",
        "refresh_token": login.refresh_token,
        "expiry": chrono::DateTime::<chrono::Utc>::from(expiry).to_rfc3339(),
    })
}

#[tokio::test]
async fn a_login_in_the_os_keyring_is_read_through_the_secret_service() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let login = emulator
        .add_u2m_login("dana@example.test", &[])
        .expect("login");
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[__settings__]\nauth_storage = secure\n\n[dev]\nhost = {}\nauth_type = databricks-cli\n",
            emulator.databricks_url()
        ),
    )
    .expect("write");
    let tokens = || {
        emulator
            .fault_stats()
            .endpoint(FaultEndpoint::DatabricksToken)
            .requests
    };

    // A live token in the keyring is shown as it is: nothing is minted.
    let run = in_keyring_session(
        home.path(),
        &stored(&login, login.expiry),
        &["refresh", "dev", "--json"],
    )
    .await;
    assert_eq!(run.code, 0, "{} / {}", run.stdout, run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    assert_eq!(row["principal"], "dana@example.test", "{row}");
    assert!(
        row["tokens"]
            .to_string()
            .contains("the OS keyring (Secret Service, `dev`)"),
        "{row}"
    );
    assert_eq!(tokens(), 0, "the kept token is used");
    let kept = row["fingerprint"].clone();

    // An expired one is refreshed with the login's refresh token.
    let expired = SystemTime::now() - Duration::from_secs(60);
    let run = in_keyring_session(
        home.path(),
        &stored(&login, expired),
        &["refresh", "dev", "--json"],
    )
    .await;
    assert_eq!(run.code, 0, "{} / {}", run.stdout, run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    assert_eq!(row["error"], serde_json::Value::Null, "{row}");
    assert_ne!(row["fingerprint"], kept, "a new token: {row}");
    assert_eq!(tokens(), 1, "one refresh-token grant");
    for secret in [&login.access_token, &login.refresh_token] {
        assert!(!run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()));
    }

    // No D-Bus session and no CLI: the row says where the login is.
    let run = listing::tokentop(home.path(), &["refresh", "dev", "--json"], &[]).await;
    assert_eq!(run.code, 1, "{} / {}", run.stdout, run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    let error = row["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("no D-Bus session") && error.contains("no `databricks` CLI on PATH"),
        "{row}"
    );
    emulator.shutdown().await;
}
