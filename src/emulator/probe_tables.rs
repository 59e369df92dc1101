//! What the probe targets check once a token is accepted: who may invoke
//! the Cloud Run-like service and under which extra audiences, and which
//! principal holds which IAM permission on which project.

use std::collections::HashSet;

/// Grants of the probe targets.
#[derive(Debug, Default)]
pub struct ProbeTables {
    /// Emails holding `roles/run.invoker` on the Cloud Run-like service.
    pub run_invokers: HashSet<String>,
    /// Custom audiences the Cloud Run-like service accepts besides its URL.
    pub run_audiences: HashSet<String>,
    /// `(principal, project, permission)`: the principal is an email or an
    /// IAM member (`user:`, `serviceAccount:`, `principal://...`).
    pub iam_grants: HashSet<(String, String, String)>,
}

impl ProbeTables {
    /// True when `permission` on `project` was granted to the token's
    /// principal, named by its email (if any) or its IAM member.
    pub fn iam_allows(&self, email: &str, member: &str, project: &str, permission: &str) -> bool {
        self.iam_grants.iter().any(|(who, on, what)| {
            on == project
                && what == permission
                && (who == member || (!email.is_empty() && who == email))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_match_email_or_member_on_the_project_only() {
        let mut tables = ProbeTables::default();
        let grant = |who: &str| (who.to_string(), "p".to_string(), "x.list".to_string());
        tables.iam_grants.insert(grant("a@example.test"));
        tables
            .iam_grants
            .insert(grant("principal://pool/subject/s"));
        assert!(tables.iam_allows("a@example.test", "user:a@example.test", "p", "x.list"));
        assert!(!tables.iam_allows("a@example.test", "user:a@example.test", "q", "x.list"));
        assert!(!tables.iam_allows("a@example.test", "user:a@example.test", "p", "x.get"));
        assert!(tables.iam_allows("", "principal://pool/subject/s", "p", "x.list"));
        assert!(!tables.iam_allows("", "principal://pool/subject/t", "p", "x.list"));
    }
}
