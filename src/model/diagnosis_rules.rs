//! The doctor's rules per kind of target, once time (expiry, `nbf`) and
//! redirects are ruled out: Cloud Run, Google APIs, Databricks, and any
//! RFC 6750 resource server (wire.md §5).

use super::decoded::SignatureCheck;
use super::diagnosis::{Cause, Diagnosis, Target, TokenFacts};
use super::probe::ProbeResponse;
use super::token::TokenRole;

/// Cloud Run verifies a Google-signed ID token whose `aud` is the service
/// URL; 401 for a token it does not take, 403 for a caller without
/// `roles/run.invoker`.
pub(super) fn cloud_run(facts: &TokenFacts, target: &Target, r: &ProbeResponse) -> Diagnosis {
    let expected = target.expected_audience.as_deref().unwrap_or(&target.url);
    if !facts.jwt || facts.role != Some(TokenRole::Id) {
        return Diagnosis::new(
            Cause::WrongTokenType,
            "an access token was sent where Cloud Run needs an ID token",
        )
        .with(format!("sent: {}", sent(facts)))
        .with(format!(
            "Cloud Run takes a Google-signed ID token with aud = {expected}"
        ))
        .with(answer(r));
    }
    if !audience_matches(&facts.audience, expected) {
        return Diagnosis::new(
            Cause::WrongAudience,
            "the token's audience is not this Cloud Run service's URL",
        )
        .with(format!("token aud: {}", listed(&facts.audience)))
        .with(format!("service:   {expected}"))
        .with(format!(
            "fix: set the profile's `audience = \"{expected}\"` and mint the ID token again, or add the token's audience to the service as a custom audience"
        ))
        .with(answer(r));
    }
    if let Some(d) = unverified(facts, r) {
        return d;
    }
    if r.status == 403 {
        return permission_denied(facts, r, "roles/run.invoker on the service");
    }
    Diagnosis::new(
        Cause::Unclear,
        "Cloud Run refused an ID token whose audience and signature check out",
    )
    .with(answer(r))
}

/// Google APIs: 401 for a token they do not take, 403 for a missing scope
/// (`ACCESS_TOKEN_SCOPE_INSUFFICIENT`) or IAM permission.
pub(super) fn google_api(facts: &TokenFacts, r: &ProbeResponse) -> Diagnosis {
    let reason = r.error.reason.as_deref();
    if reason == Some("ACCESS_TOKEN_SCOPE_INSUFFICIENT") || challenged(r, "insufficient_scope") {
        return scope_missing(facts, r);
    }
    if r.status == 401 {
        if facts.jwt && facts.role == Some(TokenRole::Id) {
            return Diagnosis::new(
                Cause::WrongTokenType,
                "an ID token was sent where a Google API needs an access token",
            )
            .with(format!("sent: {}", sent(facts)))
            .with(answer(r));
        }
        if revoked(facts) {
            return revoked_diagnosis(facts, r);
        }
        return Diagnosis::new(
            Cause::Rejected,
            "Google does not take this token: revoked, expired at Google, or not a Google access token",
        )
        .with(format!("reason: {}", reason.unwrap_or("(none given)")))
        .with(answer(r));
    }
    if r.status == 403 {
        if r.says("has not been used in project") || r.says("is disabled") {
            return Diagnosis::new(
                Cause::Permission,
                "the API is disabled in the project the call is billed to (the quota project)",
            )
            .with(answer(r));
        }
        let what = r
            .error
            .permission
            .clone()
            .unwrap_or_else(|| "the permission this call needs".into());
        return permission_denied(facts, r, &what);
    }
    Diagnosis::new(
        Cause::Unclear,
        format!("HTTP {} from a Google API", r.status),
    )
    .with(answer(r))
}

/// Databricks answers 403 "Invalid access token." for any token it does
/// not take (not 401), and 401 for a credential of a kind the API refuses.
pub(super) fn databricks(facts: &TokenFacts, target: &Target, r: &ProbeResponse) -> Diagnosis {
    if r.says("Token is expiring within 30 seconds") {
        return Diagnosis::new(
            Cause::Expired,
            "30 s or less left: Databricks refuses a token that close to its end",
        )
        .with(answer(r));
    }
    if r.says("Invalid access to Org") {
        return Diagnosis::new(
            Cause::WrongWorkspace,
            "a token of another workspace or account",
        )
        .with(format!("token aud: {}", listed(&facts.audience)))
        .with(answer(r));
    }
    if r.says("Invalid access token") {
        if let Some(workspace) = &target.workspace_id
            && !facts.audience.is_empty()
            && !facts.audience.contains(workspace)
        {
            return Diagnosis::new(Cause::WrongWorkspace, "a token of another workspace")
                .with(format!("token aud: {}", listed(&facts.audience)))
                .with(format!("this workspace: {workspace}"))
                .with(answer(r));
        }
        if revoked(facts) {
            return revoked_diagnosis(facts, r);
        }
        return Diagnosis::new(
            Cause::Rejected,
            "the workspace does not take the token: deleted, expired at the workspace, or another workspace's",
        )
        .with("Databricks answers 403 \"Invalid access token.\" for a bad token; it is not a permission problem")
        .with(answer(r));
    }
    if r.says("Credential was not sent or was of an unsupported type") {
        return Diagnosis::new(
            Cause::WrongTokenType,
            "this API does not take this kind of credential",
        )
        .with(format!("sent: {}", sent(facts)))
        .with("a personal access token on an account-level API is refused this way; use an OAuth token of the account")
        .with(answer(r));
    }
    if r.says("does not have required scopes") {
        return scope_missing(facts, r);
    }
    match r.status {
        403 => permission_denied(facts, r, "permission on the object"),
        401 => {
            Diagnosis::new(Cause::Rejected, "the workspace refused the credential").with(answer(r))
        }
        status => {
            Diagnosis::new(Cause::Unclear, format!("HTTP {status} from Databricks")).with(answer(r))
        }
    }
}

/// Any RFC 6750 resource server: the `WWW-Authenticate` error says which
/// of `invalid_token` and `insufficient_scope` it is.
pub(super) fn oauth(facts: &TokenFacts, target: &Target, r: &ProbeResponse) -> Diagnosis {
    if challenged(r, "insufficient_scope") || r.error.code.as_deref() == Some("insufficient_scope")
    {
        return scope_missing(facts, r);
    }
    let invalid =
        challenged(r, "invalid_token") || r.error.code.as_deref() == Some("invalid_token");
    if invalid || r.status == 401 {
        if let Some(expected) = &target.expected_audience
            && !audience_matches(&facts.audience, expected)
        {
            return Diagnosis::new(
                Cause::WrongAudience,
                "the token's audience is not this target",
            )
            .with(format!("token aud: {}", listed(&facts.audience)))
            .with(format!("target:    {expected}"))
            .with(answer(r));
        }
        if let Some(d) = unverified(facts, r) {
            return d;
        }
        if revoked(facts) {
            return revoked_diagnosis(facts, r);
        }
        if let Some(d) = live_but_refused(facts, target, r) {
            return d;
        }
        if !invalid {
            return Diagnosis::new(
                Cause::Unclear,
                "HTTP 401 without a Bearer error: the target does not say why",
            )
            .with(answer(r));
        }
        let said = description(r).unwrap_or_else(|| "(no description)".into());
        return Diagnosis::new(
            Cause::Rejected,
            format!("the target says invalid_token: {said}"),
        )
        .with(answer(r));
    }
    if r.status == 403 {
        return permission_denied(facts, r, "permission on the resource");
    }
    Diagnosis::new(Cause::Unclear, format!("HTTP {}", r.status)).with(answer(r))
}

/// A token its issuer still takes (introspection says active, or a JWT
/// that verifies) refused all the same: it is for another resource, or not
/// the kind this target takes.
fn live_but_refused(facts: &TokenFacts, target: &Target, r: &ProbeResponse) -> Option<Diagnosis> {
    let verified = matches!(facts.signature, Some(SignatureCheck::Verified { .. }));
    let live =
        facts.issuer_says_active == Some(true) || (facts.issuer_says_active.is_none() && verified);
    if !live {
        return None;
    }
    if !facts.audience.is_empty() && !names_target(&facts.audience, &target.url) {
        return Some(
            Diagnosis::new(
                Cause::WrongAudience,
                "the token is for another resource: its audience does not name this target",
            )
            .with(format!("token aud: {}", listed(&facts.audience)))
            .with(format!("target:    {}", target.url))
            .with("its issuer still takes it; ask for a token for this target (the profile's `resource`)")
            .with(answer(r)),
        );
    }
    Some(
        Diagnosis::new(
            Cause::WrongTokenType,
            "its issuer still takes it, yet this target does not: a token of a kind it does not take",
        )
        .with(format!("sent: {}", sent(facts)))
        .with("a client's own token (client credentials) at a user endpoint such as userinfo is refused this way; it takes a user's token with `openid`")
        .with(answer(r)),
    )
}

/// Whether an audience value names `url`: its origin, or a prefix of it.
fn names_target(audience: &[String], url: &str) -> bool {
    let origin = |u: &str| {
        url::Url::parse(u)
            .ok()
            .map(|u| u.origin().ascii_serialization())
    };
    audience.iter().any(|aud| {
        url.starts_with(aud.trim_end_matches('/'))
            || (origin(aud).is_some() && origin(aud) == origin(url))
    })
}

/// The token's signature failed against its issuer's keys: the verifier
/// will not know it either.
fn unverified(facts: &TokenFacts, r: &ProbeResponse) -> Option<Diagnosis> {
    let Some(SignatureCheck::Failed { reason }) = &facts.signature else {
        return None;
    };
    Some(
        Diagnosis::new(
            Cause::UnknownIssuer,
            "its signature does not verify: the issuer or signing key is unknown",
        )
        .with(format!(
            "issuer: {}",
            facts.issuer.as_deref().unwrap_or("(none)")
        ))
        .with(format!("signature: {reason}"))
        .with(answer(r)),
    )
}

fn scope_missing(facts: &TokenFacts, r: &ProbeResponse) -> Diagnosis {
    let wanted = r
        .challenge
        .as_ref()
        .and_then(|c| c.scope.clone())
        .or_else(|| {
            let message = r.error.message.as_deref()?;
            Some(message.split_once("scopes:")?.1.trim().to_string())
        });
    let mut d = Diagnosis::new(Cause::ScopeMissing, "a scope the target needs is missing")
        .with(format!("token scopes: {}", listed(&facts.scopes)));
    if let Some(wanted) = wanted {
        d = d.with(format!("target takes: {wanted}"));
    }
    d.with(answer(r))
}

fn permission_denied(facts: &TokenFacts, r: &ProbeResponse, what: &str) -> Diagnosis {
    let who = facts.subject.as_deref().unwrap_or("the principal");
    Diagnosis::new(
        Cause::Permission,
        format!("permission denied: the token is accepted, but {who} lacks {what}"),
    )
    .with("invalid token = audience or scope; permission denied = IAM: grant the role, not a new token")
    .with(answer(r))
}

fn revoked_diagnosis(facts: &TokenFacts, r: &ProbeResponse) -> Diagnosis {
    let how = if facts.revoked_here {
        "tokentop revoked it"
    } else {
        "its issuer says it is no longer active"
    };
    Diagnosis::new(Cause::Revoked, format!("revoked: {how}"))
        .with("a new token (r) or a new sign-in (L) is needed")
        .with(answer(r))
}

/// Revoked, as far as tokentop knows (expiry was ruled out before).
fn revoked(facts: &TokenFacts) -> bool {
    facts.revoked_here || facts.issuer_says_active == Some(false)
}

fn challenged(r: &ProbeResponse, error: &str) -> bool {
    r.challenge
        .as_ref()
        .and_then(|c| c.error.as_deref())
        .is_some_and(|e| e == error)
}

fn description(r: &ProbeResponse) -> Option<String> {
    r.challenge
        .as_ref()
        .and_then(|c| c.error_description.clone())
        .or_else(|| r.error.message.clone())
}

/// `aud` equals `expected`, trailing slashes aside.
fn audience_matches(audience: &[String], expected: &str) -> bool {
    let expected = expected.trim_end_matches('/');
    audience.iter().any(|a| a.trim_end_matches('/') == expected)
}

/// What was sent, in words.
fn sent(facts: &TokenFacts) -> String {
    let role = facts.role.map_or("a", TokenRole::label);
    let shape = if facts.jwt { "JWT" } else { "opaque" };
    format!("{role} token ({shape}), {}", facts.fingerprint)
}

/// The answer in one line: status and what the server said.
fn answer(r: &ProbeResponse) -> String {
    let mut line = format!("HTTP {}", r.status);
    let said = [
        r.error.reason.as_deref(),
        r.error.message.as_deref(),
        r.reason_phrase.as_deref(),
    ];
    let said: Vec<&str> = said.into_iter().flatten().collect();
    if !said.is_empty() {
        line.push_str(": ");
        line.push_str(&said.join(" / "));
    }
    line
}

fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "(none)".into()
    } else {
        values.join(" ")
    }
}

#[cfg(test)]
#[path = "diagnosis_tests.rs"]
mod tests;
