//! STS downscoping with a Credential Access Boundary (wire.md §2.8): the
//! `options` parameter (double-encoded by google-auth) and the boundary's
//! rules. The error texts are google-auth's own client-side checks
//! (`google/auth/downscoped.py`, the source wire.md cites); that STS answers
//! with the same words is UNCONFIRMED.

use axum::response::Response;
use serde_json::Value;

use super::google::mint_access_token;
use super::http::{self, OAuthError};
use super::state::{AccessTokenRecord, Shared, TokenOrigin, now_secs};
use super::sts::{exchanged, invalid_request, invalid_subject_token};

/// A permission without the `inRole:` prefix.
pub const BAD_PERMISSION: &str = "available_permissions must be prefixed with 'inRole:'.";
/// `availablePermissions` missing, empty or not a list of strings.
pub const BAD_PERMISSIONS: &str = "Provided available_permissions are not a list of strings.";
/// `availableResource` missing or not a string.
pub const BAD_RESOURCE: &str = "The provided available_resource is not a string.";
/// `availabilityCondition` without a string `expression`.
pub const BAD_EXPRESSION: &str = "The provided expression is not a string.";
/// No `accessBoundary.accessBoundaryRules` list in `options`.
const NO_BOUNDARY: &str = "Downscoping requires options.accessBoundary.accessBoundaryRules.";

/// The text for more rules than `max`.
pub fn too_many_rules(max: usize) -> String {
    format!("Credential access boundary rules can have a maximum of {max} rules.")
}

/// Decodes `options`: a JSON object, percent-encoded once more by
/// google-auth (`quote(json.dumps(...))`) or sent plain by other clients.
pub fn options(raw: Option<&str>) -> Result<Option<Value>, OAuthError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = if raw.trim_start().starts_with('{') {
        raw.to_string()
    } else {
        http::percent_decode(raw)
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(v @ Value::Object(_)) => Ok(Some(v)),
        _ => Err(invalid_request("options must be a JSON object.")),
    }
}

/// Checks one rule of the boundary.
fn check_rule(rule: &Value) -> Result<(), String> {
    if !rule.get("availableResource").is_some_and(Value::is_string) {
        return Err(BAD_RESOURCE.into());
    }
    let permissions = rule
        .get("availablePermissions")
        .and_then(Value::as_array)
        .filter(|p| !p.is_empty())
        .ok_or(BAD_PERMISSIONS)?;
    for permission in permissions {
        let text = permission.as_str().ok_or(BAD_PERMISSIONS)?;
        if !text.starts_with("inRole:") {
            return Err(BAD_PERMISSION.into());
        }
    }
    match rule.get("availabilityCondition") {
        None | Some(Value::Null) => Ok(()),
        Some(c) if c.get("expression").is_some_and(Value::is_string) => Ok(()),
        Some(_) => Err(BAD_EXPRESSION.into()),
    }
}

/// Checks the boundary in `options`: present, at most `max` rules, each well formed.
fn check_boundary(options: Option<&Value>, max: usize) -> Result<(), String> {
    let rules = options
        .and_then(|o| o.pointer("/accessBoundary/accessBoundaryRules"))
        .and_then(Value::as_array)
        .ok_or(NO_BOUNDARY)?;
    if rules.len() > max {
        return Err(too_many_rules(max));
    }
    rules.iter().try_for_each(check_rule)
}

/// Downscoping: a live emulator access token becomes a copy that expires
/// with it (never later) and carries the same principal and scopes.
pub fn downscope(shared: &Shared, subject_token: &str, options: Option<&Value>) -> Response {
    if let Err(e) = check_boundary(options, shared.federation.max_access_boundary_rules) {
        return invalid_request(e).into_response();
    }
    let now = now_secs();
    let mut tables = shared.tables();
    let Some(source) = tables
        .access_tokens
        .get(subject_token)
        .filter(|r| r.is_live(now))
        .cloned()
    else {
        return invalid_subject_token();
    };
    let record = AccessTokenRecord {
        origin: TokenOrigin::Downscoped {
            member: source.origin.member(&source.email),
        },
        ..source
    };
    let (token, expires_in) = mint_access_token(&mut tables, record, now);
    drop(tables);
    exchanged(
        &token,
        shared
            .federation
            .downscoped_expires_in
            .then_some(expires_in),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(permission: &str) -> Value {
        json!({ "availableResource": "//storage.googleapis.com/projects/_/buckets/b",
                "availablePermissions": [permission] })
    }

    #[test]
    fn boundaries() {
        let cab = |rules: Vec<Value>| json!({ "accessBoundary": { "accessBoundaryRules": rules } });
        let ok = rule("inRole:roles/storage.objectViewer");
        assert!(check_boundary(Some(&cab(vec![ok.clone(); 10])), 10).is_ok());
        assert_eq!(
            check_boundary(Some(&cab(vec![ok.clone(); 11])), 10),
            Err(too_many_rules(10))
        );
        assert_eq!(
            check_boundary(Some(&cab(vec![rule("roles/x")])), 10),
            Err(BAD_PERMISSION.into())
        );
        let mut no_expr = ok;
        no_expr["availabilityCondition"] = json!({ "title": "t" });
        assert_eq!(
            check_boundary(Some(&cab(vec![no_expr])), 10),
            Err(BAD_EXPRESSION.into())
        );
        assert_eq!(check_boundary(None, 10), Err(NO_BOUNDARY.into()));
    }

    #[test]
    fn options_single_and_double_encoded() {
        let plain = r#"{"userProject":"p"}"#;
        assert_eq!(options(Some(plain)).unwrap().unwrap()["userProject"], "p");
        let double = "%7B%22userProject%22%3A%20%22p%22%7D";
        assert_eq!(options(Some(double)).unwrap().unwrap()["userProject"], "p");
        assert!(options(Some("%5B1%5D")).is_err());
        assert!(options(None).unwrap().is_none());
    }
}
