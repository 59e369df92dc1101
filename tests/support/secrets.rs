//! The secrets in the demo's credential files, and a check that none of
//! them (nor any 12-character piece of one) was printed, logged or journalled.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;

/// Every secret in the demo's credential files (refresh tokens, client
/// secrets, private keys), read back from the files.
pub fn demo_secrets(dir: &Path) -> Vec<String> {
    let mut secrets = Vec::new();
    for file in [
        "oncall-adc.json",
        "dataproc-etl.json",
        "orders-invoker.json",
    ] {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).expect("read"))
                .expect("json");
        for field in ["refresh_token", "client_secret", "private_key"] {
            if let Some(value) = json[field].as_str() {
                secrets.push(value.to_string());
            }
        }
    }
    let cfg = std::fs::read_to_string(dir.join("databrickscfg")).expect("read");
    secrets.extend(
        cfg.lines()
            .filter_map(|l| l.strip_prefix("client_secret = "))
            .map(str::to_string),
    );
    assert!(secrets.len() >= 6, "{secrets:?}");
    secrets
}

/// No secret, nor any 12-character piece of one, appears in `text`.
pub fn assert_no_secrets(text: &str, secrets: &[String]) {
    // Every 12-byte window of the text, once: each piece of a secret is then
    // one lookup, however long the text.
    let seen: std::collections::HashSet<&[u8]> = text.as_bytes().windows(12).collect();
    for secret in secrets {
        let pieces = secret
            .as_bytes()
            .windows(12)
            .filter(|w| !w.iter().all(|b| b.is_ascii_whitespace() || *b == b'-'));
        for piece in pieces {
            assert!(
                !seen.contains(piece),
                "a piece of a secret ({}) was printed:\n{text}",
                String::from_utf8_lossy(piece)
            );
        }
    }
}
