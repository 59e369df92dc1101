//! Pure data and rules: credentials, tokens, secrets, rows and the clock. No I/O.

pub mod address;
pub mod boundary;
pub mod clock;
pub mod credential;
pub mod decoded;
pub mod diagnosis;
mod diagnosis_rules;
mod doctor_text;
pub mod failure;
pub mod machine;
pub mod material;
pub mod probe;
pub mod refresh_policy;
pub mod row;
pub mod secret;
pub mod skew;
pub mod text;
pub mod token;
pub mod toml_error;

pub use address::{is_loopback_host, is_loopback_url, is_metadata_host, loopback_redirect};
pub use boundary::{
    AccessBoundary, BoundaryRule, BoundaryRules, Downscope, MAX_BOUNDARY_RULES, expand_scopes,
};
pub use clock::{Clock, FixedClock, SystemClock};
pub use credential::{
    AdcPlace, Capabilities, Context, Credential, CredentialId, DatabricksUse, Endpoints, GcloudUse,
    Kind, Platform, Provenance,
};
pub use decoded::{DecodeReport, DecodedBody, SignatureCheck, numeric_date};
pub use diagnosis::{Cause, Diagnosis, DoctorAsk, DoctorReport, Target, TokenFacts, diagnose};
pub use failure::{Problem, ProviderError, Unreachable};
pub use machine::{MetadataAccount, MetadataMachine};
pub use material::{ClientAuthMethod, Executable, Material, SubjectSource};
pub use probe::{BearerChallenge, ProbeResponse, ServiceError, TargetKind};
pub use refresh_policy::RefreshPolicy;
pub use row::{Row, Status, TokenView};
pub use secret::{Secret, sha256_hex};
pub use skew::{SKEW_CORRECTED, ServerClock, Skew, http_date};
pub use text::{printable, printable_owned, qr_code};
pub use token::{
    Token, TokenRole, TtlClass, abbreviate_scopes, check_token_value, expiry_after,
    format_relative, format_ttl,
};
