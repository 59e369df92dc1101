//! Workload and workforce identity federation against the emulator's STS
//! and IAM Credentials over real HTTP: a subject token from a file or a
//! URL exchanged at STS, then impersonation; a workforce sign-in's refresh.

#[path = "support/listing.rs"]
mod listing;

use listing::list;
use std::time::Duration;
use tokentop::emulator::{
    Emulator, EmulatorOptions, ExternalAccountSpec, ImpersonationGrant, PoolProvider,
    PoolProviderSpec, ServiceAccountSpec, SubjectSource, SubjectTokenSpec, WorkforceUserSpec,
};

const WORKLOAD: &str = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/ci/providers/gitlab";
const WORKFORCE: &str = "//iam.googleapis.com/locations/global/workforcePools/corp/providers/okta";
const READER: &str = "wif-reader@acme-data.iam.gserviceaccount.com";

async fn provider(emulator: &Emulator, audience: &str) -> PoolProvider {
    emulator
        .add_pool_provider(PoolProviderSpec {
            audience: audience.into(),
            issuer: "https://gitlab.example".into(),
            allowed_audiences: Vec::new(),
        })
        .expect("provider")
}

/// `list --json` of one credential file named by GOOGLE_APPLICATION_CREDENTIALS.
async fn listed(home: &std::path::Path, file: &serde_json::Value) -> serde_json::Value {
    let path = home.join("federated.json");
    std::fs::write(&path, file.to_string()).expect("write");
    let path = path.display().to_string();
    let run = list(
        home,
        &["--json"],
        &[("GOOGLE_APPLICATION_CREDENTIALS", &path)],
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    json["credentials"][0].clone()
}

/// A CI job's subject token for `pool`, ten minutes long.
fn subject_token(emulator: &Emulator, pool: &PoolProvider) -> String {
    emulator
        .mint_subject_token(
            &pool.audience,
            SubjectTokenSpec {
                subject: "project_path:acme/etl".into(),
                audience: None,
                expires_in: 600,
            },
        )
        .expect("subject token")
}

fn roles(cred: &serde_json::Value) -> Vec<String> {
    cred["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .filter_map(|t| t["role"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_file_subject_token_is_exchanged_at_sts() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let pool = provider(&emulator, WORKLOAD).await;
    let home = tempfile::tempdir().expect("tempdir");
    let subject = home.path().join("token.jwt");
    let jwt = subject_token(&emulator, &pool);
    std::fs::write(&subject, &jwt).expect("write");
    let file = emulator
        .external_account_file(ExternalAccountSpec {
            audience: pool.audience.clone(),
            source: SubjectSource::File(subject),
            impersonate: None,
            token_lifetime_seconds: None,
            workforce_pool_user_project: None,
        })
        .expect("file");
    let cred = listed(home.path(), &file).await;
    assert_eq!(cred["error"], serde_json::Value::Null, "{cred}");
    assert_eq!(roles(&cred), ["access"]);
    assert!(
        cred["ttl_seconds"].as_i64().is_some_and(|t| t > 0),
        "{cred}"
    );
    assert!(
        cred["details"]
            .to_string()
            .contains("workload identity pool ci, provider gitlab"),
        "{cred}"
    );
    // The subject token is never shown, in any form.
    assert!(!cred.to_string().contains(&jwt[..40]));
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_url_subject_token_is_exchanged_then_impersonates() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let pool = provider(&emulator, WORKLOAD).await;
    let _key = emulator.add_google_service_account(ServiceAccountSpec {
        email: READER.into(),
        project_id: "acme-data".into(),
        access_token_lifetime: Duration::from_secs(3600),
    });
    emulator.allow_impersonation(ImpersonationGrant {
        member: pool.all_members(),
        target: READER.into(),
        extended_lifetime: false,
    });
    let file = emulator
        .external_account_file(ExternalAccountSpec {
            audience: pool.audience.clone(),
            source: SubjectSource::Url {
                subject: "project_path:acme/etl".into(),
                headers: vec![("Metadata".into(), "True".into())],
                json: true,
            },
            impersonate: Some(READER.into()),
            token_lifetime_seconds: Some(1800),
            workforce_pool_user_project: None,
        })
        .expect("file");
    let home = tempfile::tempdir().expect("tempdir");
    let cred = listed(home.path(), &file).await;
    assert_eq!(cred["error"], serde_json::Value::Null, "{cred}");
    assert_eq!(cred["principal"], READER);
    assert_eq!(roles(&cred), ["access", "exchanged"]);
    let tokens = cred["tokens"].as_array().expect("tokens");
    assert_eq!(tokens[0]["parent"], tokens[1]["fingerprint"], "{cred}");
    let ttl = cred["ttl_seconds"].as_i64().expect("ttl");
    assert!((1700..=1800).contains(&ttl), "the file's lifetime: {ttl}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_workforce_sign_in_refreshes_and_is_revoked_at_sts_and_a_command_is_not_run() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    provider(&emulator, WORKFORCE).await;
    let file = emulator
        .add_workforce_user(WorkforceUserSpec {
            audience: WORKFORCE.into(),
            subject: "dana@corp.example".into(),
            scopes: vec!["https://www.googleapis.com/auth/cloud-platform".into()],
            access_token_lifetime: Duration::from_secs(3600),
        })
        .expect("workforce user");
    let home = tempfile::tempdir().expect("tempdir");
    let cred = listed(home.path(), &file).await;
    assert_eq!(cred["error"], serde_json::Value::Null, "{cred}");
    assert_eq!(cred["credential_type"], "external_account_authorized_user");
    assert_eq!(roles(&cred), ["access"]);
    // Revoked at the file's own revoke_url, never at Google's endpoint:
    // the sign-in ends, and a refresh after it is refused.
    assert_eq!(
        cred["capabilities"]["revoke_blocked"],
        serde_json::Value::Null,
        "{cred}"
    );
    let path = home.path().join("federated.json").display().to_string();
    let env = [("GOOGLE_APPLICATION_CREDENTIALS", path.as_str())];
    let revoked = listing::tokentop(home.path(), &["revoke", "adc:env", "--json"], &env).await;
    assert_eq!(revoked.code, 0, "{}", revoked.stderr);
    let row: serde_json::Value = serde_json::from_str(&revoked.stdout).expect("JSON");
    assert_eq!(row["status"], "revoked", "{row}");
    let again = listing::tokentop(home.path(), &["refresh", "adc:env", "--json"], &env).await;
    assert_eq!(again.code, 1, "the sign-in is over: {}", again.stdout);
    assert!(again.stdout.contains("invalid_grant"), "{}", again.stdout);
    // Without a revoke_url, it says so instead.
    let mut bare = file.clone();
    bare.as_object_mut().map(|o| o.remove("revoke_url"));
    let cred = listed(home.path(), &bare).await;
    assert!(
        cred["capabilities"]["revoke_blocked"]
            .as_str()
            .is_some_and(|why| why.contains("names no revoke_url")),
        "{cred}"
    );

    let marker = home.path().join("ran");
    let executable = serde_json::json!({
        "type": "external_account",
        "audience": WORKLOAD,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": format!("{}/v1/token", emulator.sts_url()),
        "credential_source": {"executable": {"command": format!("/usr/bin/touch {}", marker.display())}},
    });
    let cred = listed(home.path(), &executable).await;
    let error = cred["error"].as_str().expect("an error");
    assert!(
        error.contains("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES"),
        "{error}"
    );
    assert!(!marker.exists(), "the command was not run");
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_allowed_command_is_run_as_google_auth_runs_it_and_its_output_file_reused() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let pool = provider(&emulator, WORKLOAD).await;
    let home = tempfile::tempdir().expect("tempdir");
    let jwt = subject_token(&emulator, &pool);
    // The command says what it was given, counts its runs, and answers
    // on stdout and in its output file.
    let dir = home.path();
    let script = dir.join("get token.sh");
    let expiry = chrono::Utc::now().timestamp() + 600;
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\
             echo \"$GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE|$GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE|$GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE|${{DATABRICKS_TOKEN:-none}}|$1\" > \"{seen}\"\n\
             echo run >> \"{runs}\"\n\
             answer='{{\"version\":1,\"success\":true,\"token_type\":\"urn:ietf:params:oauth:token-type:jwt\",\"id_token\":\"{jwt}\",\"expiration_time\":{expiry}}}'\n\
             echo \"$answer\" > \"$GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE\"\n\
             echo \"$answer\"\n",
            seen = dir.join("seen").display(),
            runs = dir.join("runs").display(),
        ),
    )
    .expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let file = serde_json::json!({
        "type": "external_account",
        "audience": WORKLOAD,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": format!("{}/v1/token", emulator.sts_url()),
        "credential_source": {"executable": {
            "command": format!("'{}' 'an arg'", script.display()),
            "output_file": dir.join("cache.json").display().to_string(),
        }},
    });
    let path = dir.join("federated.json");
    std::fs::write(&path, file.to_string()).expect("write");
    let path = path.display().to_string();
    let env = [
        ("GOOGLE_APPLICATION_CREDENTIALS", path.as_str()),
        ("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1"),
        ("DATABRICKS_TOKEN", "dapi-not-for-children"),
    ];
    for _ in 0..2 {
        let run = list(dir, &["--json"], &env).await;
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
        let cred = &json["credentials"][0];
        assert_eq!(cred["error"], serde_json::Value::Null, "{cred}");
        assert_eq!(roles(cred), ["access"]);
        assert!(
            !run.stdout.contains(&jwt[..40]),
            "the subject token is never shown"
        );
    }
    let seen = std::fs::read_to_string(dir.join("seen")).expect("it ran");
    assert_eq!(
        seen.trim(),
        format!("{WORKLOAD}|urn:ietf:params:oauth:token-type:jwt|0|none|an arg"),
        "google-auth's variables, quoting as a shell's, and no secret of tokentop's"
    );
    let runs = std::fs::read_to_string(dir.join("runs")).expect("runs");
    assert_eq!(
        runs.lines().count(),
        1,
        "the second time, the output file's answer is used"
    );
    emulator.shutdown().await;
}
