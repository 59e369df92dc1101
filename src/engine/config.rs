//! How an engine is set up: where it looks, how long requests may take,
//! what it does at start, whether it journals, watches, refuses changes
//! (read-only) and keeps tokens alive.

use crate::audit::Journal;
use crate::sources::DiscoveryConfig;
use std::time::Duration;

/// How long one provider request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where to discover credentials.
    pub discovery: DiscoveryConfig,
    /// Per-request timeout for every provider call.
    pub request_timeout: Duration,
    /// Obtain a token for every credential right after discovery (and for
    /// new ones after a re-read).
    pub refresh_on_start: bool,
    /// Re-read the sources when their files change.
    pub watch_files: bool,
    /// Where refreshes and revocations are recorded, if anywhere.
    pub journal: Option<Journal>,
    /// Refuse what changes tokens: refresh, revoke, downscope, sign-in.
    pub readonly: bool,
    /// What is kept alive, and how early it is refreshed.
    pub refresh_policy: crate::model::RefreshPolicy,
}

impl EngineConfig {
    /// The standard request timeout, optionally a token for every credential
    /// at start, and no file watching (see [`EngineConfig::watching`]).
    pub fn new(discovery: DiscoveryConfig, refresh_on_start: bool) -> Self {
        Self {
            discovery,
            request_timeout: REQUEST_TIMEOUT,
            refresh_on_start,
            watch_files: false,
            journal: None,
            readonly: false,
            refresh_policy: crate::model::RefreshPolicy::default(),
        }
    }

    /// The same, keeping tokens alive as `policy` says.
    pub fn refresh_policy(self, policy: crate::model::RefreshPolicy) -> Self {
        Self {
            refresh_policy: policy,
            ..self
        }
    }

    /// The same, refusing refresh, revoke, downscope and sign-in, and
    /// obtaining no token at start either (an issuer that rotates refresh
    /// tokens would spend another tool's).
    pub fn readonly(self) -> Self {
        Self {
            readonly: true,
            refresh_on_start: false,
            ..self
        }
    }

    /// The same, recording refreshes and revocations in `journal`.
    pub fn journal(self, journal: Journal) -> Self {
        Self {
            journal: Some(journal),
            ..self
        }
    }

    /// The same, re-reading sources when their files change (the dashboard).
    pub fn watching(self) -> Self {
        Self {
            watch_files: true,
            ..self
        }
    }
}
