//! What the doctor learns from one request sent with a token: the kind of
//! service it went to, and its answer read into types (status, the RFC 6750
//! challenge, Google's and Databricks' error bodies, the server's clock).
//! Pure parsing; the rules that name a cause are in `diagnosis`.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The kind of service a probe goes to, which decides the rules that read
/// its answer (wire.md §5: each bends RFC 6750 its own way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// Cloud Run or Cloud Functions: a Google-signed ID token whose `aud` is the service URL.
    CloudRun,
    /// A Google API (`*.googleapis.com`): an access token with the API's scope.
    GoogleApi,
    /// A Databricks workspace or account REST API.
    Databricks,
    /// Any other resource server speaking RFC 6750.
    OAuth,
}

impl TargetKind {
    /// Every kind, in the order `--kind` lists them.
    pub const ALL: [TargetKind; 4] = [
        TargetKind::CloudRun,
        TargetKind::GoogleApi,
        TargetKind::Databricks,
        TargetKind::OAuth,
    ];

    /// The name `--kind` takes and reports print.
    pub fn label(self) -> &'static str {
        match self {
            TargetKind::CloudRun => "cloud-run",
            TargetKind::GoogleApi => "google-api",
            TargetKind::Databricks => "databricks",
            TargetKind::OAuth => "oauth",
        }
    }

    /// The kind named `name` (as [`TargetKind::label`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.label() == name)
    }

    /// The kind a host name gives away, when it does.
    pub fn from_host(host: &str) -> Option<Self> {
        let host = host.to_ascii_lowercase();
        let under = |suffix: &str| host.ends_with(suffix);
        if under(".run.app") || under(".cloudfunctions.net") {
            Some(TargetKind::CloudRun)
        } else if under(".googleapis.com") {
            Some(TargetKind::GoogleApi)
        } else if under(".cloud.databricks.com")
            || under(".azuredatabricks.net")
            || under(".gcp.databricks.com")
        {
            Some(TargetKind::Databricks)
        } else {
            None
        }
    }
}

/// An RFC 6750 §3 `WWW-Authenticate: Bearer` challenge's parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BearerChallenge {
    /// `realm`.
    pub realm: Option<String>,
    /// `error`: `invalid_token`, `insufficient_scope`, `invalid_request`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `scope`: what the resource accepts.
    pub scope: Option<String>,
}

impl BearerChallenge {
    /// The Bearer challenge in a `WWW-Authenticate` value, if there is one.
    pub fn parse(header: &str) -> Option<Self> {
        let at = header.to_ascii_lowercase().find("bearer")?;
        let mut rest = &header[at + "bearer".len()..];
        let mut challenge = Self::default();
        while let Some((name, after)) = rest.split_once('=') {
            let name = name.trim_matches(|c: char| c == ',' || c.is_whitespace());
            let after = after.trim_start();
            let (value, tail) = match after.strip_prefix('"') {
                Some(quoted) => match quoted.split_once('"') {
                    Some((value, tail)) => (value, tail),
                    None => (quoted, ""),
                },
                None => after.split_once(',').unwrap_or((after, "")),
            };
            let value = Some(value.trim().to_string());
            match name.to_ascii_lowercase().as_str() {
                "realm" => challenge.realm = value,
                "error" => challenge.error = value,
                "error_description" => challenge.error_description = value,
                "scope" => challenge.scope = value,
                _ => {}
            }
            rest = tail;
        }
        Some(challenge)
    }
}

/// What an error body says, whichever of the shapes wire.md §5 lists it
/// takes: Google's envelope, Databricks' `error_code`/`message`, OAuth's
/// `error`/`error_description`, or an HTML page's title.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceError {
    /// Google's `status` (`PERMISSION_DENIED`), Databricks' `error_code`
    /// (a word or a number), or OAuth's `error`.
    pub code: Option<String>,
    /// The message.
    pub message: Option<String>,
    /// Google's `ErrorInfo` reason (`ACCESS_TOKEN_SCOPE_INSUFFICIENT`).
    pub reason: Option<String>,
    /// The IAM permission an `ErrorInfo` names.
    pub permission: Option<String>,
}

impl ServiceError {
    /// Reads `body` in whichever shape it has; an unknown shape leaves all empty.
    pub fn parse(body: &str) -> Self {
        match serde_json::from_str::<serde_json::Value>(body) {
            Ok(value) => Self::from_json(&value),
            Err(_) => Self {
                message: html_title(body),
                ..Self::default()
            },
        }
    }

    fn from_json(value: &serde_json::Value) -> Self {
        let text = |v: Option<&serde_json::Value>| -> Option<String> {
            match v? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        match value.get("error") {
            // Google's envelope: {"error": {"code", "message", "status", "details"}}.
            Some(envelope @ serde_json::Value::Object(_)) => {
                let info = envelope["details"].as_array().and_then(|details| {
                    details.iter().find(|d| {
                        d["@type"]
                            .as_str()
                            .is_some_and(|t| t.ends_with("google.rpc.ErrorInfo"))
                    })
                });
                Self {
                    code: text(envelope.get("status")),
                    message: text(envelope.get("message")),
                    reason: info.and_then(|i| text(i.get("reason"))),
                    permission: info.and_then(|i| text(i.pointer("/metadata/permission"))),
                }
            }
            // OAuth: {"error": "invalid_token", "error_description": "..."}.
            Some(error) => Self {
                code: text(Some(error)),
                message: text(value.get("error_description")),
                ..Self::default()
            },
            // Databricks: {"error_code": 403 | "PERMISSION_DENIED", "message": "..."}.
            None => Self {
                code: text(value.get("error_code")),
                message: text(value.get("message")).or_else(|| text(value.get("detail"))),
                ..Self::default()
            },
        }
    }
}

/// The text of an HTML page's `<title>` (or first `<h1>`), tags stripped.
fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    ["title", "h1", "pre"].iter().find_map(|tag| {
        let start = lower.find(&format!("<{tag}"))?;
        let open_end = start + lower[start..].find('>')? + 1;
        let end = open_end + lower[open_end..].find(&format!("</{tag}"))?;
        let text = strip_tags(&body[open_end..end]);
        (!text.is_empty()).then_some(text)
    })
}

/// `html` without its tags, whitespace collapsed.
fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The longest excerpt of an answer's body a report keeps.
pub const BODY_EXCERPT_CHARS: usize = 600;

/// A target's answer to one request, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResponse {
    /// HTTP status.
    pub status: u16,
    /// `WWW-Authenticate`, as sent.
    pub www_authenticate: Option<String>,
    /// Its Bearer challenge, read.
    pub challenge: Option<BearerChallenge>,
    /// Databricks' `X-Databricks-Reason-Phrase`.
    pub reason_phrase: Option<String>,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// The error body, read.
    pub error: ServiceError,
    /// The body's start on one line (what a human would want to see).
    pub body_excerpt: String,
    /// The server's clock (its `Date` header).
    pub server_date: Option<DateTime<Utc>>,
}

impl ProbeResponse {
    /// Reads an answer: `header` looks a header up by its lower-case name.
    pub fn read(status: u16, header: impl Fn(&str) -> Option<String>, body: &str) -> Self {
        let www_authenticate = header("www-authenticate");
        let excerpt: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
        Self {
            status,
            challenge: www_authenticate.as_deref().and_then(BearerChallenge::parse),
            www_authenticate,
            reason_phrase: header("x-databricks-reason-phrase"),
            location: header("location"),
            error: ServiceError::parse(body),
            body_excerpt: excerpt.chars().take(BODY_EXCERPT_CHARS).collect(),
            server_date: header("date").and_then(|d| super::skew::http_date(&d)),
        }
    }

    /// Passes every text the answer keeps through `f` (to scrub it).
    pub fn map_text(&mut self, f: impl Fn(&str) -> String) {
        let challenge = self.challenge.iter_mut().flat_map(|c| {
            [
                &mut c.realm,
                &mut c.error,
                &mut c.error_description,
                &mut c.scope,
            ]
        });
        let e = &mut self.error;
        let fields = [
            &mut self.www_authenticate,
            &mut self.reason_phrase,
            &mut self.location,
            &mut e.code,
            &mut e.message,
            &mut e.reason,
            &mut e.permission,
        ];
        for text in fields.into_iter().chain(challenge).flatten() {
            *text = f(text);
        }
        self.body_excerpt = f(&self.body_excerpt);
    }

    /// Everything the answer says in words, for matching a known message.
    pub fn says(&self, text: &str) -> bool {
        [
            self.error.message.as_deref(),
            self.reason_phrase.as_deref(),
            Some(self.body_excerpt.as_str()),
        ]
        .into_iter()
        .flatten()
        .any(|said| said.contains(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_google_insufficient_scope_challenge_is_read() {
        let header = r#"Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/devstorage.read_only https://www.googleapis.com/auth/cloud-platform""#;
        let c = BearerChallenge::parse(header).unwrap();
        assert_eq!(c.realm.as_deref(), Some("https://accounts.google.com/"));
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert!(c.scope.unwrap().ends_with("auth/cloud-platform"));
    }

    #[test]
    fn an_unquoted_challenge_and_another_scheme_are_read() {
        let c = BearerChallenge::parse("Basic realm=x, Bearer error=invalid_token").unwrap();
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(BearerChallenge::parse("Basic realm=\"x\""), None);
    }

    #[test]
    fn google_envelope_reason_and_permission_are_read() {
        let body = r#"{"error":{"code":403,"message":"Permission 'storage.buckets.list' denied","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"iam.googleapis.com","metadata":{"permission":"storage.buckets.list"}}]}}"#;
        let e = ServiceError::parse(body);
        assert_eq!(e.code.as_deref(), Some("PERMISSION_DENIED"));
        assert_eq!(e.reason.as_deref(), Some("IAM_PERMISSION_DENIED"));
        assert_eq!(e.permission.as_deref(), Some("storage.buckets.list"));
    }

    #[test]
    fn databricks_numeric_error_code_and_oauth_errors_are_read() {
        let e = ServiceError::parse(r#"{"error_code":403,"message":"Invalid access token."}"#);
        assert_eq!(e.code.as_deref(), Some("403"));
        assert_eq!(e.message.as_deref(), Some("Invalid access token."));
        let e = ServiceError::parse(r#"{"error":"invalid_token","error_description":"gone"}"#);
        assert_eq!(
            (e.code.as_deref(), e.message.as_deref()),
            (Some("invalid_token"), Some("gone"))
        );
    }

    #[test]
    fn an_html_error_page_gives_its_title() {
        let body = "<html><head>\n<title>401 Unauthorized</title></head><body><h1>Error: Unauthorized</h1></body></html>";
        assert_eq!(
            ServiceError::parse(body).message.as_deref(),
            Some("401 Unauthorized")
        );
    }

    #[test]
    fn the_date_header_is_the_server_clock() {
        let r = ProbeResponse::read(
            401,
            |name| (name == "date").then(|| "Mon, 30 Nov 2026 21:11:55 GMT".to_string()),
            "",
        );
        assert_eq!(
            r.server_date.unwrap().to_rfc3339(),
            "2026-11-30T21:11:55+00:00"
        );
    }

    #[test]
    fn every_text_kept_passes_through_the_scrubber() {
        let mut r = ProbeResponse::read(
            401,
            |name| match name {
                "www-authenticate" => {
                    Some(r#"Bearer error="invalid_token", error_description="bad SECRET""#.into())
                }
                "location" => Some("https://x/?t=SECRET".into()),
                _ => None,
            },
            r#"{"error":"invalid_token","error_description":"SECRET is not valid"}"#,
        );
        r.map_text(|t| t.replace("SECRET", "sha256:1"));
        let all = format!("{r:?}");
        assert!(!all.contains("SECRET"), "{all}");
        assert_eq!(r.error.message.as_deref(), Some("sha256:1 is not valid"));
    }

    #[test]
    fn hosts_name_their_kind() {
        assert_eq!(
            TargetKind::from_host("orders-x7k2q-uc.a.run.app"),
            Some(TargetKind::CloudRun)
        );
        assert_eq!(
            TargetKind::from_host("storage.googleapis.com"),
            Some(TargetKind::GoogleApi)
        );
        assert_eq!(
            TargetKind::from_host("adb-1.2.azuredatabricks.net"),
            Some(TargetKind::Databricks)
        );
        assert_eq!(TargetKind::from_host("127.0.0.1"), None);
    }
}
