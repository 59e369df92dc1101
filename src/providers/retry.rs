//! When and how long to wait before asking a server again: only answers
//! that say "not now" (429, 502, 503, 504) and connections that never
//! opened are retried, at most twice, after `Retry-After` when the server
//! gives one, else after an exponential backoff with full jitter.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// Tries per request, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// The longest `Retry-After` tokentop waits out inside one operation; a
/// longer one is reported instead.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// No new try starts once a request has taken this long (or its timeout,
/// if shorter), waits included, so one operation stays within its job's
/// deadline.
pub const RETRY_BUDGET: Duration = Duration::from_secs(10);
/// The first backoff's upper bound; it doubles each time.
pub const BASE_BACKOFF: Duration = Duration::from_millis(400);

/// True for the statuses that mean "try again later".
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// `Retry-After` as a wait from `now`: delta-seconds or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// The wait before try number `attempt + 1` (after `attempt` failed), or
/// `None` when there is no try left or the server asks for longer than
/// [`MAX_WAIT`].
pub fn wait_before_next(attempt: u32, asked: Option<Duration>) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    match asked {
        Some(wait) if wait > MAX_WAIT => None,
        Some(wait) => Some(wait),
        None => {
            let cap = BASE_BACKOFF.saturating_mul(1 << (attempt - 1).min(8));
            Some(cap.mul_f64(jitter()))
        }
    }
}

/// A random fraction in [0, 1) (full jitter), from the standard library's
/// randomly keyed hasher.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_retry_after_in_both_forms() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after("Mon, 30 Nov 2026 10:00:07 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(
            wait_before_next(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(wait_before_next(1, Some(Duration::from_secs(120))), None);
    }

    #[test]
    fn backs_off_exponentially_with_jitter_and_stops() {
        let waits: Vec<Duration> = (0..200).filter_map(|_| wait_before_next(2, None)).collect();
        assert_eq!(waits.len(), 200);
        assert!(waits.iter().all(|w| *w < BASE_BACKOFF * 2));
        let distinct: std::collections::BTreeSet<_> = waits.iter().collect();
        assert!(distinct.len() > 100, "jittered: {}", distinct.len());
        assert_eq!(wait_before_next(MAX_ATTEMPTS, None), None);
        assert!([429, 502, 503, 504].into_iter().all(retryable_status));
        assert!(![400, 401, 403, 500].into_iter().any(retryable_status));
    }
}
