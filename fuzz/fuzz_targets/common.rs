//! Checks shared by the fuzz targets.

#![allow(dead_code)]

use tokentop::model::{Material, Secret};
use tokentop::sources::SourceError;

/// Asserts that every error names the file it was given, in its field and
/// first in its message.
pub fn assert_names_path(err: &SourceError, path: &str) {
    assert_eq!(err.source_path, path, "{err:?}");
    let message = err.to_string();
    assert!(message.starts_with(&format!("{path}: ")), "{message}");
    assert!(!err.message.is_empty(), "{err:?}");
}

/// `material` with every secret replaced by a fixed marker value, and the
/// fingerprints before and after.
pub fn swap_secrets(material: &Material) -> (Material, Vec<String>, Vec<String>) {
    let old: Vec<&Secret> = material.secrets();
    for secret in &old {
        assert_eq!(secret.to_string(), secret.fingerprint());
    }
    let mut new = Vec::new();
    let swapped = material.map_secrets(&mut |_| {
        let marker = Secret::new(format!("tokentop-fuzz-marker-{}", new.len()));
        new.push(marker.fingerprint());
        marker
    });
    assert_eq!(new.len(), old.len(), "every secret swapped");
    (swapped, old.iter().map(|s| s.fingerprint()).collect(), new)
}

/// Asserts that `original` and `swapped` (the same value with other secrets)
/// print the same once fingerprints are blanked: `Debug` shows a secret only
/// as its fingerprint, never its value or any part of it.
pub fn assert_same_but_fingerprints(original: &str, old: &[String], swapped: &str, new: &[String]) {
    // Only a secret's own Debug (`Secret(sha256:…)`) is blanked: a plain
    // field that happens to contain a fingerprint's text must still match.
    let blank = |text: &str, fingerprints: &[String]| {
        fingerprints.iter().fold(text.to_string(), |t, fp| {
            t.replace(&format!("Secret({fp})"), "Secret(sha256:########)")
        })
    };
    let (a, b) = (blank(original, old), blank(swapped, new));
    assert_eq!(a, b, "Debug output depends on a secret's value");
    assert!(!a.contains("tokentop-fuzz-marker"), "{a}");
}
