//! Applying a finished job to its store entry: a pure function, so the rules
//! (what a failure keeps, when a row counts as revoked) are tested without
//! a network or a runtime.

use super::jobs::{Op, Outcome};
use super::protocol::Level;
use super::store::Entry;
use crate::audit::Change;
use crate::model::{DecodeReport, DecodedBody, Problem, Status};
use crate::providers::Confirmation;

/// What applying an outcome produced besides the changed entry.
#[derive(Debug, Default)]
pub struct Applied {
    /// A status-line message.
    pub notice: Option<(Level, String)>,
    /// An audit journal line.
    pub journal: Option<Change>,
    /// A decode report to pass on.
    pub decoded: Option<DecodeReport>,
    /// A doctor's report to pass on.
    pub diagnosed: Option<Box<crate::model::DoctorReport>>,
}

/// Applies `outcome` of `op` to `entry`. A failure never drops the last good
/// token; a revocation marks the row revoked only if the revoked token is
/// still the current one and the issuer did not go on accepting it.
///
/// `subject` is the fingerprint of the token the job started with.
pub fn apply(entry: &mut Entry, op: Op, outcome: Outcome, subject: Option<String>) -> Applied {
    let profile = entry.credential.provenance.profile.clone();
    let current = entry.token().map(|t| t.value.fingerprint());
    let mut applied = Applied::default();
    let action = op.label();
    let line = |before: Option<String>, after: Option<String>, result: String| Change {
        action,
        before,
        after,
        result,
    };
    match outcome {
        Outcome::Refreshed(Ok(tokens)) => {
            let tokens = entry.keep_rotated_refresh_token(tokens, op == Op::Login);
            entry.take_tokens(tokens);
            let shown = entry.token();
            let after = shown.map(|t| t.value.fingerprint()).unwrap_or_default();
            let left =
                shown.and_then(|t| Some(crate::model::format_ttl(t.expires_at? - t.issued_at?)));
            // A replacement is news; the first token of each row at start is not.
            let valid = left.as_deref().unwrap_or("(no expiry given)");
            applied.notice = match &current {
                // A narrowed token is what the user just asked for.
                None if entry.derived_from.is_some() => shown.map(|t| {
                    (
                        Level::Info,
                        format!(
                            "{profile}: downscoped token {after}, valid {valid}, scopes {}",
                            crate::model::abbreviate_scopes(&t.scopes)
                        ),
                    )
                }),
                None if op == Op::Login => Some((
                    Level::Info,
                    format!("{profile}: signed in; token {after}, valid {valid}"),
                )),
                None => None,
                // Metadata servers and some issuers hand out a cached token.
                Some(before) if *before == after => Some((
                    Level::Info,
                    format!("{profile}: same token {after}, valid {valid} (the issuer caches it)"),
                )),
                Some(_) => Some((
                    Level::Info,
                    format!("{profile}: new token {after}, valid {valid}"),
                )),
            };
            applied.journal = Some(line(current, Some(after), "ok".into()));
            entry.status = Status::Live;
            entry.error = None;
        }
        Outcome::Refreshed(Err(error)) => {
            let problem = Problem::Provider { op: action, error };
            applied.notice = Some((Level::Error, format!("{profile}: {problem}")));
            applied.journal = Some(line(current, None, problem.to_string()));
            entry.error = Some(problem);
        }
        Outcome::Revoked {
            fingerprint,
            result: Ok(Confirmation::StillAccepted),
        } => {
            let why = "the issuer answered OK, but tokeninfo still accepts the token";
            applied.notice = Some((
                Level::Error,
                format!("{profile}: revoke NOT confirmed: {why}"),
            ));
            applied.journal = Some(line(
                Some(fingerprint),
                None,
                format!("not confirmed: {why}"),
            ));
            entry.error = Some(Problem::Other(format!("revoke not confirmed: {why}")));
        }
        Outcome::Revoked {
            fingerprint,
            result: Ok(confirmation),
        } => {
            let said = confirmation.to_string();
            applied.notice = Some((
                Level::Info,
                format!("{profile}: revoked {fingerprint}; {said}"),
            ));
            applied.journal = Some(line(Some(fingerprint.clone()), None, format!("ok; {said}")));
            if current.as_deref() == Some(fingerprint.as_str()) {
                entry.status = Status::Revoked;
                entry.error = None;
            }
        }
        Outcome::Revoked {
            fingerprint,
            result: Err(error),
        } => {
            let problem = Problem::Provider { op: action, error };
            applied.notice = Some((Level::Error, format!("{profile}: {problem}")));
            applied.journal = Some(line(Some(fingerprint), None, problem.to_string()));
            entry.error = Some(problem);
        }
        Outcome::Decoded(report) => applied.decoded = Some(report),
        Outcome::Diagnosed(report) => {
            let target = report.target.as_ref().map_or("", |t| t.url.as_str());
            let result = format!("{}: {target}", report.diagnosis.summary);
            applied.journal = Some(line(subject, None, result));
            applied.diagnosed = Some(report);
        }
        // A decode that fails says so in its view; the token is no worse.
        Outcome::TimedOut(reason) | Outcome::Failed(reason) if op == Op::Decode => {
            applied.decoded = Some(DecodeReport {
                id: entry.credential.id.clone(),
                profile,
                fingerprint: subject.unwrap_or_default(),
                body: DecodedBody::Failed { reason },
            });
        }
        Outcome::TimedOut(why) | Outcome::Failed(why) => {
            applied.notice = Some((Level::Error, format!("{profile}: {why}")));
            applied.journal = Some(line(subject, None, why.clone()));
            entry.error = Some(Problem::Other(why));
        }
    }
    applied
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Secret, Token, TokenRole};
    use chrono::{DateTime, Duration, Utc};

    fn token(value: &str) -> Token {
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        Token {
            expires_at: Some(at + Duration::hours(1)),
            ..Token::obtained(TokenRole::Access, Secret::new(value), at)
        }
    }

    fn entry(current: &str) -> Entry {
        let mut entry = Entry::new(super::super::store::tests::credential("p", "s"));
        entry.take_tokens(vec![token(current)]);
        entry.status = Status::Live;
        entry
    }

    #[test]
    fn a_failed_refresh_keeps_the_last_good_token() {
        let mut e = entry("old");
        let applied = apply(
            &mut e,
            Op::Refresh,
            Outcome::Refreshed(Err(crate::model::ProviderError::Rejected {
                endpoint: "https://t/token".into(),
                status: 400,
                error: Some("invalid_grant".into()),
                message: "invalid_grant: Token has been expired or revoked.".into(),
            })),
            None,
        );
        assert_eq!(e.token().map(|t| t.value.expose()), Some("old"));
        assert!(
            e.error
                .as_ref()
                .is_some_and(|p| p.provider_error().is_some_and(|e| e.is_invalid_grant()))
        );
        assert_eq!(
            applied.journal.map(|j| j.before),
            Some(Some(Secret::new("old").fingerprint()))
        );
    }

    #[test]
    fn a_revoke_that_lands_after_a_refresh_does_not_mark_the_new_token() {
        let mut e = entry("new");
        let old = Secret::new("old").fingerprint();
        let confirmed = Confirmation::Confirmed("tokeninfo now answers 400".into());
        let applied = apply(
            &mut e,
            Op::Revoke,
            Outcome::Revoked {
                fingerprint: old.clone(),
                result: Ok(confirmed),
            },
            None,
        );
        assert_eq!(
            e.status,
            Status::Live,
            "the current token was not the revoked one"
        );
        assert_eq!(applied.journal.and_then(|j| j.before), Some(old));
    }

    #[test]
    fn a_revoke_the_issuer_does_not_honour_is_an_error_not_a_revoked_row() {
        let mut e = entry("t");
        let fingerprint = Secret::new("t").fingerprint();
        apply(
            &mut e,
            Op::Revoke,
            Outcome::Revoked {
                fingerprint: fingerprint.clone(),
                result: Ok(Confirmation::StillAccepted),
            },
            None,
        );
        assert_eq!(e.status, Status::Live);
        assert!(
            e.error
                .as_ref()
                .is_some_and(|p| p.to_string().contains("not confirmed"))
        );
        let confirmed = Confirmation::Confirmed("tokeninfo now answers 400".into());
        apply(
            &mut e,
            Op::Revoke,
            Outcome::Revoked {
                fingerprint,
                result: Ok(confirmed),
            },
            None,
        );
        assert_eq!(e.status, Status::Revoked);
        assert_eq!(e.error, None);
    }

    #[test]
    fn timeouts_of_revoke_are_journalled_and_of_decode_reported() {
        let mut e = entry("t");
        let subject = Some(Secret::new("t").fingerprint());
        let applied = apply(
            &mut e,
            Op::Revoke,
            Outcome::TimedOut("revoke timed out after 45s".into()),
            subject.clone(),
        );
        let journal = applied.journal.expect("journalled");
        assert_eq!(
            (journal.action, journal.before),
            ("revoke", subject.clone())
        );
        let error_before = e.error.clone();
        let applied = apply(
            &mut e,
            Op::Decode,
            Outcome::TimedOut("decode timed out after 45s".into()),
            subject,
        );
        assert!(applied.journal.is_none());
        assert_eq!(e.token().map(|t| t.value.expose()), Some("t"));
        assert_eq!(
            e.error, error_before,
            "a failed decode says so in its view, not on the row"
        );
        let report = applied.decoded.expect("the decode view hears about it");
        assert!(
            matches!(report.body, DecodedBody::Failed { ref reason } if reason.contains("timed out"))
        );
    }
}
