//! The fault switchboard: active plans per endpoint and what was served.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::faults::{Fault, FaultEndpoint, FaultPlan};
use super::keys;

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
            // A rate of NaN or below 0 never hits; 1 or above always does.
            let hit = unit_random() < plan.rate;
            if plan.faults.is_empty() || !hit {
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
