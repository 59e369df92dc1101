//! JWK Set fetch, cache (honouring `Cache-Control: max-age`) and signature
//! verification.

use crate::model::SignatureCheck;
use crate::net::{Http, check_url};
use jsonwebtoken::jwk::JwkSet;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The longest a key set is trusted, whatever `max-age` says.
pub const MAX_AGE_CAP: Duration = Duration::from_secs(24 * 3600);

/// How long a key set is kept when the server sends no `max-age`.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

/// Key sets by URL, each until its `max-age` runs out. Shared by every
/// decode job; the lock is never held across a fetch, so one slow issuer
/// does not hold up decodes of tokens from others.
#[derive(Debug, Default)]
pub struct JwksCache {
    entries: Mutex<HashMap<String, (JwkSet, Instant)>>,
}

impl JwksCache {
    /// The cached set for `url`, fetching when absent, stale, or when `force`.
    pub async fn get(&self, http: &Http, url: &str, force: bool) -> Result<JwkSet, String> {
        if !force && let Some(set) = self.cached(url) {
            return Ok(set);
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
            .unwrap_or(DEFAULT_MAX_AGE)
            .min(MAX_AGE_CAP);
        let body = http
            .read_text(response)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if !status.is_success() {
            return Err(format!("{url}: HTTP {}", status.as_u16()));
        }
        let set: JwkSet =
            serde_json::from_str(&body).map_err(|e| format!("{url}: not a JWK Set: {e}"))?;
        self.lock()
            .insert(url.to_string(), (set.clone(), Instant::now() + max_age));
        Ok(set)
    }

    fn cached(&self, url: &str) -> Option<JwkSet> {
        let entries = self.lock();
        let (set, until) = entries.get(url)?;
        (Instant::now() < *until).then(|| set.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (JwkSet, Instant)>> {
        // A poisoned cache is still a valid cache: every write is one insert.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Verifies `token` against the keys at `url`, refetching once if its `kid`
    /// is unknown (keys rotate). Times are not judged here; the caller shows them.
    pub async fn verify(&self, http: &Http, url: &str, token: &str) -> SignatureCheck {
        self.verify_from(http, url, token, false).await
    }

    /// [`JwksCache::verify`] against the key set as the issuer publishes it
    /// now (fetched again, whatever the cache holds): what a verifier that
    /// just refused the token sees.
    pub async fn verify_fresh(&self, http: &Http, url: &str, token: &str) -> SignatureCheck {
        self.verify_from(http, url, token, true).await
    }

    async fn verify_from(
        &self,
        http: &Http,
        url: &str,
        token: &str,
        fresh: bool,
    ) -> SignatureCheck {
        let kid = match jsonwebtoken::decode_header(token) {
            Ok(header) => header.kid.unwrap_or_default(),
            Err(e) => {
                return SignatureCheck::Failed {
                    reason: format!("bad header: {e}"),
                };
            }
        };
        let forces: &[bool] = if fresh { &[true] } else { &[false, true] };
        for &force in forces {
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
    let header = match jsonwebtoken::decode_header(token) {
        Ok(header) => header,
        Err(e) => {
            return SignatureCheck::Failed {
                reason: format!("bad header: {e}"),
            };
        }
    };
    // The key decides the algorithm, not the token: a key that names its
    // `alg` accepts only that one.
    if let Some(pinned) = jwk.common.key_algorithm
        && format!("{pinned:?}") != format!("{:?}", header.alg)
    {
        return SignatureCheck::Failed {
            reason: format!(
                "token says alg {:?}, key `{kid}` is for {pinned:?}",
                header.alg
            ),
        };
    }
    let result = jsonwebtoken::DecodingKey::from_jwk(jwk).and_then(|key| {
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
