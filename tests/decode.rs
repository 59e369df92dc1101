//! `tokentop decode`: any token on stdin, verified through the keys its own
//! issuer publishes (here the emulator's Databricks workspace), with its
//! times judged; the exit status says whether it verifies and is live.

#[path = "support/listing.rs"]
mod listing;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::process::Stdio;
use std::time::Duration;
use tokentop::emulator::{DatabricksSpSpec, Emulator, EmulatorOptions};

/// `tokentop decode ARGS` with `input` on stdin.
async fn decode(input: &str, args: &[&str]) -> listing::Run {
    let home = tempfile::tempdir().expect("tempdir");
    let mut command = tokio::process::Command::new(listing::BIN);
    command
        .arg("decode")
        .args(args)
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().expect("tokentop decode");
    let mut stdin = child.stdin.take().expect("stdin");
    tokio::io::AsyncWriteExt::write_all(&mut stdin, input.as_bytes())
        .await
        .expect("write");
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("finished")
        .expect("exit");
    listing::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A workspace access token (an `at+jwt`) of a new service principal
/// whose tokens live `seconds`.
async fn workspace_token(emulator: &Emulator, id: &str, seconds: u64) -> String {
    let sp = emulator.add_databricks_service_principal(DatabricksSpSpec {
        application_id: id.into(),
        access_token_lifetime: Duration::from_secs(seconds),
    });
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/oidc/v1/token", emulator.databricks_url()))
        .basic_auth(&sp.client_id, Some(&sp.client_secret))
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("JSON");
    answer["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

fn part(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn a_live_token_verifies_through_its_issuers_keys_and_its_times_are_shown() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let token = workspace_token(&emulator, "reporting-sp", 1800).await;
    let run = decode(&format!("Authorization: Bearer {token}\n"), &[]).await;
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    for said in [
        "typ  at+jwt",
        "signature  ✓ verified",
        "/oidc/v1/keys",
        "(in 29m)",
        "state      live, expires in 29m",
    ] {
        assert!(run.stdout.contains(said), "{said}: {}", run.stdout);
    }
    assert!(
        !run.stdout.contains(&token),
        "the token itself is not printed"
    );
    assert!(
        run.stderr.is_empty(),
        "no warning for stdin: {}",
        run.stderr
    );

    // As an argument it works, with a warning about the shell's history.
    let run = decode("", &[&token, "--json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("shell's history"), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["body"]["signature"]["result"], "verified", "{json}");
    assert_eq!(json["body"]["claims"]["scope"], "all-apis");
    assert!(
        json["state"]
            .as_str()
            .is_some_and(|s| s.starts_with("live"))
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn expired_forged_unsigned_and_opaque_tokens_are_each_said_and_fail() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let short = workspace_token(&emulator, "short-sp", 1).await;
    let long = workspace_token(&emulator, "long-sp", 1800).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let run = decode(&short, &[]).await;
    assert_eq!(run.code, 10, "{}", run.stdout);
    assert!(run.stdout.contains("state      EXPIRED"), "{}", run.stdout);
    assert!(run.stdout.contains("✓ verified"), "{}", run.stdout);

    // The same claims under a signature the issuer's keys do not make.
    let parts: Vec<&str> = long.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode([7u8; 256])
    );
    let run = decode(&forged, &[]).await;
    assert_eq!(run.code, 14, "{}", run.stdout);
    assert!(run.stdout.contains("✗ NOT valid"), "{}", run.stdout);
    assert!(run.stdout.contains("UNVERIFIED"), "{}", run.stdout);

    // alg none: said plainly, whatever its claims.
    let iss = format!("{}/oidc", emulator.databricks_url());
    let unsigned = format!(
        "{}.{}.",
        part(&serde_json::json!({"alg": "none", "typ": "JWT"})),
        part(&serde_json::json!({"iss": iss, "sub": "root", "exp": 4_102_444_800_i64}))
    );
    let run = decode(&unsigned, &[]).await;
    assert_eq!(run.code, 14, "{}", run.stdout);
    assert!(run.stdout.contains("not signed"), "{}", run.stdout);

    // A claim full of terminal escapes is shown inert.
    let hostile = format!(
        "{}.{}.",
        part(&serde_json::json!({"alg": "none"})),
        part(&serde_json::json!({"sub": "\u{1b}]52;c;ZXZpbA==\u{7}x"}))
    );
    let run = decode(&hostile, &[]).await;
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);

    let run = decode("ya29.an-opaque-token", &[]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("not a JWT"), "{}", run.stdout);
    let run = decode("\n", &[]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains("no token on stdin"), "{}", run.stderr);
    emulator.shutdown().await;
}
