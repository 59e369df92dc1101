//! The IAM side of the emulator's state: who may impersonate which service
//! account, which workload and workforce pool providers exist, which subject
//! tokens are served by URL, and the workforce users' refresh grants.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use super::keys::RsaKey;

/// Host part of every IAM resource name and member.
pub const IAM_HOST: &str = "iam.googleapis.com";

/// Impersonation rights and federation registrations.
#[derive(Debug, Default)]
pub struct IamTables {
    /// `(member, target email)` pairs holding
    /// `roles/iam.serviceAccountTokenCreator` on the target.
    pub token_creators: HashSet<(String, String)>,
    /// Target emails the org policy lets mint tokens for up to 12 h.
    pub extended_lifetime: HashSet<String>,
    /// Pool providers by audience (`//iam.googleapis.com/.../providers/P`).
    pub providers: HashMap<String, ProviderRecord>,
    /// Subject tokens served by URL, by the path segment that names them.
    pub url_subjects: HashMap<String, UrlSubject>,
    /// Workforce users' grants by refresh token.
    pub sts_grants: HashMap<String, StsGrant>,
}

impl IamTables {
    /// True when `member` holds the Token Creator role on `target`, directly
    /// or through a `principalSet://<pool>/*` grant covering its pool.
    pub fn may_impersonate(&self, member: &str, target: &str) -> bool {
        self.token_creators.iter().any(|(granted, on)| {
            on == target
                && (granted == member
                    || granted
                        .strip_prefix("principalSet://")
                        .and_then(|set| set.strip_suffix('*'))
                        .zip(member.strip_prefix("principal://"))
                        .is_some_and(|(pool, who)| who.starts_with(pool)))
        })
    }
}

/// A registered workload or workforce pool provider trusting one OIDC issuer.
#[derive(Debug)]
pub struct ProviderRecord {
    /// The issuer (`iss`) subject tokens must carry.
    pub issuer: String,
    /// The issuer's signing key (the emulator plays the external IdP too).
    pub key: Arc<RsaKey>,
    /// The pool's resource name without host or provider, e.g.
    /// `projects/123/locations/global/workloadIdentityPools/pool`.
    pub pool: String,
    /// Audiences (`aud`) a subject token may carry.
    pub allowed_audiences: Vec<String>,
}

/// A subject token the emulator serves at a URL (a `url` credential source).
#[derive(Debug, Clone)]
pub struct UrlSubject {
    /// Audience of the provider whose issuer signs the token.
    pub provider: String,
    /// The token's `sub`.
    pub subject: String,
    /// Headers the request must carry, name and value.
    pub headers: Vec<(String, String)>,
    /// With `Some(field)` the answer is JSON `{field: token}`, else plain text.
    pub json_field: Option<String>,
}

/// A workforce user's browser sign-in: one refresh token for one client.
#[derive(Debug, Clone)]
pub struct StsGrant {
    /// OAuth client the refresh token belongs to.
    pub client_id: String,
    /// That client's secret.
    pub client_secret: String,
    /// The user's IAM member (`principal://...`).
    pub member: String,
    /// Scopes of the access tokens it yields.
    pub scopes: Vec<String>,
    /// Lifetime of each access token.
    pub lifetime: Duration,
    /// Set once the sign-in has been revoked (at `/v1/oauth/revoke`).
    pub revoked: bool,
}

/// The pool part of a provider audience and whether it is a workforce pool.
///
/// `//iam.googleapis.com/projects/N/locations/L/workloadIdentityPools/P/providers/X`
/// gives `(projects/N/locations/L/workloadIdentityPools/P, false)`;
/// `//iam.googleapis.com/locations/L/workforcePools/P/providers/X` gives
/// `(locations/L/workforcePools/P, true)`.
pub fn pool_of(audience: &str) -> Option<(String, bool)> {
    let path = audience.strip_prefix("//")?.strip_prefix(IAM_HOST)?;
    let path = path.strip_prefix('/')?;
    let (pool, provider) = path.split_once("/providers/")?;
    if provider.is_empty() || provider.contains('/') {
        return None;
    }
    let parts: Vec<&str> = pool.split('/').collect();
    match parts.as_slice() {
        ["projects", _, "locations", _, "workloadIdentityPools", _] => Some((pool.into(), false)),
        ["locations", _, "workforcePools", _] => Some((pool.into(), true)),
        _ => None,
    }
}

/// The IAM member of one identity of a pool.
pub fn pool_member(pool: &str, subject: &str) -> String {
    format!("principal://{IAM_HOST}/{pool}/subject/{subject}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pools_and_members() {
        let (pool, workforce) = pool_of(
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x",
        )
        .unwrap();
        assert!(!workforce);
        assert_eq!(pool, "projects/1/locations/global/workloadIdentityPools/p");
        let (pool, workforce) =
            pool_of("//iam.googleapis.com/locations/global/workforcePools/w/providers/x").unwrap();
        assert!(workforce);
        assert!(pool_of("//iam.googleapis.com/projects/1/providers/x").is_none());
        assert!(pool_of("https://iam.googleapis.com/locations/global/workforcePools/w").is_none());
        let mut tables = IamTables::default();
        let member = pool_member(&pool, "alice");
        tables.token_creators.insert((
            format!("principalSet://{IAM_HOST}/{pool}/*"),
            "t@p.iam.gserviceaccount.com".into(),
        ));
        assert!(tables.may_impersonate(&member, "t@p.iam.gserviceaccount.com"));
        assert!(!tables.may_impersonate(&member, "u@p.iam.gserviceaccount.com"));
        assert!(!tables.may_impersonate("user:a@b", "t@p.iam.gserviceaccount.com"));
    }
}
