//! STS federation: pool providers, subject tokens (file and URL sources),
//! the federated token's use at generateAccessToken, and workforce users.

use super::common;
use super::iam_common::*;

use common::*;
use serde_json::{Value, json};
use tokentop::emulator::{
    Emulator, ExternalAccountSpec, Fault, FaultEndpoint, PoolProvider, PoolProviderSpec,
    SubjectSource, SubjectTokenSpec, WorkforceUserSpec,
};

const WORKLOAD: &str =
    "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/ci/providers/gh";
const WORKFORCE: &str = "//iam.googleapis.com/locations/global/workforcePools/staff/providers/okta";
const INVALID_SUBJECT: &str = "Invalid subject token";

fn provider(emu: &Emulator, audience: &str) -> PoolProvider {
    emu.add_pool_provider(PoolProviderSpec {
        audience: audience.into(),
        issuer: "https://idp.example.test".into(),
        allowed_audiences: Vec::new(),
    })
    .unwrap()
}

fn subject_token(emu: &Emulator, audience: &str, subject: &str, expires_in: i64) -> String {
    emu.mint_subject_token(
        audience,
        SubjectTokenSpec {
            subject: subject.into(),
            audience: None,
            expires_in,
        },
    )
    .unwrap()
}

async fn federate(
    emu: &Emulator,
    audience: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", TOKEN_EXCHANGE),
        ("audience", audience),
        ("subject_token", token),
        ("subject_token_type", JWT_TYPE),
        ("requested_token_type", ACCESS_TOKEN_TYPE),
        ("scope", CLOUD_PLATFORM),
    ];
    form.extend_from_slice(extra);
    sts_exchange(emu, &form).await
}

#[tokio::test]
async fn workload_token_exchange_then_impersonation() {
    let emu = start().await;
    let pool = provider(&emu, WORKLOAD);
    assert!(!pool.workforce);
    named_sa(&emu, TARGET);
    grant(&emu, &pool.all_members(), TARGET);
    let token = subject_token(&emu, WORKLOAD, "repo:acme/app", 600);
    let (status, body) = federate(&emu, WORKLOAD, &token, &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], ACCESS_TOKEN_TYPE);
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{expires_in}");
    let federated = body["access_token"].as_str().unwrap();
    let (status, info) = tokeninfo(&emu, federated).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["scope"], CLOUD_PLATFORM);
    assert_eq!(info["sub"], pool.member("repo:acme/app"));
    // The service_account_impersonation_url step.
    let (status, answer) = generate(&emu, federated, TARGET, &scopes_body()).await;
    assert_eq!(status, 200, "{answer}");
    let (_, info) = tokeninfo(&emu, answer["accessToken"].as_str().unwrap()).await;
    assert_eq!(info["email"], TARGET);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_grant_to_one_identity_covers_only_it() {
    let emu = start().await;
    let pool = provider(&emu, WORKLOAD);
    named_sa(&emu, TARGET);
    grant(&emu, &pool.member("alice"), TARGET);
    for (subject, expected) in [("alice", 200), ("mallory", 403)] {
        let token = subject_token(&emu, WORKLOAD, subject, 600);
        let (_, body) = federate(&emu, WORKLOAD, &token, &[]).await;
        let federated = body["access_token"].as_str().unwrap();
        let (status, _) = generate(&emu, federated, TARGET, &scopes_body()).await;
        assert_eq!(status, expected, "{subject}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_audience_and_bad_subject_tokens() {
    let emu = start().await;
    provider(&emu, WORKLOAD);
    let other = "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/ci/providers/other";
    provider(&emu, other);
    let good = subject_token(&emu, WORKLOAD, "repo:acme/app", 600);
    let unknown =
        "//iam.googleapis.com/projects/42/locations/global/workloadIdentityPools/ci/providers/nope";
    let (status, body) = federate(&emu, unknown, &good, &[]).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_target", "{body}");
    assert!(body["error_description"].is_string());

    let expired = subject_token(&emu, WORKLOAD, "repo:acme/app", -10);
    let foreign = subject_token(&emu, other, "repo:acme/app", 600);
    let wrong_aud = emu
        .mint_subject_token(
            WORKLOAD,
            SubjectTokenSpec {
                subject: "repo:acme/app".into(),
                audience: Some("https://somewhere.else".into()),
                expires_in: 600,
            },
        )
        .unwrap();
    let mut tampered = good.clone();
    tampered.pop();
    tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
    for bad in [expired, foreign, wrong_aud, tampered, "not-a-jwt".into()] {
        let (status, body) = federate(&emu, WORKLOAD, &bad, &[]).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(
            body,
            json!({"error": "invalid_request", "error_description": INVALID_SUBJECT,
                   "error_uri": "https://tools.ietf.org/html/rfc6749"})
        );
    }
    let saml = [
        ("grant_type", TOKEN_EXCHANGE),
        ("audience", WORKLOAD),
        ("subject_token", good.as_str()),
        (
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:saml2",
        ),
    ];
    let (status, body) = sts_exchange(&emu, &saml).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let form = [("grant_type", "client_credentials")];
    let (status, body) = sts_exchange(&emu, &form).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn workforce_exchange_with_double_encoded_user_project() {
    let emu = start().await;
    let pool = provider(&emu, WORKFORCE);
    assert!(pool.workforce);
    let token = subject_token(&emu, WORKFORCE, "alice@acme.example", 600);
    let options: String =
        url::form_urlencoded::byte_serialize(br#"{"userProject": "acme-billing"}"#)
            .collect::<String>()
            .replace('+', "%20");
    let (status, body) = federate(&emu, WORKFORCE, &token, &[("options", &options)]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = federate(&emu, WORKFORCE, &token, &[("options", "[1]")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn external_account_files_and_url_sources() {
    let emu = start().await;
    provider(&emu, WORKLOAD);
    let file = emu
        .external_account_file(ExternalAccountSpec {
            audience: WORKLOAD.into(),
            source: SubjectSource::File("/tmp/token.jwt".into()),
            impersonate: Some(TARGET.into()),
            token_lifetime_seconds: Some(1200),
            workforce_pool_user_project: None,
        })
        .unwrap();
    assert_eq!(file["type"], "external_account");
    assert_eq!(file["token_url"], format!("{}/v1/token", emu.sts_url()));
    assert_eq!(file["credential_source"]["file"], "/tmp/token.jwt");
    assert_eq!(
        file["service_account_impersonation_url"],
        format!(
            "{}/v1/projects/-/serviceAccounts/{TARGET}:generateAccessToken",
            emu.iam_credentials_url()
        )
    );
    assert_eq!(
        file["service_account_impersonation"]["token_lifetime_seconds"],
        1200
    );
    for json_format in [false, true] {
        let doc = emu
            .external_account_file(ExternalAccountSpec {
                audience: WORKLOAD.into(),
                source: SubjectSource::Url {
                    subject: "repo:acme/app".into(),
                    headers: vec![("x-token-key".into(), "s3cret".into())],
                    json: json_format,
                },
                impersonate: None,
                token_lifetime_seconds: None,
                workforce_pool_user_project: None,
            })
            .unwrap();
        let source = &doc["credential_source"];
        let url = source["url"].as_str().unwrap();
        assert!(url.starts_with(&emu.google_url()), "{url}");
        assert_eq!(client().get(url).send().await.unwrap().status(), 403);
        let r = client()
            .get(url)
            .header("x-token-key", "s3cret")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let text = r.text().await.unwrap();
        let token = if json_format {
            assert_eq!(source["format"]["subject_token_field_name"], "id_token");
            serde_json::from_str::<Value>(&text).unwrap()["id_token"]
                .as_str()
                .unwrap()
                .to_string()
        } else {
            text
        };
        assert_eq!(federate(&emu, WORKLOAD, &token, &[]).await.0, 200);
    }
    assert!(
        emu.mint_subject_token(
            "//iam.googleapis.com/nope",
            SubjectTokenSpec {
                subject: "x".into(),
                audience: None,
                expires_in: 60
            }
        )
        .is_err()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn workforce_user_refresh_with_basic_auth_and_introspection() {
    let emu = start().await;
    let user = emu
        .add_workforce_user(WorkforceUserSpec {
            audience: WORKFORCE.into(),
            subject: "alice@acme.example".into(),
            scopes: vec![CLOUD_PLATFORM.into()],
            access_token_lifetime: std::time::Duration::from_secs(1800),
        })
        .unwrap();
    assert_eq!(user["type"], "external_account_authorized_user");
    let url = user["token_url"].as_str().unwrap();
    assert_eq!(url, format!("{}/v1/oauth/token", emu.sts_url()));
    let (id, secret) = (
        user["client_id"].as_str().unwrap(),
        user["client_secret"].as_str().unwrap(),
    );
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", user["refresh_token"].as_str().unwrap()),
    ];
    let send = |auth: Option<(&str, &str)>| {
        let mut r = client().post(url).form(&form);
        if let Some((i, s)) = auth {
            r = r.basic_auth(i, Some(s));
        }
        r.send()
    };
    let r = send(Some((id, secret))).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((1790..=1800).contains(&expires_in), "{expires_in}");
    let token = body["access_token"].as_str().unwrap();
    for bad in [None, Some((id, "wrong"))] {
        let r = send(bad).await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    }
    let bad_refresh = [("grant_type", "refresh_token"), ("refresh_token", "nope")];
    let r = client()
        .post(url)
        .basic_auth(id, Some(secret))
        .form(&bad_refresh)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let introspect = user["token_info_url"].as_str().unwrap();
    let (status, info) = post_form(introspect, &[("token", token)]).await;
    assert_eq!(status, 200);
    assert_eq!(info["active"], true);
    assert_eq!(
        info["username"],
        "principal://iam.googleapis.com/locations/global/workforcePools/staff/subject/alice@acme.example"
    );
    assert_eq!(
        post_form(introspect, &[("token", "nope")]).await.1,
        json!({"active": false})
    );
    emu.set_faults(FaultEndpoint::Sts, always(Fault::Html));
    assert_eq!(send(Some((id, secret))).await.unwrap().status(), 502);
    emu.shutdown().await;
}
