//! JWT decoding without trust: split, base64url-decode, parse. Verification is
//! in [`super::jwks`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Why a string could not be decoded as a JWT. Never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("not a JWT: expected 3 dot-separated parts, found {0}")]
    Shape(usize),
    /// A part is not base64url.
    #[error("not a JWT: the {0} is not base64url")]
    Base64(&'static str),
    /// A part is not a JSON object.
    #[error("not a JWT: the {0} is not a JSON object")]
    Json(&'static str),
}

/// A JSON object: a JWT header or claim set.
pub type Claims = Map<String, Value>;

/// Decodes header and claims, trusting nothing.
pub fn decode(token: &str) -> Result<(Claims, Claims), JwtError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Shape(parts.len()));
    }
    Ok((part(parts[0], "header")?, part(parts[1], "payload")?))
}

/// The claims only.
pub fn peek_claims(token: &str) -> Result<Claims, JwtError> {
    decode(token).map(|(_, claims)| claims)
}

fn part(segment: &str, name: &'static str) -> Result<Claims, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| JwtError::Base64(name))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Json(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(v: &str) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn decodes_header_and_claims() {
        let token = format!(
            "{}.{}.sig",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64(r#"{"sub":"a","exp":1800000000}"#)
        );
        let (header, claims) = decode(&token).expect("decodes");
        assert_eq!(header["kid"], "k1");
        assert_eq!(claims["exp"], 1_800_000_000);
    }

    #[test]
    fn opaque_google_tokens_are_not_jwts() {
        assert_eq!(decode("ya29.a0AfB_byC"), Err(JwtError::Shape(2)));
        assert_eq!(decode("a.b.c"), Err(JwtError::Base64("header")));
        let not_object = format!("{}.{}.s", b64("[]"), b64("{}"));
        assert_eq!(decode(&not_object), Err(JwtError::Json("header")));
    }
}
