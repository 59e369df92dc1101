//! The metadata server (`http://<host>/computeMetadata/v1/...`) of a GCE VM,
//! Dataproc or Dataflow worker, or Cloud Run instance (wire.md §1.4, §5).
//!
//! Every request must carry `Metadata-Flavor: Google`; every answer carries
//! it back, with GCE's `Server` header. Values are plain text, directories
//! list one entry per line, `?recursive=true` on an account gives JSON.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::faults::FaultEndpoint;
use super::http;
use super::inject::faulted;
use super::mds_spec::{MdsAccount, MdsInstance};
use super::mds_token;
use super::state::Shared;

/// The header every request must carry and every answer carries.
const FLAVOR: HeaderName = HeaderName::from_static("metadata-flavor");
/// The only accepted value of [`FLAVOR`].
const GOOGLE: &str = "Google";
/// GCE's `Server` header.
const SERVER: &str = "Metadata Server for VM";
/// GKE's 403 body for a request without the flavor header.
const MISSING_FLAVOR: &str = r#"Missing required header "Metadata-Flavor": "Google""#;
/// Body of a 404 (the real server answers with an HTML page).
const NOT_FOUND_PAGE: &str = "<!DOCTYPE html>\n<html lang=en><title>Error 404 (Not Found)!!1</title>\
<p><b>404.</b> <ins>That's an error.</ins><p>The requested URL was not found on this server.</html>\n";
/// Root of the metadata tree.
const ROOT: &str = "/computeMetadata/v1";
/// What an account's directory lists.
const ACCOUNT_ENTRIES: &str = "aliases\nemail\nidentity\nscopes\ntoken\n";

/// Builds the router for the metadata-server listener.
pub fn router(shared: Arc<Shared>) -> Router {
    let accounts = format!("{ROOT}/instance/service-accounts/{{account}}");
    Router::new()
        .route("/", get(ping))
        .route(
            &format!("{accounts}/token"),
            faulted(get(mds_token::token), &shared, FaultEndpoint::MetadataToken),
        )
        .route(&format!("{accounts}/identity"), get(mds_token::identity))
        .route(&format!("{ROOT}/{{*path}}"), get(value))
        .fallback(|| async { not_found() })
        .layer(middleware::from_fn(flavor))
        .with_state(shared)
}

/// Refuses requests without `Metadata-Flavor: Google`; stamps every answer
/// with the flavor and `Server` headers.
async fn flavor(request: Request, next: Next) -> Response {
    let flavored = request
        .headers()
        .get(FLAVOR)
        .is_some_and(|v| v.as_bytes() == GOOGLE.as_bytes());
    let mut response = if flavored {
        next.run(request).await
    } else {
        http::text_response(StatusCode::FORBIDDEN, MISSING_FLAVOR)
    };
    let headers = response.headers_mut();
    headers.insert(FLAVOR, HeaderValue::from_static(GOOGLE));
    headers.insert(header::SERVER, HeaderValue::from_static(SERVER));
    response
}

/// A 404 with an HTML body, as the real server sends.
pub fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        NOT_FOUND_PAGE,
    )
        .into_response()
}

/// `GET /`: the detection ping.
async fn ping() -> Response {
    http::text_response(StatusCode::OK, "computeMetadata/\n")
}

/// A 200 plain-text value.
fn text(body: impl Into<String>) -> Response {
    http::text_response(StatusCode::OK, body)
}

/// Every value and directory under `/computeMetadata/v1/` but the token and
/// identity endpoints.
async fn value(State(shared): State<Arc<Shared>>, Path(path): Path<String>, uri: Uri) -> Response {
    let vm = &shared.metadata;
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        ["project", "project-id"] => text(vm.spec.project_id.clone()),
        ["project", "numeric-project-id"] => text(vm.spec.project_number.to_string()),
        ["instance", "id"] => text(vm.instance_id.clone()),
        ["instance", "name"] => text(vm.spec.instance_name.clone()),
        ["instance", "zone"] => text(vm.zone_path()),
        ["universe", "universe-domain"] => vm
            .spec
            .universe_domain
            .as_ref()
            .map_or_else(not_found, |domain| text(domain.clone())),
        ["instance", "service-accounts", ""] => text(account_listing(vm)),
        ["instance", "service-accounts", name, rest @ ..] => match vm.account(name) {
            Some(account) => account_value(vm, account, rest, &uri),
            None => not_found(),
        },
        _ => not_found(),
    }
}

/// `instance/service-accounts/`: `default/` and each email, one per line.
fn account_listing(vm: &MdsInstance) -> String {
    let mut out = String::new();
    if !vm.accounts.is_empty() {
        out.push_str("default/\n");
    }
    for account in &vm.accounts {
        out.push_str(&account.spec.email);
        out.push_str("/\n");
    }
    out
}

/// The aliases of an account: `default` for the first one.
fn aliases(vm: &MdsInstance, account: &MdsAccount) -> Vec<&'static str> {
    if vm.is_default(account) {
        vec!["default"]
    } else {
        Vec::new()
    }
}

/// Lines with a trailing newline each.
fn lines<S: AsRef<str>>(items: &[S]) -> String {
    items.iter().fold(String::new(), |mut out, item| {
        out.push_str(item.as_ref());
        out.push('\n');
        out
    })
}

/// What lies under `instance/service-accounts/<account>/`.
fn account_value(vm: &MdsInstance, account: &MdsAccount, rest: &[&str], uri: &Uri) -> Response {
    match rest {
        [""] if http::query_params(uri).get("recursive").map(String::as_str) == Some("true") => {
            http::json_response(
                StatusCode::OK,
                json!({
                    "aliases": aliases(vm, account),
                    "email": account.spec.email,
                    "scopes": account.spec.scopes,
                }),
            )
        }
        [""] => text(ACCOUNT_ENTRIES),
        ["email"] => text(account.spec.email.clone()),
        ["scopes"] => text(lines(&account.spec.scopes)),
        ["aliases"] => text(lines(&aliases(vm, account))),
        _ => not_found(),
    }
}
