//! The HTTP client that providers and inspect share: rustls, timeouts, and the
//! rule that plain `http://` is allowed only to loopback hosts.

use std::time::Duration;

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
}

impl Http {
    /// Builds the client with a per-request timeout.
    pub fn new(timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            // Never follow a redirect: the request carries a secret in its
            // body, and the new location was never checked (RFC 6749 §3.2's
            // token endpoint does not redirect). A 3xx is an error answer.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tokentop/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { client })
    }

    /// The underlying client, for a request to a URL that [`check_url`] accepted.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    async fn send_oauth2(
        &self,
        request: oauth2::HttpRequest,
    ) -> Result<oauth2::HttpResponse, reqwest::Error> {
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await?;
        let mut builder = oauth2::http::Response::builder().status(response.status());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        let bytes = response.bytes().await?;
        // A builder fed only a valid status and valid headers cannot fail.
        Ok(builder.body(bytes.to_vec()).unwrap_or_default())
    }
}

/// Lets the oauth2 crate send its requests through this client.
impl<'c> oauth2::AsyncHttpClient<'c> for Http {
    type Error = reqwest::Error;
    type Future = std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<oauth2::HttpResponse, reqwest::Error>>
                + Send
                + 'c,
        >,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(self.send_oauth2(request))
    }
}

/// Accepts `https://` anywhere and `http://` only to loopback
/// (`127.0.0.0/8`, `::1`, `localhost`).
pub fn check_url(url: &str) -> Result<reqwest::Url, UrlRejected> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| rejected(url, format!("not a valid URL: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback(&parsed) => Ok(parsed),
        "http" => Err(rejected(
            url,
            "plain http is allowed only to loopback hosts; use https",
        )),
        other => Err(rejected(url, format!("unsupported scheme `{other}`"))),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
