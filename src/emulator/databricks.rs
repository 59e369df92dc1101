//! Databricks workspace: host metadata, OIDC discovery, M2M token endpoint,
//! JWKS and two bearer-checked REST calls (wire.md §3.3, §3.4, §3.8, §5).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::faults::FaultEndpoint;
use super::http;
use super::inject::faulted;
use super::keys;
use super::state::{Shared, lifetime_secs, now_secs};

/// Scopes a service principal may request with client credentials.
const M2M_SCOPES: [&str; 2] = ["all-apis", "sql"];
/// Tokens this close to expiry are already refused (seconds).
const EXPIRY_MARGIN: i64 = 30;

/// Builds the router for the Databricks workspace listener.
pub fn router(shared: Arc<Shared>) -> Router {
    let guard = |route, endpoint| faulted(route, &shared, endpoint);
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
            "/oidc/v1/token",
            guard(post(token), FaultEndpoint::DatabricksToken),
        )
        .route(
            "/oidc/v1/keys",
            guard(get(keys_handler), FaultEndpoint::DatabricksJwks),
        )
        .route(
            "/api/2.0/tokens/introspect",
            guard(get(introspect), FaultEndpoint::DatabricksIntrospect),
        )
        .route(
            "/api/2.0/preview/scim/v2/Me",
            guard(get(me), FaultEndpoint::DatabricksScimMe),
        )
        .with_state(shared)
}

/// `GET /.well-known/databricks-config`.
async fn host_metadata(State(shared): State<Arc<Shared>>) -> Response {
    http::json_response(
        StatusCode::OK,
        json!({
            "oidc_endpoint": shared.databricks_issuer(),
            "workspace_id": shared.workspace_id.to_string(),
            "cloud": "aws",
        }),
    )
}

/// `GET /oidc/.well-known/oauth-authorization-server` (RFC 8414).
async fn discovery(State(shared): State<Arc<Shared>>) -> Response {
    let issuer = shared.databricks_issuer();
    http::json_response(
        StatusCode::OK,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/v1/authorize"),
            "token_endpoint": format!("{issuer}/v1/token"),
            "jwks_uri": format!("{issuer}/v1/keys"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": ["all-apis", "sql", "offline_access"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }),
    )
}

/// `GET /oidc/v1/keys`: the Databricks signing key as a JWK Set.
async fn keys_handler(State(shared): State<Arc<Shared>>) -> Response {
    http::jwks_response(&shared.databricks_keys.jwks())
}

/// `POST /oidc/v1/token`: the client-credentials grant.
async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let params = match http::parse_body(&headers, &body) {
        Ok(p) => p,
        Err(e) => return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let grant_type = params.get("grant_type").map_or("", String::as_str);
    if grant_type != "client_credentials" {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Grant type '{grant_type}' is not supported"),
        );
    }
    let client_failed = || {
        http::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        )
    };
    let Some((client_id, client_secret)) = http::client_credentials(&headers, &params) else {
        return client_failed();
    };
    let lifetime = {
        let tables = shared.tables();
        match tables.databricks_sps.get(&client_id) {
            Some(sp) if sp.client_secret == client_secret => sp.lifetime,
            _ => return client_failed(),
        }
    };
    let requested = params
        .get("scope")
        .map(|s| s.split_whitespace().collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| vec!["all-apis"]);
    if let Some(bad) = requested.iter().find(|s| !M2M_SCOPES.contains(s)) {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            &format!("Scope '{bad}' is not allowed for this client"),
        );
    }
    let scope = requested.join(" ");
    let now = now_secs();
    let expires_in = lifetime_secs(lifetime);
    let claims = json!({
        "client_id": client_id,
        "scope": scope,
        "iss": shared.databricks_issuer(),
        "aud": shared.workspace_id.to_string(),
        "sub": client_id,
        "iat": now,
        "exp": now.saturating_add(expires_in),
        "jti": keys::random_uuid(),
    });
    match shared.databricks_keys.sign("at+jwt", &claims) {
        Ok(access_token) => http::json_response(
            StatusCode::OK,
            json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": expires_in,
                "scope": scope,
            }),
        ),
        Err(e) => http::internal_error(&e),
    }
}

/// Why a bearer token was not accepted.
enum Rejection {
    /// No bearer credential at all: 401.
    Missing,
    /// A bearer credential that is not a live token of ours: 403.
    Invalid,
}

impl Rejection {
    /// The Databricks REST error response for this rejection.
    fn response(&self) -> Response {
        match self {
            Self::Missing => http::json_response(
                StatusCode::UNAUTHORIZED,
                json!({
                    "error_code": 401,
                    "message": "Credential was not sent or was of an unsupported type for this API.",
                }),
            ),
            Self::Invalid => http::json_response(
                StatusCode::FORBIDDEN,
                json!({ "error_code": 403, "message": "Invalid access token." }),
            ),
        }
    }
}

/// Checks the bearer token; returns the service principal's application id.
fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(String, String), Rejection> {
    let token = http::bearer_token(headers).ok_or(Rejection::Missing)?;
    let (header, claims) = shared
        .databricks_keys
        .verify(&token)
        .map_err(|_| Rejection::Invalid)?;
    if header.typ.as_deref() != Some("at+jwt") {
        return Err(Rejection::Invalid);
    }
    let issuer = shared.databricks_issuer();
    if claims.get("iss").and_then(Value::as_str) != Some(issuer.as_str()) {
        return Err(Rejection::Invalid);
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(Rejection::Invalid)?;
    if now_secs() + EXPIRY_MARGIN >= exp {
        return Err(Rejection::Invalid);
    }
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(Rejection::Invalid)?;
    let scim_id = shared
        .tables()
        .databricks_sps
        .get(sub)
        .map(|sp| sp.scim_id.clone())
        .ok_or(Rejection::Invalid)?;
    Ok((sub.to_string(), scim_id))
}

/// `GET /api/2.0/tokens/introspect`.
async fn introspect(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match authenticate(&shared, &headers) {
        Ok(_) => http::json_response(
            StatusCode::OK,
            json!({
                "principal_context": {
                    "authentication_scope": { "workspace_id": shared.workspace_id }
                }
            }),
        ),
        Err(r) => r.response(),
    }
}

/// `GET /api/2.0/preview/scim/v2/Me`.
async fn me(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    match authenticate(&shared, &headers) {
        Ok((application_id, scim_id)) => http::json_response(
            StatusCode::OK,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": scim_id,
                "userName": application_id,
                "displayName": application_id,
                "active": true,
            }),
        ),
        Err(r) => r.response(),
    }
}
