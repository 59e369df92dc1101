//! Fault switches: which endpoint misbehaves, how often and how.
//!
//! A [`FaultPlan`] per [`FaultEndpoint`] says with which probability a request
//! gets one of its [`Fault`]s instead of (or around) the normal answer. The
//! `FaultBoard` (in `fault_board`) holds the plans and counts what was
//! served; the wire side lives in `inject`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

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
    /// Metadata server `instance/service-accounts/<account>/token`.
    MetadataToken,
    /// IAM Credentials `:generateAccessToken`, `:generateIdToken`, `:signJwt`.
    IamCredentials,
    /// STS `POST /v1/token`, `POST /v1/oauth/token` and `POST /v1/oauth/revoke`.
    Sts,
    /// Every endpoint above (only as a target of [`FaultPlan`]s).
    All,
}

impl FaultEndpoint {
    /// Every concrete endpoint (all but [`FaultEndpoint::All`]).
    pub const EACH: [Self; 14] = [
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
        Self::MetadataToken,
        Self::IamCredentials,
        Self::Sts,
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
            Self::MetadataToken => "metadata-token",
            Self::IamCredentials => "iam-credentials",
            Self::Sts => "sts",
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
