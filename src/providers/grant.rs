//! One path for every call that carries a secret: the form POST (with the
//! client in the body or in a Basic header), the bounded answer, one parser
//! for token-endpoint answers, and every error scrubbed of what was sent.

use super::ProviderError;
use super::retry;
use super::scrub::{Sent, form_encode};
use crate::model::{Credential, Secret, Token, TokenRole, check_token_value, expiry_after};
use crate::net::{Http, check_url};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    /// No client authentication (the form carries the grant alone).
    None,
    /// `client_id` and `client_secret` as form fields (Google).
    InBody(&'a str, &'a Secret),
    /// An `Authorization: Basic` header (Databricks).
    Basic(&'a str, &'a Secret),
    /// A signed JWT naming the client (RFC 7523 §2.2, `private_key_jwt`).
    Assertion(&'a str, &'a Secret),
}

/// RFC 7523's client assertion type.
const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Form fields that never carry a secret; every other field's value is
/// treated as one when scrubbing the answer.
const PUBLIC_FIELDS: [&str; 9] = [
    "grant_type",
    "client_id",
    "resource",
    "scope",
    "audience",
    "target_audience",
    "subject_token_type",
    "requested_token_type",
    "token_type_hint",
];

/// A 2xx answer, and the secrets its request carried: whatever tokentop
/// keeps of it is scrubbed of them first (a server may echo them back).
#[derive(Debug)]
pub struct Answer {
    /// The body.
    pub body: String,
    /// What the request carried.
    pub sent: Sent,
}

/// POSTs `form` to `url` (checked first: https, or http to loopback) and
/// returns the 2xx answer, trying again as [`retry`] allows. Any other answer is an error naming
/// `url` whose text is scrubbed of every secret the request carried.
pub async fn post_form(
    http: &Http,
    url: &str,
    form: &[(&str, &str)],
    auth: ClientAuth<'_>,
) -> Result<Answer, ProviderError> {
    let parsed = check_url(url)?;
    let mut fields: Vec<(&str, &str)> = form.to_vec();
    let mut sent = form
        .iter()
        .filter(|(name, _)| !PUBLIC_FIELDS.contains(name))
        .fold(Sent::default(), |sent, (_, value)| {
            sent.and(&Secret::new(*value))
        });
    let mut basic = None;
    match auth {
        ClientAuth::None => {}
        ClientAuth::InBody(id, secret) => {
            fields.push(("client_id", id));
            fields.push(("client_secret", secret.expose()));
            sent = sent.and(secret);
        }
        ClientAuth::Basic(id, secret) => {
            basic = Some((form_encode(id), form_encode(secret.expose())));
            sent = sent.with_basic(id, secret);
        }
        ClientAuth::Assertion(id, assertion) => {
            fields.push(("client_id", id));
            fields.push(("client_assertion_type", JWT_BEARER_ASSERTION));
            fields.push(("client_assertion", assertion.expose()));
            sent = sent.and(assertion);
        }
    }
    send(http, url, sent, |client| {
        let request = client.post(parsed.clone()).form(&fields);
        match &basic {
            Some((id, secret)) => request.basic_auth(id, Some(secret)),
            None => request,
        }
    })
    .await
}

/// POSTs a grant's `form` to the token endpoint `url` and reads the
/// tokens of its answer ([`post_form`], [`parse_grant`], [`tokens`]).
pub async fn request_tokens(
    http: &Http,
    url: &str,
    form: &[(&str, &str)],
    auth: ClientAuth<'_>,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Vec<Token>, ProviderError> {
    let answer = post_form(http, url, form, auth).await?;
    tokens(parse_grant(answer, url)?, cred, now, url)
}

/// POSTs `body` as JSON to `url` with `Authorization: Bearer` (IAM
/// Credentials), as [`post_form`] does a form: checked URL, retries,
/// bounded answer, every error scrubbed of the bearer token.
pub async fn post_json(
    http: &Http,
    url: &str,
    body: &Value,
    bearer: &Secret,
) -> Result<Answer, ProviderError> {
    let parsed = check_url(url)?;
    let sent = Sent::default().and(bearer);
    send(http, url, sent, |client| {
        client
            .post(parsed.clone())
            .bearer_auth(bearer.expose())
            .json(body)
    })
    .await
}

/// GETs `url` with `Authorization: Bearer` (a workspace API), as
/// [`post_json`] POSTs.
pub async fn get_bearer(http: &Http, url: &str, bearer: &Secret) -> Result<Answer, ProviderError> {
    let parsed = check_url(url)?;
    let sent = Sent::default().and(bearer);
    send(http, url, sent, |client| {
        client.get(parsed.clone()).bearer_auth(bearer.expose())
    })
    .await
}

/// GETs a public document (an issuer's metadata: no credential is sent)
/// and reads it with `read`; a document read well is reused for an hour.
pub async fn get_document<T>(
    http: &Http,
    url: &str,
    read: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ProviderError> {
    if let Some(read) = http.remembered(url).and_then(|body| read(&body).ok()) {
        return Ok(read);
    }
    let parsed = check_url(url)?;
    let answer = send(http, url, Sent::default(), |client| {
        client.get(parsed.clone())
    })
    .await?;
    let document = read(&answer.body).map_err(|why| ProviderError::config(url, why))?;
    http.remember(url, &answer.body);
    Ok(document)
}

/// Sends the request `build` makes until it is answered, trying again as
/// [`retry`] allows; a 2xx answer comes back with what was `sent`.
async fn send(
    http: &Http,
    url: &str,
    sent: Sent,
    build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
) -> Result<Answer, ProviderError> {
    let mut attempt = 0;
    let began = std::time::Instant::now();
    // A wait that would overrun the retry budget is not taken: with the
    // last try's own timeout, one call stays within twice the timeout.
    let budget = retry::RETRY_BUDGET.min(http.timeout());
    let within_budget = |wait: std::time::Duration| began.elapsed() + wait <= budget;
    loop {
        attempt += 1;
        let response = match build(http.client()).send().await {
            Ok(response) => response,
            // Only a connection that never opened is safe to try again.
            Err(e) if e.is_connect() => {
                match retry::wait_before_next(attempt, None).filter(|w| within_budget(*w)) {
                    Some(wait) => {
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    None => return Err(ProviderError::network(url, &e, &sent)),
                }
            }
            Err(e) => return Err(ProviderError::network(url, &e, &sent)),
        };
        let status = response.status();
        let asked = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry::retry_after(v, Utc::now()));
        let body = http
            .read_text(response)
            .await
            .map_err(|e| ProviderError::network(url, &e, &sent))?;
        if status.is_success() {
            return Ok(Answer { body, sent });
        }
        if retry::retryable_status(status.as_u16())
            && let Some(wait) =
                retry::wait_before_next(attempt, asked).filter(|w| within_budget(*w))
        {
            tracing::debug!(
                endpoint = url,
                status = status.as_u16(),
                attempt,
                "retrying"
            );
            tokio::time::sleep(wait).await;
            continue;
        }
        let mut error = ProviderError::rejected(url, status.as_u16(), &body, &sent);
        if let (ProviderError::Rejected { message, .. }, Some(wait)) = (&mut error, asked) {
            message.push_str(&format!(" (the server asks to wait {} s)", wait.as_secs()));
        }
        return Err(error);
    }
}

/// RFC 8693's token-exchange grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 8693's token type of an OAuth access token.
pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A token endpoint's success answer (RFC 6749 §5.1), checked.
#[derive(Debug)]
pub struct Grant {
    /// `access_token`, if sent.
    pub access_token: Option<Secret>,
    /// `id_token`, if sent.
    pub id_token: Option<Secret>,
    /// `refresh_token`, when the issuer rotates it (or at a first login).
    pub refresh_token: Option<Secret>,
    /// `expires_in` in seconds: a number, or a string of digits (both are
    /// accepted by every client, so both are accepted on every path).
    pub expires_in: Option<i64>,
    /// `scope`, split on spaces (scrubbed of what was sent).
    pub scopes: Option<Vec<String>>,
    /// What the request carried, to scrub what is read from the tokens.
    pub sent: Sent,
}

/// The longest `expires_in` believed: ten years. A longer or negative one
/// is a broken or hostile answer, not a token that never expires.
pub const MAX_EXPIRES_IN: i64 = 10 * 366 * 24 * 3600;

/// Reads a token endpoint's 200 answer. Errors say which field is wrong
/// and never quote the answer (it may echo what was sent).
pub fn parse_grant(answer: Answer, endpoint: &str) -> Result<Grant, ProviderError> {
    let Answer { body, sent } = answer;
    let bad = |what: String| ProviderError::config(endpoint, format!("token answer: {what}"));
    let value: Value = serde_json::from_str(&body).map_err(|e| {
        bad(format!(
            "not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(fields) = value else {
        return Err(bad("not a JSON object".into()));
    };
    let token = |name: &str| -> Result<Option<Secret>, ProviderError> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                check_token_value(s).map_err(|why| bad(format!("`{name}` {why}")))?;
                Ok(Some(Secret::new(s.as_str())))
            }
            Some(_) => Err(bad(format!("`{name}` is not a string"))),
        }
    };
    let expires_in = match fields.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| bad("`expires_in` is not a whole number of seconds".into()))?,
        ),
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<i64>()
                .map_err(|_| bad("`expires_in` is a string that is not a number".into()))?,
        ),
        Some(_) => return Err(bad("`expires_in` is not a number".into())),
    };
    if let Some(seconds) = expires_in
        && !(0..=MAX_EXPIRES_IN).contains(&seconds)
    {
        return Err(bad(format!(
            "`expires_in` of {seconds} s is not a plausible lifetime"
        )));
    }
    let scopes = match fields.get("scope") {
        None | Some(Value::Null) => None,
        // The whole string first: a secret echoed in short pieces is still one.
        Some(Value::String(s)) => Some(match sent.redact(s) {
            Some(clean) => clean.split_whitespace().map(str::to_string).collect(),
            None => vec![super::scrub::WITHHELD.to_string()],
        }),
        Some(_) => return Err(bad("`scope` is not a string".into())),
    };
    let grant = Grant {
        access_token: token("access_token")?,
        id_token: token("id_token")?,
        refresh_token: token("refresh_token")?,
        expires_in,
        scopes,
        sent,
    };
    if grant.access_token.is_none() && grant.id_token.is_none() {
        return Err(bad("neither `access_token` nor `id_token`".into()));
    }
    Ok(grant)
}

/// The tokens of a grant: its access token and its ID token, either or
/// both. Scopes fall back to the requested ones (RFC 6749 §5.1: omitted
/// means as requested); a JWT's `aud` and an ID token's `exp` are read.
pub fn tokens(
    grant: Grant,
    cred: &Credential,
    now: DateTime<Utc>,
    endpoint: &str,
) -> Result<Vec<Token>, ProviderError> {
    let Grant {
        access_token,
        id_token,
        refresh_token,
        expires_in,
        scopes,
        sent,
    } = grant;
    let mut tokens = Vec::new();
    if let Some(value) = access_token {
        let audience = crate::inspect::jwt::peek_claims(value.expose())
            .ok()
            .and_then(|claims| {
                claims
                    .get("aud")
                    .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
            })
            .map(|aud| sent.scrub(&aud));
        tokens.push(Token {
            expires_at: expires_in.and_then(|s| expiry_after(now, s)),
            scopes: scopes.unwrap_or_else(|| cred.scopes.clone()),
            audience,
            ..Token::obtained(TokenRole::Access, value, now)
        });
    }
    if let Some(value) = id_token {
        tokens.push(id_token_of(value, &sent, now, endpoint)?);
    }
    if let Some(value) = refresh_token {
        tokens.push(Token::obtained(TokenRole::Refresh, value, now));
    }
    Ok(tokens)
}

/// An ID token: its expiry and audience are its own claims.
pub fn id_token_of(
    value: Secret,
    sent: &Sent,
    now: DateTime<Utc>,
    endpoint: &str,
) -> Result<Token, ProviderError> {
    let claims = crate::inspect::jwt::peek_claims(value.expose())
        .map_err(|e| ProviderError::config(endpoint, format!("id_token: {e}")))?;
    Ok(Token {
        expires_at: claims
            .get("exp")
            .and_then(serde_json::Value::as_i64)
            .and_then(|t| DateTime::from_timestamp(t, 0)),
        audience: claims
            .get("aud")
            .and_then(|a| a.as_str())
            .map(|aud| sent.scrub(aud)),
        ..Token::obtained(TokenRole::Id, value, now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parser_for_every_grant() {
        let answer = |body: &str| Answer {
            body: body.to_string(),
            sent: Sent::default(),
        };
        let ok = |body: &str| parse_grant(answer(body), "t").expect(body);
        assert_eq!(
            ok(r#"{"access_token":"ya29.a","expires_in":3599}"#).expires_in,
            Some(3599)
        );
        assert_eq!(
            ok(r#"{"access_token":"ya29.a","expires_in":"3600"}"#).expires_in,
            Some(3600)
        );
        assert_eq!(ok(r#"{"access_token":"ya29.a"}"#).expires_in, None);
        assert_eq!(
            ok(r#"{"access_token":"ya29.a","scope":"a b"}"#).scopes,
            Some(vec!["a".to_string(), "b".to_string()])
        );
        assert!(ok(r#"{"id_token":"eyJ.x.y"}"#).id_token.is_some());
    }

    #[test]
    fn a_success_that_echoes_a_secret_keeps_none_of_it() {
        let refresh = Secret::new("1//0gEchoedRefreshToken");
        let body = format!(
            r#"{{"access_token":"ya29.ok","expires_in":3600,"scope":"openid {} email"}}"#,
            refresh.expose()
        );
        let grant = parse_grant(
            Answer {
                body,
                sent: Sent::new(&[&refresh]),
            },
            "t",
        )
        .expect("a usable token");
        let scopes = grant.scopes.expect("scopes").join(" ");
        assert!(!scopes.contains("Echoed"), "{scopes}");
        assert!(scopes.contains(&refresh.fingerprint()), "{scopes}");
    }

    #[test]
    fn bad_answers_are_named_without_quoting_them() {
        let echo = "grant_type=refresh_token&refresh_token=1%2F%2F0gSECRETSECRET";
        for body in [
            format!(r#"{{"access_token":"ya29.a","expires_in":"{echo}"}}"#),
            format!(r#"{{"access_token":"ya29.a","expires_in":3600,"scope":["{echo}"]}}"#),
            format!(r#"{{"access_token":"{echo} x","expires_in":3600}}"#),
            format!("{{\"access_token\": \"{echo}"),
            r#"{"access_token":"","expires_in":3600}"#.to_string(),
            format!(
                r#"{{"access_token":"{}","expires_in":3600}}"#,
                "a".repeat(100_000)
            ),
            r#"{"token_type":"Bearer"}"#.to_string(),
            "[1,2]".to_string(),
            r#"{"access_token":"ya29.a","expires_in":-5}"#.to_string(),
            r#"{"access_token":"ya29.a","expires_in":1000000000000000}"#.to_string(),
        ] {
            let answer = Answer {
                body: body.clone(),
                sent: Sent::default(),
            };
            let err = parse_grant(answer, "http://127.0.0.1/token")
                .expect_err(&body[..40.min(body.len())]);
            let said = err.to_string();
            assert!(!said.contains("SECRET") && said.len() < 200, "{said}");
            assert!(
                said.starts_with("http://127.0.0.1/token: token answer: "),
                "{said}"
            );
        }
    }
}
