//! `tokentop list --from URL`: what a running `tokentop serve` sees, in any
//! of list's formats and with list's exit status. `serve` speaks plain
//! http, so the URL is loopback (an `ssh -L` tunnel to a bastion's serve)
//! or https (a proxy in front of it).

use super::list::{Document, EXIT_SOURCE_BROKEN, Format, show};
use crate::model::{Secret, Skew};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// How long one answer from `serve` may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of a `serve`'s answer read: a listing is a few kilobytes a credential.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Prints what the `serve` at `base` (its address, with or without
/// `/metrics`) sees, as `format`; a serve that cannot be asked exits
/// [`EXIT_SOURCE_BROKEN`], as a broken source does.
pub async fn list_from(
    base: &str,
    bearer_token_file: Option<&Path>,
    format: Format,
) -> Result<ExitCode, String> {
    match ask(base, bearer_token_file, format).await {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("tokentop: {e}");
            Ok(ExitCode::from(EXIT_SOURCE_BROKEN))
        }
    }
}

async fn ask(
    base: &str,
    bearer_token_file: Option<&Path>,
    format: Format,
) -> Result<ExitCode, String> {
    let bearer = bearer_token_file
        .map(super::serve::read_bearer)
        .transpose()?;
    // `host:port` as Prometheus' targets are written is http.
    let base = match base.contains("://") {
        true => base.to_string(),
        false => format!("http://{base}"),
    };
    let base = base.trim_end_matches('/');
    let base = base.strip_suffix("/metrics").unwrap_or(base);
    let http = crate::net::Http::new(TIMEOUT, Arc::new(Skew::default()))
        .map_err(|e| format!("--from {base}: {e}"))?;
    let document = fetch(&http, &format!("{base}/list.json"), None, bearer.as_ref()).await?;
    let accept = match format {
        Format::Openmetrics => Some(super::metrics::OPENMETRICS_TYPE),
        Format::Prometheus => Some(super::metrics::CLASSIC_TYPE),
        Format::Table | Format::Json => return show(&document, format, true),
    };
    let metrics = fetch(&http, &format!("{base}/metrics"), accept, bearer.as_ref()).await?;
    out!("{metrics}");
    Ok(Document::parse(&document)
        .map_err(|e| format!("{base}/list.json: {e}"))?
        .exit_code(true))
}

/// GETs `url` from a `serve`; an error names the URL and what to do.
async fn fetch(
    http: &crate::net::Http,
    url: &str,
    accept: Option<&str>,
    bearer: Option<&Secret>,
) -> Result<String, String> {
    let checked = crate::net::check_url(url).map_err(|e| match url.starts_with("http://") {
        true => format!(
            "--from {e} (reach a remote serve through `ssh -N -L 9464:127.0.0.1:9464 HOST`)"
        ),
        false => format!("--from {e}"),
    })?;
    let mut request = http.client().get(checked);
    if let Some(accept) = accept {
        request = request.header(reqwest::header::ACCEPT, accept);
    }
    if let Some(token) = bearer {
        request = request.bearer_auth(token.expose());
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("{url}: {} (is `tokentop serve` running there?)", causes(&e)))?;
    let status = response.status();
    let body = crate::net::read_body_capped(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let body = String::from_utf8_lossy(&body).into_owned();
    match status.as_u16() {
        200 => Ok(body),
        401 if bearer.is_some() => Err(format!(
            "{url}: HTTP 401: this serve refused the bearer token given (is it the file serve reads?)"
        )),
        401 => Err(format!(
            "{url}: HTTP 401: this serve asks for a bearer token (give --bearer-token-file)"
        )),
        404 => Err(format!(
            "{url}: HTTP 404: not a tokentop serve, or one older than list --from"
        )),
        code => Err(format!("{url}: HTTP {code}: {}", body.trim())),
    }
}

/// What went wrong underneath an error: its innermost cause ("Connection
/// refused", "operation timed out"), not reqwest's "error sending request".
fn causes(error: &dyn std::error::Error) -> String {
    let mut innermost = error;
    while let Some(cause) = innermost.source() {
        innermost = cause;
    }
    innermost.to_string()
}
