//! A real OpenID Connect provider for tests: panva's oidc-provider
//! (tests/oidc/server.mjs, installed by tests/run.sh with `npm ci`) on a
//! free loopback port, stopped when dropped.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A running provider.
pub struct OidcServer {
    /// Its issuer, `http://127.0.0.1:PORT`.
    pub issuer: String,
    /// The PEM private key of its `private_key_jwt` client, `tt-jwt`.
    pub client_key: std::path::PathBuf,
    _keys: tempfile::TempDir,
    child: tokio::process::Child,
}

impl OidcServer {
    /// Starts tests/oidc/server.mjs on a free port and waits for its READY line.
    pub async fn start() -> OidcServer {
        Self::start_on(0).await
    }

    /// The same on `port` (0: a free one). Each start has a new signing key.
    ///
    /// A start that has not said READY within a minute is stopped and tried
    /// again, twice at most; what Node said on stderr is shown for each
    /// stalled attempt, and in the panic if all three stall.
    pub async fn start_on(port: u16) -> OidcServer {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "oidc-provider is not installed: tests/run.sh runs `npm ci` in {}",
            dir.display()
        );
        let keys = tempfile::tempdir().expect("tempdir");
        let client_key = keys.path().join("tt-jwt.pem");
        let mut stalls = Vec::new();
        for attempt in 1..=3 {
            let log = keys.path().join(format!("node-stderr-{attempt}.log"));
            let mut child = tokio::process::Command::new("node")
                .arg("server.mjs")
                .env("CLIENT_KEY_OUT", &client_key)
                .env("PORT", port.to_string())
                .current_dir(&dir)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::fs::File::create(&log).expect("stderr log"))
                .kill_on_drop(true)
                .spawn()
                .expect("node runs (Node.js 20 or later)");
            let stdout = child.stdout.take().expect("stdout");
            let mut lines = BufReader::new(stdout).lines();
            // A hang guard, not a speed check: Node's start and two RSA keys
            // take about a second, and over 30 s on two busy cores.
            let ready = tokio::time::timeout(Duration::from_secs(60), async {
                while let Some(line) = lines.next_line().await.expect("read") {
                    if let Some(issuer) = line.strip_prefix("READY ") {
                        return Some(issuer.trim().to_string());
                    }
                }
                None
            })
            .await;
            let said = || std::fs::read_to_string(&log).unwrap_or_default();
            match ready {
                Ok(Some(issuer)) => {
                    // Whatever it prints later is read (and dropped): a closed
                    // pipe would end it at its next line.
                    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
                    return OidcServer {
                        issuer,
                        client_key,
                        _keys: keys,
                        child,
                    };
                }
                Ok(None) => {
                    let status = child.wait().await;
                    panic!(
                        "oidc-provider ended before it was ready ({status:?}):\n{}",
                        said()
                    );
                }
                Err(_) => {
                    let _ = child.kill().await;
                    let stall = format!(
                        "attempt {attempt}: no READY within 60 s; node said:\n{}",
                        said()
                    );
                    eprintln!("oidc-provider: {stall}");
                    stalls.push(stall);
                }
            }
        }
        panic!("oidc-provider never became ready:\n{}", stalls.join("\n"));
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.issuer
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port")
    }

    /// Stops it: its state (tokens, keys) is gone.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
    }
}

/// A home whose profiles file names the server's confidential client as
/// `api` (opaque tokens) and `api-jwt` (JWT access tokens for a resource).
pub fn m2m_home(issuer: &str) -> (tempfile::TempDir, String) {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("m2m.secret"), "tt-m2m-secret\n").expect("write");
    let profiles = home.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!(
            "[[profile]]\nname = \"api\"\nplatform = \"oidc\"\nissuer = \"{issuer}\"\n\
             client_id = \"tt-m2m\"\nclient_secret_file = \"m2m.secret\"\nscopes = [\"api:read\", \"api:write\"]\n\n\
             [[profile]]\nname = \"api-jwt\"\nplatform = \"oidc\"\nissuer = \"{issuer}/\"\n\
             client_id = \"tt-m2m\"\nclient_secret_file = \"m2m.secret\"\nscopes = [\"api:read\"]\n\
             resource = \"https://api.tokentop.test\"\n"
        ),
    )
    .expect("write");
    (home, profiles.display().to_string())
}
