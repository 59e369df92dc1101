//! A user credential that does not say whose it is (an ADC file written
//! without `account`) shows the account once a token exists: from the ID
//! token's `email`, or from tokeninfo when no ID token came. Never the
//! word "user".

#[path = "support/listing.rs"]
mod listing;

use listing::list;
use tokentop::emulator::{Emulator, EmulatorOptions, GoogleUserSpec};

/// An emulator with one user granted `scopes`, and a home holding that
/// user's file, written without `account`, as `name`.
async fn user_without_account(
    scopes: &[&str],
    name: &str,
) -> (Emulator, tempfile::TempDir, std::path::PathBuf) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let mut file = emulator.add_google_user(GoogleUserSpec {
        email: "dana@example.com".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        access_token_lifetime: std::time::Duration::from_secs(3600),
    });
    file.as_object_mut().expect("object").remove("account");
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join(name);
    std::fs::write(&path, file.to_string()).expect("write");
    (emulator, home, path)
}

fn only_credential(stdout: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    json["credentials"][0].clone()
}

#[tokio::test]
async fn the_id_token_names_the_account() {
    let (emulator, home, path) = user_without_account(
        &[
            "openid",
            "https://www.googleapis.com/auth/userinfo.email",
            "https://www.googleapis.com/auth/cloud-platform",
        ],
        "adc.json",
    )
    .await;
    let path = path.display().to_string();
    let before = list(
        home.path(),
        &["--json", "--no-refresh"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", &path)],
    )
    .await;
    assert_eq!(
        only_credential(&before.stdout)["principal"],
        "",
        "unknown until a token exists"
    );
    let run = list(
        home.path(),
        &["--json"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", &path)],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cred = only_credential(&run.stdout);
    assert_eq!(cred["principal"], "dana@example.com", "{cred}");
    let roles: Vec<&str> = cred["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter_map(|t| t["role"].as_str())
        .collect();
    assert_eq!(roles, ["access", "id"], "both tokens of the grant are held");
    emulator.shutdown().await;
}

#[tokio::test]
async fn tokeninfo_names_the_account_when_no_id_token_came() {
    // tokeninfo tells the email only of a token with the email scope.
    let (emulator, home, _) = user_without_account(
        &[
            "https://www.googleapis.com/auth/userinfo.email",
            "https://www.googleapis.com/auth/cloud-platform",
        ],
        "user.json",
    )
    .await;
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"dana\"\nplatform = \"gcp\"\ngoogle_credentials = \"user.json\"\n[profile.endpoints]\ntokeninfo = \"{}/tokeninfo\"\n",
            emulator.google_url()
        ),
    )
    .expect("write");
    let run = list(
        home.path(),
        &["--json", "--profiles", &profiles.display().to_string()],
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cred = only_credential(&run.stdout);
    assert_eq!(cred["principal"], "dana@example.com", "{cred}");
    assert_eq!(cred["tokens"].as_array().map(Vec::len), Some(1), "{cred}");
    emulator.shutdown().await;
}
