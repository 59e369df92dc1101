//! Live tokens and their time-dependent state.

use super::secret::Secret;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// What a token is for. A credential holds several: the table shows the
/// access token, the others are reachable from the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenRole {
    /// An OAuth access token.
    Access,
    /// An OIDC ID token.
    Id,
    /// A refresh token, held as a secret (never shown, never sent but to refresh).
    Refresh,
    /// An access token narrowed from another (Credential Access Boundary).
    Downscoped,
    /// A token obtained by exchanging another (STS), that the shown token
    /// was then made from.
    Exchanged,
    /// The source credential's own access token, that an impersonated
    /// token was made from.
    Source,
    /// A Databricks personal access token: long-lived, made by a user.
    Pat,
}

impl TokenRole {
    /// The word shown for it.
    pub fn label(self) -> &'static str {
        match self {
            TokenRole::Access => "access",
            TokenRole::Id => "id",
            TokenRole::Refresh => "refresh",
            TokenRole::Downscoped => "downscoped",
            TokenRole::Exchanged => "exchanged",
            TokenRole::Source => "source",
            TokenRole::Pat => "pat",
        }
    }

    /// Whether a token of this role is what its credential calls APIs
    /// with, and so what a narrower token is made from.
    pub fn is_bearer(self) -> bool {
        matches!(self, TokenRole::Access | TokenRole::Pat)
    }
}

/// A token a credential holds, and what the issuer said about it.
#[derive(Debug, Clone)]
pub struct Token {
    /// What it is for.
    pub role: TokenRole,
    /// The token itself.
    pub value: Secret,
    /// When it was obtained (our clock); unknown for a token found in a cache.
    pub issued_at: Option<DateTime<Utc>>,
    /// When it stops working, if known.
    pub expires_at: Option<DateTime<Utc>>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Audience, where the token says.
    pub audience: Option<String>,
    /// Fingerprint of the token this one was made from, if any.
    pub parent: Option<String>,
    /// The cache it was found in, when another tool obtained it (gcloud).
    pub found_in: Option<String>,
    /// Whom the issuer says it belongs to (tokeninfo's `email`), when asked.
    pub principal: Option<String>,
    /// What its maker wrote about it (a personal access token's comment).
    pub note: Option<String>,
}

impl Token {
    /// A token of `role` just obtained at `now`, with nothing else known yet.
    pub fn obtained(role: TokenRole, value: Secret, now: DateTime<Utc>) -> Self {
        Self {
            role,
            value,
            issued_at: Some(now),
            expires_at: None,
            scopes: Vec::new(),
            audience: None,
            parent: None,
            found_in: None,
            principal: None,
            note: None,
        }
    }
}

/// The longest token tokentop holds. Google and Databricks tokens are 0.2
/// to 2 KiB; an Entra ID token full of group claims stays under 10 KiB.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Checks a token a server sent before it is held: not empty, at most
/// [`MAX_TOKEN_BYTES`], and visible ASCII only (RFC 6750's `b64token`, and
/// the dots of a JWT), since it goes into `Authorization` headers.
pub fn check_token_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".into());
    }
    if value.len() > MAX_TOKEN_BYTES {
        return Err(format!(
            "is {} bytes long; tokens are at most {MAX_TOKEN_BYTES}",
            value.len()
        ));
    }
    if let Some(bad) = value.bytes().find(|b| !(0x21..=0x7e).contains(b)) {
        return Err(format!(
            "contains the byte 0x{bad:02x}; a token is visible ASCII"
        ));
    }
    Ok(())
}

/// How a token stands, as the table shows it. Colour is never the only signal:
/// each class has a word and a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TtlClass {
    /// More than ten minutes left.
    Fresh,
    /// Less than ten minutes left.
    Expiring,
    /// Inside the owning client's rejection/refresh window.
    Critical,
    /// Past `exp`.
    Expired,
    /// No expiry known (no token yet, or none reported).
    Unknown,
    /// The token never expires (a PAT made without a lifetime): a risk.
    Never,
    /// Revoked at the issuer: its expiry no longer matters.
    Revoked,
}

/// Where "expiring" starts.
pub const EXPIRING_WITHIN: Duration = Duration::minutes(10);

impl TtlClass {
    /// Classifies the time left against a platform's rejection window.
    pub fn of(remaining: Option<Duration>, rejection_window: Duration) -> Self {
        match remaining {
            None => TtlClass::Unknown,
            Some(left) if left <= Duration::zero() => TtlClass::Expired,
            Some(left) if left <= rejection_window => TtlClass::Critical,
            Some(left) if left <= EXPIRING_WITHIN => TtlClass::Expiring,
            Some(_) => TtlClass::Fresh,
        }
    }

    /// The word shown beside the countdown.
    pub fn word(self) -> &'static str {
        match self {
            TtlClass::Fresh => "fresh",
            TtlClass::Expiring => "expiring",
            TtlClass::Critical => "stale",
            TtlClass::Expired => "EXPIRED",
            TtlClass::Unknown => "unknown",
            TtlClass::Never => "never",
            TtlClass::Revoked => "revoked",
        }
    }
}

/// Google scopes without their common prefix; others unchanged.
pub fn abbreviate_scope(scope: &str) -> &str {
    scope
        .strip_prefix("https://www.googleapis.com/auth/")
        .unwrap_or(scope)
}

/// Scopes, abbreviated and comma-joined.
pub fn abbreviate_scopes(scopes: &[String]) -> String {
    scopes
        .iter()
        .map(|s| abbreviate_scope(s))
        .collect::<Vec<_>>()
        .join(",")
}

/// `now + seconds`, or `None` when a server's `expires_in` is absurd
/// (negative or beyond chrono's range) instead of overflowing.
pub fn expiry_after(now: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
    if seconds < 0 {
        return None;
    }
    Duration::try_seconds(seconds).and_then(|d| now.checked_add_signed(d))
}

/// Formats a duration as a compact countdown: `59m59s`, `1h05m`, `45s`, `-3m10s`.
pub fn format_ttl(remaining: Duration) -> String {
    let negative = remaining < Duration::zero();
    let secs = remaining.num_seconds().unsigned_abs();
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let body = if h >= 24 {
        format!("{}d{:02}h", h / 24, h % 24)
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{s:02}s")
    } else {
        format!("{s}s")
    };
    if negative { format!("-{body}") } else { body }
}

/// Formats an instant relative to now: `in 12m`, `3m ago`.
pub fn format_relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let delta = at - now;
    let secs = delta.num_seconds().unsigned_abs();
    let magnitude = match secs {
        0..60 => format!("{secs}s"),
        // Near expiry the seconds matter (the TTL beside it shows them).
        60..600 => format!("{}m{:02}s", secs / 60, secs % 60),
        600..3600 => format!("{}m", secs / 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
        _ => format!("{}d", secs / 86400),
    };
    if delta >= Duration::zero() {
        format!("in {magnitude}")
    } else {
        format!("{magnitude} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_lifetimes_do_not_overflow() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(expiry_after(now, 60), Some(now + Duration::seconds(60)));
        assert_eq!(expiry_after(now, i64::MAX), None);
        assert_eq!(expiry_after(now, 1_000_000_000_000_000), None);
        assert_eq!(expiry_after(now, -5), None);
    }

    #[test]
    fn only_plausible_tokens_are_held() {
        assert!(check_token_value("ya29.a0AfB_byC-x/y+z=").is_ok());
        assert!(check_token_value("").is_err());
        assert!(check_token_value(&"a".repeat(MAX_TOKEN_BYTES + 1)).is_err());
        assert!(check_token_value(&"a".repeat(MAX_TOKEN_BYTES)).is_ok());
        assert!(check_token_value("ya29 with space").is_err());
        assert!(check_token_value("ya29.\u{1b}]0;x").is_err());
    }

    #[test]
    fn abbreviates_google_scopes() {
        let s = vec![
            "https://www.googleapis.com/auth/cloud-platform".to_string(),
            "openid".to_string(),
        ];
        assert_eq!(abbreviate_scopes(&s), "cloud-platform,openid");
    }

    #[test]
    fn ttl_text_covers_each_range() {
        assert_eq!(format_ttl(Duration::seconds(45)), "45s");
        assert_eq!(format_ttl(Duration::seconds(3599)), "59m59s");
        assert_eq!(format_ttl(Duration::seconds(3900)), "1h05m");
        assert_eq!(format_ttl(Duration::hours(50)), "2d02h");
        assert_eq!(format_ttl(Duration::seconds(-190)), "-3m10s");
    }

    #[test]
    fn ttl_text_fits_its_column_and_never_overstates_the_time_left() {
        // Reads a countdown back into seconds.
        let read = |text: &str| {
            let (mut total, mut number) = (0i64, 0i64);
            for c in text.chars() {
                match c.to_digit(10) {
                    Some(d) => number = number * 10 + i64::from(d),
                    None => {
                        total += number
                            * match c {
                                'd' => 86_400,
                                'h' => 3600,
                                'm' => 60,
                                _ => 1,
                            };
                        number = 0;
                    }
                }
            }
            total
        };
        for left in (0..400_000).step_by(7) {
            let text = format_ttl(Duration::seconds(left));
            assert!(text.chars().count() <= 6, "{left}s -> {text}");
            let shown = read(&text);
            assert!(shown <= left, "{left}s shown as {text}: overstated");
            let precision = match left {
                0..3600 => 1,
                3600..86_400 => 60,
                _ => 3600,
            };
            assert!(left - shown < precision, "{left}s shown as {text}");
        }
    }

    #[test]
    fn classes_follow_the_rejection_window() {
        let window = Duration::seconds(40);
        let class = |s| TtlClass::of(Some(Duration::seconds(s)), window);
        assert_eq!(class(3600), TtlClass::Fresh);
        assert_eq!(class(600), TtlClass::Expiring);
        assert_eq!(class(40), TtlClass::Critical);
        assert_eq!(class(0), TtlClass::Expired);
        assert_eq!(TtlClass::of(None, window), TtlClass::Unknown);
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(format_relative(now + Duration::minutes(12), now), "in 12m");
        assert_eq!(format_relative(now - Duration::seconds(5), now), "5s ago");
        assert_eq!(
            format_relative(now + Duration::seconds(117), now),
            "in 1m57s"
        );
        assert_eq!(format_relative(now + Duration::hours(2), now), "in 2h00m");
    }
}
