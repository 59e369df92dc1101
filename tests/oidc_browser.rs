//! Signing in with a browser against a real issuer (oidc-provider): the
//! authorization code with PKCE returning to a loopback port, and, for a
//! browser on another machine, the address it ended on pasted back.

#[path = "support/listing.rs"]
mod listing;
#[path = "support/oidc_server.rs"]
mod oidc_server;
#[path = "support/sign_in.rs"]
mod sign_in;

use oidc_server::OidcServer;
use std::path::Path;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A home whose profile `web` is the server's native app client.
fn home_for(issuer: &str) -> (tempfile::TempDir, String) {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("web.secret"), "tt-web-secret\n").expect("write");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"web\"\nplatform = \"oidc\"\nissuer = \"{issuer}\"\n\
             client_id = \"tt-web\"\nclient_secret_file = \"web.secret\"\nclient_auth = \"client_secret_post\"\n\
             scopes = [\"openid\", \"email\", \"api:read\"]\nredirect_uri = \"http://127.0.0.1/callback\"\n"
        ),
    )
    .expect("write");
    (home, profiles.display().to_string())
}

/// `tokentop login web --json` running, the sign-in address it printed,
/// and the rest of its stderr (read to its end).
async fn login(
    home: &Path,
    profiles: &str,
) -> (
    tokio::process::Child,
    String,
    tokio::task::JoinHandle<String>,
) {
    let env = [
        ("USER", "dana"),
        ("SSH_CONNECTION", "203.0.113.9 50000 198.51.100.7 22"),
    ];
    let mut child = sign_in::spawn(
        home,
        &["--profiles", profiles, "login", "web", "--json"],
        &env,
    );
    let (url, _, rest) = sign_in::address(&mut child, "/auth?").await;
    (child, url, rest)
}

/// Plays the person's browser up to the address it is sent back to.
async fn approve(issuer: &str, url: &str, who: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/approve_browser.sh");
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .args([issuer, url, who])
        .output()
        .await
        .expect("approve");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[tokio::test]
async fn a_browser_on_this_machine_comes_back_to_the_loopback_port() {
    let server = OidcServer::start().await;
    let (home, profiles) = home_for(&server.issuer);
    // Before: a browser client has no token of its own to ask for.
    let args = ["--profiles", profiles.as_str(), "list", "--json"];
    let before = listing::tokentop(home.path(), &args, &[]).await;
    let json: serde_json::Value = serde_json::from_str(&before.stdout).expect("JSON");
    let web = listing::row(&json, "web");
    assert!(
        web["capabilities"]["refresh_blocked"]
            .as_str()
            .is_some_and(|why| why.contains("signing in a user") && why.contains("press L")),
        "{web}"
    );
    assert_eq!(
        web["error"],
        serde_json::Value::Null,
        "nothing was tried: {web}"
    );
    let (child, url, rest) = login(home.path(), &profiles).await;
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let port = sign_in::param(&url, "redirect_uri")
        .and_then(|uri| url::Url::parse(&uri).ok()?.port())
        .expect("a loopback port");
    let back = approve(&server.issuer, &url, "erin").await;
    assert!(
        back.starts_with(&format!("http://127.0.0.1:{port}/callback?code=")),
        "{back}"
    );
    // The browser follows the redirect to tokentop's listener.
    let page = reqwest::get(&back)
        .await
        .expect("the listener")
        .text()
        .await
        .expect("page");
    assert!(page.contains("may be closed"), "{page}");
    let row = sign_in::signed_in(child).await;
    assert_eq!(row["status"], "live", "{row}");
    assert_eq!(row["principal"], "erin@example.test", "{row}");
    let said = rest.await.expect("stderr");
    assert!(
        said.contains(&format!(
            "ssh -N -L {port}:127.0.0.1:{port} dana@198.51.100.7"
        )),
        "the forwarding line: {said}"
    );
    assert!(
        home.path().join("state/tokentop/logins.json").exists(),
        "the sign-in is kept"
    );
    // Kept: the next run refreshes with it, no browser needed.
    let list = listing::tokentop(
        home.path(),
        &["--profiles", &profiles, "list", "--json"],
        &[],
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&list.stdout).expect("JSON");
    assert_eq!(listing::row(&json, "web")["status"], "live", "{json}");
    server.stop().await;
}

#[tokio::test]
async fn a_browser_elsewhere_is_pasted_back_and_a_wrong_paste_is_refused() {
    let server = OidcServer::start().await;
    let (home, profiles) = home_for(&server.issuer);
    let (mut child, url, rest) = login(home.path(), &profiles).await;
    let back = approve(&server.issuer, &url, "frank").await;
    let mut stdin = child.stdin.take().expect("stdin");
    // An address of another sign-in (its state differs) is not taken...
    let forged = back.replace("state=", "state=x");
    stdin
        .write_all(format!("{forged}\n").as_bytes())
        .await
        .expect("paste");
    // ...the right one is, though its port was never reached.
    stdin
        .write_all(format!("  {back}  \n").as_bytes())
        .await
        .expect("paste");
    let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("done")
        .expect("exit");
    let stderr = rest.await.expect("stderr");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("state is not this sign-in's"), "{stderr}");
    let row: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(row["principal"], "frank@example.test", "{row}");
    server.stop().await;
}

#[tokio::test]
async fn a_redirect_off_this_machine_is_refused_naming_the_field() {
    let home = tempfile::tempdir().expect("tempdir");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        "[[profile]]\nname = \"web\"\nplatform = \"oidc\"\nissuer = \"https://idp.example\"\n\
         client_id = \"tt-web\"\nredirect_uri = \"https://collector.example/cb\"\n",
    )
    .expect("write");
    let run = listing::list(
        home.path(),
        &[
            "--json",
            "--no-refresh",
            "--profiles",
            &profiles.display().to_string(),
        ],
        &[],
    )
    .await;
    assert!(
        run.stdout
            .contains("`redirect_uri` https://collector.example/cb")
            || run
                .stderr
                .contains("`redirect_uri` https://collector.example/cb"),
        "{} {}",
        run.stdout,
        run.stderr
    );
}
