//! What a downscoped token may do: fewer scopes, or a Credential Access
//! Boundary (Cloud Storage buckets and roles), checked before anything is
//! sent (wire.md §2.8).

use serde::{Deserialize, Serialize};

/// The most rules a Credential Access Boundary may hold.
pub const MAX_BOUNDARY_RULES: usize = 10;

/// How to narrow a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Downscope {
    /// A new token with only these scopes.
    Scopes(Vec<String>),
    /// A token exchanged at STS under this access boundary.
    Boundary(AccessBoundary),
}

/// `{"accessBoundary": {"accessBoundaryRules": [...]}}`, as STS takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessBoundary {
    /// The boundary.
    pub access_boundary: BoundaryRules,
}

/// The rules of a boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoundaryRules {
    /// One rule per resource.
    pub access_boundary_rules: Vec<BoundaryRule>,
}

/// One resource, the roles available on it, and an optional condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BoundaryRule {
    /// `//storage.googleapis.com/projects/_/buckets/BUCKET`.
    pub available_resource: String,
    /// `inRole:roles/…` each.
    pub available_permissions: Vec<String>,
    /// A CEL condition narrowing the resource (an object prefix, say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_condition: Option<Condition>,
}

/// A CEL expression with an optional title and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The CEL expression.
    pub expression: String,
    /// A short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Scopes as a user writes them: empty words are skipped, and a Google
/// short name (`devstorage.read_only`) becomes its full URL when `google`.
pub fn expand_scopes<'a>(words: impl IntoIterator<Item = &'a str>, google: bool) -> Vec<String> {
    words
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            if google && !s.contains(':') && !s.contains('/') {
                format!("https://www.googleapis.com/auth/{s}")
            } else {
                s.to_string()
            }
        })
        .collect()
}

impl AccessBoundary {
    /// One rule: `roles` on a bucket, optionally only objects under `prefix`.
    pub fn bucket(bucket: &str, roles: &[&str], prefix: Option<&str>) -> BoundaryRule {
        BoundaryRule {
            available_resource: format!("//storage.googleapis.com/projects/_/buckets/{bucket}"),
            available_permissions: roles
                .iter()
                .map(|r| format!("inRole:{}", r.trim_start_matches("inRole:")))
                .collect(),
            availability_condition: prefix.map(|p| Condition {
                expression: format!(
                    "resource.name.startsWith('projects/_/buckets/{bucket}/objects/{p}')"
                ),
                title: None,
                description: None,
            }),
        }
    }

    /// The rules google-auth checks before sending, with its words.
    pub fn check(&self) -> Result<(), String> {
        let rules = &self.access_boundary.access_boundary_rules;
        if rules.is_empty() {
            return Err("a Credential Access Boundary needs at least one rule".into());
        }
        if rules.len() > MAX_BOUNDARY_RULES {
            return Err(format!(
                "Credential access boundary rules can have a maximum of {MAX_BOUNDARY_RULES} rules (this has {})",
                rules.len()
            ));
        }
        for (i, rule) in rules.iter().enumerate() {
            let n = i + 1;
            if rule.available_resource.trim().is_empty() {
                return Err(format!("rule {n}: availableResource is empty"));
            }
            if rule.available_permissions.is_empty() {
                return Err(format!("rule {n}: availablePermissions is empty"));
            }
            if let Some(bad) = rule
                .available_permissions
                .iter()
                .find(|p| !p.starts_with("inRole:"))
            {
                return Err(format!(
                    "rule {n}: available_permissions must be prefixed with 'inRole:' (`{bad}`)"
                ));
            }
            if rule
                .availability_condition
                .as_ref()
                .is_some_and(|c| c.expression.trim().is_empty())
            {
                return Err(format!(
                    "rule {n}: availabilityCondition needs an expression"
                ));
            }
        }
        Ok(())
    }

    /// The buckets it names, for the row.
    pub fn describe(&self) -> String {
        self.access_boundary
            .access_boundary_rules
            .iter()
            .map(|r| {
                let bucket = r
                    .available_resource
                    .rsplit("/buckets/")
                    .next()
                    .unwrap_or(&r.available_resource);
                let roles: Vec<&str> = r
                    .available_permissions
                    .iter()
                    .map(|p| p.trim_start_matches("inRole:roles/"))
                    .collect();
                let cond = if r.availability_condition.is_some() {
                    " (conditional)"
                } else {
                    ""
                };
                format!("{bucket}: {}{cond}", roles.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boundary(rules: Vec<BoundaryRule>) -> AccessBoundary {
        AccessBoundary {
            access_boundary: BoundaryRules {
                access_boundary_rules: rules,
            },
        }
    }

    #[test]
    fn rules_are_checked_before_anything_is_sent() {
        let one = AccessBoundary::bucket("logs", &["roles/storage.objectViewer"], Some("2026/"));
        let ok = boundary(vec![one.clone()]);
        assert_eq!(ok.check(), Ok(()));
        assert_eq!(ok.describe(), "logs: storage.objectViewer (conditional)");
        let json = serde_json::to_value(&ok).expect("json");
        assert_eq!(
            json["accessBoundary"]["accessBoundaryRules"][0]["availablePermissions"][0],
            "inRole:roles/storage.objectViewer"
        );
        let eleven = boundary(vec![one.clone(); 11]);
        assert!(
            eleven
                .check()
                .expect_err("11 rules")
                .contains("maximum of 10")
        );
        let mut bare = one.clone();
        bare.available_permissions = vec!["roles/storage.admin".into()];
        assert!(
            boundary(vec![bare])
                .check()
                .expect_err("no inRole")
                .contains("inRole:")
        );
        assert!(boundary(vec![]).check().is_err());
        let parsed: AccessBoundary = serde_json::from_str(
            r#"{"accessBoundary":{"accessBoundaryRules":[{"availableResource":"//storage.googleapis.com/projects/_/buckets/b","availablePermissions":["inRole:roles/storage.objectViewer"]}]}}"#,
        )
        .expect("google-auth's shape parses");
        assert_eq!(parsed.check(), Ok(()));
    }
}
