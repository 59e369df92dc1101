//! A row snapshot: what the engine tells the UI and the CLI about one credential.

use super::credential::{Capabilities, CredentialId, Kind, Platform};
use super::failure::Problem;
use super::token::{TokenRole, TtlClass};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// Server-side or job state of a row, beside its time-derived TTL class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// No token obtained yet.
    Pending,
    /// A token is held.
    Live,
    /// The token was revoked at the issuer.
    Revoked,
}

/// Everything shown about one credential, by value (no handle into the store).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Stable id.
    pub id: CredentialId,
    /// Profile name.
    pub profile: String,
    /// Platform.
    pub platform: Platform,
    /// Grant kind.
    pub kind: Kind,
    /// Email, client id or subject.
    pub principal: String,
    /// Where it came from: the file (or variable) alone.
    pub source: String,
    /// Endpoints config.toml trusts this credential to be sent to, beyond
    /// its family's own (a profile that overrides them).
    pub trusted_endpoints: Vec<String>,
    /// Which token the row shows.
    pub token_role: Option<TokenRole>,
    /// Fingerprint of the current token (never the token).
    pub fingerprint: Option<String>,
    /// When the current token was obtained.
    pub issued_at: Option<DateTime<Utc>>,
    /// When it expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Granted (or requested) scopes.
    pub scopes: Vec<String>,
    /// Audience.
    pub audience: Option<String>,
    /// Held, pending or revoked.
    pub status: Status,
    /// The credential type as Google's libraries name it.
    pub credential_type: Option<&'static str>,
    /// Google's ADC would pick this credential.
    pub active_adc: bool,
    /// What Google's ADC picks instead of this one, when it is in the chain.
    pub shadowed_by: Option<String>,
    /// The project it would be used with.
    pub project: Option<String>,
    /// The quota (billing) project it names.
    pub quota_project: Option<String>,
    /// The gcloud account it is, when it is one of gcloud's.
    pub gcloud_account: Option<String>,
    /// gcloud configurations that use it.
    pub gcloud_configurations: Vec<String>,
    /// The active gcloud configuration uses it.
    pub gcloud_active: bool,
    /// Detail lines: impersonation, pools, configurations.
    pub details: Vec<String>,
    /// The credential whose token this one's is narrowed from: its row
    /// sits under that one's.
    pub derived_from: Option<CredentialId>,
    /// The credential whose tokens make this one's (a Databricks on GCP
    /// profile's Google identity), when it is shown too.
    pub depends_on: Option<CredentialId>,
    /// A Databricks profile's workspace or account host, as databricks-sdk
    /// resolves it.
    pub host: Option<String>,
    /// Its auth type: the profile's own, or the one databricks-sdk picks.
    pub auth_type: Option<String>,
    /// Its account, for an account-level profile.
    pub account_id: Option<String>,
    /// Its workspace id, when known.
    pub workspace_id: Option<String>,
    /// The cloud as databricks-sdk reports it (`AWS`, `AZURE`, `GCP`).
    pub cloud: Option<String>,
    /// The scopes a Databricks profile configures (its token's are `scopes`).
    pub configured_scopes: Option<Vec<String>>,
    /// databricks-sdk's `Config()` without a profile would use it.
    pub active: bool,
    /// Every token the credential holds but its refresh token, by role.
    pub tokens: Vec<TokenView>,
    /// The last failure, kept beside the last good token.
    #[serde(serialize_with = "as_text")]
    pub error: Option<Problem>,
    /// A command that would fix it, when the credential's family knows one.
    pub fix: Option<String>,
    /// What will go wrong before it does: a Cloud Run ID token whose `aud`
    /// is not the service's URL will be refused.
    pub warning: Option<String>,
    /// An operation in flight for this row.
    pub busy: Option<String>,
    /// What the credential can do.
    pub capabilities: Capabilities,
    /// tokentop refreshes it by itself before it expires (auto-refresh).
    pub auto_refresh: bool,
}

/// One token of a row, by value: never the token, only its fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenView {
    /// What it is for.
    pub role: TokenRole,
    /// Its fingerprint.
    pub fingerprint: String,
    /// When it was obtained, if known.
    pub issued_at: Option<DateTime<Utc>>,
    /// When it expires, if known.
    pub expires_at: Option<DateTime<Utc>>,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Its audience.
    pub audience: Option<String>,
    /// Fingerprint of the token it was made from.
    pub parent: Option<String>,
    /// The cache it was found in, when another tool obtained it.
    pub found_in: Option<String>,
    /// What its maker wrote about it (a personal access token's comment).
    pub note: Option<String>,
}

/// A problem as the words a person reads (scripts get its cause beside it).
fn as_text<S: serde::Serializer>(error: &Option<Problem>, s: S) -> Result<S::Ok, S::Error> {
    match error {
        Some(problem) => s.serialize_some(&problem.to_string()),
        None => s.serialize_none(),
    }
}

impl Row {
    /// Where it came from, with the trusted endpoints it sends to, as a
    /// person reads it.
    pub fn source_with_trust(&self) -> String {
        match self.trusted_endpoints.as_slice() {
            [] => self.source.clone(),
            urls => format!(
                "{} (sends to {}, trusted in config.toml)",
                self.source,
                urls.join(", ")
            ),
        }
    }

    /// Time left at `now`, if an expiry is known.
    pub fn remaining(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.expires_at.map(|exp| exp - now)
    }

    /// The TTL class at `now` (`Revoked` once revoked, whatever the time).
    pub fn ttl_class(&self, now: DateTime<Utc>) -> TtlClass {
        if self.status == Status::Revoked {
            return TtlClass::Revoked;
        }
        // A PAT whose workspace says it has no expiry.
        if self.token_role == Some(crate::model::TokenRole::Pat)
            && self.fingerprint.is_some()
            && self.expires_at.is_none()
        {
            return TtlClass::Never;
        }
        TtlClass::of(self.remaining(now), self.platform.rejection_window())
    }

    /// Fraction of the token's lifetime still left, 0.0..=1.0.
    pub fn life_left(&self, now: DateTime<Utc>) -> Option<f64> {
        let (issued, exp) = (self.issued_at?, self.expires_at?);
        let total = (exp - issued).num_milliseconds();
        if total <= 0 {
            return Some(0.0);
        }
        Some(((exp - now).num_milliseconds() as f64 / total as f64).clamp(0.0, 1.0))
    }
}
