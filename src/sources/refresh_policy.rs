//! The `[refresh]` table of the user's `config.toml`: the auto-refresh
//! policy the dashboard starts with (and `serve` runs by).
//!
//! ```toml
//! [refresh]
//! auto = true              # keep every token alive from the start
//!
//! [refresh.window]         # refresh this long before expiry, by family
//! google = "5m"            # default 3m45s, google-auth's
//! databricks = "2m"        # default 40s, the Databricks SDK's
//! oidc = "1m"              # default 10s
//! ```

use crate::model::RefreshPolicy;
use crate::model::refresh_policy::FAMILIES;
use crate::model::toml_error::{describe, line_of};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// The widest window taken. However wide, a token is not renewed before
/// half its life (see the engine's keeper); past 30 minutes a window says
/// little more than "at half life" for hour-long tokens.
const MAX_WINDOW: chrono::Duration = chrono::Duration::minutes(30);

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    refresh: Option<Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[serde(default)]
    auto: bool,
    #[serde(default)]
    window: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Reads the policy from `path`; no file or no table is the default
/// policy (nothing kept alive, the clients' own windows). Errors name the
/// file, line and field.
pub fn read(path: &Path) -> Result<RefreshPolicy, String> {
    let text = match crate::files::read_text(path) {
        Ok(text) => text,
        Err(crate::files::ReadError::Missing) => return Ok(RefreshPolicy::default()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse(&text, &path.display().to_string())
}

/// Parses the policy from `text` (read from `file`).
pub fn parse(text: &str, file: &str) -> Result<RefreshPolicy, String> {
    let parsed: File = toml::from_str(text).map_err(|e| describe(file, text, &e))?;
    let Some(table) = parsed.refresh else {
        return Ok(RefreshPolicy::default());
    };
    let mut windows = Vec::new();
    for (family, window) in table.window {
        let at = |offset: usize| format!("{file} line {}", line_of(text, offset));
        if !FAMILIES.contains(&family.get_ref().as_str()) {
            return Err(format!(
                "{}: [refresh.window] no family `{}` (have: {})",
                at(family.span().start),
                family.get_ref(),
                FAMILIES.join(", ")
            ));
        }
        let length = humantime::parse_duration(window.get_ref())
            .ok()
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .filter(|d| *d > chrono::Duration::zero() && *d <= MAX_WINDOW)
            .ok_or_else(|| {
                format!(
                    "{}: [refresh.window] {}: `{}` is not a length between 1s and 30m (say \"3m45s\")",
                    at(window.span().start),
                    family.get_ref(),
                    window.get_ref()
                )
            })?;
        windows.push((family.into_inner(), length));
    }
    Ok(RefreshPolicy {
        all: table.auto,
        windows,
        min_gap: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_sets_auto_and_windows_and_other_tables_are_left_alone() {
        let text = "trusted_endpoints = []\n[ui]\ntheme = \"x\"\n[refresh]\nauto = true\n[refresh.window]\ngoogle = \"5m\"\ndatabricks = \"90s\"\n";
        let policy = parse(text, "config.toml").expect("policy");
        assert!(policy.all);
        assert_eq!(
            policy.window(crate::model::Platform::Dataflow),
            chrono::Duration::minutes(5)
        );
        assert_eq!(
            policy.window(crate::model::Platform::Databricks),
            chrono::Duration::seconds(90)
        );
        assert_eq!(parse("", "c.toml"), Ok(RefreshPolicy::default()));
    }

    #[test]
    fn mistakes_name_the_file_line_and_field() {
        let err = parse("[refresh.window]\ngogle = \"5m\"\n", "c.toml").expect_err("family");
        assert!(
            err.contains("c.toml line 2") && err.contains("`gogle`") && err.contains("google"),
            "{err}"
        );
        let err = parse("[refresh.window]\ngoogle = \"soon\"\n", "c.toml").expect_err("length");
        assert!(
            err.contains("c.toml line 2") && err.contains("soon"),
            "{err}"
        );
        let err = parse("[refresh.window]\ngoogle = \"3h\"\n", "c.toml").expect_err("too long");
        assert!(err.contains("30m"), "{err}");
        let err = parse("[refresh]\nautoo = true\n", "c.toml").expect_err("field");
        assert!(err.contains("line 2") && err.contains("autoo"), "{err}");
    }
}
