//! A Google API probe target modelled on Cloud Storage's bucket list,
//! `GET /storage/v1/b?project=PROJECT` on the Google listener (wire.md §5
//! "Google APIs", §2.10): 401 for a missing or unusable token, 403 for a
//! token without a storage scope or a principal without
//! `storage.buckets.list` on the project, else an empty list.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use super::api_auth::{ApiService, bearer_record};
use super::api_error::{self, ApiError};
use super::http;
use super::state::{Shared, now_secs};

/// Scopes any one of which lets a token list buckets (full URLs).
pub const STORAGE_SCOPES: [&str; 5] = [
    "https://www.googleapis.com/auth/devstorage.read_only",
    "https://www.googleapis.com/auth/devstorage.read_write",
    "https://www.googleapis.com/auth/devstorage.full_control",
    "https://www.googleapis.com/auth/cloud-platform",
    "https://www.googleapis.com/auth/cloud-platform.read-only",
];
/// Cloud Storage as its errors name it.
const STORAGE: ApiService = ApiService {
    name: "storage.googleapis.com",
    scopes: &STORAGE_SCOPES,
};
/// The IAM permission the bucket list needs on the project.
pub const LIST_BUCKETS: &str = "storage.buckets.list";

/// `GET /storage/v1/b?project=PROJECT`.
pub async fn list_buckets(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    serve(&shared, &uri, &headers).unwrap_or_else(ApiError::into_response)
}

/// Token, then project, then the principal's permission on it.
fn serve(shared: &Shared, uri: &Uri, headers: &HeaderMap) -> Result<Response, ApiError> {
    let record = bearer_record(shared, headers, now_secs(), &STORAGE)?;
    let params = http::query_params(uri);
    let project = params
        .get("project")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| api_error::invalid_argument("project", "Required parameter: project"))?;
    let member = record.origin.member(&record.email);
    let allowed = shared
        .tables()
        .probes
        .iam_allows(&record.email, &member, project, LIST_BUCKETS);
    if !allowed {
        let who = if record.email.is_empty() {
            &member
        } else {
            &record.email
        };
        return Err(api_error::project_permission_denied(who, LIST_BUCKETS));
    }
    Ok(http::json_response(
        StatusCode::OK,
        json!({ "kind": "storage#buckets", "items": [] }),
    ))
}
