//! Faults that replace the answer: what a client sees on the wire.

use super::common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use tokentop::emulator::{Fault, FaultEndpoint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn server_error_is_500_502_or_503() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::ServerError));
    let mut seen = BTreeSet::new();
    for _ in 0..30 {
        let (status, body) = refresh(&emu, &u).await;
        assert!([500, 502, 503].contains(&status), "status {status}");
        assert!(body.get("access_token").is_none());
        seen.insert(status);
    }
    assert!(seen.len() >= 2, "always the same status: {seen:?}");
    let stats = emu.fault_stats().endpoint(FaultEndpoint::GoogleToken);
    assert_eq!(stats.requests, 30);
    assert_eq!(stats.faults.get("server-error"), Some(&30));
    emu.shutdown().await;
}

#[tokio::test]
async fn too_many_requests_carries_retry_after() {
    let emu = start().await;
    let sp = databricks_sp(&emu);
    emu.set_faults(
        FaultEndpoint::DatabricksToken,
        always(Fault::TooManyRequests {
            retry_after_secs: 7,
        }),
    );
    let r = m2m_raw(&emu, &sp).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let body: Value = r.json().await.unwrap();
    assert!(body.get("access_token").is_none());
    assert_eq!(body["error"], "rate_limit_exceeded");
    emu.shutdown().await;
}

#[tokio::test]
async fn slow_waits_then_answers_normally() {
    let emu = start().await;
    let url = format!("{}/.well-known/openid-configuration", emu.google_url());
    let delay = Duration::from_millis(400);
    emu.set_faults(
        FaultEndpoint::GoogleDiscovery,
        always(Fault::Slow { delay }),
    );
    let started = Instant::now();
    let (status, doc) = get_json(&url).await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], emu.google_url());
    emu.shutdown().await;
}

#[tokio::test]
async fn endless_body_never_ends() {
    let emu = start().await;
    let url = format!("{}/oidc/v1/keys", emu.databricks_url());
    emu.set_faults(FaultEndpoint::DatabricksJwks, always(Fault::EndlessBody));
    let mut r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("application/json"));
    assert!(r.content_length().is_none());
    const WANT: usize = 1024 * 1024;
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut got = Vec::new();
        while got.len() < WANT {
            match r.chunk().await.unwrap() {
                Some(chunk) => got.extend_from_slice(&chunk),
                None => return Err(got.len()),
            }
        }
        Ok(got)
    })
    .await
    .expect("1 MiB within 20 s");
    let got = read.unwrap_or_else(|n| panic!("body ended after {n} bytes"));
    assert!(got.iter().all(|b| *b == b'['));
    // Still more to come.
    let more = tokio::time::timeout(Duration::from_secs(5), r.chunk()).await;
    assert!(matches!(more, Ok(Ok(Some(_)))), "{more:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn reset_drops_the_connection_without_an_answer() {
    let emu = start().await;
    let url = format!("{}/oauth2/v3/certs", emu.google_url());
    emu.set_faults(FaultEndpoint::GoogleCerts, always(Fault::Reset));
    let err = client().get(&url).send().await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");

    // Raw socket: not a single byte of HTTP comes back, only a TCP reset.
    let addr = emu.google_url().trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /oauth2/v3/certs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf))
        .await
        .expect("closed within 5 s");
    match read {
        Ok(n) => panic!(
            "closed, not reset; got {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
    }
    let stats = emu.fault_stats().endpoint(FaultEndpoint::GoogleCerts);
    assert_eq!(stats.faults.get("reset"), Some(&2));
    emu.shutdown().await;
}

#[tokio::test]
async fn truncated_json_is_the_first_half_of_the_real_answer() {
    let emu = start().await;
    let url = format!(
        "{}/oidc/.well-known/oauth-authorization-server",
        emu.databricks_url()
    );
    let whole = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&whole).is_ok());
    emu.set_faults(
        FaultEndpoint::DatabricksDiscovery,
        always(Fault::TruncatedJson),
    );
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("application/json"));
    let half = r.bytes().await.unwrap();
    assert_eq!(&half[..], &whole[..whole.len() / 2]);
    assert!(serde_json::from_slice::<Value>(&half).is_err());
    emu.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_200_garbage() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM]);
    emu.set_faults(FaultEndpoint::GoogleToken, always(Fault::MalformedJson));
    let r = client()
        .post(format!("{}/token", emu.google_url()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", u["client_id"].as_str().unwrap()),
            ("client_secret", u["client_secret"].as_str().unwrap()),
            ("refresh_token", u["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(content_type(&r).starts_with("application/json"));
    let text = r.text().await.unwrap();
    assert_eq!(text, r#"{"access_token": 12,,}"#);
    assert!(serde_json::from_str::<Value>(&text).is_err());
    emu.shutdown().await;
}

#[tokio::test]
async fn html_is_a_502_error_page() {
    let emu = start().await;
    let url = format!("{}/.well-known/databricks-config", emu.databricks_url());
    emu.set_faults(FaultEndpoint::DatabricksHostMetadata, always(Fault::Html));
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(content_type(&r).starts_with("text/html"));
    let text = r.text().await.unwrap();
    assert!(text.starts_with("<!DOCTYPE html>") && text.contains("Bad Gateway"));
    emu.shutdown().await;
}

#[tokio::test]
async fn empty_body_is_200_with_nothing() {
    let emu = start().await;
    let url = format!("{}/oauth2/v3/certs", emu.google_url());
    emu.set_faults(FaultEndpoint::GoogleCerts, always(Fault::EmptyBody));
    let r = client().get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn foreign_keys_publish_a_stranger_kid() {
    let emu = start().await;
    let u = user(&emu, 3600, &[CLOUD_PLATFORM, "openid"]);
    let (_, body) = refresh(&emu, &u).await;
    let id_token = body["id_token"].as_str().unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.unwrap();
    let url = format!("{}/oauth2/v3/certs", emu.google_url());
    emu.set_faults(FaultEndpoint::GoogleCerts, always(Fault::ForeignKeys));
    let (status, jwks) = get_json(&url).await;
    assert_eq!(status, 200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_ne!(keys[0]["kid"], kid.as_str());
    emu.clear_faults();
    let (_, jwks) = get_json(&url).await;
    assert_eq!(jwks["keys"][0]["kid"], kid.as_str());
    emu.shutdown().await;
}
