//! What Google's and Databricks' authorize endpoints share (RFC 6749 §4.1,
//! RFC 7636): the request's checks in the order §4.1.2.1 asks, the
//! redirects back to the client, the error pages shown to the person, and
//! the code itself.

use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::http::Params;
use super::keys;
use super::login_tables::{AuthCode, CodeIssuer, challenge_well_formed};
use super::state::Shared;

/// A sign-in request that passed every check the client can be told about.
#[derive(Debug)]
pub struct Checked {
    /// The client.
    pub client_id: String,
    /// The redirect URI, verbatim.
    pub redirect_uri: String,
    /// `state`, echoed back if sent.
    pub state: Option<String>,
    /// The S256 challenge, if any.
    pub challenge: Option<String>,
    /// Requested scopes, in order.
    pub scopes: Vec<String>,
}

/// An error the client is told about through its redirect URI.
#[derive(Debug)]
pub struct RedirectError {
    /// The `error` code.
    pub code: &'static str,
    /// The `error_description`, if any.
    pub description: Option<String>,
}

impl RedirectError {
    /// `invalid_request` with a description.
    fn invalid_request(description: &str) -> Self {
        Self {
            code: "invalid_request",
            description: Some(description.to_string()),
        }
    }
}

/// Checks the parts of an authorization request that are reported by
/// redirect (RFC 6749 §4.1.2.1): `response_type`, PKCE and, unless
/// `default_scope` is given, `scope`. Client and redirect URI must have
/// been checked already.
pub fn check_request(
    params: &Params,
    client_id: &str,
    redirect_uri: &str,
    require_pkce: bool,
    default_scope: Option<&str>,
) -> (Option<String>, Result<Checked, RedirectError>) {
    let state = params.get("state").cloned();
    let param = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let checked = (|| {
        match param("response_type") {
            Some("code") => {}
            None => {
                return Err(RedirectError::invalid_request(
                    "Missing required parameter: response_type",
                ));
            }
            Some(other) => {
                return Err(RedirectError {
                    code: "unsupported_response_type",
                    description: Some(format!("Unsupported response_type: {other}")),
                });
            }
        }
        let challenge = match (param("code_challenge"), param("code_challenge_method")) {
            (None, _) if require_pkce => {
                return Err(RedirectError::invalid_request(
                    "Missing required parameter: code_challenge",
                ));
            }
            (None, _) => None,
            (Some(c), Some("S256")) if challenge_well_formed(c) => Some(c.to_string()),
            (Some(_), Some("S256")) => {
                return Err(RedirectError::invalid_request("Invalid code_challenge"));
            }
            (Some(_), method) => {
                return Err(RedirectError::invalid_request(&format!(
                    "Unsupported code_challenge_method: {} (only S256)",
                    method.unwrap_or("plain")
                )));
            }
        };
        let scope = param("scope")
            .or(default_scope)
            .ok_or_else(|| RedirectError::invalid_request("Missing required parameter: scope"))?;
        Ok(Checked {
            client_id: client_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            state: state.clone(),
            challenge,
            scopes: scope.split_whitespace().map(str::to_string).collect(),
        })
    })();
    (state, checked)
}

/// A redirect to `redirect_uri` with `pairs` appended to its query.
pub fn redirect(status: StatusCode, redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("invalid_request", "The redirect_uri is not a URL.");
    };
    url.query_pairs_mut().extend_pairs(pairs);
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => (status, [(header::LOCATION, location)]).into_response(),
        Err(_) => error_page("invalid_request", "The redirect_uri cannot be a Location."),
    }
}

/// The redirect carrying `error` (and `state` when the request had one).
pub fn redirect_error(
    status: StatusCode,
    redirect_uri: &str,
    state: Option<&str>,
    error: &RedirectError,
) -> Response {
    let mut pairs = vec![("error", error.code)];
    if let Some(d) = &error.description {
        pairs.push(("error_description", d));
    }
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect(status, redirect_uri, &pairs)
}

/// The redirect of a person who refused consent.
pub fn refused(status: StatusCode, checked: &Checked) -> Response {
    let error = RedirectError {
        code: "access_denied",
        description: None,
    };
    redirect_error(
        status,
        &checked.redirect_uri,
        checked.state.as_deref(),
        &error,
    )
}

/// Stores a fresh code for `checked` and redirects with `code`, `state`
/// (if sent) and the granted `scope`.
pub fn issue_code(
    shared: &Shared,
    status: StatusCode,
    checked: &Checked,
    issuer: CodeIssuer,
    person: (&str, &str),
    scopes: Vec<String>,
) -> Response {
    let code = match issuer {
        CodeIssuer::Google => format!("4/0A{}", keys::random_urlsafe(54)),
        CodeIssuer::Databricks(_) => keys::random_urlsafe(32),
    };
    let scope = scopes.join(" ");
    let record = AuthCode {
        issuer,
        client_id: checked.client_id.clone(),
        redirect_uri: checked.redirect_uri.clone(),
        challenge: checked.challenge.clone(),
        email: person.0.to_string(),
        sub: person.1.to_string(),
        scopes,
        expires: Instant::now() + shared.login.code_lifetime,
    };
    shared.tables().login.codes.insert(code.clone(), record);
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &checked.state {
        pairs.push(("state", s));
    }
    pairs.push(("scope", &scope));
    redirect(status, &checked.redirect_uri, &pairs)
}

/// The 400 page shown to the person instead of a redirect.
pub fn error_page(code: &str, description: &str) -> Response {
    html_page(
        StatusCode::BAD_REQUEST,
        "Authorization error",
        &format!(
            "<h1>Error 400: {}</h1>\n<p>{}</p>",
            escape(code),
            escape(description)
        ),
    )
}

/// A small HTML page.
pub fn html_page(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{body}\n</body></html>\n",
        escape(title)
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn redirects_keep_the_query_and_encode() {
        let r = redirect(
            StatusCode::FOUND,
            "http://127.0.0.1:5/cb?x=1",
            &[("code", "4/0A b"), ("state", "s&t")],
        );
        let location = r.headers()[header::LOCATION].to_str().unwrap();
        assert_eq!(
            location,
            "http://127.0.0.1:5/cb?x=1&code=4%2F0A+b&state=s%26t"
        );
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
