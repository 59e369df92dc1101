//! The Databricks token endpoints, workspace (`POST /oidc/v1/token`) and
//! account (`POST /oidc/accounts/<account_id>/v1/token`): client credentials
//! (wire.md §3.4), U2M refresh (§3.5), the U2M authorization code (§3.5, in
//! `databricks_login`) and PAT → OAuth exchange (§3.6, on the workspace
//! only). Every grant yields an RS256 `at+jwt` (§3.8).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::databricks_auth::unknown_account;
use super::databricks_login;
use super::databricks_tables::{Level, LoginGrant, NEVER, known_scope, now_ms, scope_list};
use super::http::{self, OAuthError, Params};
use super::keys;
use super::state::{Shared, lifetime_secs, now_secs};

/// The RFC 8693 grant type.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token type of a PAT (wire.md §3.6).
pub const PAT_TOKEN_TYPE: &str = "urn:databricks:params:oauth:token-type:personal-access-token";
/// The RFC 8693 access-token type.
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
/// `client_id` claim of tokens exchanged for a PAT without a `client_id` param
/// (UNCONFIRMED what Databricks puts there).
const PAT_EXCHANGE_CLIENT: &str = "databricks-pat";
/// The refresh failure text (wire.md §3.5).
const BAD_REFRESH: &str = "Refresh token is invalid";

/// An access token about to be signed.
#[derive(Debug)]
pub struct Mint<'a> {
    /// The issuer it comes from.
    pub level: Level,
    /// `client_id` claim.
    pub client_id: &'a str,
    /// `sub` claim: user email or application id.
    pub sub: &'a str,
    /// `scope` claim, space-separated.
    pub scope: &'a str,
    /// Seconds from now to `exp`.
    pub lifetime: i64,
}

/// Signs an `at+jwt` with the claims of wire.md §3.8 (`iss` and `aud` are
/// the workspace's issuer and id, or the account's issuer and id). Returns
/// the token and its `exp`.
pub fn mint_access_token(shared: &Shared, mint: &Mint<'_>) -> Result<(String, i64), String> {
    let (iss, aud) = match mint.level {
        Level::Workspace => (shared.databricks_issuer(), shared.workspace_id.to_string()),
        Level::Account => (
            shared.databricks_account_issuer(),
            shared.databricks.account_id.clone(),
        ),
    };
    let now = now_secs();
    let exp = now.saturating_add(mint.lifetime);
    let claims = json!({
        "client_id": mint.client_id,
        "scope": mint.scope,
        "iss": iss,
        "aud": aud,
        "sub": mint.sub,
        "iat": now,
        "exp": exp,
        "jti": keys::random_uuid(),
    });
    shared
        .databricks_keys
        .sign("at+jwt", &claims)
        .map(|token| (token, exp))
}

/// What a successful grant answers, beyond the token itself.
#[derive(Debug, Default)]
pub struct Extra {
    /// `refresh_token`, for the refresh and authorization-code grants.
    pub refresh_token: Option<String>,
    /// `issued_token_type`, for the exchange.
    pub issued_token_type: Option<&'static str>,
}

/// Signs the token and renders the success answer.
pub fn granted(shared: &Shared, mint: &Mint<'_>, extra: Extra) -> Result<Response, OAuthError> {
    let (access_token, _) = mint_access_token(shared, mint)
        .map_err(|e| OAuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_failure", e))?;
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": shared.databricks.options.expires_in(mint.lifetime),
        "scope": mint.scope,
    });
    if let Some(refresh_token) = extra.refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    if let Some(kind) = extra.issued_token_type {
        body["issued_token_type"] = json!(kind);
    }
    Ok(http::json_response(StatusCode::OK, body))
}

/// `POST /oidc/v1/token`.
pub async fn workspace(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    token(&shared, Level::Workspace, &headers, &body)
}

/// `POST /oidc/accounts/{account_id}/v1/token`.
pub async fn account(
    State(shared): State<Arc<Shared>>,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if account_id != shared.databricks.account_id {
        return unknown_account(&account_id);
    }
    token(&shared, Level::Account, &headers, &body)
}

/// Dispatches on `grant_type`.
fn token(shared: &Shared, level: Level, headers: &HeaderMap, body: &[u8]) -> Response {
    let params = match http::parse_body(headers, body) {
        Ok(p) => p,
        Err(e) => return http::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let grant_type = params.get("grant_type").map_or("", String::as_str);
    let result = match grant_type {
        "client_credentials" => client_credentials(shared, level, headers, &params),
        "refresh_token" => refresh(shared, level, headers, &params),
        "authorization_code" => databricks_login::code_grant(shared, level, headers, &params),
        TOKEN_EXCHANGE if level == Level::Workspace => exchange(shared, &params),
        _ => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("Grant type '{grant_type}' is not supported"),
        )),
    };
    result.unwrap_or_else(OAuthError::into_response)
}

/// A 400 `invalid_scope` naming the first offending scope.
fn bad_scope(scope: &str, why: &str) -> OAuthError {
    OAuthError::new(
        StatusCode::BAD_REQUEST,
        "invalid_scope",
        format!("Scope '{scope}' {why}"),
    )
}

/// Fails on the first requested scope that is not a known name.
fn check_known(requested: &[String]) -> Result<(), OAuthError> {
    match requested.iter().find(|s| !known_scope(s)) {
        Some(bad) => Err(bad_scope(bad, "is not allowed for this client")),
        None => Ok(()),
    }
}

/// The client-credentials grant (M2M): Basic or body client auth; `scope`
/// defaults to `all-apis` and may name any known scopes.
fn client_credentials(
    shared: &Shared,
    level: Level,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, OAuthError> {
    let failed = || {
        OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        )
    };
    let (client_id, client_secret) =
        http::client_credentials(headers, params).ok_or_else(failed)?;
    let lifetime = match shared.tables().databricks_sps.get(&client_id) {
        Some(sp) if sp.client_secret == client_secret => sp.lifetime,
        _ => return Err(failed()),
    };
    let requested = scope_list(params.get("scope"), &["all-apis"]);
    check_known(&requested)?;
    let scope = requested.join(" ");
    let mint = Mint {
        level,
        client_id: &client_id,
        sub: &client_id,
        scope: &scope,
        lifetime: lifetime_secs(lifetime),
    };
    granted(shared, &mint, Extra::default())
}

/// The refresh-token grant (U2M): the client id in the body or in Basic (no
/// secret needed); a narrower `scope` is honoured.
fn refresh(
    shared: &Shared,
    level: Level,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Response, OAuthError> {
    let invalid = || OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", BAD_REFRESH);
    let client_id = http::basic_auth(headers)
        .map(|(id, _)| id)
        .or_else(|| params.get("client_id").cloned());
    let Some(refresh_token) = params.get("refresh_token").filter(|t| !t.is_empty()) else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: refresh_token",
        ));
    };
    let mut tables = shared.tables();
    let grant: LoginGrant = match tables.databricks.logins.get(refresh_token) {
        Some(g) if g.level == level && Some(&g.client_id) == client_id.as_ref() => g.clone(),
        _ => return Err(invalid()),
    };
    let scopes = match params.get("scope") {
        Some(_) => scope_list(params.get("scope"), &[]),
        None => grant.scopes.clone(),
    };
    if let Some(bad) = scopes.iter().find(|s| !grant.scopes.contains(s)) {
        return Err(bad_scope(bad, "was not granted to this refresh token"));
    }
    let refresh_token = if shared.databricks.options.rotate_refresh_tokens {
        tables.databricks.logins.remove(refresh_token);
        let rotated = new_refresh_token();
        tables
            .databricks
            .logins
            .insert(rotated.clone(), grant.clone());
        rotated
    } else {
        refresh_token.clone()
    };
    drop(tables);
    let scope = if scopes.is_empty() {
        grant.scopes.join(" ")
    } else {
        scopes.join(" ")
    };
    let mint = Mint {
        level,
        client_id: &grant.client_id,
        sub: &grant.user,
        scope: &scope,
        lifetime: lifetime_secs(shared.databricks.options.u2m_token_lifetime),
    };
    let extra = Extra {
        refresh_token: Some(refresh_token),
        issued_token_type: None,
    };
    granted(shared, &mint, extra)
}

/// A fresh opaque refresh token (the `doau` prefix is illustrative; real
/// Databricks refresh-token formats are UNCONFIRMED).
pub fn new_refresh_token() -> String {
    format!("doau{}", keys::random_urlsafe(36))
}

/// PAT → OAuth (RFC 8693): a short-lived access token for the PAT's owner.
fn exchange(shared: &Shared, params: &Params) -> Result<Response, OAuthError> {
    let request = |text: String| OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", text);
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    if param("subject_token_type") != PAT_TOKEN_TYPE {
        let kind = param("subject_token_type");
        return Err(request(format!("Unsupported subject_token_type '{kind}'")));
    }
    if !matches!(param("requested_token_type"), "" | ACCESS_TOKEN_TYPE) {
        let kind = param("requested_token_type");
        return Err(request(format!(
            "Unsupported requested_token_type '{kind}'"
        )));
    }
    let pat = {
        let tables = shared.tables();
        let now = now_ms();
        tables
            .databricks
            .pats
            .get(param("subject_token"))
            .filter(|p| p.is_live(now))
            .cloned()
    };
    let Some(pat) = pat else {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Subject token is invalid",
        ));
    };
    let requested = scope_list(params.get("scope"), &["all-apis"]);
    check_known(&requested)?;
    let unrestricted = pat.scopes.is_empty() || pat.scopes.iter().any(|s| s == "all-apis");
    if let Some(bad) = requested
        .iter()
        .find(|s| !unrestricted && !pat.scopes.contains(s))
    {
        return Err(bad_scope(bad, "is not among the token's scopes"));
    }
    let mut lifetime = lifetime_secs(shared.databricks.options.exchanged_token_lifetime);
    if pat.expiry_ms != NEVER {
        lifetime = lifetime.min((pat.expiry_ms - now_ms()) / 1000);
    }
    let scope = requested.join(" ");
    let client_id = params
        .get("client_id")
        .map_or(PAT_EXCHANGE_CLIENT, String::as_str);
    let mint = Mint {
        level: Level::Workspace,
        client_id,
        sub: &pat.owner,
        scope: &scope,
        lifetime,
    };
    let extra = Extra {
        refresh_token: None,
        issued_token_type: Some(ACCESS_TOKEN_TYPE),
    };
    granted(shared, &mint, extra)
}
