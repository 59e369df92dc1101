//! The work behind each command, run on tokio tasks. Each function owns clones
//! of what it needs and returns a value; none touches the store.

use crate::inspect::{discovery, jwks::JwksCache, jwt};
use crate::model::{
    Clock, Credential, DecodeReport, DecodedBody, SignatureCheck, Token, TokenRole,
};
use crate::net::Http;
use crate::providers;
use std::sync::Arc;

/// The operations a job can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Obtain a new token.
    Refresh,
    /// Decode / inspect.
    Decode,
    /// Revoke and confirm.
    Revoke,
    /// Derive a downscoped credential's first token from its source.
    Downscope,
    /// Sign in on another device (RFC 8628): minutes, not seconds.
    Login,
    /// Send the token to a target and name why it is refused.
    Doctor,
}

impl Op {
    /// Every operation.
    pub const ALL: [Op; 6] = [
        Op::Refresh,
        Op::Decode,
        Op::Revoke,
        Op::Downscope,
        Op::Login,
        Op::Doctor,
    ];

    /// The operation's name: shown beside ⟳ while it runs, and in the journal.
    pub fn label(self) -> &'static str {
        match self {
            Op::Refresh => "refresh",
            Op::Decode => "decode",
            Op::Revoke => "revoke",
            Op::Downscope => "downscope",
            Op::Login => "login",
            Op::Doctor => "doctor",
        }
    }
}

/// Who asked for a job, which decides the queue it waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// The user pressed a key: never waits behind background work.
    User,
    /// Tokentop's own work (a token for every credential at start).
    Background,
}

/// How many jobs of each lane talk to servers at once. However many
/// credentials there are, tokentop holds at most this many connections
/// (reused per endpoint by the HTTP client's pool), so 10,000 credentials
/// refresh in turn instead of exhausting file descriptors and memory.
#[derive(Debug, Clone)]
pub struct Lanes {
    user: Arc<tokio::sync::Semaphore>,
    background: Arc<tokio::sync::Semaphore>,
}

/// Jobs in flight for the user's keys.
pub const USER_JOBS_IN_FLIGHT: usize = 4;
/// Jobs in flight for tokentop's own work.
pub const BACKGROUND_JOBS_IN_FLIGHT: usize = 8;

impl Default for Lanes {
    fn default() -> Self {
        Self {
            user: Arc::new(tokio::sync::Semaphore::new(USER_JOBS_IN_FLIGHT)),
            background: Arc::new(tokio::sync::Semaphore::new(BACKGROUND_JOBS_IN_FLIGHT)),
        }
    }
}

impl Lanes {
    /// Waits for a turn in `lane`; the turn ends when the permit drops.
    pub async fn turn(&self, lane: Lane) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let semaphore = match lane {
            Lane::User => &self.user,
            Lane::Background => &self.background,
        };
        // The semaphores are never closed; `None` would only mean no limit.
        semaphore.clone().acquire_owned().await.ok()
    }
}

/// Whether a job has begun. The engine may cancel one that has not (and it
/// then never begins); one that has may have reached a server.
#[derive(Debug, Clone, Default)]
pub struct Start(Arc<std::sync::atomic::AtomicU8>);

const QUEUED: u8 = 0;
const BEGUN: u8 = 1;
const CANCELLED: u8 = 2;

impl Start {
    fn swap(&self, from: u8, to: u8) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.0.compare_exchange(from, to, SeqCst, SeqCst).is_ok()
    }

    /// The job's turn came: true if it may run (it was not cancelled).
    pub fn begin(&self) -> bool {
        self.swap(QUEUED, BEGUN)
    }

    /// The engine calls a queued job off: true if it had not begun, and now
    /// never will; false if it already began.
    pub fn cancel(&self) -> bool {
        self.swap(QUEUED, CANCELLED)
    }
}

/// What a finished job produced.
#[derive(Debug)]
pub enum Outcome {
    /// A refresh: the new tokens (access, ID, or both), or why not.
    Refreshed(Result<Vec<Token>, providers::ProviderError>),
    /// A decode report.
    Decoded(DecodeReport),
    /// The doctor's report.
    Diagnosed(Box<crate::model::DoctorReport>),
    /// A revocation, and what the issuer said about the token afterwards.
    Revoked {
        /// Fingerprint of the token revoked.
        fingerprint: String,
        /// The issuer's answer afterwards, or why the revoke call failed.
        result: Result<providers::Confirmation, providers::ProviderError>,
    },
    /// The job did not finish in time.
    TimedOut(String),
    /// The job failed unexpectedly (it panicked).
    Failed(String),
}

/// A job's work, ready to run on a task.
pub type JobFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Outcome> + Send>>;

/// Runs a job with a deadline. A bug (or a server reply nobody foresaw) that
/// panics a job becomes that row's error, not a dead engine.
pub async fn guarded(op: Op, job: JobFuture, timeout: std::time::Duration) -> Outcome {
    use futures::FutureExt;
    match tokio::time::timeout(timeout, std::panic::AssertUnwindSafe(job).catch_unwind()).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(panic)) => Outcome::Failed(format!(
            "{} failed: internal error: {}",
            op.label(),
            panic_text(&*panic)
        )),
        Err(_) => Outcome::TimedOut(format!(
            "{} timed out after {:.1}s",
            op.label(),
            timeout.as_secs_f64()
        )),
    }
}

/// The message of a caught panic (Secret's Debug keeps tokens out of it).
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
        .unwrap_or_else(|| "a job panicked".to_string())
}

/// Shared, long-lived resources of the jobs.
#[derive(Debug, Clone)]
pub struct Resources {
    /// HTTP client.
    pub http: Http,
    /// JWK Sets by URL.
    pub jwks: Arc<JwksCache>,
}

/// Refreshes a credential; the time is read when the job gets its turn,
/// not when it was queued.
///
/// A credential that does not say whom it belongs to (a user ADC file
/// without `account`) learns it from the new ID token's `email`, or, when
/// none came, from tokeninfo about the access token.
pub async fn refresh(res: Resources, cred: Credential, clock: Arc<dyn Clock>) -> Outcome {
    let mut result = providers::refresh(&res.http, &cred, clock.now()).await;
    if let Ok(tokens) = &mut result
        && cred.principal.is_empty()
        && !tokens.iter().any(|t| t.role == TokenRole::Id)
        && let Some(url) = &cred.endpoints.tokeninfo
        && let Some(access) = tokens.iter_mut().find(|t| t.role == TokenRole::Access)
        && let Ok(info) = providers::google::tokeninfo(&res.http, url, access).await
    {
        access.principal = info
            .get("email")
            .and_then(|e| e.as_str())
            .map(str::to_string);
    }
    Outcome::Refreshed(result)
}

/// A new narrowed token for a downscoped credential, from `held` (its
/// source's current token) when that is still good.
pub async fn rederive(
    res: Resources,
    cred: Credential,
    held: Option<Token>,
    clock: Arc<dyn Clock>,
) -> Outcome {
    Outcome::Refreshed(providers::downscope::rederive(&res.http, &cred, held, clock.now()).await)
}

/// Revokes the token, then asks tokeninfo whether the issuer still accepts it.
pub async fn revoke(res: Resources, cred: Credential, token: Token) -> Outcome {
    let result = providers::revoke(&res.http, &cred, &token).await;
    Outcome::Revoked {
        fingerprint: token.value.fingerprint(),
        result,
    }
}

/// Decodes a JWT and verifies it against its issuer's keys, or asks tokeninfo
/// about an opaque token.
pub async fn decode(res: Resources, cred: Credential, token: Token) -> Outcome {
    let raw = token.value.expose();
    let body = match jwt::decode(raw) {
        Ok((header, claims)) => {
            let signature = signature(&res, &cred, raw, &claims, false).await;
            // A token's contents come from its issuer: they may not quote
            // the credential's own secrets on screen.
            let held = providers::scrub::Sent::held_by(&cred.material);
            let (mut header, mut claims) = (header.into(), claims.into());
            held.scrub_json(&mut header);
            held.scrub_json(&mut claims);
            DecodedBody::Jwt {
                header,
                claims,
                signature,
            }
        }
        Err(_) => DecodedBody::Opaque {
            tokeninfo: providers::inspect_opaque(&res.http, &cred, &token).await,
        },
    };
    Outcome::Decoded(DecodeReport {
        id: cred.id.clone(),
        profile: cred.provenance.profile.clone(),
        fingerprint: token.value.fingerprint(),
        body,
    })
}

/// A JWT's signature checked against its issuer's keys, as [`jwks_url`]
/// finds them; with `fresh`, the keys as published now (not as cached).
pub async fn signature(
    res: &Resources,
    cred: &Credential,
    raw: &str,
    claims: &serde_json::Map<String, serde_json::Value>,
    fresh: bool,
) -> SignatureCheck {
    match (jwks_url(res, cred, claims).await, fresh) {
        (Ok(url), false) => res.jwks.verify(&res.http, &url, raw).await,
        (Ok(url), true) => res.jwks.verify_fresh(&res.http, &url, raw).await,
        (Err(reason), _) => SignatureCheck::NotChecked { reason },
    }
}

/// The profile's JWKS URL, or the one its issuer publishes, but only for an
/// issuer on the same origin as the credential's token endpoint: a token's
/// own `iss` claim is not trusted to choose its verifier.
async fn jwks_url(
    res: &Resources,
    cred: &Credential,
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    if let Some(url) = &cred.endpoints.jwks {
        return Ok(url.clone());
    }
    let issuer = claims
        .get("iss")
        .and_then(|v| v.as_str())
        .ok_or("token has no `iss` claim")?;
    let origin = |u: &str| {
        url::Url::parse(u)
            .map(|u| u.origin().ascii_serialization())
            .ok()
    };
    // An OIDC profile trusts its own issuer exactly (another realm on the
    // same host is another issuer).
    if let crate::model::Material::OidcClient { issuer: own, .. } = &cred.material {
        if issuer.trim_end_matches('/') != own {
            return Err(format!(
                "issuer {issuer} is not the profile's issuer {own}; not fetching its keys"
            ));
        }
        return providers::oidc::jwks_uri(&res.http, cred)
            .await
            .map_err(|e| e.to_string());
    }
    // The profile's token host, or the host it discovers its endpoints from.
    let trusted = [
        Some(&cred.endpoints.token),
        cred.endpoints.discovery.as_ref(),
    ];
    let known = trusted
        .into_iter()
        .flatten()
        .any(|url| origin(url).is_some() && origin(url) == origin(issuer));
    if !known {
        return Err(format!(
            "issuer {issuer} is not the profile's token host; not fetching its keys"
        ));
    }
    discovery::jwks_uri(&res.http, issuer).await
}
