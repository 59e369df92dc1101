//! Registration API of the probe targets: the Cloud Run-like service's URL,
//! audiences and invokers, and project-level IAM grants for the Google API.

use super::Emulator;

impl Emulator {
    /// Base URL of the Cloud Run-like listener, `http://127.0.0.1:PORT`
    /// (no trailing slash): the audience its ID tokens must carry.
    #[must_use]
    pub fn run_url(&self) -> String {
        self.shared.run_url.clone()
    }

    /// Makes the Cloud Run-like service accept ID tokens whose `aud` is
    /// exactly `audience` too (a custom audience, wire.md §2.6).
    pub fn add_run_audience(&self, audience: &str) {
        self.shared
            .tables()
            .probes
            .run_audiences
            .insert(audience.to_string());
    }

    /// Grants `roles/run.invoker` on the Cloud Run-like service to the
    /// principal whose ID tokens carry this `email` (or, without an email
    /// claim, to the service account with this email whose unique id is the `sub`).
    pub fn grant_run_invoker(&self, email: &str) {
        self.shared
            .tables()
            .probes
            .run_invokers
            .insert(email.to_string());
    }

    /// Grants IAM `permission` (e.g. `storage.buckets.list`) on `project`
    /// to `principal`: an email (user or service account), or an IAM
    /// member (`user:`, `serviceAccount:`, `principal://...` for federated
    /// and workforce identities, whose tokens carry no email).
    pub fn grant_iam(&self, principal: &str, project: &str, permission: &str) {
        self.shared.tables().probes.iam_grants.insert((
            principal.to_string(),
            project.to_string(),
            permission.to_string(),
        ));
    }
}
