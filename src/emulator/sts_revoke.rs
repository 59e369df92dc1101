//! Revocation of workforce sign-ins at STS (RFC 7009; wire.md §1.2
//! `external_account_authorized_user`, §4.2): `POST /v1/oauth/revoke`.
//!
//! The path is the emulator's choice: wire.md leaves the default workforce
//! `revoke_url` UNCONFIRMED, so this endpoint sits next to `/v1/oauth/token`
//! and the `external_account_authorized_user` files the emulator writes name
//! it as their `revoke_url` (which is where google-auth looks for it).
//!
//! Request: form `token` (a workforce refresh token, or an access token
//! minted from one) and optional `token_type_hint` (`refresh_token` or
//! `access_token`; only a hint, both kinds are always looked up), with the
//! workforce client authenticated by HTTP Basic as at `/v1/oauth/token`.
//!
//! Answers:
//! - 200 with an empty body: revoked; also for a token the emulator does not
//!   know, or one already expired or revoked (RFC 7009 §2.2).
//! - 401 `invalid_client`: no Basic header, or an id/secret pair that is not
//!   a registered workforce client.
//! - 400 `invalid_request`: no `token`.
//! - 400 `unauthorized_client`: a live token that was not issued to this
//!   client (another sign-in's, or not from a workforce sign-in at all); it
//!   stays live (RFC 7009 §2.1 refuses it; the error code is the emulator's).
//!
//! A refresh token ends its sign-in: later refreshes with it answer 400
//! `invalid_grant` and every access token minted from it introspects as
//! `{"active": false}`. An access token alone ends only that token.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::http;
use super::state::{Shared, Tables, TokenOrigin, now_secs};

/// Path of the workforce revocation endpoint on the STS listener (a choice:
/// the real default is UNCONFIRMED, see the module docs).
pub const WORKFORCE_REVOKE: &str = "/v1/oauth/revoke";

/// A live token the revocation request names.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// A workforce refresh token, with the client it was issued to.
    RefreshToken(String),
    /// An access token, with the workforce client of its sign-in (`None`
    /// when it does not come from a workforce sign-in).
    AccessToken(Option<String>),
}

/// Looks `token` up among live workforce refresh tokens and live access tokens.
fn find(tables: &Tables, token: &str, now: i64) -> Option<Found> {
    if let Some(grant) = tables.iam.sts_grants.get(token).filter(|g| !g.revoked) {
        return Some(Found::RefreshToken(grant.client_id.clone()));
    }
    let record = tables.access_tokens.get(token).filter(|r| r.is_live(now))?;
    let client = match &record.origin {
        TokenOrigin::WorkforceSignIn { refresh_token, .. } => tables
            .iam
            .sts_grants
            .get(refresh_token)
            .map(|g| g.client_id.clone()),
        _ => None,
    };
    Some(Found::AccessToken(client))
}

/// Ends a sign-in: its refresh token and every access token minted from it.
fn end_sign_in(tables: &mut Tables, refresh_token: &str) {
    if let Some(grant) = tables.iam.sts_grants.get_mut(refresh_token) {
        grant.revoked = true;
    }
    for record in tables.access_tokens.values_mut() {
        if matches!(&record.origin,
            TokenOrigin::WorkforceSignIn { refresh_token: r, .. } if r == refresh_token)
        {
            record.revoked = true;
        }
    }
}

/// `POST /v1/oauth/revoke`: see the module docs for the answers.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((client_id, client_secret)) = http::basic_auth(&headers) else {
        return http::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication (HTTP Basic) is required.",
        );
    };
    let params = http::parse_form(&body);
    let mut tables = shared.tables();
    let known_client = tables
        .iam
        .sts_grants
        .values()
        .any(|g| g.client_id == client_id && g.client_secret == client_secret);
    if !known_client {
        return http::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Invalid client.",
        );
    }
    let Some(token) = params.get("token").filter(|t| !t.is_empty()) else {
        return http::oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: token",
        );
    };
    match find(&tables, token, now_secs()) {
        None => {}
        Some(Found::RefreshToken(owner)) if owner == client_id => end_sign_in(&mut tables, token),
        Some(Found::AccessToken(Some(owner))) if owner == client_id => {
            if let Some(record) = tables.access_tokens.get_mut(token) {
                record.revoked = true;
            }
        }
        Some(_) => {
            return http::oauth_error(
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                "The token was not issued to this client.",
            );
        }
    }
    StatusCode::OK.into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::super::iam_tables::StsGrant;
    use super::super::state::AccessTokenRecord;
    use super::*;

    fn record(origin: TokenOrigin, exp: i64) -> AccessTokenRecord {
        AccessTokenRecord {
            origin,
            azp: "client".into(),
            sub: "principal://x".into(),
            email: String::new(),
            scopes: Vec::new(),
            exp,
            revoked: false,
        }
    }

    #[test]
    fn a_refresh_token_ends_its_access_tokens_only() {
        let mut tables = Tables::default();
        tables.iam.sts_grants.insert(
            "r1".into(),
            StsGrant {
                client_id: "client".into(),
                client_secret: "secret".into(),
                member: "principal://x".into(),
                scopes: Vec::new(),
                lifetime: Duration::from_secs(60),
                revoked: false,
            },
        );
        let mine = TokenOrigin::WorkforceSignIn {
            member: "principal://x".into(),
            refresh_token: "r1".into(),
        };
        let other = TokenOrigin::Federated {
            member: "principal://x".into(),
        };
        tables.access_tokens.insert("a1".into(), record(mine, 100));
        tables.access_tokens.insert("a2".into(), record(other, 100));
        assert_eq!(
            find(&tables, "r1", 0),
            Some(Found::RefreshToken("client".into()))
        );
        assert_eq!(
            find(&tables, "a1", 0),
            Some(Found::AccessToken(Some("client".into())))
        );
        assert_eq!(find(&tables, "a2", 0), Some(Found::AccessToken(None)));
        assert_eq!(find(&tables, "a1", 100), None, "expired");
        end_sign_in(&mut tables, "r1");
        assert!(tables.iam.sts_grants["r1"].revoked);
        assert!(tables.access_tokens["a1"].revoked);
        assert!(!tables.access_tokens["a2"].revoked);
        assert_eq!(find(&tables, "r1", 0), None);
        assert_eq!(find(&tables, "a1", 0), None);
    }
}
