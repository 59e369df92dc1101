//! The downscope form's state: what has been typed in which field, the
//! boundary rules added so far, and what Enter makes of them (checked
//! before anything is sent). Drawn by `downscope`.

use crate::model::{AccessBoundary, BoundaryRule, BoundaryRules, Downscope, MAX_BOUNDARY_RULES};
use crate::model::{Platform, Row};
use crate::tui::input;
use crossterm::event::{KeyCode, KeyEvent};

/// The longest field kept: scopes are URLs, a handful at most.
const MAX_INPUT: usize = 1024;

/// The role a rule grants when none is typed.
pub const DEFAULT_ROLE: &str = "roles/storage.objectViewer";

/// The form's fields, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Field {
    /// Scopes the new token keeps.
    #[default]
    Scopes,
    /// A boundary rule's bucket.
    Bucket,
    /// Only objects under this prefix (optional).
    Prefix,
    /// The rule's roles.
    Roles,
}

/// Whose token the form narrows, which decides what it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Issuer {
    /// Google: scopes (short names are Google's) or an access boundary.
    #[default]
    Google,
    /// Databricks: scopes only; `exchange` for a PAT, which is exchanged
    /// for an OAuth token with them.
    Databricks {
        /// The token is a personal access token.
        exchange: bool,
    },
}

/// What has been typed so far.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Form {
    /// Whose token it narrows.
    pub issuer: Issuer,
    /// The field being typed in.
    pub field: Field,
    /// Scopes, space- or comma-separated.
    pub scopes: String,
    /// The rule being written: its bucket.
    pub bucket: String,
    /// Its object prefix.
    pub prefix: String,
    /// Its roles.
    pub roles: String,
    /// The rules added so far.
    pub rules: Vec<BoundaryRule>,
}

/// What Enter did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Ask the engine for this token.
    Ask(Downscope),
    /// The form stays open, saying this.
    Stay(String),
}

impl Form {
    /// An empty form for `row`'s token.
    pub fn for_row(row: &Row) -> Self {
        let issuer = match row.platform {
            Platform::Databricks => Issuer::Databricks {
                exchange: row.kind == crate::model::Kind::DatabricksPat,
            },
            _ => Issuer::Google,
        };
        Form {
            issuer,
            ..Form::default()
        }
    }

    fn input(&mut self) -> &mut String {
        match self.field {
            Field::Scopes => &mut self.scopes,
            Field::Bucket => &mut self.bucket,
            Field::Prefix => &mut self.prefix,
            Field::Roles => &mut self.roles,
        }
    }

    /// Moves to the next field (a Databricks form has only its scopes).
    pub fn next_field(&mut self) {
        if self.issuer != Issuer::Google {
            return;
        }
        self.field = match self.field {
            Field::Scopes => Field::Bucket,
            Field::Bucket => Field::Prefix,
            Field::Prefix => Field::Roles,
            Field::Roles => Field::Scopes,
        };
    }

    /// Applies a key to the field's text (see [`input::edit`]); in an
    /// empty bucket field Backspace takes back the last rule. Returns false
    /// for keys that are not text (Enter, Esc, Tab, Ctrl-C...), which the
    /// keymap then answers.
    pub fn edit(&mut self, key: &KeyEvent) -> bool {
        if key.code == KeyCode::Backspace && self.field == Field::Bucket && self.bucket.is_empty() {
            self.rules.pop();
            return true;
        }
        input::edit(self.input(), MAX_INPUT, key)
    }

    /// Enter: in the scopes field, asks for those scopes; in a rule's
    /// field, adds the rule, or with no bucket typed asks for the boundary
    /// of the rules added. Short scope names are Google's on a Google form.
    pub fn submit(&mut self) -> Submitted {
        if self.field == Field::Scopes {
            let scopes = scopes(&self.scopes, self.issuer == Issuer::Google);
            return match scopes.is_empty() {
                true => Submitted::Stay("name at least one scope to keep".into()),
                false => Submitted::Ask(Downscope::Scopes(scopes)),
            };
        }
        if !self.bucket.trim().is_empty() {
            return Submitted::Stay(match self.add_rule() {
                Ok(()) => format!(
                    "rule {} added: Enter on an empty bucket asks for the token",
                    self.rules.len()
                ),
                Err(why) => why,
            });
        }
        let boundary = AccessBoundary {
            access_boundary: BoundaryRules {
                access_boundary_rules: self.rules.clone(),
            },
        };
        match boundary.check() {
            Ok(()) => Submitted::Ask(Downscope::Boundary(boundary)),
            Err(why) => Submitted::Stay(why),
        }
    }

    /// Adds the rule typed, checked, clears its bucket and prefix, and
    /// goes back to the bucket for the next one.
    fn add_rule(&mut self) -> Result<(), String> {
        if self.rules.len() >= MAX_BOUNDARY_RULES {
            return Err(format!(
                "a Credential Access Boundary holds at most {MAX_BOUNDARY_RULES} rules"
            ));
        }
        let bucket = self.bucket.trim();
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
        if !(3..=222).contains(&bucket.len()) || !bucket.chars().all(valid) {
            return Err(format!(
                "`{bucket}` is not a bucket name (lowercase letters, digits, - _ .)"
            ));
        }
        let mut roles: Vec<String> = self
            .roles
            .split([' ', ','])
            .filter(|r| !r.is_empty())
            .map(|r| {
                let r = r.trim_start_matches("inRole:");
                match r.starts_with("roles/") {
                    true => r.to_string(),
                    false => format!("roles/{r}"),
                }
            })
            .collect();
        if roles.is_empty() {
            roles.push(DEFAULT_ROLE.to_string());
        }
        let roles: Vec<&str> = roles.iter().map(String::as_str).collect();
        let prefix = Some(self.prefix.trim()).filter(|p| !p.is_empty());
        self.rules
            .push(AccessBoundary::bucket(bucket, &roles, prefix));
        self.bucket.clear();
        self.prefix.clear();
        self.field = Field::Bucket;
        Ok(())
    }
}

/// The scopes typed, split on spaces and commas; a Google short name
/// (`devstorage.read_only`) becomes its full URL when `google` is set.
pub fn scopes(input: &str, google: bool) -> Vec<String> {
    crate::model::expand_scopes(input.split([' ', ',']), google)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::screens::downscope::height;
    use crossterm::event::KeyModifiers;

    fn typed(form: &mut Form, text: &str) {
        for c in text.chars() {
            assert!(form.edit(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
    }

    #[test]
    fn short_google_names_become_urls_and_others_stay() {
        assert_eq!(
            scopes("devstorage.read_only, https://x/y", true),
            [
                "https://www.googleapis.com/auth/devstorage.read_only",
                "https://x/y"
            ]
        );
        assert_eq!(scopes("sql all-apis", false), ["sql", "all-apis"]);
        let mut form = Form::default();
        typed(&mut form, "q");
        assert_eq!(form.scopes, "q", "q is text here, not quit");
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert!(!form.edit(&ctrl_c));
        assert!(form.edit(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
        assert_eq!(
            form.submit(),
            Submitted::Stay("name at least one scope to keep".into())
        );
    }

    #[test]
    fn a_boundary_is_built_a_rule_at_a_time_and_checked() {
        let mut form = Form::default();
        form.next_field();
        typed(&mut form, "etl-logs");
        form.next_field();
        typed(&mut form, "2026/");
        form.next_field();
        typed(
            &mut form,
            "storage.objectViewer inRole:roles/storage.objectCreator",
        );
        form.field = Field::Bucket;
        assert!(matches!(form.submit(), Submitted::Stay(said) if said.starts_with("rule 1 added")));
        assert_eq!((form.bucket.as_str(), form.prefix.as_str()), ("", ""));
        let Submitted::Ask(Downscope::Boundary(boundary)) = form.submit() else {
            panic!("an empty bucket asks for the boundary");
        };
        let rule = &boundary.access_boundary.access_boundary_rules[0];
        assert_eq!(
            rule.available_permissions,
            [
                "inRole:roles/storage.objectViewer",
                "inRole:roles/storage.objectCreator"
            ]
        );
        assert!(rule.availability_condition.as_ref().is_some_and(|c| {
            c.expression
                .contains("projects/_/buckets/etl-logs/objects/2026/")
        }));

        typed(&mut form, "Not A Bucket");
        assert!(
            matches!(form.submit(), Submitted::Stay(said) if said.contains("not a bucket name"))
        );
        form.bucket.clear();
        for n in 2..=MAX_BOUNDARY_RULES {
            typed(&mut form, &format!("bucket-{n}"));
            form.submit();
        }
        assert_eq!(form.rules.len(), MAX_BOUNDARY_RULES);
        typed(&mut form, "one-too-many");
        assert!(
            matches!(form.submit(), Submitted::Stay(said) if said.contains("at most 10 rules"))
        );
        form.bucket.clear();
        assert!(form.edit(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)));
        assert_eq!(
            form.rules.len(),
            MAX_BOUNDARY_RULES - 1,
            "Backspace in an empty bucket drops the last rule"
        );
    }

    #[test]
    fn a_databricks_form_keeps_databricks_scopes_and_has_no_boundary() {
        let mut form = Form {
            issuer: Issuer::Databricks { exchange: true },
            ..Form::default()
        };
        form.next_field();
        assert_eq!(form.field, Field::Scopes, "no boundary fields to move to");
        typed(&mut form, "sql jobs clusters:read");
        assert_eq!(
            form.submit(),
            Submitted::Ask(Downscope::Scopes(vec![
                "sql".into(),
                "jobs".into(),
                "clusters:read".into()
            ])),
            "short names stay Databricks'"
        );
        assert!(height(&form) < height(&Form::default()));
    }

    #[test]
    fn no_rules_is_no_boundary() {
        let mut form = Form {
            field: Field::Roles,
            ..Form::default()
        };
        assert!(
            matches!(form.submit(), Submitted::Stay(said) if said.contains("at least one rule"))
        );
    }
}
