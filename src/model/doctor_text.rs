//! The doctor's report as labelled lines: the token sent on one side, the
//! answer on the other, for the dashboard's view and `tokentop doctor`.

use super::decoded::SignatureCheck;
use super::diagnosis::{Cause, DoctorReport};
use super::token::{format_relative, format_ttl};
use chrono::{DateTime, Utc};

/// A label and its value.
pub type Line = (&'static str, String);

impl DoctorReport {
    /// What was sent: the token's kind, claims and signature, its times
    /// relative to `now`.
    pub fn token_lines(&self, now: DateTime<Utc>) -> Vec<Line> {
        let t = &self.token;
        let mut lines = Vec::new();
        let role = t.role.map_or("", super::token::TokenRole::label);
        let shape = if t.jwt { "JWT" } else { "opaque" };
        lines.push(("token", format!("{role} ({shape}) {}", t.fingerprint)));
        if let Some(iss) = &t.issuer {
            lines.push(("iss", iss.clone()));
        }
        lines.push(("aud", listed(&t.audience)));
        if let Some(sub) = &t.subject {
            lines.push(("sub", sub.clone()));
        }
        lines.push(("scopes", listed(&t.scopes)));
        let when = |at: DateTime<Utc>| {
            format!(
                "{} ({})",
                at.format("%Y-%m-%d %H:%M:%SZ"),
                format_relative(at, now)
            )
        };
        lines.push(("exp", t.expires_at.map_or("unknown".into(), when)));
        if let Some(nbf) = t.not_before {
            lines.push(("nbf/iat", when(nbf)));
        }
        if let Some(check) = &t.signature {
            lines.push((
                "signature",
                match check {
                    SignatureCheck::Verified { kid, .. } => format!("verified (kid {kid})"),
                    SignatureCheck::Failed { reason } => format!("FAILED: {reason}"),
                    SignatureCheck::NotChecked { reason } => format!("not checked: {reason}"),
                },
            ));
        }
        if let Some(active) = t.issuer_says_active {
            let said = if active { "active" } else { "NOT active" };
            lines.push(("issuer", format!("says it is {said}")));
        }
        lines
    }

    /// What came back: status, challenge, the error read, the server's clock.
    pub fn answer_lines(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        if let Some(target) = &self.target {
            lines.push(("to", format!("{} ({})", target.url, target.kind.label())));
        }
        let Some(r) = &self.response else {
            let none = match self.target {
                Some(_) => "none came",
                None => "nothing was sent",
            };
            lines.push(("answer", none.into()));
            return lines;
        };
        lines.push(("status", format!("HTTP {}", r.status)));
        if let Some(header) = &r.www_authenticate {
            lines.push(("www-auth", header.clone()));
        }
        if let Some(reason) = &r.reason_phrase {
            lines.push(("reason", reason.clone()));
        }
        let e = &r.error;
        for (label, value) in [
            ("error", &e.code),
            ("message", &e.message),
            ("info", &e.reason),
            ("permission", &e.permission),
        ] {
            if let Some(value) = value {
                lines.push((label, value.clone()));
            }
        }
        if let Some(location) = &r.location {
            lines.push(("location", location.clone()));
        }
        if e.message.is_none() && !r.body_excerpt.is_empty() {
            lines.push(("body", r.body_excerpt.clone()));
        }
        if let Some(date) = r.server_date {
            let skew = (date - self.at).num_seconds();
            let note = match skew.abs() {
                0..=2 => "agrees with this machine".to_string(),
                _ => format!(
                    "this machine is {} {}",
                    format_ttl(chrono::Duration::seconds(skew.abs())),
                    if skew > 0 { "behind" } else { "ahead" }
                ),
            };
            lines.push((
                "server clock",
                format!("{} ({note})", date.format("%H:%M:%SZ")),
            ));
        }
        lines
    }

    /// The finding in one line, marked: ✓ accepted, ✗ anything else.
    pub fn verdict(&self) -> String {
        let mark = if self.diagnosis.cause == Cause::Accepted {
            "✓"
        } else {
            "✗"
        };
        format!("{mark} {}", self.diagnosis.summary)
    }
}

fn listed(values: &[String]) -> String {
    if values.is_empty() {
        "(none)".into()
    } else {
        values.join(" ")
    }
}
