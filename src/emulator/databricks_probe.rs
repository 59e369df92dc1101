//! A Databricks REST probe target, `GET /api/2.0/clusters/list` (wire.md
//! §5 "Databricks REST", §3.8): the bearer check of the other workspace
//! calls, then the token's scopes, then the principal's permission.

use std::collections::HashSet;
use std::io;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::databricks_api::CLI_CLIENT_ID;
use super::databricks_auth::{authenticate_scoped, rest_error};
use super::state::{Shared, now_secs};
use super::{Emulator, http, keys};

/// Scopes that let a token list clusters.
const CLUSTER_SCOPES: [&str; 3] = ["clusters", "clusters:read", "all-apis"];
/// The 403 message for a token without a clusters scope. The emulator's
/// wording: wire.md does not quote Databricks' text (UNCONFIRMED).
pub const DATABRICKS_MISSING_SCOPES: &str =
    "Provided OAuth token does not have required scopes: clusters";

/// Databricks principals whose object calls are refused.
#[derive(Debug, Default)]
pub struct Denials(HashSet<String>);

/// `GET /api/2.0/clusters/list` → `{"clusters": []}`.
pub async fn clusters_list(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let caller = match authenticate_scoped(&shared, &headers) {
        Ok(c) => c,
        Err(r) => return r.response(&shared),
    };
    if let Some(scopes) = &caller.scopes
        && !scopes.iter().any(|s| CLUSTER_SCOPES.contains(&s.as_str()))
    {
        return rest_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            DATABRICKS_MISSING_SCOPES,
        );
    }
    let name = caller.principal.user_name;
    if shared.tables().databricks.denials.0.contains(&name) {
        return rest_error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            &format!("User {name} does not have permission to list clusters."),
        );
    }
    http::json_response(StatusCode::OK, json!({ "clusters": [] }))
}

impl Emulator {
    /// Refuses `principal` (a user email or a service principal's
    /// application id) on the workspace's object calls (`clusters/list`):
    /// 403 `PERMISSION_DENIED` "User <principal> does not have permission
    /// to list clusters." once its token is otherwise accepted.
    pub fn deny_databricks_permission(&self, principal: &str) {
        self.shared
            .tables()
            .databricks
            .denials
            .0
            .insert(principal.to_string());
    }

    /// A one-hour U2M access token of `user_email` (client `databricks-cli`)
    /// issued by another workspace, id `workspace_id`, at
    /// `https://workspace-<id>.databricks.example.test/oidc`, signed with
    /// this emulator's Databricks keys (as one region's workspaces share
    /// them). This workspace answers it 403 `Invalid access to Org: <its
    /// own id>` (wire.md §5); `scopes` empty means `all-apis`.
    ///
    /// # Errors
    /// Signing the token failed.
    pub fn databricks_foreign_workspace_token(
        &self,
        workspace_id: u64,
        user_email: &str,
        scopes: &[&str],
    ) -> io::Result<String> {
        let scope = if scopes.is_empty() {
            "all-apis".to_string()
        } else {
            scopes.join(" ")
        };
        let now = now_secs();
        let claims = json!({
            "client_id": CLI_CLIENT_ID,
            "scope": scope,
            "iss": format!("https://workspace-{workspace_id}.databricks.example.test/oidc"),
            "aud": workspace_id.to_string(),
            "sub": user_email,
            "iat": now,
            "exp": now.saturating_add(3600),
            "jti": keys::random_uuid(),
        });
        self.shared
            .databricks_keys
            .sign("at+jwt", &claims)
            .map_err(io::Error::other)
    }
}
