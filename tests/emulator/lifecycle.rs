//! Emulator lifecycle: ports, samples, shutdown, thread-safety.

use super::common;

use common::*;
use serde_json::Value;
use tokentop::emulator::{Emulator, EmulatorOptions};

#[test]
fn emulator_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Emulator>();
}

#[tokio::test]
async fn urls_and_fixed_ports() {
    let emu = start().await;
    let g = emu.google_url();
    let d = emu.databricks_url();
    let m = emu.metadata_host();
    assert!(g.starts_with("http://127.0.0.1:") && !g.ends_with('/'));
    assert!(d.starts_with("http://127.0.0.1:") && !d.ends_with('/'));
    assert!(
        m.starts_with("127.0.0.1:") && m[10..].parse::<u16>().is_ok(),
        "{m}"
    );
    assert_ne!(g, d);
    assert!(!g.ends_with(&m[9..]) && !d.ends_with(&m[9..]), "{m}");
    emu.shutdown().await;

    // Explicit ports: reuse three ports known to be free a moment ago.
    let probe = |_| std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (a, b, c) = (probe(0), probe(1), probe(2));
    let port = |l: &std::net::TcpListener| l.local_addr().unwrap().port();
    let (pa, pb, pc) = (port(&a), port(&b), port(&c));
    drop((a, b, c));
    let emu = Emulator::start(EmulatorOptions {
        google_port: pa,
        databricks_port: pb,
        metadata_port: pc,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    assert_eq!(emu.google_url(), format!("http://127.0.0.1:{pa}"));
    assert_eq!(emu.databricks_url(), format!("http://127.0.0.1:{pb}"));
    assert_eq!(emu.metadata_host(), format!("127.0.0.1:{pc}"));
    emu.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_every_listener() {
    let emu = start().await;
    let g = format!("{}/oauth2/v3/certs", emu.google_url());
    let d = format!("{}/.well-known/databricks-config", emu.databricks_url());
    let m = format!("http://{}/", emu.metadata_host());
    assert_eq!(get_json(&g).await.0, 200);
    assert_eq!(get_json(&d).await.0, 200);
    let ping = || client().get(&m).header("Metadata-Flavor", "Google").send();
    assert_eq!(ping().await.unwrap().status(), 200);
    emu.shutdown().await;
    assert!(client().get(&g).send().await.is_err());
    assert!(client().get(&d).send().await.is_err());
    assert!(ping().await.is_err());
}

#[tokio::test]
async fn write_samples_produces_usable_credentials() {
    let emu = start().await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/creds");
    emu.write_samples(&out).unwrap();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();

    let urls: Value = serde_json::from_str(&read("urls.json")).unwrap();
    assert_eq!(urls["google"], emu.google_url());
    assert_eq!(urls["databricks"], emu.databricks_url());

    let u: Value = serde_json::from_str(&read("google_user.json")).unwrap();
    let (status, body) = refresh(&emu, &u).await;
    assert_eq!(status, 200);
    assert!(body["id_token"].is_string());

    let sa: Value = serde_json::from_str(&read("google_sa.json")).unwrap();
    let (status, _) = post_form(
        &format!("{}/token", emu.google_url()),
        &[
            ("grant_type", JWT_BEARER),
            (
                "assertion",
                &assertion(&sa, &scoped_claims(&sa, CLOUD_PLATFORM)),
            ),
        ],
    )
    .await;
    assert_eq!(status, 200);

    let ini = ini::Ini::load_from_str(&read("databrickscfg")).unwrap();
    let section = ini.section(Some("m2m")).unwrap();
    assert_eq!(section.get("host"), Some(emu.databricks_url().as_str()));
    let r = client()
        .post(format!("{}/oidc/v1/token", emu.databricks_url()))
        .basic_auth(
            section.get("client_id").unwrap(),
            section.get("client_secret"),
        )
        .form(&[("grant_type", "client_credentials"), ("scope", "all-apis")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    emu.shutdown().await;
}
