//! Fault plans: rates, counters, every route covered, CLI syntax, key rotation.

use super::common;

use common::*;
use serde_json::Value;
use tokentop::emulator::{Fault, FaultEndpoint, FaultPlan, FaultRule};

#[tokio::test]
async fn rate_zero_changes_nothing_but_is_counted() {
    let emu = start().await;
    emu.set_faults(
        FaultEndpoint::All,
        FaultPlan {
            rate: 0.0,
            faults: Fault::catalogue(),
        },
    );
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid"]);
    for _ in 0..20 {
        let (status, body) = refresh(&emu, &u).await;
        assert_eq!(status, 200);
        assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
        assert!(body["expires_in"].is_number());
    }
    let (status, jwks) = get_json(&format!("{}/oauth2/v3/certs", emu.google_url())).await;
    assert_eq!(status, 200);
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    let sp = databricks_sp(&emu);
    assert_eq!(m2m_raw(&emu, &sp).await.unwrap().status(), 200);

    let stats = emu.fault_stats();
    assert_eq!(stats.endpoint(FaultEndpoint::GoogleToken).requests, 20);
    assert_eq!(stats.endpoint(FaultEndpoint::GoogleCerts).requests, 1);
    assert_eq!(stats.endpoint(FaultEndpoint::DatabricksToken).requests, 1);
    assert!(
        stats.endpoints.values().all(|s| s.injected() == 0),
        "{stats}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn partial_rate_faults_some_requests_and_picks_among_faults() {
    let emu = start().await;
    let url = format!("{}/.well-known/databricks-config", emu.databricks_url());
    emu.set_faults(
        FaultEndpoint::DatabricksHostMetadata,
        FaultPlan {
            rate: 0.5,
            faults: vec![Fault::MalformedJson, Fault::Html],
        },
    );
    let (mut ok, mut bad) = (0u64, 0u64);
    for _ in 0..200 {
        let r = client().get(&url).send().await.unwrap();
        let status = r.status().as_u16();
        let parsed = serde_json::from_str::<Value>(&r.text().await.unwrap());
        match (status, parsed) {
            (200, Ok(doc)) if doc["cloud"] == "aws" => ok += 1,
            _ => bad += 1,
        }
    }
    assert!((50..=150).contains(&bad), "faulted {bad} of 200");
    let stats = emu
        .fault_stats()
        .endpoint(FaultEndpoint::DatabricksHostMetadata);
    assert_eq!(stats.requests, 200);
    assert_eq!(stats.injected(), bad);
    assert_eq!(200 - stats.injected(), ok);
    assert!(stats.faults["malformed-json"] > 0 && stats.faults["html"] > 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn all_covers_every_route_and_clear_restores() {
    let emu = start().await;
    let (g, d) = (emu.google_url(), emu.databricks_url());
    let gets = [
        format!("{g}/tokeninfo"),
        format!("{g}/oauth2/v3/tokeninfo"),
        format!("{g}/oauth2/v3/certs"),
        format!("{g}/.well-known/openid-configuration"),
        format!("{d}/.well-known/databricks-config"),
        format!("{d}/oidc/.well-known/oauth-authorization-server"),
        format!("{d}/oidc/v1/keys"),
        format!("{d}/api/2.0/tokens/introspect"),
        format!("{d}/api/2.0/preview/scim/v2/Me"),
    ];
    let posts = [
        format!("{g}/token"),
        format!("{g}/revoke"),
        format!("{d}/oidc/v1/token"),
        format!(
            "{g}/v1/projects/-/serviceAccounts/a@b.iam.gserviceaccount.com:generateAccessToken"
        ),
        format!("{g}/v1/token"),
    ];
    emu.set_faults(FaultEndpoint::All, always(Fault::Html));
    for url in &gets {
        let r = client().get(url).send().await.unwrap();
        assert_eq!(r.status(), 502, "{url}");
        assert!(content_type(&r).starts_with("text/html"), "{url}");
    }
    for url in &posts {
        let r = client().post(url).form(&[("a", "b")]).send().await.unwrap();
        assert_eq!(r.status(), 502, "{url}");
    }
    let mds_token = format!(
        "http://{}/computeMetadata/v1/instance/service-accounts/default/token",
        emu.metadata_host()
    );
    let mds = || client().get(&mds_token).header("Metadata-Flavor", "Google");
    assert_eq!(mds().send().await.unwrap().status(), 502);
    let stats = emu.fault_stats();
    for endpoint in FaultEndpoint::EACH {
        assert!(stats.endpoint(endpoint).faults["html"] >= 1, "{endpoint}");
    }
    assert_eq!(stats.endpoint(FaultEndpoint::GoogleTokeninfo).requests, 2);

    emu.clear_faults();
    for url in &gets {
        let r = client().get(url).send().await.unwrap();
        assert_ne!(r.status(), 502, "{url}");
        assert!(content_type(&r).starts_with("application/json"), "{url}");
    }
    assert_eq!(mds().send().await.unwrap().status(), 200);
    // Counters survive clearing.
    assert_eq!(
        emu.fault_stats()
            .endpoint(FaultEndpoint::GoogleTokeninfo)
            .requests,
        4
    );
    emu.shutdown().await;
}

#[test]
fn endpoint_and_fault_names_round_trip() {
    for endpoint in FaultEndpoint::EACH.into_iter().chain([FaultEndpoint::All]) {
        let name = endpoint.to_string();
        assert_eq!(name.parse::<FaultEndpoint>().unwrap(), endpoint);
    }
    assert_eq!(
        "google-token".parse::<FaultEndpoint>().unwrap(),
        FaultEndpoint::GoogleToken
    );
    assert_eq!(
        "databricks-jwks".parse::<FaultEndpoint>().unwrap(),
        FaultEndpoint::DatabricksJwks
    );
    for fault in Fault::catalogue() {
        assert_eq!(fault.to_string().parse::<Fault>().unwrap(), fault);
    }
    let err = "google-tokn".parse::<FaultEndpoint>().unwrap_err();
    assert!(
        err.contains("`google-tokn`") && err.contains("google-token"),
        "{err}"
    );
}

#[test]
fn fault_rule_parses_the_cli_syntax() {
    let rule: FaultRule = "google-token=0.3:server-error,too-many-requests=5,slow=250ms"
        .parse()
        .unwrap();
    assert_eq!(rule.endpoint, FaultEndpoint::GoogleToken);
    assert!((rule.plan.rate - 0.3).abs() < f64::EPSILON);
    assert_eq!(
        rule.plan.faults,
        vec![
            Fault::ServerError,
            Fault::TooManyRequests {
                retry_after_secs: 5
            },
            Fault::Slow {
                delay: std::time::Duration::from_millis(250)
            },
        ]
    );
    let rule: FaultRule = "all=1:slow=2s,too-many-requests".parse().unwrap();
    assert_eq!(rule.endpoint, FaultEndpoint::All);
    assert_eq!(
        rule.plan.faults[0],
        Fault::Slow {
            delay: std::time::Duration::from_secs(2)
        }
    );
    assert!(matches!(rule.plan.faults[1], Fault::TooManyRequests { .. }));

    let cases = [
        ("google-token", "google-token"),
        ("nowhere=0.5:reset", "`nowhere`"),
        ("google-token=0.5", "`0.5`"),
        ("google-token=1.5:reset", "`1.5`"),
        ("google-token=abc:reset", "`abc`"),
        ("google-token=0.5:reset,explode", "`explode`"),
        ("google-token=0.5:slow=soon", "`soon`"),
        ("google-token=0.5:too-many-requests=-1", "`-1`"),
        ("google-token=0.5:html=3", "`3`"),
    ];
    for (input, names) in cases {
        let err = input.parse::<FaultRule>().unwrap_err();
        assert!(err.contains(names), "{input}: {err}");
    }
}
