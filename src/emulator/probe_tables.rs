//! What the probe targets check once a token is accepted: who may invoke
//! the Cloud Run-like service and under which extra audiences.

use std::collections::HashSet;

/// Grants of the probe targets.
#[derive(Debug, Default)]
pub struct ProbeTables {
    /// Emails holding `roles/run.invoker` on the Cloud Run-like service.
    pub run_invokers: HashSet<String>,
    /// Custom audiences the Cloud Run-like service accepts besides its URL.
    pub run_audiences: HashSet<String>,
}
