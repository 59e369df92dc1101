//! What the metadata server says about its VM: project, zone, instance and
//! service accounts (wire.md §1.4), and the identifiers fixed at start.

use std::time::Duration;

use super::keys;

/// Scope of full Cloud API access.
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
/// Scope that lets tokeninfo show the account's email.
const USERINFO_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
/// Lifetime of a freshly minted metadata-server access token.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_hours(1);
/// A cached token is replaced once this little of its life remains.
const DEFAULT_REFRESH_BEFORE: Duration = Duration::from_mins(5);

/// One service account attached to the emulated VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MdsServiceAccount {
    /// The account's email, e.g. `123-compute@developer.gserviceaccount.com`.
    pub email: String,
    /// Scopes of the tokens handed out when the client asks for none.
    pub scopes: Vec<String>,
    /// Lifetime of each access token when it is minted.
    pub token_lifetime: Duration,
    /// The same token is handed out (with a shrinking `expires_in`) until no
    /// more than this much of its life remains; then a new one is minted.
    pub refresh_before: Duration,
}

impl MdsServiceAccount {
    /// An account with the given scopes and a real MDS's timing (1 h tokens,
    /// replaced 5 min before expiry).
    #[must_use]
    pub fn new(email: impl Into<String>, scopes: &[&str]) -> Self {
        Self {
            email: email.into(),
            scopes: scopes.iter().map(ToString::to_string).collect(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            refresh_before: DEFAULT_REFRESH_BEFORE,
        }
    }
}

/// The VM the metadata server describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataSpec {
    /// `project/project-id`.
    pub project_id: String,
    /// `project/numeric-project-id`.
    pub project_number: u64,
    /// Zone name, e.g. `us-central1-a` (served as `projects/<number>/zones/<zone>`).
    pub zone: String,
    /// `instance/name`.
    pub instance_name: String,
    /// Attached accounts; the first one is also reachable as `default`.
    pub service_accounts: Vec<MdsServiceAccount>,
    /// `universe/universe-domain`; `None` answers 404, which clients read as
    /// `googleapis.com`.
    pub universe_domain: Option<String>,
    /// License ids put in `format=full` ID tokens asked for with `licenses=TRUE`.
    pub license_ids: Vec<String>,
}

impl Default for MetadataSpec {
    /// A Dataproc-like worker: the Compute Engine default account (full
    /// access) first, then a dedicated ETL account.
    fn default() -> Self {
        let project_id = "tokentop-demo".to_string();
        let project_number = 123_456_789_012;
        Self {
            service_accounts: vec![
                MdsServiceAccount::new(
                    format!("{project_number}-compute@developer.gserviceaccount.com"),
                    &[CLOUD_PLATFORM, USERINFO_EMAIL],
                ),
                MdsServiceAccount::new(
                    format!("etl-runner@{project_id}.iam.gserviceaccount.com"),
                    &[CLOUD_PLATFORM],
                ),
            ],
            project_id,
            project_number,
            zone: "us-central1-a".into(),
            instance_name: "tokentop-worker-0".into(),
            universe_domain: None,
            license_ids: vec!["1000010".into()],
        }
    }
}

/// An attached account with the numeric unique id it got at start.
#[derive(Debug)]
pub struct MdsAccount {
    /// The configured account.
    pub spec: MdsServiceAccount,
    /// Numeric unique id (`sub` and `azp` of its tokens).
    pub unique_id: String,
}

/// The running VM: its spec plus the identifiers fixed when it "booted".
#[derive(Debug)]
pub struct MdsInstance {
    /// Project, zone and instance facts as configured.
    pub spec: MetadataSpec,
    /// `instance/id`: 19 random digits.
    pub instance_id: String,
    /// Creation time of the instance, Unix seconds.
    pub created: i64,
    /// Attached accounts, `default` first.
    pub accounts: Vec<MdsAccount>,
}

impl MdsInstance {
    /// Boots the VM described by `spec` at time `now`.
    pub fn new(spec: MetadataSpec, now: i64) -> Self {
        let accounts = spec
            .service_accounts
            .iter()
            .map(|sa| MdsAccount {
                spec: sa.clone(),
                unique_id: keys::random_digits(21),
            })
            .collect();
        Self {
            spec,
            instance_id: keys::random_digits(19),
            created: now,
            accounts,
        }
    }

    /// The account a path names: `default` (the first one) or an email.
    pub fn account(&self, name: &str) -> Option<&MdsAccount> {
        if name == "default" {
            self.accounts.first()
        } else {
            self.accounts.iter().find(|a| a.spec.email == name)
        }
    }

    /// True when `account` is the one `default` stands for.
    pub fn is_default(&self, account: &MdsAccount) -> bool {
        self.accounts
            .first()
            .is_some_and(|first| std::ptr::eq(first, account))
    }

    /// `instance/zone`: `projects/<number>/zones/<zone>`.
    pub fn zone_path(&self) -> String {
        format!(
            "projects/{}/zones/{}",
            self.spec.project_number, self.spec.zone
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_the_first_account() {
        let vm = MdsInstance::new(MetadataSpec::default(), 1_700_000_000);
        let first = vm.account("default").map(|a| a.spec.email.clone());
        assert_eq!(
            first.as_deref(),
            Some("123456789012-compute@developer.gserviceaccount.com")
        );
        let etl = vm.account("etl-runner@tokentop-demo.iam.gserviceaccount.com");
        assert!(etl.is_some_and(|a| !vm.is_default(a)));
        assert!(vm.account("nobody@example.test").is_none());
        assert_eq!(vm.zone_path(), "projects/123456789012/zones/us-central1-a");
        assert_eq!(vm.instance_id.len(), 19);
    }
}
