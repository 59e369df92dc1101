//! Impersonated service accounts against the emulator's IAM Credentials
//! over real HTTP: the source is refreshed first, the target's token is
//! asked for with it, both are held (the source's as the parent), and a
//! missing Token Creator grant is said in Google's own words.

#[path = "support/listing.rs"]
mod listing;

use listing::list;
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions, ImpersonationGrant, ServiceAccountSpec};

const RUNNER: &str = "runner@acme-data.iam.gserviceaccount.com";
const DEPLOYER: &str = "deployer@acme-data.iam.gserviceaccount.com";

fn account(emulator: &Emulator, email: &str) -> serde_json::Value {
    emulator.add_google_service_account(ServiceAccountSpec {
        email: email.into(),
        project_id: "acme-data".into(),
        access_token_lifetime: Duration::from_secs(3600),
    })
}

async fn listed(file: &serde_json::Value) -> serde_json::Value {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("impersonated.json");
    std::fs::write(&path, file.to_string()).expect("write");
    let path = path.display().to_string();
    let run = list(
        home.path(),
        &["--json"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", &path)],
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["credentials"][0].clone()
}

/// An emulator where RUNNER (whose key is returned) holds the Token
/// Creator role on DEPLOYER.
async fn runner_may_impersonate_deployer() -> (Emulator, serde_json::Value) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let source = account(&emulator, RUNNER);
    let _target = account(&emulator, DEPLOYER);
    emulator.allow_impersonation(ImpersonationGrant {
        member: format!("serviceAccount:{RUNNER}"),
        target: DEPLOYER.into(),
        extended_lifetime: false,
    });
    (emulator, source)
}

#[tokio::test]
async fn the_target_token_is_made_from_the_refreshed_source() {
    let (emulator, source) = runner_may_impersonate_deployer().await;
    let file = emulator.impersonated_service_account_file(&source, DEPLOYER, &[]);
    let cred = listed(&file).await;
    assert_eq!(cred["error"], serde_json::Value::Null, "{cred}");
    assert_eq!(cred["principal"], DEPLOYER);
    assert_eq!(cred["credential_type"], "impersonated_service_account");
    let tokens = cred["tokens"].as_array().expect("tokens");
    let role = |r: &str| tokens.iter().find(|t| t["role"] == r).cloned();
    let access = role("access").expect("the target's token");
    let source_token = role("source").expect("the source's token");
    assert_eq!(access["parent"], source_token["fingerprint"], "{cred}");
    assert_eq!(
        cred["fingerprint"], access["fingerprint"],
        "the row shows the target's"
    );
    let ttl = cred["ttl_seconds"].as_i64().expect("ttl");
    assert!((3500..=3600).contains(&ttl), "{ttl}");
    assert!(
        cred["capabilities"]["revoke_blocked"]
            .as_str()
            .is_some_and(|why| why.contains("serviceAccountTokenCreator")),
        "{cred}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_missing_token_creator_grant_is_said_as_google_says_it() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let source = account(&emulator, RUNNER);
    let _target = account(&emulator, DEPLOYER);
    let file = emulator.impersonated_service_account_file(&source, DEPLOYER, &[]);
    let cred = listed(&file).await;
    let error = cred["error"].as_str().expect("an error");
    assert!(
        error.contains("HTTP 403")
            && error.contains("PERMISSION_DENIED")
            && error.contains("iam.serviceAccounts.getAccessToken"),
        "{error}"
    );
    assert_eq!(cred["error_cause"], "rejected");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_gcloud_configuration_that_impersonates_is_a_row_of_its_own() {
    // A corpus home: dana's account, and the active configuration
    // `prod-admin` with `[auth] impersonate_service_account = terraform@…`.
    let home = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/homes/gcloud-impersonate-config");
    let run = list(
        &home,
        &["--json", "--no-refresh"],
        &[("GCE_METADATA_HOST", "127.0.0.1:9")],
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let creds = json["credentials"].as_array().expect("credentials");
    let imp = creds
        .iter()
        .find(|c| c["profile"] == "gcloud:prod-admin:imp")
        .unwrap_or_else(|| panic!("no impersonation row: {json}"));
    assert_eq!(
        imp["principal"],
        "terraform@acme-platform-prod.iam.gserviceaccount.com"
    );
    assert_eq!(imp["credential_type"], "impersonated_service_account");
    assert_eq!(imp["project"], "acme-platform-prod");
    let details = imp["details"].to_string();
    assert!(
        details.contains("(active)")
            && details.contains("source credential: dana.okafor@example.com"),
        "{details}"
    );
}

#[tokio::test]
async fn a_cloud_run_profile_gets_the_targets_id_token_and_a_user_is_warned_before_any_call() {
    let (emulator, source) = runner_may_impersonate_deployer().await;
    let user = emulator.add_google_user(tokentop::emulator::GoogleUserSpec {
        email: "dana@example.com".into(),
        scopes: vec!["openid".into()],
        access_token_lifetime: Duration::from_secs(3600),
    });
    let home = tempfile::tempdir().expect("tempdir");
    let file = emulator.impersonated_service_account_file(&source, DEPLOYER, &[]);
    std::fs::write(home.path().join("imp.json"), file.to_string()).expect("write");
    std::fs::write(home.path().join("user.json"), user.to_string()).expect("write");
    const SERVICE: &str = "https://orders-api-x7k2q-uc.a.run.app";
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"orders\"\nplatform = \"cloud-run\"\ngoogle_credentials = \"imp.json\"\naudience = \"{SERVICE}\"\n\n\
             [[profile]]\nname = \"as-me\"\nplatform = \"cloud-run\"\ngoogle_credentials = \"user.json\"\naudience = \"{SERVICE}\"\n"
        ),
    )
    .expect("write");
    let profiles = profiles.display().to_string();
    let json = |stdout: &str| -> Vec<serde_json::Value> {
        let json: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
        json["credentials"].as_array().expect("credentials").clone()
    };
    // Before any call: the user's ID token will name its OAuth client.
    let before = list(
        home.path(),
        &["--json", "--no-refresh", "--profiles", &profiles],
        &[],
    )
    .await;
    let creds = json(&before.stdout);
    let me = creds
        .iter()
        .find(|c| c["profile"] == "as-me")
        .expect("as-me");
    let client = user["client_id"].as_str().expect("client id");
    assert_eq!(
        me["warning"],
        format!("will be refused: aud is {client}, and the service expects {SERVICE}")
    );
    let run = list(home.path(), &["--json", "--profiles", &profiles], &[]).await;
    let creds = json(&run.stdout);
    let orders = creds
        .iter()
        .find(|c| c["profile"] == "orders")
        .expect("orders");
    assert_eq!(orders["error"], serde_json::Value::Null, "{orders}");
    assert_eq!(orders["token_role"], "id", "{orders}");
    assert_eq!(orders["audience"], SERVICE);
    assert_eq!(orders["warning"], serde_json::Value::Null);
    emulator.shutdown().await;
}
