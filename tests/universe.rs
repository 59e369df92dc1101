//! A service-account key outside Google's own universe: there is no token
//! endpoint to ask, so its token is a JWT it signs itself, as google-auth
//! makes it; nothing is sent anywhere.

#[path = "support/listing.rs"]
mod listing;

use base64::Engine;
use listing::{demo, tokentop};

#[tokio::test]
async fn a_key_in_another_universe_signs_its_own_token() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (emulator, _) = demo(dir.path()).await;
    let mut key: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("dataproc-etl.json")).expect("demo key"),
    )
    .expect("JSON");
    // Its token endpoint is somewhere nothing listens: it must not be asked.
    key["universe_domain"] = "sovereign.example".into();
    key["token_uri"] = "https://oauth2.sovereign.example/token".into();
    let email = key["client_email"].as_str().expect("email").to_string();
    let path = dir.path().join("sovereign-key.json");
    std::fs::write(&path, key.to_string()).expect("write");
    emulator.shutdown().await;

    let path = path.display().to_string();
    let env = [("GOOGLE_APPLICATION_CREDENTIALS", path.as_str())];
    let run = tokentop(
        dir.path(),
        &["refresh", "adc:env", "--json", "--print-token"],
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let row: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert!(
        row["details"]
            .to_string()
            .contains("universe sovereign.example"),
        "{row}"
    );
    let token = row["token"].as_str().expect("the token");
    let payload = token.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url"),
    )
    .expect("claims");
    assert_eq!(claims["iss"], email);
    assert_eq!(claims["sub"], email);
    assert_eq!(
        claims["scope"], "https://www.googleapis.com/auth/cloud-platform",
        "{claims}"
    );
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(3600)
    );
    assert_eq!(claims.get("aud"), None, "scoped, not for one API");
}
