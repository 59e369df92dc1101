//! The HTTP client that providers and inspect share: rustls, timeouts, the
//! rule that plain `http://` is allowed only to loopback hosts, and the one
//! bounded reader every answer's body goes through.

use std::time::Duration;

/// The most of any answer tokentop reads: token, tokeninfo, revoke, JWKS
/// and discovery answers are a few kilobytes; anything past this is refused
/// unread, however long the server keeps sending.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// An answer that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The connection failed or timed out while reading.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    /// The body was longer than [`MAX_BODY_BYTES`].
    #[error("the answer is larger than {limit} bytes; not read")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
}

/// Reads `response`'s body, at most [`MAX_BODY_BYTES`]: a declared length
/// over the cap is refused before reading, an undeclared one is cut off as
/// soon as it passes the cap.
pub async fn read_body(response: reqwest::Response) -> Result<Vec<u8>, BodyError> {
    read_body_capped(response, MAX_BODY_BYTES).await
}

/// [`read_body`] with an explicit cap (a `serve`'s listing may be larger).
pub async fn read_body_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// [`read_body`] as text (invalid UTF-8 replaced).
async fn read_text(response: reqwest::Response) -> Result<String, BodyError> {
    let body = read_body(response).await?;
    Ok(String::from_utf8(body)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// A URL that tokentop refuses to call, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {message}")]
pub struct UrlRejected {
    /// The URL as configured.
    pub url: String,
    /// Why it is refused.
    pub message: String,
}

fn rejected(url: &str, message: impl Into<String>) -> UrlRejected {
    UrlRejected {
        url: url.to_string(),
        message: message.into(),
    }
}

/// A shared HTTP client (cheap to clone).
#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
    timeout: Duration,
    documents: Documents,
    skew: std::sync::Arc<crate::model::Skew>,
}

/// How long a public document (an issuer's metadata) is reused.
const DOCUMENT_LIFETIME: Duration = Duration::from_secs(3600);

/// Public documents already fetched, by URL, with when they were fetched:
/// an issuer's metadata is asked for once an hour, not before every token.
type Documents = std::sync::Arc<
    std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, String)>>,
>;

impl Http {
    /// Builds the client with a per-request timeout; every answer's `Date`
    /// is measured into `skew`.
    pub fn new(
        timeout: Duration,
        skew: std::sync::Arc<crate::model::Skew>,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            // Never follow a redirect: the request carries a secret in its
            // body, and the new location was never checked (RFC 6749 §3.2's
            // token endpoint does not redirect). A 3xx is an error answer.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tokentop/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            timeout,
            documents: Documents::default(),
            skew,
        })
    }

    /// Reads an answer's body as text ([`read_body`]'s cap; invalid UTF-8
    /// replaced), noting the server's clock from its `Date` header.
    pub async fn read_text(&self, response: reqwest::Response) -> Result<String, BodyError> {
        let date = response
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::model::http_date);
        if let Some(date) = date {
            self.skew.observe(date, chrono::Utc::now());
        }
        read_text(response).await
    }

    /// The public document fetched from `url` within the last hour, if any.
    pub fn remembered(&self, url: &str) -> Option<String> {
        let documents = self.documents.lock().ok()?;
        let (at, body) = documents.get(url)?;
        (at.elapsed() < DOCUMENT_LIFETIME).then(|| body.clone())
    }

    /// Keeps the public document fetched from `url` for an hour.
    pub fn remember(&self, url: &str, body: &str) {
        if let Ok(mut documents) = self.documents.lock() {
            documents.insert(
                url.to_string(),
                (std::time::Instant::now(), body.to_string()),
            );
        }
    }

    /// How long one request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The underlying client, for a request to a URL that [`check_url`] accepted.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// Accepts `https://` anywhere and `http://` only to loopback
/// (`127.0.0.0/8`, `::1`, `localhost`).
pub fn check_url(url: &str) -> Result<reqwest::Url, UrlRejected> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| rejected(url, format!("not a valid URL: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if crate::model::is_loopback_host(&parsed) => Ok(parsed),
        "http" => Err(rejected(
            url,
            "plain http is allowed only to loopback hosts; use https",
        )),
        other => Err(rejected(url, format!("unsupported scheme `{other}`"))),
    }
}

/// [`check_url`], plus plain `http://` to the metadata server's own names.
pub fn check_metadata_url(url: &str) -> Result<reqwest::Url, UrlRejected> {
    match check_url(url) {
        Err(e) => match reqwest::Url::parse(url) {
            Ok(parsed)
                if parsed.scheme() == "http"
                    && parsed
                        .host_str()
                        .is_some_and(crate::model::is_metadata_host) =>
            {
                Ok(parsed)
            }
            _ => Err(e),
        },
        ok => ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_to_the_metadata_server_only_by_its_names() {
        assert!(check_metadata_url("http://169.254.169.254/computeMetadata/v1/").is_ok());
        assert!(check_metadata_url("http://metadata.google.internal/x").is_ok());
        assert!(check_metadata_url("http://127.0.0.1:8080/x").is_ok());
        assert!(check_metadata_url("http://metadata.google.internal.evil.test/x").is_err());
        assert!(
            check_url("http://169.254.169.254/").is_err(),
            "only for the metadata server"
        );
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_url("http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("http://[::1]:8080/token").is_ok());
        assert!(check_url("http://localhost/token").is_ok());
        assert!(check_url("https://oauth2.googleapis.com/token").is_ok());
        let err = check_url("http://oauth2.googleapis.com/token").expect_err("remote http");
        assert!(err.to_string().contains("oauth2.googleapis.com"));
        assert!(check_url("ftp://127.0.0.1/x").is_err());
    }

    /// A loopback server answering once with `date` as its `Date` header.
    async fn answering_with_date(date: String) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 1024];
            let _ = socket.read(&mut request).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nDate: {date}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
        });
        url
    }

    #[tokio::test]
    async fn every_answer_read_measures_the_servers_clock() {
        let skew = std::sync::Arc::new(crate::model::Skew::default());
        let http = Http::new(Duration::from_secs(5), skew.clone()).unwrap();
        // A server whose clock is two hours ahead of this machine's.
        let ahead = chrono::Utc::now() + chrono::Duration::hours(2);
        let url = answering_with_date(ahead.to_rfc2822().replace("+0000", "GMT")).await;
        let response = http.client().get(&url).send().await.unwrap();
        assert_eq!(http.read_text(response).await.unwrap(), "ok");
        let offset = skew.offset().expect("measured");
        assert!(
            (offset - chrono::Duration::hours(2)).num_seconds().abs() <= 2,
            "{offset}"
        );
    }
}
