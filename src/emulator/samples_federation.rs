//! The IAM Credentials and STS part of the sample credentials: an
//! impersonated service account, a workload-identity `external_account`
//! with its subject token file, and a workforce user.

use std::io;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use super::samples::{to_pretty, write_private};
use super::{
    Emulator, ExternalAccountSpec, ImpersonationGrant, PoolProviderSpec, ServiceAccountSpec,
    SubjectSource, SubjectTokenSpec, WorkforceUserSpec,
};

/// The service account the samples impersonate.
pub const SAMPLE_TARGET: &str = "sample-target@sample-project.iam.gserviceaccount.com";
/// The sample workload identity pool provider.
const WORKLOAD_PROVIDER: &str = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/sample-pool/providers/sample-oidc";
/// The sample workforce pool provider.
const WORKFORCE_PROVIDER: &str =
    "//iam.googleapis.com/locations/global/workforcePools/sample-workforce/providers/sample-idp";
/// Issuer of the sample subject tokens.
const SAMPLE_ISSUER: &str = "https://idp.example.test";
/// Scope of the sample workforce user.
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// Writes `google_impersonated.json` (source: `sa`, the sample service
/// account's key file), `google_subject_token.jwt`, `google_external_account.json`
/// (file source, impersonating [`SAMPLE_TARGET`]) and `google_workforce_user.json`
/// into `dir`, registering what they need.
pub fn write(emulator: &Emulator, dir: &Path, sa: &Value) -> io::Result<()> {
    let hour = Duration::from_hours(1);
    let target = emulator.add_google_service_account(ServiceAccountSpec {
        email: SAMPLE_TARGET.into(),
        project_id: "sample-project".into(),
        access_token_lifetime: hour,
    });
    if let Some(e) = target.get("error") {
        return Err(io::Error::other(e.to_string()));
    }
    let source_email = sa["client_email"].as_str().unwrap_or_default();
    let workload = emulator.add_pool_provider(PoolProviderSpec {
        audience: WORKLOAD_PROVIDER.into(),
        issuer: SAMPLE_ISSUER.into(),
        allowed_audiences: Vec::new(),
    })?;
    for member in [
        format!("serviceAccount:{source_email}"),
        workload.all_members(),
    ] {
        emulator.allow_impersonation(ImpersonationGrant {
            member,
            target: SAMPLE_TARGET.into(),
            extended_lifetime: false,
        });
    }
    let impersonated = emulator.impersonated_service_account_file(sa, SAMPLE_TARGET, &[]);
    write_private(dir, "google_impersonated.json", &to_pretty(&impersonated)?)?;
    let subject_token = emulator.mint_subject_token(
        WORKLOAD_PROVIDER,
        SubjectTokenSpec {
            subject: "repo:example/app:ref:refs/heads/main".into(),
            audience: None,
            expires_in: 3600,
        },
    )?;
    write_private(dir, "google_subject_token.jwt", &subject_token)?;
    let external = emulator.external_account_file(ExternalAccountSpec {
        audience: WORKLOAD_PROVIDER.into(),
        source: SubjectSource::File(std::fs::canonicalize(dir)?.join("google_subject_token.jwt")),
        impersonate: Some(SAMPLE_TARGET.into()),
        token_lifetime_seconds: Some(3600),
        workforce_pool_user_project: None,
    })?;
    write_private(dir, "google_external_account.json", &to_pretty(&external)?)?;
    emulator.add_pool_provider(PoolProviderSpec {
        audience: WORKFORCE_PROVIDER.into(),
        issuer: SAMPLE_ISSUER.into(),
        allowed_audiences: Vec::new(),
    })?;
    let workforce_user = emulator.add_workforce_user(WorkforceUserSpec {
        audience: WORKFORCE_PROVIDER.into(),
        subject: "sample-user@example.test".into(),
        scopes: vec![CLOUD_PLATFORM.into()],
        access_token_lifetime: hour,
    })?;
    write_private(
        dir,
        "google_workforce_user.json",
        &to_pretty(&workforce_user)?,
    )
}
