//! A Google user's dead sign-in signed in again with tokentop, against the
//! emulator playing Google's sign-in: the authorization code with PKCE
//! returning to a loopback port. The new refresh token is tokentop's to
//! keep; the credential file is never written.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/sign_in.rs"]
mod sign_in;

use tokentop::emulator::{Emulator, EmulatorOptions, GoogleClientKind};

#[tokio::test]
async fn a_dead_google_sign_in_is_renewed_without_touching_its_file() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let g = emulator.google_url();
    let client = emulator.add_google_oauth_client(GoogleClientKind::Installed);
    emulator.add_google_account("pat@acme.example", &[]);
    let home = tempfile::tempdir().expect("tempdir");
    let adc = home.path().join("adc.json");
    let file = serde_json::json!({
        "type": "authorized_user",
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "refresh_token": "1//0dead-refresh-token",
        "token_uri": format!("{g}/token"),
    })
    .to_string();
    std::fs::write(&adc, &file).expect("write");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"adc\"\nplatform = \"gcp\"\ngoogle_credentials = \"adc.json\"\n\
             [profile.endpoints]\ntoken = \"{g}/token\"\ntokeninfo = \"{g}/tokeninfo\"\n\
             revoke = \"{g}/revoke\"\njwks = \"{g}/oauth2/v3/certs\"\n"
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();
    let args = ["--profiles", profiles.as_str(), "list", "--json"];
    let list = || listing::tokentop(home.path(), &args, &[]);

    // Dead: said in words, and how to sign in again.
    let json: serde_json::Value = serde_json::from_str(&list().await.stdout).expect("JSON");
    let row = listing::row(&json, "adc");
    assert_eq!(row["error_cause"], "invalid-grant", "{row}");
    assert!(
        row["fix"]
            .as_str()
            .is_some_and(|f| f.starts_with("tokentop login adc")),
        "{row}"
    );

    let mut login = sign_in::spawn(
        home.path(),
        &["--profiles", &profiles, "login", "adc", "--json"],
        &[],
    );
    let (url, _, _) = sign_in::address(&mut login, "/o/oauth2/").await;
    let param = |name: &str| sign_in::param(&url, name);
    // Google's way to a refresh token, and PKCE.
    assert_eq!(param("access_type").as_deref(), Some("offline"), "{url}");
    assert_eq!(param("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(param("client_id"), Some(client.client_id.clone()));

    // The person's browser: Google's answer is a redirect to tokentop.
    let browser = sign_in::browser();
    let consent = browser.get(&url).send().await.expect("sign-in page");
    assert_eq!(consent.status().as_u16(), 302);
    let back = consent.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    let page = browser
        .get(&back)
        .send()
        .await
        .expect("tokentop")
        .text()
        .await
        .expect("page");
    assert!(page.contains("may be closed"), "{page}");

    let row = sign_in::signed_in(login).await;
    assert_eq!(row["status"], "live", "{row}");
    assert_eq!(row["principal"], "pat@acme.example", "{row}");

    // The file is as it was; the next run refreshes with tokentop's token.
    assert_eq!(std::fs::read_to_string(&adc).expect("read"), file);
    assert!(home.path().join("state/tokentop/logins.json").exists());
    let json: serde_json::Value = serde_json::from_str(&list().await.stdout).expect("JSON");
    let row = listing::row(&json, "adc");
    assert_eq!(row["status"], "live", "{row}");
    assert!(
        row["details"]
            .to_string()
            .contains("signed in again with tokentop"),
        "{row}"
    );
    emulator.shutdown().await;
}
