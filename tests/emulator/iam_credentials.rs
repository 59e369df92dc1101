//! IAM Credentials `generateAccessToken`: success, lifetimes, the IAM
//! permission model and every failure answer, over real HTTP.

use super::common;
use super::iam_common::*;

use common::*;
use serde_json::json;
use tokentop::emulator::{
    Emulator, EmulatorOptions, Fault, FaultEndpoint, FederationOptions, ImpersonationGrant,
};

/// A caller service account with a cloud-platform token, and a target.
async fn setup(emu: &Emulator) -> String {
    let caller = service_account(emu, 3600);
    named_sa(emu, TARGET);
    sa_token(emu, &caller, CLOUD_PLATFORM).await
}

#[tokio::test]
async fn allowed_caller_gets_a_token_tokeninfo_shows_the_target() {
    let emu = start().await;
    let bearer = setup(&emu).await;
    grant(
        &emu,
        "serviceAccount:svc@demo-project.iam.gserviceaccount.com",
        TARGET,
    );
    let mut body = scopes_body();
    body["lifetime"] = json!("1800s");
    let (status, answer) = generate(&emu, &bearer, TARGET, &body).await;
    assert_eq!(status, 200, "{answer}");
    let expire = answer["expireTime"].as_str().unwrap();
    let parsed = chrono::NaiveDateTime::parse_from_str(expire, "%Y-%m-%dT%H:%M:%SZ")
        .unwrap_or_else(|e| panic!("{expire}: {e}"));
    let left = parsed.and_utc().timestamp() - now();
    assert!((1795..=1800).contains(&left), "{left}");
    let token = answer["accessToken"].as_str().unwrap();
    let (status, info) = tokeninfo(&emu, token).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["email"], TARGET);
    assert_eq!(info["scope"], format!("{CLOUD_PLATFORM} {USERINFO_EMAIL}"));
    let expires_in: i64 = info["expires_in"].as_str().unwrap().parse().unwrap();
    assert!(expires_in <= 1800, "{expires_in}");

    // Default lifetime one hour; a fractional lifetime is accepted.
    let (_, answer) = generate(&emu, &bearer, TARGET, &scopes_body()).await;
    let (_, info) = tokeninfo(&emu, answer["accessToken"].as_str().unwrap()).await;
    let expires_in: i64 = info["expires_in"].as_str().unwrap().parse().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{expires_in}");
    let body = json!({ "scope": [CLOUD_PLATFORM], "lifetime": "1799.5s" });
    assert_eq!(generate(&emu, &bearer, TARGET, &body).await.0, 200);

    // Google lets an impersonated token be revoked.
    let r = client()
        .post(format!("{}/revoke", emu.google_url()))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(tokeninfo(&emu, token).await.0, 400);
    emu.shutdown().await;
}

#[tokio::test]
async fn user_and_iam_scoped_callers() {
    let emu = start().await;
    named_sa(&emu, TARGET);
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    let (_, body) = refresh(&emu, &u).await;
    let user_token = body["access_token"].as_str().unwrap();
    let (status, answer) = generate(&emu, user_token, TARGET, &scopes_body()).await;
    assert_eq!(status, 403, "{answer}");
    grant(&emu, "user:alice@example.test", TARGET);
    assert_eq!(
        generate(&emu, user_token, TARGET, &scopes_body()).await.0,
        200
    );
    // The narrow `iam` scope is enough (what google-auth asks for).
    let caller = service_account(&emu, 3600);
    grant(
        &emu,
        "serviceAccount:svc@demo-project.iam.gserviceaccount.com",
        TARGET,
    );
    let iam_only = sa_token(&emu, &caller, IAM_SCOPE).await;
    assert_eq!(
        generate(&emu, &iam_only, TARGET, &scopes_body()).await.0,
        200
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn permission_denied_is_googles_403() {
    let emu = start().await;
    let bearer = setup(&emu).await;
    let (status, body) = generate(&emu, &bearer, TARGET, &scopes_body()).await;
    assert_eq!(status, 403);
    assert_api_error(&body, 403, "PERMISSION_DENIED");
    assert_eq!(body["error"]["message"], DENIED_ACCESS);
    let info = &body["error"]["details"][0];
    assert_eq!(info["@type"], "type.googleapis.com/google.rpc.ErrorInfo");
    assert_eq!(info["reason"], "IAM_PERMISSION_DENIED");
    assert_eq!(info["domain"], "iam.googleapis.com");
    assert_eq!(
        info["metadata"]["permission"],
        "iam.serviceAccounts.getAccessToken"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_target_is_404_or_403_by_switch() {
    let emu = start().await;
    let bearer = setup(&emu).await;
    let ghost = "ghost@demo-project.iam.gserviceaccount.com";
    let (status, body) = generate(&emu, &bearer, ghost, &scopes_body()).await;
    assert_eq!(status, 404);
    assert_api_error(&body, 404, "NOT_FOUND");
    emu.shutdown().await;

    let emu = Emulator::start(EmulatorOptions {
        federation: FederationOptions {
            unknown_account_is_forbidden: true,
            ..FederationOptions::default()
        },
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let bearer = setup(&emu).await;
    let (status, body) = generate(&emu, &bearer, ghost, &scopes_body()).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["message"], DENIED_ACCESS);
    emu.shutdown().await;
}

#[tokio::test]
async fn lifetime_over_an_hour_needs_the_extension() {
    let emu = start().await;
    let bearer = setup(&emu).await;
    let caller = "serviceAccount:svc@demo-project.iam.gserviceaccount.com";
    grant(&emu, caller, TARGET);
    let body = |lifetime: &str| json!({ "scope": [CLOUD_PLATFORM], "lifetime": lifetime });
    let (status, answer) = generate(&emu, &bearer, TARGET, &body("3601s")).await;
    assert_eq!(status, 400);
    assert_api_error(&answer, 400, "INVALID_ARGUMENT");
    assert_eq!(
        answer["error"]["message"],
        "Request contains an invalid argument."
    );
    for bad in ["3600", "0s", "soon"] {
        assert_eq!(
            generate(&emu, &bearer, TARGET, &body(bad)).await.0,
            400,
            "{bad}"
        );
    }
    let (status, _) = generate(&emu, &bearer, TARGET, &json!({ "scope": [] })).await;
    assert_eq!(status, 400, "scope is required");
    emu.allow_impersonation(ImpersonationGrant {
        member: caller.into(),
        target: TARGET.into(),
        extended_lifetime: true,
    });
    let (status, answer) = generate(&emu, &bearer, TARGET, &body("43200s")).await;
    assert_eq!(status, 200, "{answer}");
    let (_, info) = tokeninfo(&emu, answer["accessToken"].as_str().unwrap()).await;
    let expires_in: i64 = info["expires_in"].as_str().unwrap().parse().unwrap();
    assert!(expires_in > 43_000, "{expires_in}");
    assert_eq!(
        generate(&emu, &bearer, TARGET, &body("43201s")).await.0,
        400
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_bearer_tokens_are_401_narrow_scope_is_403() {
    let emu = start().await;
    named_sa(&emu, TARGET);
    let r = iam_call(&emu, None, TARGET, "generateAccessToken", &scopes_body()).await;
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=")
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_api_error(&body, 401, "UNAUTHENTICATED");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Request is missing required authentication credential.")
    );

    let (status, body) = generate(&emu, "ya29.garbage", TARGET, &scopes_body()).await;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Request had invalid authentication credentials.")
    );
    assert_eq!(
        body["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_TYPE_UNSUPPORTED"
    );

    // Expired: a service account whose tokens live one second.
    let short = service_account(&emu, 1);
    let expired = sa_token(&emu, &short, CLOUD_PLATFORM).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = generate(&emu, &expired, TARGET, &scopes_body()).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        body["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_EXPIRED"
    );

    // Live, but neither cloud-platform nor iam.
    let narrow = sa_token(&emu, &named_sa(&emu, MID), USERINFO_EMAIL).await;
    let r = iam_call(
        &emu,
        Some(&narrow),
        TARGET,
        "generateAccessToken",
        &scopes_body(),
    )
    .await;
    assert_eq!(r.status(), 403);
    let challenge = r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["details"][0]["reason"],
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn delegation_chain_is_checked_hop_by_hop() {
    let emu = start().await;
    let bearer = setup(&emu).await;
    named_sa(&emu, MID);
    let caller = "serviceAccount:svc@demo-project.iam.gserviceaccount.com";
    grant(&emu, caller, MID);
    let with = |delegate: &str| json!({ "scope": [CLOUD_PLATFORM], "delegates": [delegate] });
    // mid may not yet impersonate the target: the last hop breaks.
    let (status, body) = generate(&emu, &bearer, TARGET, &with(MID)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["message"], DENIED_ACCESS);
    grant(&emu, &format!("serviceAccount:{MID}"), TARGET);
    // Both delegate spellings work; the caller needs no right on the target.
    let long = format!("projects/-/serviceAccounts/{MID}");
    for delegate in [MID, long.as_str()] {
        let (status, body) = generate(&emu, &bearer, TARGET, &with(delegate)).await;
        assert_eq!(status, 200, "{delegate}: {body}");
        let (_, info) = tokeninfo(&emu, body["accessToken"].as_str().unwrap()).await;
        assert_eq!(info["scope"], CLOUD_PLATFORM);
    }
    // A caller without a right on the first hop is refused there.
    let other = sa_token(
        &emu,
        &named_sa(&emu, "other@demo-project.iam.gserviceaccount.com"),
        CLOUD_PLATFORM,
    )
    .await;
    assert_eq!(generate(&emu, &other, TARGET, &with(MID)).await.0, 403);
    // An unknown delegate is not found.
    let ghost = "ghost@demo-project.iam.gserviceaccount.com";
    assert_eq!(generate(&emu, &bearer, TARGET, &with(ghost)).await.0, 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn iam_credentials_fault_endpoint() {
    let emu = start().await;
    let bearer = setup(&emu).await;
    emu.set_faults(FaultEndpoint::IamCredentials, always(Fault::ServerError));
    let (status, _) = generate(&emu, &bearer, TARGET, &scopes_body()).await;
    assert!((500..=503).contains(&status), "{status}");
    assert_eq!(
        emu.fault_stats()
            .endpoint(FaultEndpoint::IamCredentials)
            .injected(),
        1
    );
    emu.shutdown().await;
}
