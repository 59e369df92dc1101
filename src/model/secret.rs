//! `Secret`: a token or key that never prints itself.

use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

/// Lower-case hex SHA-256 of `text`: how gcloud keys an account-less
/// refresh token, how Databricks names a PAT, how databricks-sdk names its
/// cache files.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A secret string (access/refresh/ID token, client secret, private key).
///
/// Its bytes are zeroed on drop. `Debug` and `Display` print a fingerprint
/// (`sha256:3f9a1c2b`), never the value; the raw value is reachable only
/// through [`Secret::expose`], which callers use at the wire and on reveal.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value read from a file, an environment variable or the wire.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The raw value. Only for the wire, a verified reveal, or an OSC 52 copy.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, stable, non-reversible label: `sha256:` and the first 8 hex digits.
    pub fn fingerprint(&self) -> String {
        format!("sha256:{}", &sha256_hex(&self.0)[..8])
    }

    /// True when the value is empty (a missing field read as "").
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.fingerprint())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("ya29.super-secret-value");
        assert!(!format!("{s:?}").contains("super-secret"));
        assert!(!format!("{s}").contains("super-secret"));
        assert!(format!("{s}").starts_with("sha256:"));
        assert_eq!(s.fingerprint().len(), "sha256:".len() + 8);
    }

    #[test]
    fn fingerprint_is_stable_and_distinguishes_values() {
        assert_eq!(
            Secret::new("a").fingerprint(),
            Secret::new("a").fingerprint()
        );
        assert_ne!(
            Secret::new("a").fingerprint(),
            Secret::new("b").fingerprint()
        );
        // sha256("abc") begins ba7816bf.
        assert_eq!(Secret::new("abc").fingerprint(), "sha256:ba7816bf");
    }

    #[test]
    fn expose_gives_the_value_back() {
        assert_eq!(Secret::new("x.y.z").expose(), "x.y.z");
    }
}
