//! Fault switches: which endpoint misbehaves, how often and how.
//!
//! A [`FaultPlan`] per [`FaultEndpoint`] says with which probability a request
//! gets one of its [`Fault`]s instead of (or around) the normal answer. The
//! [`FaultBoard`] holds the plans and counts what was served; the wire side
//! lives in `inject`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::keys;

/// Default `Retry-After` of `too-many-requests` when the CLI names none.
const DEFAULT_RETRY_AFTER_SECS: u64 = 30;
/// Default delay of `slow` when the CLI names none.
const DEFAULT_SLOW: Duration = Duration::from_secs(5);

/// One route (or group of routes) of the emulator that faults can be put on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultEndpoint {
    /// Google `POST /token`.
    GoogleToken,
    /// Google `/tokeninfo` and `/oauth2/v3/tokeninfo`.
    GoogleTokeninfo,
    /// Google `/revoke`.
    GoogleRevoke,
    /// Google `/oauth2/v3/certs` (JWK Set).
    GoogleCerts,
    /// Google `/.well-known/openid-configuration`.
    GoogleDiscovery,
    /// Databricks `POST /oidc/v1/token`.
    DatabricksToken,
    /// Databricks `/oidc/v1/keys` (JWK Set).
    DatabricksJwks,
    /// Databricks `/oidc/.well-known/oauth-authorization-server`.
    DatabricksDiscovery,
    /// Databricks `/.well-known/databricks-config`.
    DatabricksHostMetadata,
    /// Databricks `/api/2.0/tokens/introspect`.
    DatabricksIntrospect,
    /// Databricks `/api/2.0/preview/scim/v2/Me`.
    DatabricksScimMe,
    /// Every endpoint above (only as a target of [`FaultPlan`]s).
    All,
}

impl FaultEndpoint {
    /// Every concrete endpoint (all but [`FaultEndpoint::All`]).
    pub const EACH: [Self; 11] = [
        Self::GoogleToken,
        Self::GoogleTokeninfo,
        Self::GoogleRevoke,
        Self::GoogleCerts,
        Self::GoogleDiscovery,
        Self::DatabricksToken,
        Self::DatabricksJwks,
        Self::DatabricksDiscovery,
        Self::DatabricksHostMetadata,
        Self::DatabricksIntrospect,
        Self::DatabricksScimMe,
    ];

    /// The kebab-case name (`google-token`, `databricks-jwks`, `all`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::GoogleToken => "google-token",
            Self::GoogleTokeninfo => "google-tokeninfo",
            Self::GoogleRevoke => "google-revoke",
            Self::GoogleCerts => "google-certs",
            Self::GoogleDiscovery => "google-discovery",
            Self::DatabricksToken => "databricks-token",
            Self::DatabricksJwks => "databricks-jwks",
            Self::DatabricksDiscovery => "databricks-discovery",
            Self::DatabricksHostMetadata => "databricks-host-metadata",
            Self::DatabricksIntrospect => "databricks-introspect",
            Self::DatabricksScimMe => "databricks-scim-me",
            Self::All => "all",
        }
    }
}

impl fmt::Display for FaultEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FaultEndpoint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::EACH
            .into_iter()
            .chain([Self::All])
            .find(|e| e.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::EACH.iter().map(|e| e.name()).collect();
                format!(
                    "unknown endpoint `{s}` (expected one of: {}, all)",
                    names.join(", ")
                )
            })
    }
}

/// How a faulted request is answered. See each variant for the wire effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 500, 502 or 503 (chosen at random) with a short text body.
    ServerError,
    /// 429 with `Retry-After: <retry_after_secs>` and an OAuth error body.
    TooManyRequests {
        /// Value of the `Retry-After` header, seconds.
        retry_after_secs: u64,
    },
    /// Waits `delay`, then answers normally.
    Slow {
        /// How long to wait before handling the request.
        delay: Duration,
    },
    /// 200 `application/json` whose body never ends (`[` after `[`).
    EndlessBody,
    /// The connection is closed (TCP reset) without any HTTP answer.
    Reset,
    /// The normal answer (status and headers kept) cut to its first half.
    TruncatedJson,
    /// 200 `application/json` with `{"access_token": 12,,}`.
    MalformedJson,
    /// 502 `text/html` with a proxy's HTML error page.
    Html,
    /// 200 JSON whose `access_token`, `expires_in`, `scope`, `id_token` and
    /// `token_type` echo the request line, `Authorization` header and raw body.
    EchoSecrets,
    /// 400 `invalid_grant` whose `error_description` (and `error_uri`) echo
    /// the request line, `Authorization` header and raw body.
    EchoSecretsError,
    /// The normal answer, forced to 200, with terminal escape sequences in
    /// every string field except `access_token` and `id_token`, plus a `scope`.
    Escapes,
    /// The normal answer, forced to 200, with `access_token: ""` and `expires_in: 3600`.
    EmptyToken,
    /// The normal answer, forced to 200, with a 2 MiB `access_token`.
    HugeToken,
    /// The normal answer, forced to 200, with `expires_in` as a JSON string.
    ExpiresInString,
    /// 200 with an empty body (no content type).
    EmptyBody,
    /// 200 JWK Set whose only key is a stranger: a kid nothing was signed with.
    ForeignKeys,
}

impl Fault {
    /// Every fault with its default parameters, in CLI order.
    #[must_use]
    pub fn catalogue() -> Vec<Self> {
        vec![
            Self::ServerError,
            Self::TooManyRequests {
                retry_after_secs: DEFAULT_RETRY_AFTER_SECS,
            },
            Self::Slow {
                delay: DEFAULT_SLOW,
            },
            Self::EndlessBody,
            Self::Reset,
            Self::TruncatedJson,
            Self::MalformedJson,
            Self::Html,
            Self::EchoSecrets,
            Self::EchoSecretsError,
            Self::Escapes,
            Self::EmptyToken,
            Self::HugeToken,
            Self::ExpiresInString,
            Self::EmptyBody,
            Self::ForeignKeys,
        ]
    }

    /// The kebab-case name, without parameters (`too-many-requests`, ...).
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::ServerError => "server-error",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Slow { .. } => "slow",
            Self::EndlessBody => "endless-body",
            Self::Reset => "reset",
            Self::TruncatedJson => "truncated-json",
            Self::MalformedJson => "malformed-json",
            Self::Html => "html",
            Self::EchoSecrets => "echo-secrets",
            Self::EchoSecretsError => "echo-secrets-error",
            Self::Escapes => "escapes",
            Self::EmptyToken => "empty-token",
            Self::HugeToken => "huge-token",
            Self::ExpiresInString => "expires-in-string",
            Self::EmptyBody => "empty-body",
            Self::ForeignKeys => "foreign-keys",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyRequests { retry_after_secs } => {
                write!(f, "too-many-requests={retry_after_secs}")
            }
            Self::Slow { delay } => write!(f, "slow={}ms", delay.as_millis()),
            other => f.write_str(other.name()),
        }
    }
}

/// Parses `250ms`, `2s` or a bare number of seconds.
fn parse_delay(text: &str) -> Result<Duration, String> {
    let bad = || format!("bad delay `{text}` (expected e.g. 250ms or 2s)");
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    let secs = text.strip_suffix('s').unwrap_or(text);
    secs.parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(bad)
}

impl FromStr for Fault {
    type Err = String;

    /// `name` or `name=ARG` (`too-many-requests=SECS`, `slow=250ms|2s`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, arg) = match s.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (s, None),
        };
        let fault = Self::catalogue()
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::catalogue().iter().map(Self::name).collect();
                format!(
                    "unknown fault `{name}` (expected one of: {})",
                    names.join(", ")
                )
            })?;
        match (fault, arg) {
            (fault, None) => Ok(fault),
            (Self::TooManyRequests { .. }, Some(a)) => a
                .parse()
                .map(|retry_after_secs| Self::TooManyRequests { retry_after_secs })
                .map_err(|_| format!("bad Retry-After `{a}` (expected whole seconds)")),
            (Self::Slow { .. }, Some(a)) => parse_delay(a).map(|delay| Self::Slow { delay }),
            (fault, Some(a)) => Err(format!(
                "fault `{}` takes no argument (`{a}`)",
                fault.name()
            )),
        }
    }
}

/// How often, and with which faults, one endpoint misbehaves.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    /// Probability (0..=1) that a request is faulted.
    pub rate: f64,
    /// Faults to pick from, uniformly; an empty list never faults.
    pub faults: Vec<Fault>,
}

/// One `--fault ENDPOINT=RATE:FAULT[,FAULT...]` argument.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// Where the plan applies ([`FaultEndpoint::All`] for every endpoint).
    pub endpoint: FaultEndpoint,
    /// The plan.
    pub plan: FaultPlan,
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults: Vec<String> = self.plan.faults.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{}={}:{}",
            self.endpoint,
            self.plan.rate,
            faults.join(",")
        )
    }
}

impl FromStr for FaultRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (endpoint, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected ENDPOINT=RATE:FAULT[,FAULT...]"))?;
        let endpoint: FaultEndpoint = endpoint.parse()?;
        let (rate_text, faults) = rest
            .split_once(':')
            .ok_or_else(|| format!("`{rest}`: expected RATE:FAULT[,FAULT...] after `=`"))?;
        let rate = rate_text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..=1.0).contains(r))
            .ok_or_else(|| format!("bad rate `{rate_text}` (expected a number from 0 to 1)"))?;
        let faults = faults
            .split(',')
            .map(str::parse)
            .collect::<Result<Vec<Fault>, String>>()?;
        Ok(Self {
            endpoint,
            plan: FaultPlan { rate, faults },
        })
    }
}

/// What one endpoint served.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Requests that reached the endpoint, faulted or not.
    pub requests: u64,
    /// Faults injected, by fault name (`server-error`, ...).
    pub faults: BTreeMap<&'static str, u64>,
}

impl EndpointStats {
    /// Faults injected, all kinds together.
    #[must_use]
    pub fn injected(&self) -> u64 {
        self.faults.values().sum()
    }
}

/// Counters of every endpoint since start (or the last reset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Endpoints that were asked at least once.
    pub endpoints: BTreeMap<FaultEndpoint, EndpointStats>,
}

impl FaultStats {
    /// Counters of one endpoint (zero if it was never asked).
    #[must_use]
    pub fn endpoint(&self, endpoint: FaultEndpoint) -> EndpointStats {
        self.endpoints.get(&endpoint).cloned().unwrap_or_default()
    }
}

impl fmt::Display for FaultStats {
    /// One line per endpoint: `google-token requests=10 server-error=3 slow=1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (endpoint, stats) in &self.endpoints {
            write!(f, "{endpoint} requests={}", stats.requests)?;
            for (name, n) in &stats.faults {
                write!(f, " {name}={n}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Plans and counters, behind one lock.
#[derive(Debug, Default)]
struct Board {
    /// Active plans by concrete endpoint.
    plans: HashMap<FaultEndpoint, FaultPlan>,
    /// Counters.
    stats: FaultStats,
}

/// The shared fault switchboard.
#[derive(Debug, Default)]
pub struct FaultBoard {
    /// The board.
    board: Mutex<Board>,
}

impl FaultBoard {
    /// Locks the board; a poisoned lock is recovered.
    fn lock(&self) -> MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `plan` on `endpoint` (on every endpoint for [`FaultEndpoint::All`]).
    pub fn set(&self, endpoint: FaultEndpoint, plan: FaultPlan) {
        let mut board = self.lock();
        if endpoint == FaultEndpoint::All {
            for each in FaultEndpoint::EACH {
                board.plans.insert(each, plan.clone());
            }
        } else {
            board.plans.insert(endpoint, plan);
        }
    }

    /// Removes every plan (counters are kept).
    pub fn clear(&self) {
        self.lock().plans.clear();
    }

    /// A copy of the counters.
    pub fn stats(&self) -> FaultStats {
        self.lock().stats.clone()
    }

    /// Counts a request to `endpoint` and decides whether it is faulted.
    pub fn pick(&self, endpoint: FaultEndpoint) -> Option<Fault> {
        let mut board = self.lock();
        let chosen = board.plans.get(&endpoint).and_then(|plan| {
            if plan.faults.is_empty() || unit_random() >= plan.rate {
                return None;
            }
            let len = u64::try_from(plan.faults.len()).unwrap_or(u64::MAX);
            let index = usize::try_from(random_u64() % len).unwrap_or(0);
            plan.faults.get(index).cloned()
        });
        let stats = board.stats.endpoints.entry(endpoint).or_default();
        stats.requests += 1;
        if let Some(fault) = &chosen {
            *stats.faults.entry(fault.name()).or_default() += 1;
        }
        chosen
    }
}

/// A uniformly random `u64`.
pub fn random_u64() -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&keys::random_bytes(8)[..8]);
    u64::from_le_bytes(raw)
}

/// A uniformly random number in `[0, 1)`.
#[allow(clippy::cast_precision_loss)]
fn unit_random() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}
