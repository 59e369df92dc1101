//! The one source of "now". The engine uses the system clock; tests inject a fixed one.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// Anything that can tell the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// How far the servers' clocks are from this machine's, when that is
    /// large enough to be corrected (see `ServerClock`).
    fn skew(&self) -> Option<chrono::Duration> {
        None
    }

    /// The servers' clocks minus this machine's as measured, however small;
    /// `None` until a server has answered.
    fn measured_skew(&self) -> Option<chrono::Duration> {
        self.skew()
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<DateTime<Utc>>>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn at(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
