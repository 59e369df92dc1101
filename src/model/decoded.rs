//! The result of decoding or inspecting a token.

use super::credential::CredentialId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// A JWT NumericDate claim's time (RFC 7519 §2: seconds, perhaps with a
/// fraction, which is dropped).
pub fn numeric_date(value: &Value) -> Option<DateTime<Utc>> {
    #[allow(clippy::cast_possible_truncation)]
    DateTime::from_timestamp(value.as_f64()? as i64, 0)
}

/// Whether a JWT's signature was checked against its issuer's keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum SignatureCheck {
    /// Verified with the key `kid` from `jwks_url`.
    Verified {
        /// Key id used.
        kid: String,
        /// Where the key came from.
        jwks_url: String,
    },
    /// The signature does not verify, or no key matched.
    Failed {
        /// Why.
        reason: String,
    },
    /// Not checked (no key set known, or it could not be fetched).
    NotChecked {
        /// Why.
        reason: String,
    },
}

/// What was learned about a token.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "format")]
pub enum DecodedBody {
    /// A JWT: header, claims and the signature check.
    Jwt {
        /// JOSE header.
        header: Value,
        /// Claims.
        claims: Value,
        /// Signature result.
        signature: SignatureCheck,
    },
    /// The decode itself failed (timed out, say).
    Failed {
        /// Why.
        reason: String,
    },
    /// An opaque token, described by its issuer (Google's tokeninfo, or
    /// RFC 7662 introspection).
    Opaque {
        /// The tokeninfo answer, or why there is none.
        tokeninfo: Result<Value, String>,
    },
}

/// A decode report for one credential's current token.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecodeReport {
    /// Which credential.
    pub id: CredentialId,
    /// Its profile name.
    pub profile: String,
    /// Fingerprint of the decoded token.
    pub fingerprint: String,
    /// What was found.
    pub body: DecodedBody,
}
