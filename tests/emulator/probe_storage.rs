//! The Google API probe target, Cloud Storage's bucket list: wire.md §5's
//! 401s and 403s, and every kind of access token the emulator mints.

use super::common;
use super::iam_common::*;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokentop::emulator::{
    Emulator, EmulatorOptions, FederationOptions, PoolProviderSpec, STORAGE_SCOPES,
    SubjectTokenSpec, WorkforceUserSpec,
};

const PROJECT: &str = "demo-project";
const LIST: &str = "storage.buckets.list";
const SVC: &str = "svc@demo-project.iam.gserviceaccount.com";
const ALICE: &str = "alice@example.test";
const COMPUTE_SA: &str = "123456789012-compute@developer.gserviceaccount.com";
const READ_ONLY: &str = "https://www.googleapis.com/auth/devstorage.read_only";
const SEE: &str = "Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const REALM: &str = "Bearer realm=\"https://accounts.google.com/\"";
const WORKLOAD: &str =
    "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/ci/providers/gh";
const WORKFORCE: &str = "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta";

/// Status, `www-authenticate` (or "") and JSON body of a bucket list.
async fn list(emu: &Emulator, token: Option<&str>, project: Option<&str>) -> (u16, String, Value) {
    let mut req = client().get(format!("{}/storage/v1/b", emu.google_url()));
    if let Some(p) = project {
        req = req.query(&[("project", p)]);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let challenge = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status().as_u16(), challenge, r.json().await.unwrap())
}

/// The bucket list of `PROJECT` with `token`.
async fn list_with(emu: &Emulator, token: &str) -> (u16, String, Value) {
    list(emu, Some(token), Some(PROJECT)).await
}

fn envelope(
    code: u16,
    status: &str,
    message: &str,
    reason: &str,
    domain: &str,
    metadata: Value,
) -> Value {
    json!({ "error": {
        "code": code,
        "message": message,
        "status": status,
        "details": [{
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": domain,
            "metadata": metadata,
        }],
    }})
}

fn unauthenticated(reason: &str) -> (u16, String, Value) {
    (
        401,
        format!("{REALM}, error=\"invalid_token\""),
        envelope(
            401,
            "UNAUTHENTICATED",
            &format!("Request had invalid authentication credentials. {SEE}"),
            reason,
            "googleapis.com",
            json!({ "service": "storage.googleapis.com" }),
        ),
    )
}

fn denied(who: &str) -> (u16, String, Value) {
    (
        403,
        String::new(),
        envelope(
            403,
            "PERMISSION_DENIED",
            &format!(
                "{who} does not have {LIST} access to the Google Cloud project. Permission '{LIST}' denied on resource (or it may not exist)."
            ),
            "IAM_PERMISSION_DENIED",
            "iam.googleapis.com",
            json!({ "permission": LIST }),
        ),
    )
}

fn buckets() -> (u16, String, Value) {
    (
        200,
        String::new(),
        json!({"kind": "storage#buckets", "items": []}),
    )
}

#[tokio::test]
async fn no_credential_is_401_missing_with_a_bare_challenge() {
    let emu = start().await;
    let expected = envelope(
        401,
        "UNAUTHENTICATED",
        &format!("Request is missing required authentication credential. {SEE}"),
        "CREDENTIALS_MISSING",
        "googleapis.com",
        json!({ "service": "storage.googleapis.com" }),
    );
    assert_eq!(
        list(&emu, None, Some(PROJECT)).await,
        (401, REALM.to_string(), expected)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_garbage_and_revoked_tokens_are_401_type_unsupported() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let (_, body) = refresh(&emu, &u).await;
    let token = body["access_token"].as_str().unwrap().to_string();
    emu.grant_iam(ALICE, PROJECT, LIST);
    assert_eq!(list_with(&emu, &token).await, buckets());
    let fabricated = format!("ya29.a0{}", "x".repeat(100));
    for bad in [fabricated.as_str(), "garbage", "a.b.c"] {
        let got = list_with(&emu, bad).await;
        assert_eq!(
            got,
            unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED"),
            "{bad}"
        );
    }
    let (status, _) = post_form(
        &format!("{}/revoke", emu.google_url()),
        &[("token", token.as_str())],
    )
    .await;
    assert_eq!(status, 200);
    let got = list_with(&emu, &token).await;
    assert_eq!(got, unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED"));
    emu.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_401_with_the_configured_reason() {
    let default = start().await;
    let custom = Emulator::start(EmulatorOptions {
        federation: FederationOptions {
            expired_token_reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED".into(),
            ..FederationOptions::default()
        },
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let mut tokens = Vec::new();
    for emu in [&default, &custom] {
        let sa = service_account(emu, 1);
        emu.grant_iam(SVC, PROJECT, LIST);
        tokens.push(sa_token(emu, &sa, CLOUD_PLATFORM).await);
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        list_with(&default, &tokens[0]).await,
        unauthenticated("ACCESS_TOKEN_EXPIRED")
    );
    assert_eq!(
        list_with(&custom, &tokens[1]).await,
        unauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED")
    );
    default.shutdown().await;
    custom.shutdown().await;
}

#[tokio::test]
async fn a_token_without_a_storage_scope_is_403_insufficient_scope() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    emu.grant_iam(SVC, PROJECT, LIST);
    let token = sa_token(&emu, &sa, "https://www.googleapis.com/auth/iam").await;
    let expected = envelope(
        403,
        "PERMISSION_DENIED",
        "Request had insufficient authentication scopes.",
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "googleapis.com",
        json!({ "service": "storage.googleapis.com" }),
    );
    let challenge = format!(
        "{REALM}, error=\"insufficient_scope\", scope=\"{}\"",
        STORAGE_SCOPES.join(" ")
    );
    assert_eq!(list_with(&emu, &token).await, (403, challenge, expected));
    assert_eq!(STORAGE_SCOPES.len(), 5);
    for scope in STORAGE_SCOPES {
        let token = sa_token(&emu, &sa, scope).await;
        assert_eq!(list_with(&emu, &token).await, buckets(), "{scope}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_principal_without_the_permission_is_403_iam_denied() {
    let emu = start().await;
    let sa = service_account(&emu, 3600);
    let token = sa_token(&emu, &sa, READ_ONLY).await;
    assert_eq!(list_with(&emu, &token).await, denied(SVC));
    emu.grant_iam(SVC, "other-project", LIST);
    emu.grant_iam(SVC, PROJECT, "storage.buckets.get");
    emu.grant_iam("other@demo-project.iam.gserviceaccount.com", PROJECT, LIST);
    assert_eq!(list_with(&emu, &token).await, denied(SVC));
    emu.grant_iam(&format!("serviceAccount:{SVC}"), PROJECT, LIST);
    assert_eq!(list_with(&emu, &token).await, buckets());
    // Without a project the call is malformed.
    let (status, _, body) = list(&emu, Some(&token), None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["status"], "INVALID_ARGUMENT");
    emu.shutdown().await;
}

#[tokio::test]
async fn user_key_metadata_and_impersonated_tokens_are_accepted() {
    let emu = start().await;
    // User refresh token.
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let (_, body) = refresh(&emu, &u).await;
    let user_token = body["access_token"].as_str().unwrap().to_string();
    // Service-account key (JWT bearer).
    let sa = service_account(&emu, 3600);
    let key_token = sa_token(&emu, &sa, CLOUD_PLATFORM).await;
    // Metadata server.
    let r = client()
        .get(format!(
            "http://{}/computeMetadata/v1/instance/service-accounts/default/token",
            emu.metadata_host()
        ))
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .unwrap();
    let mds_token = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    // Impersonation (generateAccessToken).
    named_sa(&emu, TARGET);
    grant(&emu, &format!("serviceAccount:{SVC}"), TARGET);
    let (status, answer) = generate(&emu, &key_token, TARGET, &scopes_body()).await;
    assert_eq!(status, 200, "{answer}");
    let impersonated = answer["accessToken"].as_str().unwrap().to_string();

    for (token, email) in [
        (&user_token, ALICE),
        (&key_token, SVC),
        (&mds_token, COMPUTE_SA),
        (&impersonated, TARGET),
    ] {
        assert_eq!(list_with(&emu, token).await, denied(email));
        emu.grant_iam(email, PROJECT, LIST);
        assert_eq!(list_with(&emu, token).await, buckets(), "{email}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn federated_workforce_and_downscoped_tokens_are_accepted() {
    let emu = start().await;
    let pool = emu
        .add_pool_provider(PoolProviderSpec {
            audience: WORKLOAD.into(),
            issuer: "https://idp.example.test".into(),
            allowed_audiences: Vec::new(),
        })
        .unwrap();
    let subject = emu
        .mint_subject_token(
            WORKLOAD,
            SubjectTokenSpec {
                subject: "repo:acme/app".into(),
                audience: None,
                expires_in: 600,
            },
        )
        .unwrap();
    let (status, body) = sts_exchange(
        &emu,
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("audience", WORKLOAD),
            ("subject_token", &subject),
            ("subject_token_type", JWT_TYPE),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("scope", CLOUD_PLATFORM),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let federated = body["access_token"].as_str().unwrap().to_string();
    let workload_member = pool.member("repo:acme/app");
    assert_eq!(list_with(&emu, &federated).await, denied(&workload_member));
    emu.grant_iam(&workload_member, PROJECT, LIST);
    assert_eq!(list_with(&emu, &federated).await, buckets());

    // A downscoped copy acts as its source.
    let options = json!({ "accessBoundary": { "accessBoundaryRules": [{
        "availableResource": "//storage.googleapis.com/projects/_/buckets/b",
        "availablePermissions": ["inRole:roles/storage.objectViewer"],
    }]}})
    .to_string();
    let (status, body) = sts_exchange(
        &emu,
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", &federated),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("options", &options),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let downscoped = body["access_token"].as_str().unwrap();
    assert_eq!(list_with(&emu, downscoped).await, buckets());

    // A workforce user's browser sign-in.
    let staff = emu
        .add_pool_provider(PoolProviderSpec {
            audience: WORKFORCE.into(),
            issuer: "https://idp.example.test".into(),
            allowed_audiences: Vec::new(),
        })
        .unwrap();
    let file = emu
        .add_workforce_user(WorkforceUserSpec {
            audience: WORKFORCE.into(),
            subject: "bob".into(),
            scopes: vec![CLOUD_PLATFORM.into()],
            access_token_lifetime: Duration::from_secs(3600),
        })
        .unwrap();
    let r = client()
        .post(file["token_url"].as_str().unwrap())
        .basic_auth(
            file["client_id"].as_str().unwrap(),
            file["client_secret"].as_str(),
        )
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", file["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let workforce = r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let bob = staff.member("bob");
    assert_eq!(list_with(&emu, &workforce).await, denied(&bob));
    emu.grant_iam(&bob, PROJECT, LIST);
    assert_eq!(list_with(&emu, &workforce).await, buckets());
    emu.shutdown().await;
}
