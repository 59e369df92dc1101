//! JWK Set fetch, cache (honouring `Cache-Control: max-age`) and signature
//! verification.

use crate::model::SignatureCheck;
use crate::net::{Http, check_url};
use jsonwebtoken::jwk::JwkSet;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long a key set is kept when the server sends no `max-age`.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// Key sets by URL, each until its `max-age` runs out.
#[derive(Debug, Default)]
pub struct JwksCache {
    entries: HashMap<String, (JwkSet, Instant)>,
}

impl JwksCache {
    /// The cached set for `url`, fetching when absent, stale, or when `force`.
    pub async fn get(&mut self, http: &Http, url: &str, force: bool) -> Result<JwkSet, String> {
        if !force
            && let Some((set, until)) = self.entries.get(url)
            && Instant::now() < *until
        {
            return Ok(set.clone());
        }
        let parsed = check_url(url).map_err(|e| e.to_string())?;
        let response = http
            .client()
            .get(parsed)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status();
        let max_age = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age)
            .unwrap_or(DEFAULT_MAX_AGE);
        let body = response.text().await.map_err(|e| format!("{url}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{url}: HTTP {}", status.as_u16()));
        }
        let set: JwkSet =
            serde_json::from_str(&body).map_err(|e| format!("{url}: not a JWK Set: {e}"))?;
        self.entries
            .insert(url.to_string(), (set.clone(), Instant::now() + max_age));
        Ok(set)
    }

    /// Verifies `token` against the keys at `url`, refetching once if its `kid`
    /// is unknown (keys rotate). Times are not judged here; the caller shows them.
    pub async fn verify(&mut self, http: &Http, url: &str, token: &str) -> SignatureCheck {
        let kid = match jsonwebtoken::decode_header(token) {
            Ok(header) => header.kid.unwrap_or_default(),
            Err(e) => {
                return SignatureCheck::Failed {
                    reason: format!("bad header: {e}"),
                };
            }
        };
        for force in [false, true] {
            let set = match self.get(http, url, force).await {
                Ok(set) => set,
                Err(reason) => return SignatureCheck::NotChecked { reason },
            };
            if set.find(&kid).is_some() {
                return verify_with(&set, token, &kid, url);
            }
        }
        SignatureCheck::Failed {
            reason: format!("no key `{kid}` in {url}"),
        }
    }
}

/// Checks the signature with the key `kid` of `set`.
pub fn verify_with(set: &JwkSet, token: &str, kid: &str, url: &str) -> SignatureCheck {
    let Some(jwk) = set.find(kid) else {
        return SignatureCheck::Failed {
            reason: format!("no key `{kid}` in {url}"),
        };
    };
    let result = jsonwebtoken::decode_header(token).and_then(|header| {
        let key = jsonwebtoken::DecodingKey::from_jwk(jwk)?;
        let mut validation = jsonwebtoken::Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
    });
    match result {
        Ok(_) => SignatureCheck::Verified {
            kid: kid.to_string(),
            jwks_url: url.to_string(),
        },
        Err(e) => SignatureCheck::Failed {
            reason: e.to_string(),
        },
    }
}

/// `max-age=N` from a Cache-Control value.
pub fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control
        .split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|n| n.trim().parse().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_max_age() {
        assert_eq!(
            max_age("public, max-age=24873, must-revalidate, no-transform"),
            Some(Duration::from_secs(24873))
        );
        assert_eq!(max_age("no-cache"), None);
    }
}
