//! STS downscoping with a Credential Access Boundary: the double-encoded
//! `options`, the rule limits with their exact texts, and the expiry rule.

use super::common;
use super::iam_common::*;

use common::*;
use serde_json::{Value, json};
use tokentop::emulator::{Emulator, EmulatorOptions, FederationOptions};

fn rule(permission: &str) -> Value {
    json!({
        "availableResource": "//storage.googleapis.com/projects/_/buckets/example-bucket",
        "availablePermissions": [permission],
        "availabilityCondition": {
            "expression": "resource.name.startsWith('projects/_/buckets/example-bucket/objects/customer-a')",
            "title": "customer-a-objects",
        },
    })
}

/// `options` as google-auth sends it: `quote(json.dumps(...))`, then form-encoded.
fn boundary(rules: &[Value]) -> String {
    let text = json!({ "accessBoundary": { "accessBoundaryRules": rules } }).to_string();
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// A fresh emulator and a token of its service account with `lifetime` s.
async fn with_source(lifetime: u64, scope: &str) -> (Emulator, String) {
    let emu = start().await;
    let sa = service_account(&emu, lifetime);
    let token = sa_token(&emu, &sa, scope).await;
    (emu, token)
}

async fn downscope(emu: &Emulator, token: &str, options: &str) -> (u16, Value) {
    sts_exchange(
        emu,
        &[
            ("grant_type", TOKEN_EXCHANGE),
            ("subject_token", token),
            ("subject_token_type", ACCESS_TOKEN_TYPE),
            ("requested_token_type", ACCESS_TOKEN_TYPE),
            ("options", options),
        ],
    )
    .await
}

#[tokio::test]
async fn downscoped_token_expires_no_later_than_its_source() {
    let (emu, source) = with_source(900, &format!("{CLOUD_PLATFORM} {USERINFO_EMAIL}")).await;
    let (_, source_info) = tokeninfo(&emu, &source).await;
    let (status, body) = downscope(
        &emu,
        &source,
        &boundary(&[rule("inRole:roles/storage.objectViewer")]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], ACCESS_TOKEN_TYPE);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().unwrap() <= 900);
    let token = body["access_token"].as_str().unwrap();
    assert_ne!(token, source);
    let (status, info) = tokeninfo(&emu, token).await;
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["email"], "svc@demo-project.iam.gserviceaccount.com");
    assert_eq!(info["scope"], source_info["scope"]);
    let exp = |i: &Value| i["exp"].as_str().unwrap().parse::<i64>().unwrap();
    assert!(exp(&info) <= exp(&source_info));
    // A singly-encoded (plain JSON) options value is accepted too.
    let plain = json!({ "accessBoundary": { "accessBoundaryRules": [rule("inRole:roles/storage.objectViewer")] } });
    assert_eq!(downscope(&emu, &source, &plain.to_string()).await.0, 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn rule_limits_and_bad_rules_have_exact_texts() {
    let (emu, source) = with_source(3600, CLOUD_PLATFORM).await;
    let ok = rule("inRole:roles/storage.objectViewer");
    assert_eq!(
        downscope(&emu, &source, &boundary(&vec![ok.clone(); 10]))
            .await
            .0,
        200
    );
    let cases = [
        (
            boundary(&vec![ok.clone(); 11]),
            "Credential access boundary rules can have a maximum of 10 rules.",
        ),
        (
            boundary(&[rule("roles/storage.objectViewer")]),
            "available_permissions must be prefixed with 'inRole:'.",
        ),
        (
            boundary(&[json!({ "availablePermissions": ["inRole:roles/x"] })]),
            "The provided available_resource is not a string.",
        ),
        (
            boundary(&[
                json!({ "availableResource": "//storage.googleapis.com/b", "availablePermissions": [] }),
            ]),
            "Provided available_permissions are not a list of strings.",
        ),
    ];
    for (options, text) in cases {
        let (status, body) = downscope(&emu, &source, &options).await;
        assert_eq!(status, 400, "{text}");
        assert_eq!(body["error"], "invalid_request");
        assert_eq!(body["error_description"], text);
    }
    let mut no_expression = ok;
    no_expression["availabilityCondition"] = json!({ "title": "t" });
    let (_, body) = downscope(&emu, &source, &boundary(&[no_expression])).await;
    assert_eq!(
        body["error_description"],
        "The provided expression is not a string."
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn expired_or_unknown_source_is_an_invalid_subject_token() {
    let (emu, source) = with_source(1, CLOUD_PLATFORM).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let options = boundary(&[rule("inRole:roles/storage.objectViewer")]);
    for token in [source.as_str(), "ya29.unknown"] {
        let (status, body) = downscope(&emu, token, &options).await;
        assert_eq!(status, 400);
        assert_eq!(body["error_description"], "Invalid subject token", "{body}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn expires_in_can_be_left_out() {
    let emu = Emulator::start(EmulatorOptions {
        federation: FederationOptions {
            downscoped_expires_in: false,
            ..FederationOptions::default()
        },
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let sa = service_account(&emu, 3600);
    let source = sa_token(&emu, &sa, CLOUD_PLATFORM).await;
    let (status, body) = downscope(
        &emu,
        &source,
        &boundary(&[rule("inRole:roles/storage.objectViewer")]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("expires_in").is_none(), "{body}");
    emu.shutdown().await;
}
