//! The Google listener's routes for IAM Credentials (`/v1/projects/...`),
//! STS (`/v1/token`, `/v1/oauth/token`, `/v1/oauth/revoke`, `/v1/introspect`)
//! and the subject tokens of `url` credential sources (`/subject-tokens/{id}`).
//! Real Google serves these from `iamcredentials.googleapis.com` and
//! `sts.googleapis.com`; their paths do not collide with the OAuth ones, so
//! one listener serves all and `Emulator::sts_url` /
//! `Emulator::iam_credentials_url` name its base.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::faults::FaultEndpoint;
use super::inject::faulted;
use super::state::Shared;
use super::sts_revoke::WORKFORCE_REVOKE;
use super::{iam, sts, sts_revoke, subject};

/// Path of the subject tokens served for `url` credential sources.
pub const SUBJECT_TOKENS: &str = "/subject-tokens";

/// The routes, each wrapped in its fault middleware.
pub fn routes(shared: &Arc<Shared>) -> Router<Arc<Shared>> {
    let guard = |route, endpoint| faulted(route, shared, endpoint);
    Router::new()
        .route(
            "/v1/projects/{project}/serviceAccounts/{name}",
            guard(post(iam::handle), FaultEndpoint::IamCredentials),
        )
        .route("/v1/token", guard(post(sts::token), FaultEndpoint::Sts))
        .route(
            "/v1/oauth/token",
            guard(post(sts::oauth_token), FaultEndpoint::Sts),
        )
        .route(
            WORKFORCE_REVOKE,
            guard(post(sts_revoke::revoke), FaultEndpoint::Sts),
        )
        .route("/v1/introspect", post(sts::introspect))
        .route(&format!("{SUBJECT_TOKENS}/{{id}}"), get(subject::serve))
}
