//! Helpers shared by the sign-in tests: a client that does not follow
//! redirects, PKCE pairs, and reading a redirect's `Location`.
#![allow(dead_code)]

use std::collections::HashMap;

use base64::Engine as _;
use sha2::Digest as _;
use tokentop::emulator::{Emulator, EmulatorOptions, LoginOptions};

/// An emulator with these sign-in options.
pub async fn start_login(login: LoginOptions) -> Emulator {
    Emulator::start(EmulatorOptions {
        login,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

/// A client that shows redirects instead of following them.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A PKCE pair: a fresh verifier (43 characters) and its S256 challenge.
pub fn pkce() -> (String, String) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let mut seed = sha2::Sha256::new();
    seed.update(nanos.to_le_bytes());
    seed.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let verifier = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(seed.finalize());
    let challenge = challenge_of(&verifier);
    (verifier, challenge)
}

/// The S256 challenge of `verifier`.
pub fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// What an authorize request answered.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Location`, if any.
    pub location: Option<String>,
    /// `Content-Type`, or "".
    pub content_type: String,
    /// The body.
    pub body: String,
}

impl Answer {
    /// The redirect's target without its query, and its query parameters.
    pub fn redirect(&self) -> (String, HashMap<String, String>) {
        let location = self.location.as_deref().expect("a Location header");
        let url = url::Url::parse(location).unwrap();
        let query = url.query_pairs().into_owned().collect();
        let mut base = url.clone();
        base.set_query(None);
        (base.to_string(), query)
    }

    /// The query of the redirect.
    pub fn query(&self) -> HashMap<String, String> {
        self.redirect().1
    }

    /// Asserts a 400 HTML page naming `code` and no redirect.
    pub fn assert_page(&self, code: &str) {
        assert_eq!(self.status, 400, "{self:?}");
        assert!(self.location.is_none(), "{self:?}");
        assert!(self.content_type.starts_with("text/html"), "{self:?}");
        assert!(
            self.body.contains(&format!("Error 400: {code}")),
            "{self:?}"
        );
    }
}

/// `GET url` with `query`, redirects not followed.
pub async fn visit(url: &str, query: &[(&str, &str)]) -> Answer {
    let r = browser().get(url).query(query).send().await.unwrap();
    let status = r.status().as_u16();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let location = header("location");
    let content_type = header("content-type").unwrap_or_default();
    let body = r.text().await.unwrap();
    Answer {
        status,
        location,
        content_type,
        body,
    }
}
