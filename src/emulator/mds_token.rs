//! The metadata server's credentials: access tokens that it caches and
//! re-mints itself, and instance ID tokens (wire.md §1.4, §2.6).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::google::mint_access_token;
use super::http;
use super::mds_spec::{MdsAccount, MdsInstance};
use super::state::{AccessTokenRecord, Shared, TokenOrigin, lifetime_secs, now_secs};

/// Lifetime of an instance ID token, seconds (Google: "within an hour").
const ID_TOKEN_LIFETIME: i64 = 3600;
/// The 400 body when `identity` is asked without an audience.
const NO_AUDIENCE: &str = "non-empty audience parameter required";

/// `GET instance/service-accounts/<default|email>/token[?scopes=a,b]`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    uri: Uri,
) -> Response {
    let Some(account) = shared.metadata.account(&account) else {
        return super::mds::not_found();
    };
    let requested: Vec<String> = http::query_params(&uri)
        .get("scopes")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let scopes = if requested.is_empty() {
        account.spec.scopes.clone()
    } else {
        requested
    };
    let (access_token, expires_in) = current_token(&shared, account, scopes, now_secs());
    http::bearer_token_response(&access_token, expires_in)
}

/// The token the server holds for `account` and `scopes`, with its remaining
/// life; a new one when there is none, it was revoked, or no more than the
/// account's `refresh_before` of it remains.
fn current_token(
    shared: &Shared,
    account: &MdsAccount,
    scopes: Vec<String>,
    now: i64,
) -> (String, i64) {
    let key = (account.spec.email.clone(), scopes);
    let refresh_before = lifetime_secs(account.spec.refresh_before);
    let mut tables = shared.tables();
    let held = tables.mds_tokens.get(&key).and_then(|token| {
        let record = tables.access_tokens.get(token)?;
        let remaining = record.exp - now;
        (record.is_live(now) && remaining > refresh_before).then(|| (token.clone(), remaining))
    });
    if let Some(held) = held {
        return held;
    }
    let record = AccessTokenRecord {
        origin: TokenOrigin::ServiceAccount,
        azp: account.unique_id.clone(),
        sub: account.unique_id.clone(),
        email: account.spec.email.clone(),
        scopes: key.1.clone(),
        exp: now.saturating_add(lifetime_secs(account.spec.token_lifetime)),
        revoked: false,
    };
    let (token, expires_in) = mint_access_token(&mut tables, record, now);
    tables.mds_tokens.insert(key, token.clone());
    (token, expires_in)
}

/// `GET instance/service-accounts/<default|email>/identity?audience=..[&format=full][&licenses=TRUE]`:
/// an RS256 ID token as plain text.
pub async fn identity(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    uri: Uri,
) -> Response {
    let vm = &shared.metadata;
    let Some(account) = vm.account(&account) else {
        return super::mds::not_found();
    };
    let params = http::query_params(&uri);
    let Some(audience) = params.get("audience").filter(|a| !a.is_empty()) else {
        return http::text_response(StatusCode::BAD_REQUEST, NO_AUDIENCE);
    };
    let now = now_secs();
    let mut claims = json!({
        "iss": shared.google_url,
        "aud": audience,
        "azp": account.unique_id,
        "sub": account.unique_id,
        "email": account.spec.email,
        "email_verified": true,
        "iat": now,
        "exp": now.saturating_add(ID_TOKEN_LIFETIME),
    });
    if params.get("format").is_some_and(|f| f == "full") {
        let licenses = params
            .get("licenses")
            .is_some_and(|l| l.eq_ignore_ascii_case("true"));
        claims["google"] = json!({ "compute_engine": instance_claims(vm, licenses) });
    }
    match shared.google_keys.sign("JWT", &claims) {
        Ok(jwt) => http::text_response(StatusCode::OK, jwt),
        Err(e) => http::internal_error(&e),
    }
}

/// The `google.compute_engine` claim of a `format=full` ID token.
fn instance_claims(vm: &MdsInstance, licenses: bool) -> Value {
    let mut claims = json!({
        "project_id": vm.spec.project_id,
        "project_number": vm.spec.project_number,
        "zone": vm.spec.zone,
        "instance_id": vm.instance_id,
        "instance_name": vm.spec.instance_name,
        "instance_creation_timestamp": vm.created,
    });
    if licenses {
        claims["license_id"] = json!(vm.spec.license_ids);
    }
    claims
}
