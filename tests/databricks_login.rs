//! A Databricks user login made with tokentop, against the emulator's
//! workspace: the authorization code with PKCE for the `databricks-cli`
//! client, returning to localhost:8020 as the Databricks CLI's does. The
//! refresh token is tokentop's to keep; the CLI's files are never written.

#[path = "support/listing.rs"]
mod listing;

use std::process::Stdio;
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions};
use tokio::io::AsyncBufReadExt;

#[tokio::test]
async fn a_databricks_login_is_made_with_a_browser_and_kept_by_tokentop() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    emulator.set_databricks_sign_in_user("dana@example.test");
    let host = emulator.databricks_url();
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join(".databrickscfg");
    let text = format!("[dev]\nhost = {host}\nauth_type = databricks-cli\n");
    std::fs::write(&config, &text).expect("write");

    let mut login = tokio::process::Command::new(listing::BIN)
        .args(["login", "dev", "--json"])
        .env_clear()
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("tokentop login");
    let mut lines = tokio::io::BufReader::new(login.stderr.take().expect("stderr")).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        let mut said = String::new();
        while let Some(line) = lines.next_line().await.expect("read") {
            said.push_str(&line);
            if let Some(url) = line
                .split_whitespace()
                .find(|w| w.contains("/v1/authorize?"))
            {
                return url.to_string();
            }
        }
        panic!("no sign-in address: {said}");
    })
    .await
    .expect("an address");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let asked = url::Url::parse(&url).expect("URL");
    let param = |name: &str| {
        asked
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("client_id").as_deref(), Some("databricks-cli"));
    assert_eq!(
        param("redirect_uri").as_deref(),
        Some("http://localhost:8020")
    );
    assert!(
        param("scope").is_some_and(|s| s.contains("all-apis") && s.contains("offline_access")),
        "{url}"
    );

    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let consent = browser.get(&url).send().await.expect("authorize");
    assert!(consent.status().is_redirection(), "{}", consent.status());
    let back = consent.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(back.starts_with("http://localhost:8020"), "{back}");
    // The listener is on 127.0.0.1, where localhost leads.
    let back = back.replacen("localhost", "127.0.0.1", 1);
    browser
        .get(&back)
        .send()
        .await
        .expect("tokentop's listener");

    let out = tokio::time::timeout(Duration::from_secs(60), login.wait_with_output())
        .await
        .expect("done")
        .expect("exit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(row["status"], "live", "{row}");
    assert_eq!(row["principal"], "dana@example.test", "{row}");

    // The CLI's files are as they were; tokentop keeps the login.
    assert_eq!(std::fs::read_to_string(&config).expect("read"), text);
    assert!(
        !home.path().join(".databricks").exists(),
        "no CLI cache written"
    );
    let run = listing::tokentop(home.path(), &["list", "--json"], &[]).await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let row = listing::row(&json, "dev");
    assert_eq!(row["status"], "live", "{row}");
    assert!(
        row["details"]
            .to_string()
            .contains("signed in again with tokentop"),
        "{row}"
    );
    emulator.shutdown().await;
}
