//! RSA signing keys, JWK rendering, PEM export and random identifiers.
//!
//! Every key the emulator uses is an RSA-2048 key generated with aws-lc-rs at
//! run time; nothing is read from disk.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::KeyPair as _;
use std::fmt::Write as _;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde_json::{Value, json};

/// An RSA-2048 key pair usable for RS256 signing and verification.
pub struct RsaKey {
    /// Key id (`kid` header and JWK member).
    pub kid: String,
    /// PKCS#8 private key, PEM-encoded (`-----BEGIN PRIVATE KEY-----`).
    pub pkcs8_pem: String,
    /// Signing key for jsonwebtoken.
    encoding: EncodingKey,
    /// Verification key for jsonwebtoken.
    decoding: DecodingKey,
    /// Base64url (unpadded) public modulus.
    n: String,
    /// Base64url (unpadded) public exponent.
    e: String,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl RsaKey {
    /// Generates a fresh RSA-2048 key with the given key id.
    pub fn generate(kid: String) -> Result<Self, String> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|e| format!("RSA key generation failed: {e}"))?;
        let der = pair
            .as_der()
            .map_err(|e| format!("PKCS#8 export failed: {e}"))?;
        let pkcs8_pem = pem_encode("PRIVATE KEY", der.as_ref());
        let encoding = EncodingKey::from_rsa_pem(pkcs8_pem.as_bytes())
            .map_err(|e| format!("PKCS#8 key not accepted by jsonwebtoken: {e}"))?;
        let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let decoding = DecodingKey::from_rsa_raw_components(&components.n, &components.e);
        Ok(Self {
            kid,
            pkcs8_pem,
            encoding,
            decoding,
            n: URL_SAFE_NO_PAD.encode(&components.n),
            e: URL_SAFE_NO_PAD.encode(&components.e),
        })
    }

    /// The public key as a JWK (`kty`, `alg`, `use`, `kid`, `n`, `e`).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid` and the given `typ`.
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some(typ.to_string());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| format!("JWT signing failed: {e}"))
    }

    /// Verifies an RS256 signature and returns the header and the claims.
    ///
    /// Only the signature and the algorithm are checked; time and audience
    /// rules are left to the caller, which knows the endpoint's wording.
    pub fn verify(&self, token: &str) -> Result<(Header, Value), String> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        validation.leeway = 0;
        jsonwebtoken::decode::<Value>(token, &self.decoding, &validation)
            .map(|data| (data.header, data.claims))
            .map_err(|e| e.to_string())
    }
}

/// The signing keys one issuer publishes: the current one and, after a
/// rotation that kept them, the retired ones.
#[derive(Debug)]
pub struct KeyRing {
    /// Current key first, then retired keys still published.
    keys: RwLock<Vec<Arc<RsaKey>>>,
}

impl KeyRing {
    /// A ring holding only `key`.
    pub fn new(key: RsaKey) -> Self {
        Self {
            keys: RwLock::new(vec![Arc::new(key)]),
        }
    }

    /// Reads the key list; a poisoned lock is recovered.
    fn read(&self) -> RwLockReadGuard<'_, Vec<Arc<RsaKey>>> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key new tokens are signed with.
    pub fn current(&self) -> Option<Arc<RsaKey>> {
        self.read().first().cloned()
    }

    /// Every published key as a JWK, current first.
    pub fn jwks(&self) -> Vec<Value> {
        self.read().iter().map(|k| k.jwk()).collect()
    }

    /// Signs with the current key.
    pub fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> Result<String, String> {
        self.current()
            .ok_or_else(|| "no signing key".to_string())?
            .sign(typ, claims)
    }

    /// Verifies with the published key named by the token's `kid` (the
    /// current key when the token names none).
    pub fn verify(&self, token: &str) -> Result<(Header, Value), String> {
        let kid = jsonwebtoken::decode_header(token)
            .map_err(|e| e.to_string())?
            .kid;
        let key = {
            let keys = self.read();
            match kid {
                Some(kid) => keys.iter().find(|k| k.kid == kid).cloned(),
                None => keys.first().cloned(),
            }
        };
        key.ok_or_else(|| "unknown kid".to_string())?.verify(token)
    }

    /// Makes `key` current; the previous keys stay published only if `keep_old`.
    pub fn rotate(&self, key: RsaKey, keep_old: bool) {
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        if !keep_old {
            keys.clear();
        }
        keys.insert(0, Arc::new(key));
    }
}

/// Renders DER bytes as PEM with 64-character lines and a trailing newline.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}

/// Fills a buffer of `len` bytes from the system CSPRNG.
///
/// Falls back to a time-and-counter-derived SHA-256 stream only if the
/// CSPRNG reports failure (never observed; keeps the API infallible).
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    if aws_lc_rs::rand::fill(&mut buf).is_err() {
        use sha2::{Digest, Sha256};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        for (i, chunk) in buf.chunks_mut(32).enumerate() {
            let mut h = Sha256::new();
            h.update(nanos.to_le_bytes());
            h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
            h.update(i.to_le_bytes());
            let digest = h.finalize();
            chunk.copy_from_slice(&digest[..chunk.len()]);
        }
    }
    buf
}

/// A random URL-safe string (base64url of `bytes` random bytes, unpadded).
pub fn random_urlsafe(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// `len` random lowercase hexadecimal characters.
pub fn random_hex(len: usize) -> String {
    let mut out = String::with_capacity(len);
    for b in random_bytes(len.div_ceil(2)) {
        let _ = write!(out, "{b:02x}");
    }
    out.truncate(len);
    out
}

/// `len` random characters from `[a-z0-9]`.
pub fn random_alnum_lower(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    random_bytes(len)
        .into_iter()
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

/// `len` random decimal digits; the first one is never `0`.
pub fn random_digits(len: usize) -> String {
    random_bytes(len)
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let d = if i == 0 { 1 + b % 9 } else { b % 10 };
            char::from(b'0' + d)
        })
        .collect()
}

/// A random RFC 4122 version-4 UUID in its 8-4-4-4-12 text form.
pub fn random_uuid() -> String {
    let mut b = random_bytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = b.iter().fold(String::with_capacity(32), |mut acc, x| {
        let _ = write!(acc, "{x:02x}");
        acc
    });
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_roundtrip() {
        let key = RsaKey::generate("k1".into()).unwrap();
        let token = key.sign("JWT", &json!({"sub": "x"})).unwrap();
        let (header, claims) = key.verify(&token).unwrap();
        assert_eq!(header.kid.as_deref(), Some("k1"));
        assert_eq!(claims["sub"], "x");
        let other = RsaKey::generate("k2".into()).unwrap();
        assert!(other.verify(&token).is_err());
        assert!(key.pkcs8_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(key.jwk()["e"], "AQAB");
    }

    #[test]
    fn ring_rotation_keeps_or_drops_old_keys() {
        let ring = KeyRing::new(RsaKey::generate("k1".into()).unwrap());
        let old = ring.sign("JWT", &json!({"sub": "x"})).unwrap();
        ring.rotate(RsaKey::generate("k2".into()).unwrap(), true);
        assert!(ring.verify(&old).is_ok());
        let new = ring.sign("JWT", &json!({"sub": "y"})).unwrap();
        assert_eq!(
            jsonwebtoken::decode_header(&new).unwrap().kid.as_deref(),
            Some("k2")
        );
        assert_eq!(ring.jwks().len(), 2);
        ring.rotate(RsaKey::generate("k3".into()).unwrap(), false);
        assert!(ring.verify(&old).is_err());
        assert!(ring.verify(&new).is_err());
        assert_eq!(ring.jwks().len(), 1);
        assert_eq!(ring.jwks()[0]["kid"], "k3");
    }

    #[test]
    fn random_shapes() {
        let u = random_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(random_hex(40).len(), 40);
        let d = random_digits(21);
        assert_eq!(d.len(), 21);
        assert!(!d.starts_with('0'));
        assert_eq!(random_alnum_lower(32).len(), 32);
    }
}
