//! The real dashboard in tmux on a home shaped like an engineer's, while
//! gcloud changes its files in another pane: a new login and a switch of
//! account show up on their own; a locked database or a half-written file
//! keeps the last good rows with the error, until they read again.

#[path = "support/tmux.rs"]
mod tmux;

use rusqlite::Connection;
use std::path::Path;
use std::time::{Duration, Instant};
use tmux::Tmux;

fn user(refresh: &str) -> String {
    format!(
        r#"{{"client_id": "32555940559.apps.googleusercontent.com", "client_secret": "s", "refresh_token": "{refresh}", "revoke_uri": "https://oauth2.googleapis.com/revoke", "scopes": ["openid"], "token_uri": "https://oauth2.googleapis.com/token", "type": "authorized_user", "universe_domain": "googleapis.com"}}"#
    )
}

/// What `gcloud auth login ACCOUNT` leaves: the credential and a cached token.
fn login(gcloud: &Path, account: &str) {
    let creds = Connection::open(gcloud.join("credentials.db")).expect("credentials.db");
    creds
        .execute_batch(
            r#"CREATE TABLE IF NOT EXISTS "credentials" (account_id TEXT PRIMARY KEY, value BLOB);"#,
        )
        .expect("schema");
    creds
        .execute(
            "INSERT OR REPLACE INTO credentials VALUES (?1, ?2)",
            (account, user(&format!("1//{account}"))),
        )
        .expect("insert");
    let tokens = Connection::open(gcloud.join("access_tokens.db")).expect("access_tokens.db");
    tokens
        .execute_batch(
            r#"CREATE TABLE IF NOT EXISTS "access_tokens" (account_id TEXT PRIMARY KEY, access_token TEXT, token_expiry TIMESTAMP, rapt_token TEXT, id_token TEXT);"#,
        )
        .expect("schema");
    tokens
        .execute(
            "INSERT OR REPLACE INTO access_tokens VALUES (?1, ?2, '2099-01-01 00:00:00', NULL, NULL)",
            (account, format!("ya29.cached-for-{account}")),
        )
        .expect("insert");
}

/// What `gcloud config set account ACCOUNT` leaves in the default configuration.
fn set_account(gcloud: &Path, account: &str) {
    std::fs::write(
        gcloud.join("configurations/config_default"),
        format!("[core]\naccount = {account}\nproject = acme-dev\n"),
    )
    .expect("config");
}

/// The row of `profile` on the screen, if shown.
fn row<'a>(screen: &'a str, profile: &str) -> Option<&'a str> {
    screen
        .lines()
        .find(|l| l.split_whitespace().any(|w| w == profile))
}

#[test]
fn gcloud_changes_in_another_pane_show_up_and_broken_files_keep_the_last_good_rows() {
    let t = Tmux::new("gcloud");
    let gcloud = t.file(".config/gcloud");
    std::fs::create_dir_all(gcloud.join("configurations")).expect("mkdir");
    std::fs::write(gcloud.join("active_config"), "default").expect("write");
    login(&gcloud, "ana@example.com");
    set_account(&gcloud, "ana@example.com");
    // gcloud caches the ADC file's token under its refresh token's hash:
    // the dashboard shows it instead of asking Google for one.
    let adc = gcloud.join("application_default_credentials.json");
    std::fs::write(&adc, user("1//adc")).expect("adc");
    let hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(b"1//adc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    Connection::open(gcloud.join("access_tokens.db"))
        .expect("open")
        .execute(
            "INSERT INTO access_tokens VALUES (?1, 'ya29.adc', '2099-01-01 00:00:00', NULL, NULL)",
            [hash],
        )
        .expect("insert");
    t.start("", "");
    t.wait_for("ana's gcloud row and the ADC row", |s| {
        (row(s, "gcloud:default").is_some_and(|r| r.contains("ana@example.com"))
            && row(s, "adc:gcloud").is_some())
        .then_some(())
    });

    // `gcloud auth login bo@example.com` then `gcloud config set account bo@…`.
    let changed = Instant::now();
    login(&gcloud, "bo@example.com");
    set_account(&gcloud, "bo@example.com");
    t.wait_for("bo as the default configuration's account", |s| {
        row(s, "gcloud:default")
            .is_some_and(|r| r.contains("bo@example.com"))
            .then_some(())
    });
    let latency = changed.elapsed();
    eprintln!("gcloud change shown after {} ms", latency.as_millis());
    assert!(
        latency < Duration::from_secs(10),
        "the watcher saw it: {latency:?}"
    );
    let screen = t.screen();
    assert!(
        row(&screen, "gcloud").is_some_and(|r| r.contains("ana@example.com")),
        "ana is still an account, now in no configuration:\n{screen}"
    );

    // gcloud holds credentials.db locked while a change is read: both
    // accounts stay, with the reason.
    let holder = Connection::open(gcloud.join("credentials.db")).expect("open");
    holder.execute_batch("BEGIN EXCLUSIVE;").expect("lock");
    set_account(&gcloud, "ana@example.com");
    let screen = t.wait_for("the locked database said on the rows", |s| {
        (s.contains("! error") && s.contains("3 credentials")).then(|| s.to_string())
    });
    assert!(
        row(&screen, "gcloud:default").is_some() || row(&screen, "gcloud").is_some(),
        "{screen}"
    );
    holder.execute_batch("COMMIT;").expect("unlock");
    drop(holder);
    set_account(&gcloud, "ana@example.com");
    t.wait_for("the database reads again", |s| {
        (row(s, "gcloud:default").is_some_and(|r| r.contains("ana@example.com"))
            && !s.contains("! error"))
        .then_some(())
    });

    // A half-written ADC file: the row stays with the error, then heals.
    std::fs::write(&adc, "{\"type\": \"authorized_us").expect("truncate");
    t.wait_for("the ADC row kept with its error", |s| {
        row(s, "adc:gcloud")
            .is_some_and(|r| r.contains("error"))
            .then_some(())
    });
    std::fs::write(&adc, user("1//adc")).expect("rewrite");
    t.wait_for("the ADC row healed", |s| {
        row(s, "adc:gcloud")
            .is_some_and(|r| !r.contains("error"))
            .then_some(())
    });
    t.keys(&["q"]);
    t.wait_for("a clean exit", |s| s.contains("EXIT=0").then_some(()));
    t.stty_unchanged();
}
