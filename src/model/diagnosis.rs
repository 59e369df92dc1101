//! The doctor's rules: why a target refused a token, named in one line with
//! its evidence, from typed facts about the token and the target's typed
//! answer (wire.md §5). Pure: every cause has a unit test.

use super::decoded::SignatureCheck;
use super::probe::{ProbeResponse, TargetKind};
use super::token::{TokenRole, format_ttl};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// What is known of the token the doctor sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TokenFacts {
    /// Its role (`access`, `id`, `pat`, ...).
    pub role: Option<TokenRole>,
    /// Fingerprint (never the token).
    pub fingerprint: String,
    /// Whether it is a JWT (else opaque).
    pub jwt: bool,
    /// `iss`, for a JWT.
    pub issuer: Option<String>,
    /// `aud` values (a JWT's, or what the issuer said).
    pub audience: Vec<String>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// `nbf`, else `iat`: before this it is not valid.
    pub not_before: Option<DateTime<Utc>>,
    /// Whom it stands for (`email`, else `sub`).
    pub subject: Option<String>,
    /// The signature checked against its issuer's keys (a JWT).
    pub signature: Option<SignatureCheck>,
    /// What the issuer said after the refusal: still active or not
    /// (tokeninfo, introspection); `None` when not asked or no answer.
    pub issuer_says_active: Option<bool>,
    /// tokentop revoked it itself.
    pub revoked_here: bool,
}

/// Where the token went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The URL.
    pub url: String,
    /// The kind of service, which picks the rules.
    pub kind: TargetKind,
    /// The audience the target expects, where known (a Cloud Run service's URL).
    pub expected_audience: Option<String>,
    /// The Databricks workspace id the target is, where known.
    pub workspace_id: Option<String>,
}

/// The cause the doctor names. Its [`Cause::class`] is the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cause {
    /// The target accepted the token.
    Accepted,
    /// Expired by the server's clock (or Databricks' 30 s margin).
    Expired,
    /// Not valid yet (`nbf` / `iat` ahead of the server's clock).
    NotYetValid,
    /// Its audience is not the target's.
    WrongAudience,
    /// The wrong kind of token for the target (an access token where an
    /// ID token is needed, a PAT where an API takes none, ...).
    WrongTokenType,
    /// A Databricks token of another workspace or account.
    WrongWorkspace,
    /// It lacks the scope the target asks for.
    ScopeMissing,
    /// The target does not know its issuer or the key that signed it.
    UnknownIssuer,
    /// Revoked at its issuer.
    Revoked,
    /// Refused as a token, for a reason the target does not give.
    Rejected,
    /// The token is fine, the principal lacks permission (IAM).
    Permission,
    /// Refused, but the answer matches no rule.
    Unclear,
    /// No answer from the target.
    Unreachable,
    /// Nothing was sent: no token, or no target known.
    NotRun,
}

impl Cause {
    /// The exit status of `tokentop doctor` for this cause's class.
    pub fn class(self) -> u8 {
        match self {
            Cause::Accepted => 0,
            Cause::Expired | Cause::NotYetValid => 10,
            Cause::WrongAudience | Cause::WrongTokenType | Cause::WrongWorkspace => 11,
            Cause::ScopeMissing => 12,
            Cause::Permission => 13,
            Cause::UnknownIssuer | Cause::Revoked | Cause::Rejected => 14,
            Cause::Unclear => 15,
            Cause::Unreachable => 16,
            Cause::NotRun => 1,
        }
    }

    /// Every exit status with its meaning, for `--help` and README.
    pub const EXIT_CLASSES: [(u8, &'static str); 9] = [
        (0, "accepted"),
        (1, "nothing sent: no token, or no target known"),
        (10, "expired or not yet valid"),
        (
            11,
            "wrong token for this target: audience, token type, workspace",
        ),
        (12, "scope missing"),
        (
            13,
            "permission denied (IAM or object permission, not the token)",
        ),
        (14, "token refused: revoked, invalid, or issuer/key unknown"),
        (15, "refused for a reason the doctor cannot name"),
        (16, "target unreachable"),
    ];
}

/// The doctor's finding: the cause, one line, and its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    /// The cause.
    pub cause: Cause,
    /// One line a person reads first.
    pub summary: String,
    /// The facts it rests on, one per line.
    pub evidence: Vec<String>,
}

impl Diagnosis {
    pub(super) fn new(cause: Cause, summary: impl Into<String>) -> Self {
        Self {
            cause,
            summary: summary.into(),
            evidence: Vec::new(),
        }
    }

    pub(super) fn with(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    /// No answer came: `why` says what stopped it.
    pub fn unreachable(why: &str) -> Self {
        Self::new(Cause::Unreachable, format!("no answer: {why}"))
    }

    /// Nothing was sent: `why`.
    pub fn not_run(why: impl Into<String>) -> Self {
        Self::new(Cause::NotRun, why)
    }
}

/// What the user asks the doctor: a target, or the credential's own; a
/// kind of service, or the one its URL gives away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoctorAsk {
    /// Where to send the token.
    pub url: Option<String>,
    /// The kind of service, when the URL does not say.
    pub kind: Option<TargetKind>,
}

/// The doctor's report: what went where, what came back, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorReport {
    /// Which credential.
    pub id: super::credential::CredentialId,
    /// Its profile.
    pub profile: String,
    /// When the request went.
    pub at: DateTime<Utc>,
    /// Where it went (`None` when nothing was sent).
    pub target: Option<Target>,
    /// The token sent.
    pub token: TokenFacts,
    /// The answer, when one came.
    pub response: Option<ProbeResponse>,
    /// Why.
    pub diagnosis: Diagnosis,
}

/// A token is taken this long before its `nbf` by no verifier we know.
const NOT_BEFORE_LEEWAY: i64 = 0;

/// Names why `response` came back for a token with `facts` sent to `target`.
/// `now` is the local clock; the server's `Date`, when sent, is the time
/// expiry is judged by (the verifier's clock is the one that counts).
pub fn diagnose(
    facts: &TokenFacts,
    target: &Target,
    response: &ProbeResponse,
    now: DateTime<Utc>,
) -> Diagnosis {
    let server_now = response.server_date.unwrap_or(now);
    let status = response.status;
    if (200..300).contains(&status) {
        return accepted(facts, server_now);
    }
    let clock = clock_note(response, now);
    if let Some(exp) = facts.expires_at
        && exp <= server_now
    {
        let d = Diagnosis::new(
            Cause::Expired,
            format!("expired {} ago", format_ttl(server_now - exp)),
        )
        .with(format!("exp {}", stamp(exp)));
        return d.with(clock);
    }
    if let Some(nbf) = facts.not_before
        && nbf > server_now + Duration::seconds(NOT_BEFORE_LEEWAY)
    {
        let d = Diagnosis::new(
            Cause::NotYetValid,
            format!("not valid for another {}", format_ttl(nbf - server_now)),
        )
        .with(format!("nbf/iat {}", stamp(nbf)));
        return d.with(clock);
    }
    if (300..400).contains(&status) {
        let to = response.location.as_deref().unwrap_or("(no Location)");
        return Diagnosis::new(
            Cause::Unclear,
            format!("redirected (HTTP {status}) to {to}: a sign-in page, not an API?"),
        );
    }
    match target.kind {
        TargetKind::CloudRun => super::diagnosis_rules::cloud_run(facts, target, response),
        TargetKind::GoogleApi => super::diagnosis_rules::google_api(facts, response),
        TargetKind::Databricks => super::diagnosis_rules::databricks(facts, target, response),
        TargetKind::OAuth => super::diagnosis_rules::oauth(facts, target, response),
    }
}

/// Accepted, with a warning when it has little time left.
fn accepted(facts: &TokenFacts, server_now: DateTime<Utc>) -> Diagnosis {
    let d = Diagnosis::new(Cause::Accepted, "accepted");
    match facts.expires_at {
        Some(exp) => d.with(format!(
            "valid for another {} (exp {})",
            format_ttl(exp - server_now),
            stamp(exp)
        )),
        None => d,
    }
}

/// The local clock against the server's, said when it is known.
fn clock_note(response: &ProbeResponse, now: DateTime<Utc>) -> String {
    match response.server_date {
        Some(server) => {
            let skew = (server - now).num_seconds();
            let side = if skew >= 0 { "behind" } else { "ahead of" };
            format!(
                "the server's clock said {} (this machine's is {}s {side} it)",
                stamp(server),
                skew.abs()
            )
        }
        None => format!("judged by this machine's clock ({})", stamp(now)),
    }
}

/// A time as the evidence shows it.
pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}
