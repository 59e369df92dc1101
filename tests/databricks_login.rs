//! A Databricks user login made with tokentop, against the emulator's
//! workspace: the authorization code with PKCE for the `databricks-cli`
//! client, returning to localhost:8020 as the Databricks CLI's does. The
//! refresh token is tokentop's to keep; the CLI's files are never written.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/sign_in.rs"]
mod sign_in;

use tokentop::emulator::{Emulator, EmulatorOptions};

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

    let mut login = sign_in::spawn(home.path(), &["login", "dev", "--json"], &[]);
    let (url, _, _) = sign_in::address(&mut login, "/v1/authorize?").await;
    let param = |name: &str| sign_in::param(&url, name);
    assert_eq!(param("client_id").as_deref(), Some("databricks-cli"));
    assert_eq!(
        param("redirect_uri").as_deref(),
        Some("http://localhost:8020")
    );
    assert!(
        param("scope").is_some_and(|s| s.contains("all-apis") && s.contains("offline_access")),
        "{url}"
    );

    let browser = sign_in::browser();
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

    let row = sign_in::signed_in(login).await;
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
