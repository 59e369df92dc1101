//! Databricks workspace (and its account, on the same listener): host
//! metadata, OIDC discovery and JWKS per issuer, the U2M authorize and the
//! token endpoints, the Token API and three bearer-checked REST calls
//! (wire.md §3.3–§3.9, §5).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use super::databricks_auth::{authenticate, unknown_account};
use super::databricks_token::{self, TOKEN_EXCHANGE};
use super::faults::FaultEndpoint;
use super::inject::faulted;
use super::state::Shared;
use super::{databricks_login, databricks_pat, databricks_probe, http};

/// Builds the router for the Databricks workspace listener.
pub fn router(shared: Arc<Shared>) -> Router {
    let guard = |route, endpoint| faulted(route, &shared, endpoint);
    let account = "/oidc/accounts/{account_id}";
    Router::new()
        .route(
            "/.well-known/databricks-config",
            guard(get(host_metadata), FaultEndpoint::DatabricksHostMetadata),
        )
        .route(
            "/oidc/.well-known/oauth-authorization-server",
            guard(get(discovery), FaultEndpoint::DatabricksDiscovery),
        )
        .route(
            &format!("{account}/.well-known/oauth-authorization-server"),
            guard(get(account_discovery), FaultEndpoint::DatabricksDiscovery),
        )
        .route(
            "/oidc/v1/token",
            guard(
                post(databricks_token::workspace),
                FaultEndpoint::DatabricksToken,
            ),
        )
        .route(
            &format!("{account}/v1/token"),
            guard(
                post(databricks_token::account),
                FaultEndpoint::DatabricksToken,
            ),
        )
        .route(
            "/oidc/v1/authorize",
            get(databricks_login::workspace_authorize),
        )
        .route(
            &format!("{account}/v1/authorize"),
            get(databricks_login::account_authorize),
        )
        .route(
            "/oidc/v1/keys",
            guard(get(keys_handler), FaultEndpoint::DatabricksJwks),
        )
        .route(
            &format!("{account}/v1/keys"),
            guard(get(account_keys), FaultEndpoint::DatabricksJwks),
        )
        .route(
            "/api/2.0/tokens/introspect",
            guard(get(introspect), FaultEndpoint::DatabricksIntrospect),
        )
        .route(
            "/api/2.0/preview/scim/v2/Me",
            guard(get(me), FaultEndpoint::DatabricksScimMe),
        )
        .route(
            "/api/2.0/clusters/list",
            get(databricks_probe::clusters_list),
        )
        .route("/api/2.0/token/create", post(databricks_pat::create))
        .route("/api/2.0/token/list", get(databricks_pat::list))
        .route("/api/2.0/token/delete", post(databricks_pat::delete))
        .with_state(shared)
}

/// `GET /.well-known/databricks-config`.
async fn host_metadata(State(shared): State<Arc<Shared>>) -> Response {
    http::json_response(
        StatusCode::OK,
        json!({
            "oidc_endpoint": shared.databricks_issuer(),
            "account_id": shared.databricks.account_id,
            "workspace_id": shared.workspace_id.to_string(),
            "cloud": "aws",
        }),
    )
}

/// The RFC 8414 document of `issuer` (the workspace's or the account's).
fn discovery_document(issuer: &str, exchange: bool) -> Response {
    let mut grants = vec!["authorization_code", "client_credentials", "refresh_token"];
    if exchange {
        grants.push(TOKEN_EXCHANGE);
    }
    http::json_response(
        StatusCode::OK,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/v1/authorize"),
            "token_endpoint": format!("{issuer}/v1/token"),
            "jwks_uri": format!("{issuer}/v1/keys"),
            "response_types_supported": ["code"],
            "grant_types_supported": grants,
            "scopes_supported": ["all-apis", "sql", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
        }),
    )
}

/// `GET /oidc/.well-known/oauth-authorization-server`.
async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    discovery_document(&shared.databricks_issuer(), true)
}

/// `GET /oidc/accounts/{account_id}/.well-known/oauth-authorization-server`.
async fn account_discovery(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<String>,
) -> Response {
    if account_id != shared.databricks.account_id {
        return unknown_account(&account_id);
    }
    discovery_document(&shared.databricks_account_issuer(), false)
}

/// `GET /oidc/v1/keys`: the Databricks signing keys as a JWK Set.
async fn keys_handler(State(shared): State<Arc<Shared>>) -> Response {
    http::jwks_response(&shared.databricks_keys.jwks())
}

/// `GET /oidc/accounts/{account_id}/v1/keys`: the same keys sign account tokens.
async fn account_keys(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<String>,
) -> Response {
    if account_id != shared.databricks.account_id {
        return unknown_account(&account_id);
    }
    http::jwks_response(&shared.databricks_keys.jwks())
}

/// `GET /api/2.0/tokens/introspect` (wire.md §3.8).
async fn introspect(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match authenticate(&shared, &headers) {
        Ok(_) => http::json_response(
            StatusCode::OK,
            json!({
                "principal_context": {
                    "authentication_scope": {
                        "account_id": shared.databricks.account_id,
                        "workspace_id": shared.workspace_id,
                    }
                }
            }),
        ),
        Err(r) => r.response(&shared),
    }
}

/// `GET /api/2.0/preview/scim/v2/Me`: the user or service principal.
async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match authenticate(&shared, &headers) {
        Ok(principal) => {
            let mut body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": principal.scim_id,
                "userName": principal.user_name,
                "displayName": principal.user_name,
                "active": true,
            });
            if principal.is_user {
                body["emails"] = json!([
                    { "value": principal.user_name, "type": "work", "primary": true }
                ]);
            }
            http::json_response(StatusCode::OK, body)
        }
        Err(r) => r.response(&shared),
    }
}
