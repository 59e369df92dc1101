//! Switches for what wire.md could not confirm about IAM Credentials and STS
//! (§2.7, §2.8, §5, §7): each default is the reference's best guess, and a
//! test that depends on the other reading can flip it.

use std::time::Duration;

/// How IAM Credentials and STS answer where the wire reference is unsure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationOptions {
    /// Status for a target or delegate service account that does not exist:
    /// `false` (default) answers 404 `NOT_FOUND`; `true` answers the 403
    /// `PERMISSION_DENIED` whose text says "(or it may not exist)" (wire.md
    /// §2.9), as Google does when it hides existence. UNCONFIRMED which one
    /// Google sends to a caller holding the role elsewhere.
    pub unknown_account_is_forbidden: bool,
    /// `ErrorInfo.reason` of the 401 for an expired bearer token. wire.md §7:
    /// `ACCESS_TOKEN_EXPIRED` is a guess (the default).
    pub expired_token_reason: String,
    /// Whether STS puts `expires_in` in a downscoping answer (default true);
    /// wire.md §2.8 says it may be omitted, clients then copy the source's expiry.
    pub downscoped_expires_in: bool,
    /// Most Credential Access Boundary rules STS accepts (wire.md §2.8: 10).
    pub max_access_boundary_rules: usize,
    /// Lifetime of a federated STS access token (default one hour;
    /// UNCONFIRMED whether Google caps it by the subject token's expiry).
    pub sts_token_lifetime: Duration,
}

impl Default for FederationOptions {
    fn default() -> Self {
        Self {
            unknown_account_is_forbidden: false,
            expired_token_reason: "ACCESS_TOKEN_EXPIRED".into(),
            downscoped_expires_in: true,
            max_access_boundary_rules: 10,
            sts_token_lifetime: Duration::from_hours(1),
        }
    }
}
