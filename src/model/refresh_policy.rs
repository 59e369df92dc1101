//! When tokentop keeps a token alive by itself: the auto-refresh policy.
//! Off unless asked for (`a` on a row, `A` for all, or `[refresh] auto` in
//! config.toml); a refresh starts inside the owning client's window, the
//! time before expiry when that client would itself stop using the token
//! (google-auth 3m45s, the Databricks SDK 40 s), which the user may widen.

use super::Platform;
use chrono::Duration;

/// The policy as configured.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RefreshPolicy {
    /// Every credential is kept alive from the start.
    pub all: bool,
    /// Windows set by the user, by family (`google`, `databricks`, `oidc`).
    pub windows: Vec<(String, Duration)>,
    /// At most one refresh of a credential this often (`None`: 30 s), so a
    /// token whose whole life fits in its window is not asked for again
    /// and again.
    pub min_gap: Option<Duration>,
}

/// The default [`RefreshPolicy::min_gap`].
pub const MIN_GAP: Duration = Duration::seconds(30);

/// The families a window can be set for, as config.toml names them.
pub const FAMILIES: &[&str] = &["google", "databricks", "oidc"];

/// The family a platform's tokens come from.
pub fn family(platform: Platform) -> &'static str {
    match platform {
        Platform::Databricks => "databricks",
        Platform::Oidc => "oidc",
        _ => "google",
    }
}

impl RefreshPolicy {
    /// How long before expiry a token of `platform` is refreshed.
    pub fn window(&self, platform: Platform) -> Duration {
        let family = family(platform);
        self.windows
            .iter()
            .find(|(name, _)| name == family)
            .map_or_else(|| platform.rejection_window(), |(_, window)| *window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_default_to_the_owning_clients_and_can_be_widened() {
        let policy = RefreshPolicy::default();
        assert_eq!(policy.window(Platform::Dataproc), Duration::seconds(225));
        assert_eq!(policy.window(Platform::Databricks), Duration::seconds(40));
        let wide = RefreshPolicy {
            all: false,
            windows: vec![("google".into(), Duration::minutes(10))],
            min_gap: None,
        };
        assert_eq!(wide.window(Platform::CloudRun), Duration::minutes(10));
        assert_eq!(wide.window(Platform::Databricks), Duration::seconds(40));
    }
}
