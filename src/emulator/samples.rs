//! Sample credential files for `tokentop emulator --credentials-dir DIR`.
//!
//! Every file is born private: a fresh temporary file in DIR, mode 0600 from
//! creation, then renamed over its final name. A rename replaces whatever
//! sits at that name (a planted symlink included) instead of writing through
//! it, and no reader ever sees a half-written or world-readable file.

use std::io::{self, Write as _};
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Emulator, GoogleUserSpec, ServiceAccountSpec, samples_databricks, samples_federation};

/// Scopes of the sample Google user written by [`Emulator::write_samples`].
const SAMPLE_USER_SCOPES: [&str; 3] = [
    "https://www.googleapis.com/auth/cloud-platform",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
];

impl Emulator {
    /// Writes sample credentials for the conformance check into `dir`: `google_user.json`,
    /// `google_sa.json`, `databrickscfg` (INI profiles `m2m`, `pat`, `u2m`,
    /// `account`) with the U2M token caches under `home/`, `urls.json`
    /// (`{"google": .., "databricks": ..}`), and the IAM/STS samples
    /// (`google_impersonated.json`, `google_subject_token.jwt`,
    /// `google_external_account.json`, `google_workforce_user.json`).
    ///
    /// Each call registers a fresh sample user, service account, service
    /// principal, PAT and U2M logins (one-hour token lifetimes). `dir` is created (mode 0700) if
    /// missing. Each file is created with mode 0600 under a temporary name and
    /// renamed into place, so an existing file or symlink of that name is
    /// replaced, never written through.
    ///
    /// # Errors
    /// The directory or a file cannot be written, or key generation failed.
    pub fn write_samples(&self, dir: &Path) -> io::Result<()> {
        create_private_dir(dir)?;
        let hour = Duration::from_hours(1);
        let user = self.add_google_user(GoogleUserSpec {
            email: "sample-user@example.test".into(),
            scopes: SAMPLE_USER_SCOPES.iter().map(ToString::to_string).collect(),
            access_token_lifetime: hour,
        });
        let sa = self.add_google_service_account(ServiceAccountSpec {
            email: "sample-sa@sample-project.iam.gserviceaccount.com".into(),
            project_id: "sample-project".into(),
            access_token_lifetime: hour,
        });
        if let Some(e) = sa.get("error") {
            return Err(io::Error::other(e.to_string()));
        }
        write_private(dir, "google_user.json", &to_pretty(&user)?)?;
        write_private(dir, "google_sa.json", &to_pretty(&sa)?)?;
        samples_federation::write(self, dir, &sa)?;
        samples_databricks::write(self, dir)?;
        let urls = json!({
            "google": self.shared.google_url,
            "databricks": self.shared.databricks_url,
        });
        write_private(dir, "urls.json", &to_pretty(&urls)?)
    }
}

/// Creates `dir` and missing parents with mode 0700; an existing folder is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Pretty JSON text with a trailing newline.
pub fn to_pretty(value: &Value) -> io::Result<String> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(io::Error::other)
}

/// Writes `dir/name` privately: temp file in `dir` (0600 before any byte is
/// written), flushed to disk, then renamed over `name`.
pub fn write_private(dir: &Path, name: &str, contents: &str) -> io::Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents.as_bytes())?;
    file.as_file().sync_all()?;
    file.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}
