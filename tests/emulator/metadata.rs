//! The metadata server: flavor header, detection ping, cached and rotated
//! access tokens, instance ID tokens, values and directories, 404s.

use super::common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use tokentop::emulator::{Emulator, EmulatorOptions, MdsServiceAccount, MetadataSpec};

const COMPUTE_SA: &str = "123456789012-compute@developer.gserviceaccount.com";
const ETL_SA: &str = "etl-runner@tokentop-demo.iam.gserviceaccount.com";
const AUDIENCE: &str = "https://orders-api-x7k2q-uc.a.run.app";
const SA_ROOT: &str = "instance/service-accounts";

/// GET `/computeMetadata/v1/<path>` with `Metadata-Flavor: Google`.
async fn mds(emu: &Emulator, path: &str) -> reqwest::Response {
    client()
        .get(format!(
            "http://{}/computeMetadata/v1/{path}",
            emu.metadata_host()
        ))
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .unwrap()
}

/// Status and body text of a flavored GET.
async fn mds_text(emu: &Emulator, path: &str) -> (u16, String) {
    let r = mds(emu, path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// A flavored GET that must answer 200 JSON.
async fn mds_json(emu: &Emulator, path: &str) -> Value {
    let r = mds(emu, path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(content_type(&r), "application/json", "{path}");
    r.json().await.unwrap()
}

/// The flavor and server headers every answer carries.
fn assert_stamped(r: &reqwest::Response) {
    assert_eq!(r.headers()["metadata-flavor"], "Google");
    assert_eq!(r.headers()["server"], "Metadata Server for VM");
}

async fn start_with(metadata: MetadataSpec) -> Emulator {
    Emulator::start(EmulatorOptions {
        metadata,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn flavor_header_is_required_and_echoed() {
    let emu = start().await;
    let url = format!(
        "http://{}/computeMetadata/v1/project/project-id",
        emu.metadata_host()
    );
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_stamped(&r);
    assert_eq!(
        r.text().await.unwrap(),
        r#"Missing required header "Metadata-Flavor": "Google""#
    );
    let r = client()
        .get(&url)
        .header("Metadata-Flavor", "Amazon")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let token = format!(
        "http://{}/computeMetadata/v1/{SA_ROOT}/default/token",
        emu.metadata_host()
    );
    assert_eq!(client().get(&token).send().await.unwrap().status(), 403);

    let r = mds(&emu, "project/project-id").await;
    assert_eq!(r.status(), 200);
    assert_stamped(&r);
    assert_eq!(r.text().await.unwrap(), "tokentop-demo");
    emu.shutdown().await;
}

#[tokio::test]
async fn detection_ping_at_the_root() {
    let emu = start().await;
    let root = format!("http://{}/", emu.metadata_host());
    let r = client()
        .get(&root)
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_stamped(&r);
    assert_eq!(client().get(&root).send().await.unwrap().status(), 403);
    emu.shutdown().await;
}

#[tokio::test]
async fn token_is_json_and_tokeninfo_knows_it() {
    let emu = start().await;
    let body = mds_json(&emu, &format!("{SA_ROOT}/default/token")).await;
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with("ya29."), "{token}");
    assert_eq!(body["token_type"], "Bearer");
    let expires_in = body["expires_in"].as_i64().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{expires_in}");
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");

    let (status, info) = get_json(&format!(
        "{}/tokeninfo?access_token={token}",
        emu.google_url()
    ))
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["email"], COMPUTE_SA);
    assert_eq!(info["scope"], format!("{CLOUD_PLATFORM} {USERINFO_EMAIL}"));
    assert_eq!(info["access_type"], "online");
    assert!(info["expires_in"].as_str().unwrap().parse::<i64>().unwrap() > 3500);
    let sub = info["sub"].as_str().unwrap();
    assert!(sub.len() == 21 && sub.chars().all(|c| c.is_ascii_digit()));
    emu.shutdown().await;
}

#[tokio::test]
async fn tokens_by_email_and_with_requested_scopes() {
    let emu = start().await;
    let default = mds_json(&emu, &format!("{SA_ROOT}/default/token")).await;
    let by_email = mds_json(&emu, &format!("{SA_ROOT}/{COMPUTE_SA}/token")).await;
    assert_eq!(
        default["access_token"], by_email["access_token"],
        "default and its email share one cached token"
    );
    let etl = mds_json(&emu, &format!("{SA_ROOT}/{ETL_SA}/token")).await;
    assert_ne!(etl["access_token"], default["access_token"]);

    let scoped = mds_json(
        &emu,
        &format!("{SA_ROOT}/{ETL_SA}/token?scopes=openid,{USERINFO_EMAIL}"),
    )
    .await;
    assert_ne!(scoped["access_token"], etl["access_token"]);
    let (status, info) = get_json(&format!(
        "{}/tokeninfo?access_token={}",
        emu.google_url(),
        scoped["access_token"].as_str().unwrap()
    ))
    .await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["scope"], format!("openid {USERINFO_EMAIL}"));
    assert_eq!(info["email"], ETL_SA);
    emu.shutdown().await;
}

#[tokio::test]
async fn same_token_with_shrinking_lifetime_until_the_rotation_point() {
    let mut spec = MetadataSpec::default();
    spec.service_accounts[0].token_lifetime = Duration::from_secs(302);
    spec.service_accounts[0].refresh_before = Duration::from_secs(300);
    let emu = start_with(spec).await;
    let path = format!("{SA_ROOT}/default/token");
    let mut seen: Vec<(String, i64)> = Vec::new();
    let started = std::time::Instant::now();
    loop {
        let body = mds_json(&emu, &path).await;
        let token = body["access_token"].as_str().unwrap().to_string();
        let expires_in = body["expires_in"].as_i64().unwrap();
        let rotated = seen.first().is_some_and(|(first, _)| *first != token);
        seen.push((token, expires_in));
        if rotated {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(6), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (new_token, new_expires_in) = seen.pop().unwrap();
    let (first, _) = &seen[0];
    let lifetimes: Vec<i64> = seen.iter().map(|(_, e)| *e).collect();
    assert!(lifetimes.windows(2).all(|w| w[0] >= w[1]), "{seen:?}");
    assert_eq!(lifetimes.first(), Some(&302), "{seen:?}");
    assert_eq!(lifetimes.last(), Some(&301), "{seen:?}");
    assert_eq!(new_expires_in, 302, "a fresh token after rotation");

    // The replaced token stays valid until its own expiry.
    for token in [first, &new_token] {
        let url = format!("{}/tokeninfo?access_token={token}", emu.google_url());
        assert_eq!(get_json(&url).await.0, 200);
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn revoked_token_is_replaced() {
    let emu = start().await;
    let path = format!("{SA_ROOT}/default/token");
    let first = mds_json(&emu, &path).await["access_token"].clone();
    let (status, _) = post_form(
        &format!("{}/revoke", emu.google_url()),
        &[("token", first.as_str().unwrap())],
    )
    .await;
    assert_eq!(status, 200);
    let second = mds_json(&emu, &path).await["access_token"].clone();
    assert_ne!(first, second);
    emu.shutdown().await;
}

#[tokio::test]
async fn identity_token_verifies_with_the_google_jwks() {
    let emu = start().await;
    let certs = format!("{}/oauth2/v3/certs", emu.google_url());
    let r = mds(
        &emu,
        &format!("{SA_ROOT}/default/identity?audience={AUDIENCE}"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        content_type(&r).starts_with("text/plain"),
        "{}",
        content_type(&r)
    );
    let jwt = r.text().await.unwrap();
    let claims = verify_with_jwks(&certs, &jwt, AUDIENCE).await;
    assert_eq!(claims["iss"], emu.google_url());
    assert_eq!(claims["email"], COMPUTE_SA);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["azp"], claims["sub"]);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!((1..=3600).contains(&lifetime), "{lifetime}");
    assert!(claims.get("google").is_none(), "{claims}");

    let (status, info) = get_json(&format!("{}/tokeninfo?id_token={jwt}", emu.google_url())).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["aud"], AUDIENCE);

    let (status, _) = mds_text(&emu, &format!("{SA_ROOT}/default/identity")).await;
    assert_eq!(status, 400, "audience is required");
    let (status, _) = mds_text(&emu, &format!("{SA_ROOT}/default/identity?audience=")).await;
    assert_eq!(status, 400, "audience must not be empty");
    emu.shutdown().await;
}

#[tokio::test]
async fn full_format_identity_token_describes_the_instance() {
    let emu = start().await;
    let certs = format!("{}/oauth2/v3/certs", emu.google_url());
    let (_, instance_id) = mds_text(&emu, "instance/id").await;
    let path = format!("{SA_ROOT}/{ETL_SA}/identity?audience={AUDIENCE}&format=full");
    let (status, jwt) = mds_text(&emu, &path).await;
    assert_eq!(status, 200);
    let claims = verify_with_jwks(&certs, &jwt, AUDIENCE).await;
    assert_eq!(claims["email"], ETL_SA);
    let gce = &claims["google"]["compute_engine"];
    assert_eq!(gce["project_id"], "tokentop-demo");
    assert_eq!(gce["project_number"], 123_456_789_012_u64);
    assert_eq!(gce["zone"], "us-central1-a");
    assert_eq!(gce["instance_id"], instance_id.as_str());
    assert_eq!(gce["instance_name"], "tokentop-worker-0");
    let created = gce["instance_creation_timestamp"].as_i64().unwrap();
    assert!(created <= now() && created > now() - 600, "{created}");
    assert!(gce.get("license_id").is_none(), "{gce}");

    let (status, jwt) = mds_text(&emu, &format!("{path}&licenses=TRUE")).await;
    assert_eq!(status, 200);
    let claims = verify_with_jwks(&certs, &jwt, AUDIENCE).await;
    assert_eq!(
        claims["google"]["compute_engine"]["license_id"],
        serde_json::json!(["1000010"])
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn accounts_listing_recursive_and_values() {
    let emu = start().await;
    let (status, listing) = mds_text(&emu, &format!("{SA_ROOT}/")).await;
    assert_eq!(status, 200);
    assert_eq!(listing, format!("default/\n{COMPUTE_SA}/\n{ETL_SA}/\n"));
    let info = mds_json(&emu, &format!("{SA_ROOT}/default/?recursive=true")).await;
    assert_eq!(
        info,
        serde_json::json!({
            "aliases": ["default"],
            "email": COMPUTE_SA,
            "scopes": [CLOUD_PLATFORM, USERINFO_EMAIL],
        })
    );
    let etl = mds_json(&emu, &format!("{SA_ROOT}/{ETL_SA}/?recursive=true")).await;
    assert_eq!(etl["aliases"], serde_json::json!([]));
    assert_eq!(etl["scopes"], serde_json::json!([CLOUD_PLATFORM]));
    let (_, entries) = mds_text(&emu, &format!("{SA_ROOT}/default/")).await;
    assert!(entries.lines().any(|l| l == "token"), "{entries}");

    let expect = [
        (format!("{SA_ROOT}/default/email"), COMPUTE_SA.to_string()),
        (format!("{SA_ROOT}/{ETL_SA}/email"), ETL_SA.to_string()),
        (
            format!("{SA_ROOT}/default/scopes"),
            format!("{CLOUD_PLATFORM}\n{USERINFO_EMAIL}\n"),
        ),
        ("project/project-id".into(), "tokentop-demo".into()),
        ("project/numeric-project-id".into(), "123456789012".into()),
        (
            "instance/zone".into(),
            "projects/123456789012/zones/us-central1-a".into(),
        ),
        ("instance/name".into(), "tokentop-worker-0".into()),
    ];
    for (path, want) in expect {
        assert_eq!(mds_text(&emu, &path).await, (200, want), "{path}");
    }
    let (status, id) = mds_text(&emu, "instance/id").await;
    assert_eq!(status, 200);
    assert!(
        id.len() == 19 && id.chars().all(|c| c.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(mds_text(&emu, "universe/universe-domain").await.0, 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_accounts_and_paths_are_404() {
    let emu = start().await;
    for path in [
        format!("{SA_ROOT}/nobody@example.test/token"),
        format!("{SA_ROOT}/nobody@example.test/identity?audience={AUDIENCE}"),
        format!("{SA_ROOT}/nobody@example.test/email"),
        format!("{SA_ROOT}/nobody@example.test/?recursive=true"),
        format!("{SA_ROOT}/default/password"),
        "instance/hostname-of-nothing".into(),
        "project/attributes/ssh-keys".into(),
    ] {
        let r = mds(&emu, &path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_stamped(&r);
        assert!(content_type(&r).starts_with("text/html"), "{path}");
    }
    let r = client()
        .get(format!(
            "http://{}/computeMetadata/v2/",
            emu.metadata_host()
        ))
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_stamped(&r);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_configured_vm_is_served_as_configured() {
    let emu = start_with(MetadataSpec {
        project_id: "acme-data".into(),
        project_number: 42,
        zone: "europe-west4-b".into(),
        instance_name: "etl-m".into(),
        service_accounts: vec![MdsServiceAccount::new(
            "runner@acme-data.iam.gserviceaccount.com",
            &[CLOUD_PLATFORM],
        )],
        universe_domain: Some("example-universe.test".into()),
        license_ids: Vec::new(),
    })
    .await;
    let expect = [
        ("project/project-id", "acme-data"),
        ("project/numeric-project-id", "42"),
        ("instance/zone", "projects/42/zones/europe-west4-b"),
        ("instance/name", "etl-m"),
        ("universe/universe-domain", "example-universe.test"),
        (
            "instance/service-accounts/",
            "default/\nrunner@acme-data.iam.gserviceaccount.com/\n",
        ),
        (
            "instance/service-accounts/default/email",
            "runner@acme-data.iam.gserviceaccount.com",
        ),
    ];
    for (path, want) in expect {
        assert_eq!(
            mds_text(&emu, path).await,
            (200, want.to_string()),
            "{path}"
        );
    }
    let (status, _) = mds_text(&emu, &format!("{SA_ROOT}/{COMPUTE_SA}/token")).await;
    assert_eq!(status, 404, "the default spec's accounts are gone");
    emu.shutdown().await;
}
