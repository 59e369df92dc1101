//! `tokentop doctor` against the emulator's probe targets, which answer as
//! Cloud Run, a Google API and a Databricks workspace do (wire.md §5); and
//! its exit statuses, as `--help` and README document them.

#[path = "support/listing.rs"]
mod listing;

use std::time::Duration;
use tokentop::emulator::{DatabricksSpSpec, Emulator, EmulatorOptions, ServiceAccountSpec};
use tokentop::engine::protocol::{Command, Update};
use tokentop::model::Cause;

/// `tokentop doctor ARGS` in `home`: exit status and the report as JSON.
async fn doctor(home: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    all.push("--json");
    let run = listing::tokentop(home, &all, &[]).await;
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", run.stdout, run.stderr));
    (run.code, report)
}

#[tokio::test]
async fn a_databricks_workspace_takes_a_live_token_and_refuses_a_bad_or_dying_one() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let host = emulator.databricks_url();
    let sp = |id: &str, secs: u64| {
        emulator.add_databricks_service_principal(DatabricksSpSpec {
            application_id: id.into(),
            access_token_lifetime: Duration::from_secs(secs),
        })
    };
    let (etl, dying) = (sp("etl-sp", 1800), sp("dying-sp", 20));
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[etl]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n\
             [dying]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n\
             [bogus]\nhost = {host}\ntoken = dapi0000000000000000000000000000000\n",
            etl.client_id, etl.client_secret, dying.client_id, dying.client_secret
        ),
    )
    .expect("write");

    let (code, report) = doctor(home.path(), &["etl"]).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "accepted");
    assert_eq!(
        report["target"]["url"],
        format!("{host}/api/2.0/preview/scim/v2/Me")
    );
    assert_eq!(report["target"]["kind"], "databricks");

    // Databricks refuses a token with 30 s or less left (a 403, not a 401).
    let (code, report) = doctor(home.path(), &["dying"]).await;
    assert_eq!(code, 10, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "expired");
    assert_eq!(report["response"]["status"], 403);
    assert!(
        report["diagnosis"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("30 s")),
        "{report}"
    );

    // An unknown PAT: "Invalid access token." with 403 is the token, not IAM.
    let (code, report) = doctor(home.path(), &["bogus"]).await;
    assert_eq!(code, 14, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "rejected");
    assert_eq!(report["response"]["reason_phrase"], "Invalid access token.");
    emulator.shutdown().await;
}

#[tokio::test]
async fn every_exit_status_is_in_help_and_readme() {
    let home = tempfile::tempdir().expect("tempdir");
    let help = listing::tokentop(home.path(), &["doctor", "--help"], &[]).await;
    assert_eq!(help.code, 0, "{}", help.stderr);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for (code, meaning) in Cause::EXIT_CLASSES {
        let line = format!("{code}  {meaning}");
        assert!(
            help.stdout.lines().any(|l| l.trim() == line),
            "`{line}` not in doctor --help:\n{}",
            help.stdout
        );
        assert!(
            readme.contains(&format!("\n| {code} | ")),
            "exit {code} not in README's doctor table"
        );
    }
}

const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
const EMAIL_SCOPE: &str = "https://www.googleapis.com/auth/userinfo.email";

/// A service account of project `acme` with a key file in `home`.
fn service_account(emulator: &Emulator, home: &std::path::Path, name: &str) -> String {
    let email = format!("{name}@acme.iam.gserviceaccount.com");
    let key = emulator.add_google_service_account(ServiceAccountSpec {
        email: email.clone(),
        project_id: "acme".into(),
        access_token_lifetime: Duration::from_secs(1800),
    });
    std::fs::write(home.join(format!("{name}.json")), key.to_string()).expect("write");
    email
}

/// A profile of `key`'s service account, its Google endpoints the emulator's.
fn google_profile(emulator: &Emulator, name: &str, key: &str, extra: &str) -> String {
    let g = emulator.google_url();
    format!(
        "[[profile]]\nname = \"{name}\"\ngoogle_credentials = \"{key}.json\"\n{extra}\n\
         [profile.endpoints]\ntoken = \"{g}/token\"\ntokeninfo = \"{g}/tokeninfo\"\n\
         revoke = \"{g}/revoke\"\njwks = \"{g}/oauth2/v3/certs\"\n\n"
    )
}

#[tokio::test]
async fn cloud_run_is_told_apart_by_audience_token_type_and_invoker_role() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let run = emulator.run_url();
    let invoker = service_account(&emulator, home.path(), "invoker");
    service_account(&emulator, home.path(), "stranger");
    emulator.grant_run_invoker(&invoker);
    let audience = |aud: &str| format!("platform = \"cloud-run\"\naudience = \"{aud}\"");
    let profiles = [
        google_profile(&emulator, "orders", "invoker", &audience(&run)),
        google_profile(
            &emulator,
            "billing",
            "invoker",
            &audience("https://billing-x7k2q-uc.a.run.app"),
        ),
        google_profile(&emulator, "stranger", "stranger", &audience(&run)),
        google_profile(
            &emulator,
            "etl",
            "invoker",
            &format!("platform = \"gcp\"\nscopes = [\"{CLOUD_PLATFORM}\"]"),
        ),
    ]
    .concat();
    let file = home.path().join("profiles.toml");
    std::fs::write(&file, profiles).expect("write");
    let file = file.display().to_string();
    let at =
        |profile: &'static str| ["--profiles", &file, profile, "--url", &run].map(str::to_string);

    // The service's own URL as the audience, and the role: accepted.
    let (code, report) = doctor(home.path(), &at("orders").each_ref().map(String::as_str)).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["target"]["kind"], "cloud-run");

    // An ID token for another service: 401, the audience named.
    let (code, report) = doctor(home.path(), &at("billing").each_ref().map(String::as_str)).await;
    assert_eq!(code, 11, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "wrong-audience");
    assert_eq!(report["response"]["status"], 401);
    let evidence = report["diagnosis"]["evidence"].to_string();
    assert!(
        evidence.contains("billing-x7k2q") && evidence.contains(&run),
        "{evidence}"
    );

    // The right token for someone without roles/run.invoker: 403, IAM.
    let (code, report) = doctor(home.path(), &at("stranger").each_ref().map(String::as_str)).await;
    assert_eq!(code, 13, "{report}");
    assert_eq!(report["response"]["status"], 403);
    assert!(
        report["diagnosis"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("roles/run.invoker")),
        "{report}"
    );

    // An access token where Cloud Run needs an ID token.
    let mut args = at("etl").to_vec();
    args.extend(["--kind".to_string(), "cloud-run".to_string()]);
    let (code, report) = doctor(
        home.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(code, 11, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "wrong-token-type");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_google_api_is_told_apart_by_scope_iam_and_token_type() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let etl = service_account(&emulator, home.path(), "etl");
    emulator.grant_iam(&etl, "acme", "storage.buckets.list");
    service_account(&emulator, home.path(), "reporter");
    let scopes = |s: &str| format!("platform = \"gcp\"\nscopes = [\"{s}\"]");
    let profiles = [
        google_profile(&emulator, "etl", "etl", &scopes(CLOUD_PLATFORM)),
        google_profile(&emulator, "etl-email", "etl", &scopes(EMAIL_SCOPE)),
        google_profile(&emulator, "reporter", "reporter", &scopes(CLOUD_PLATFORM)),
        google_profile(
            &emulator,
            "etl-id",
            "etl",
            "platform = \"cloud-run\"\naudience = \"https://x-uc.a.run.app\"",
        ),
    ]
    .concat();
    let file = home.path().join("profiles.toml");
    std::fs::write(&file, profiles).expect("write");
    let file = file.display().to_string();
    let buckets = format!("{}/storage/v1/b?project=acme", emulator.google_url());
    let at = |profile: &'static str| {
        ["--profiles", &file, profile, "--url", &buckets].map(str::to_string)
    };
    let (code, report) = doctor(home.path(), &at("etl").each_ref().map(String::as_str)).await;
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["target"]["kind"], "google-api");

    let (code, report) = doctor(home.path(), &at("etl-email").each_ref().map(String::as_str)).await;
    assert_eq!(code, 12, "{report}");
    let evidence = report["diagnosis"]["evidence"].to_string();
    assert!(
        evidence.contains("userinfo.email") && evidence.contains("devstorage.read_only"),
        "both sides named: {evidence}"
    );

    let (code, report) = doctor(home.path(), &at("reporter").each_ref().map(String::as_str)).await;
    assert_eq!(code, 13, "{report}");
    assert_eq!(
        report["response"]["error"]["permission"], "storage.buckets.list",
        "{report}"
    );
    assert_eq!(
        report["response"]["error"]["permission"],
        "storage.buckets.list"
    );

    let mut args = at("etl-id").to_vec();
    args.extend(["--kind".to_string(), "google-api".to_string()]);
    let (code, report) = doctor(
        home.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    assert_eq!(code, 11, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "wrong-token-type");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_databricks_api_tells_scope_object_permission_and_another_workspace_apart() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let host = emulator.databricks_url();
    let (sql_only, _) = emulator.add_pat("sql only", None, &["sql"]);
    let (denied, _) = emulator.add_pat_for("intern@example.test", "intern", None, &[]);
    emulator.deny_databricks_permission("intern@example.test");
    let foreign = emulator
        .databricks_foreign_workspace_token(4_242_424_242_424_242, "dana@example.test", &[])
        .expect("token");
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[sql]\nhost = {host}\ntoken = {sql_only}\n\n[intern]\nhost = {host}\ntoken = {denied}\n\n\
             [other]\nhost = {host}\ntoken = {foreign}\n"
        ),
    )
    .expect("write");
    let clusters = format!("{host}/api/2.0/clusters/list");

    let (code, report) = doctor(home.path(), &["sql", "--url", &clusters]).await;
    assert_eq!(code, 12, "{report}");
    assert!(
        report["diagnosis"]["evidence"]
            .to_string()
            .contains("target takes: clusters"),
        "{report}"
    );
    let (code, report) = doctor(home.path(), &["intern", "--url", &clusters]).await;
    assert_eq!(code, 13, "{report}");
    assert!(
        report["diagnosis"]["summary"]
            .as_str()
            .is_some_and(|s| s.contains("intern@example.test")),
        "the principal named: {report}"
    );
    let (code, report) = doctor(home.path(), &["other"]).await;
    assert_eq!(code, 11, "{report}");
    assert_eq!(report["diagnosis"]["cause"], "wrong-workspace");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_token_signed_with_a_key_the_issuer_dropped_is_an_unknown_key() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let run = emulator.run_url();
    let invoker = service_account(&emulator, home.path(), "invoker");
    emulator.grant_run_invoker(&invoker);
    let file = home.path().join("profiles.toml");
    let audience = format!("platform = \"cloud-run\"\naudience = \"{run}\"");
    std::fs::write(
        &file,
        google_profile(&emulator, "orders", "invoker", &audience),
    )
    .expect("write");
    let discovery = tokentop::sources::DiscoveryConfig {
        profiles_file: Some(file),
        ..tokentop::sources::DiscoveryConfig::default()
    };
    let mut handle = tokentop::engine::start(
        tokentop::engine::EngineConfig::new(discovery, false),
        std::sync::Arc::new(tokentop::model::SystemClock),
    )
    .expect("engine");
    let id = loop {
        if let Some(Update::Snapshot { rows, .. }) = handle.updates.recv().await {
            break rows[0].id.clone();
        }
    };
    handle
        .commands
        .send(Command::Refresh(id.clone()))
        .await
        .expect("send");
    let ask = || Command::Doctor(id.clone(), tokentop::model::DoctorAsk::default());
    // Wait for the token, then: accepted.
    loop {
        if let Some(Update::Row(row)) = handle.updates.recv().await
            && row.fingerprint.is_some()
            && row.busy.is_none()
        {
            break;
        }
    }
    handle.commands.send(ask()).await.expect("send");
    assert_eq!(
        diagnosed(&mut handle).await.diagnosis.cause,
        Cause::Accepted
    );
    // Google drops the key that signed it: the service refuses the token,
    // and the issuer's key set no longer has its kid.
    emulator.rotate_signing_keys(false).expect("rotate");
    handle.commands.send(ask()).await.expect("send");
    let report = diagnosed(&mut handle).await;
    assert_eq!(report.diagnosis.cause, Cause::UnknownIssuer, "{report:?}");
    assert_eq!(report.response.as_ref().map(|r| r.status), Some(401));
    assert_eq!(report.diagnosis.cause.class(), 14);
    handle.shutdown().await;
    emulator.shutdown().await;
}

/// The engine's next doctor's report, within 30 s.
async fn diagnosed(
    handle: &mut tokentop::engine::EngineHandle,
) -> Box<tokentop::model::DoctorReport> {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), handle.updates.recv()).await {
            Ok(Some(Update::Diagnosed(report))) => return report,
            Ok(Some(_)) => {}
            other => panic!("no report: {other:?}"),
        }
    }
}
