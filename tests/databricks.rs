//! Databricks profiles of every auth style against the emulator over real
//! HTTP: a PAT's facts from the token API and its deletion, a U2M login
//! refreshed from the CLI's cache, and the rejections in words.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/settle.rs"]
mod settle;

use listing::{list, row, tokentop};
use std::time::Duration;
use tokentop::emulator::{Emulator, EmulatorOptions};

/// An emulator with one user's login, and a home whose `.databrickscfg`
/// is `config(host)`.
async fn with_login(
    config: impl Fn(&str) -> String,
) -> (
    Emulator,
    tokentop::emulator::DatabricksLogin,
    tempfile::TempDir,
) {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let login = emulator
        .add_u2m_login("dana@example.test", &[])
        .expect("login");
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        home.path().join(".databrickscfg"),
        config(&emulator.databricks_url()),
    )
    .expect("write");
    (emulator, login, home)
}

#[tokio::test]
async fn pats_and_logins_are_shown_refreshed_and_deleted_as_their_workspace_says() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let host = emulator.databricks_url();
    let (pat, _) = emulator.add_pat("laptop notebook", Some(Duration::from_secs(3600)), &[]);
    let (forever, _) = emulator.add_pat("ci forever", None, &[]);
    let login = emulator
        .add_u2m_login("dana@example.test", &[])
        .expect("login");
    let home = tempfile::tempdir().expect("tempdir");
    emulator
        .write_databricks_cli_cache(home.path(), "dev", &login)
        .expect("cache");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[DEFAULT]\nhost = {host}\ntoken = {pat}\n\n[forever]\nhost = {host}\ntoken = {forever}\n\n\
             [dev]\nhost = {host}\nauth_type = databricks-cli\n"
        ),
    )
    .expect("write");

    let run = list(home.path(), &["--json"], &[]).await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let default = row(&json, "DEFAULT");
    assert_eq!(default["error"], serde_json::Value::Null, "{default}");
    assert_eq!(default["token_role"], "pat");
    assert_eq!(default["active"], true, "Config() would use [DEFAULT]");
    assert_eq!(default["principal"], "workspace-user@example.test");
    assert_eq!(default["tokens"][0]["note"], "laptop notebook");
    let ttl = default["ttl_seconds"].as_i64().expect("an expiry");
    assert!((3500..=3600).contains(&ttl), "{ttl}");
    let never = row(&json, "forever");
    assert_eq!(never["ttl_seconds"], serde_json::Value::Null, "{never}");
    assert!(
        never["warning"]
            .as_str()
            .is_some_and(|w| w.contains("never expires")),
        "{never}"
    );
    let dev = row(&json, "dev");
    assert_eq!(
        (dev["kind"].as_str(), dev["auth_type"].as_str()),
        (Some("databricks-u2m"), Some("databricks-cli"))
    );
    assert_eq!(dev["error"], serde_json::Value::Null, "{dev}");
    assert!(!run.stdout.contains(&pat) && !run.stdout.contains(&login.refresh_token));

    // As metrics: a PAT is not a token tokentop can renew (a person makes
    // one), the never-expiring one is flagged, the login is renewable.
    let metrics = list(home.path(), &["--format", "prometheus"], &[]).await;
    let value = |name: &str, profile: &str| {
        metrics
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{name}{{profile=\"{profile}\"")))
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{name} of {profile}:\n{}", metrics.stdout))
    };
    assert_eq!(value("tokentop_refreshable", "DEFAULT"), "0");
    assert_eq!(value("tokentop_refreshable", "forever"), "0");
    assert_eq!(value("tokentop_pat_never_expires", "forever"), "1");
    assert_eq!(value("tokentop_refreshable", "dev"), "1");
    // The same series in the same order each run (values aside), so a
    // textfile that did not change does not diff.
    let series = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| {
                l.rsplit_once(' ')
                    .map_or(l, |(series, _)| series)
                    .to_string()
            })
            .collect()
    };
    for _ in 0..3 {
        let again = list(home.path(), &["--format", "prometheus"], &[]).await;
        assert_eq!(series(&again.stdout), series(&metrics.stdout));
    }

    // r on the login: a new token from its cached refresh token.
    let refreshed = tokentop(home.path(), &["refresh", "dev", "--json"], &[]).await;
    assert_eq!(refreshed.code, 0, "{}", refreshed.stderr);
    let after: serde_json::Value = serde_json::from_str(&refreshed.stdout).expect("JSON");
    assert_eq!(after["status"], "live");
    assert_eq!(
        after["principal"], "dana@example.test",
        "from the token's sub"
    );
    assert_ne!(after["fingerprint"], dev["fingerprint"], "a new token");
    assert_eq!(
        after["workspace_id"],
        emulator.databricks_workspace_id().to_string(),
        "the workspace id the token names: {after}"
    );

    // x on the PAT: deleted through the token API, and the workspace
    // refuses it afterwards.
    let revoked = tokentop(home.path(), &["revoke", "DEFAULT", "--json"], &[]).await;
    assert_eq!(revoked.code, 0, "{} {}", revoked.stdout, revoked.stderr);
    assert!(
        revoked.stderr.contains("Invalid access token") || revoked.stdout.contains("revoked"),
        "{}",
        revoked.stderr
    );
    let again = list(home.path(), &["--json"], &[]).await;
    let json: serde_json::Value = serde_json::from_str(&again.stdout).expect("JSON");
    let gone = row(&json, "DEFAULT");
    assert!(
        gone["error"]
            .as_str()
            .is_some_and(|e| e.contains("token rejected") && e.contains("Invalid access token")),
        "{gone}"
    );

    // A dead login says how to make it again.
    assert!(emulator.revoke_refresh_token(&login.refresh_token));
    let dead = tokentop(home.path(), &["refresh", "dev", "--json"], &[]).await;
    assert_eq!(dead.code, 1);
    let dead: serde_json::Value = serde_json::from_str(&dead.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} / {}", dead.stdout, dead.stderr));
    assert_eq!(
        dead["fix"], "tokentop login dev (L here), or databricks auth login --profile dev",
        "{dead}"
    );
    assert!(
        dead["error"]
            .as_str()
            .is_some_and(|e| e.contains("Refresh token is invalid")),
        "{dead}"
    );
    emulator.shutdown().await;
}

/// `tokentop downscope PROFILE --scope S... --json`: the child row, or
/// the command's error text.
async fn downscope(
    home: &std::path::Path,
    profile: &str,
    scopes: &[&str],
) -> Result<serde_json::Value, String> {
    let mut args = vec!["downscope", profile];
    for scope in scopes {
        args.extend(["--scope", scope]);
    }
    args.push("--json");
    let run = tokentop(home, &args, &[]).await;
    match run.code {
        0 => Ok(serde_json::from_str(&run.stdout).expect("JSON")),
        _ => Err(run.stderr),
    }
}

#[tokio::test]
async fn a_service_principal_a_pat_and_a_login_narrow_only_within_what_they_hold() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let host = emulator.databricks_url();
    let sp = emulator.add_databricks_service_principal(tokentop::emulator::DatabricksSpSpec {
        application_id: "7a1b2c3d-0000-1111-2222-333344445555".into(),
        access_token_lifetime: Duration::from_secs(3600),
    });
    let (pat, _) = emulator.add_pat(
        "notebook",
        Some(Duration::from_secs(3600)),
        &["sql", "jobs"],
    );
    let login = emulator
        .add_u2m_login("dana@example.test", &["offline_access", "sql", "clusters"])
        .expect("login");
    let home = tempfile::tempdir().expect("tempdir");
    emulator
        .write_databricks_cli_cache(home.path(), "dev", &login)
        .expect("cache");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[etl]\nhost = {host}\nclient_id = {}\nclient_secret = {}\n\n[nb]\nhost = {host}\ntoken = {pat}\n\n\
             [dev]\nhost = {host}\nauth_type = databricks-cli\n",
            sp.client_id, sp.client_secret
        ),
    )
    .expect("write");

    let child = downscope(home.path(), "etl", &["sql"])
        .await
        .expect("M2M narrows");
    assert_eq!(child["profile"], "etl/downscoped", "{child}");
    assert_eq!(
        child["scopes"],
        serde_json::json!(["sql"]),
        "the server's grant"
    );

    // A PAT is exchanged for a short-lived OAuth token of its owner's.
    let child = downscope(home.path(), "nb", &["jobs"])
        .await
        .expect("PAT exchanges");
    assert_eq!(child["profile"], "nb/downscoped", "{child}");
    assert_eq!(child["scopes"], serde_json::json!(["jobs"]), "{child}");
    assert_eq!(
        child["principal"],
        tokentop::emulator::DATABRICKS_DEFAULT_USER,
        "{child}"
    );
    let at = |token: &serde_json::Value| {
        token["expires_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .unwrap_or_else(|| panic!("an expiry: {token}"))
    };
    let (exchanged, source) = (&child["tokens"][0], &child["tokens"][1]);
    assert_eq!(source["note"], "notebook", "made from the PAT: {child}");
    assert!(at(exchanged) <= at(source), "never past the PAT: {child}");
    let refused = downscope(home.path(), "nb", &["clusters"])
        .await
        .expect_err("beyond the PAT");
    assert!(
        refused.contains("Scope 'clusters' is not among the token's scopes"),
        "{refused}"
    );

    // A login narrows within the scopes it was granted, and no further.
    let child = downscope(home.path(), "dev", &["sql"])
        .await
        .expect("login narrows");
    assert_eq!(child["scopes"], serde_json::json!(["sql"]), "{child}");
    assert_eq!(child["principal"], "dana@example.test", "{child}");
    let refused = downscope(home.path(), "dev", &["jobs"])
        .await
        .expect_err("beyond the login");
    assert!(
        refused.contains("Scope 'jobs' was not granted to this refresh token"),
        "{refused}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_login_the_cli_keeps_in_the_keyring_is_asked_of_the_cli() {
    let (emulator, login, home) = with_login(|host| {
        format!("[__settings__]\nauth_storage = secure\n\n[dev]\nhost = {host}\nauth_type = databricks-cli\n")
    })
    .await;
    // A stand-in for the CLI: it says what it was asked, and with which
    // variables, and prints the login's token as `databricks auth token` does.
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).expect("mkdir");
    let asked = home.path().join("asked");
    std::fs::write(
        bin.join("databricks"),
        format!(
            "#!/bin/sh\necho \"$*|${{DATABRICKS_TOKEN:-none}}\" > '{}'\n\
             echo '{{\"access_token\":\"{}\",\"token_type\":\"Bearer\",\"expiry\":\"2099-01-01T00:00:00Z\"}}'\n",
            asked.display(),
            login.access_token
        ),
    )
    .expect("script");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        bin.join("databricks"),
        std::fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [
        ("PATH", path.as_str()),
        ("DATABRICKS_TOKEN", "dapi-not-for-the-cli"),
    ];
    // The CLI is never handed a secret tokentop reads (DATABRICKS_TOKEN
    // here, which the explicit auth_type sets aside).
    let run = tokentop(home.path(), &["refresh", "dev", "--json"], &env).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(row["principal"], "dana@example.test", "{row}");
    assert_eq!(row["expires_at"], "2099-01-01T00:00:00Z", "{row}");
    let said = std::fs::read_to_string(&asked).expect("the CLI was asked");
    assert_eq!(said.trim(), "auth token --profile dev|none");

    // Without the CLI, the row says where the login is.
    let bare = tokentop(
        home.path(),
        &["refresh", "dev", "--json"],
        &[("PATH", "/usr/bin:/bin")],
    )
    .await;
    assert_eq!(bare.code, 1);
    assert!(
        bare.stdout.contains("no `databricks` CLI on PATH"),
        "{}",
        bare.stdout
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_login_databricks_sdk_cached_is_found_under_its_hashed_name_and_refreshed() {
    let (emulator, login, home) =
        with_login(|host| format!("[web]\nhost = {host}\nauth_type = external-browser\n")).await;
    emulator
        .write_databricks_sdk_cache(home.path(), "web", &login)
        .expect("cache");
    let run = list(home.path(), &["--json", "--no-refresh"], &[]).await;
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let web = row(&json, "web");
    assert!(
        web["details"]
            .to_string()
            .contains("login cached by databricks-sdk"),
        "{web}"
    );
    assert!(
        web["ttl_seconds"].as_i64().is_some_and(|t| t > 3000),
        "{web}"
    );
    assert_eq!(
        web["principal"], "dana@example.test",
        "the cached token's sub, before any refresh: {web}"
    );
    let refreshed = tokentop(home.path(), &["refresh", "web", "--json"], &[]).await;
    assert_eq!(refreshed.code, 0, "{}", refreshed.stderr);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_is_kept_in_memory_and_the_cli_cache_is_left_alone() {
    let mut options = EmulatorOptions::default();
    options.databricks.rotate_refresh_tokens = true;
    let emulator = Emulator::start(options).await.expect("emulator");
    let login = emulator
        .add_u2m_login("dana@example.test", &["offline_access", "all-apis", "sql"])
        .expect("login");
    let home = tempfile::tempdir().expect("tempdir");
    emulator
        .write_databricks_cli_cache(home.path(), "dev", &login)
        .expect("cache");
    let cache = home.path().join(".databricks/token-cache.json");
    let cached = std::fs::read(&cache).expect("cache");
    std::fs::write(
        home.path().join(".databrickscfg"),
        format!(
            "[dev]\nhost = {}\nauth_type = databricks-cli\n",
            emulator.databricks_url()
        ),
    )
    .expect("write");
    // No refresh at start: the cached token is shown as it is.
    let mut handle = settle::databricks_engine(home.path(), true);
    let id = settle::first_id(&mut handle, "dev").await;
    // Each refresh spends the refresh token it sends: the second works
    // only with the one the first brought back.
    let mut seen = Vec::new();
    for _ in 0..3 {
        let row = settle::refreshed(&mut handle, &id).await;
        assert!(row.error.is_none(), "{:?}", row.error);
        assert!(
            row.details
                .iter()
                .any(|d| d.contains("refresh token rotated") && d.contains("token-cache.json")),
            "{:?}",
            row.details
        );
        seen.push(row.fingerprint.clone());
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "three new access tokens: {seen:?}");
    // The profile's file read again (edited) still holds the spent token:
    // the one in memory is kept.
    let config = home.path().join(".databrickscfg");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(&config, format!("; edited\n{text}")).expect("write");
    settle::reloaded(&mut handle).await;
    let row = settle::refreshed(&mut handle, &id).await;
    assert!(row.error.is_none(), "after the re-read: {:?}", row.error);
    // Narrowing asks with the login's refresh token too: the one it is
    // rotated to goes back to the login, which refreshes again with it.
    let ask = tokentop::model::Downscope::Scopes(vec!["sql".into()]);
    handle
        .commands
        .send(tokentop::engine::protocol::Command::Downscope(
            id.clone(),
            ask,
        ))
        .await
        .expect("send");
    loop {
        if let tokentop::engine::protocol::Update::Row(row) = settle::next(&mut handle).await
            && row.derived_from.as_ref() == Some(&id)
            && row.busy.is_none()
        {
            assert!(row.error.is_none(), "narrowed: {:?}", row.error);
            assert_eq!(row.scopes, ["sql"]);
            break;
        }
    }
    let row = settle::refreshed(&mut handle, &id).await;
    assert!(row.error.is_none(), "after narrowing: {:?}", row.error);
    assert_eq!(
        std::fs::read(&cache).expect("cache"),
        cached,
        "the CLI's cache is not written"
    );
    handle.shutdown().await;
    emulator.shutdown().await;
}

/// The emulator's own samples: an account-level login on a loopback host
/// names its account's `discovery_url`, as databricks-sdk reads it; its
/// refresh goes to the account's token endpoint, not the workspace's.
#[tokio::test]
async fn a_profiles_discovery_url_names_where_its_login_is_refreshed() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let samples = tempfile::tempdir().expect("tempdir");
    emulator.write_samples(samples.path()).expect("samples");
    let home = samples.path().join("home");
    std::fs::copy(
        samples.path().join("databrickscfg"),
        home.join(".databrickscfg"),
    )
    .expect("databrickscfg");
    let refreshed = tokentop(&home, &["refresh", "account", "--json"], &[]).await;
    assert_eq!(refreshed.code, 0, "{}", refreshed.stderr);
    let row: serde_json::Value = serde_json::from_str(&refreshed.stdout).expect("JSON");
    assert_eq!(row["status"], "live", "{row}");
    assert_eq!(row["error"], serde_json::Value::Null, "{row}");
    // A discovery_url on another origin than the host is not followed.
    let text = std::fs::read_to_string(home.join(".databrickscfg")).expect("read");
    let elsewhere = text.replace(
        "discovery_url = http://127.0.0.1:",
        "discovery_url = http://127.0.0.2:",
    );
    assert_ne!(text, elsewhere, "the sample names a discovery_url");
    std::fs::write(home.join(".databrickscfg"), elsewhere).expect("write");
    let refused = tokentop(&home, &["refresh", "account"], &[]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("discovery_url") && refused.stderr.contains("own origin"),
        "{}",
        refused.stderr
    );
    emulator.shutdown().await;
}
