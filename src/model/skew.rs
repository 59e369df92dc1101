//! How far this machine's clock is from its servers', measured from the
//! `Date` headers of their answers, and the clock corrected by it: the one
//! "now" the engine and the dashboard count down by.

use super::clock::Clock;
use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// An offset smaller than this is the `Date` header's one-second
/// resolution and the network's delay, not a wrong clock: not corrected.
pub const SKEW_CORRECTED: Duration = Duration::seconds(3);

/// How many recent answers the offset is the median of.
const SAMPLES: usize = 15;

/// An HTTP `Date` header's time (RFC 9110 §5.6.7: `Mon, 30 Nov 2026
/// 21:11:55 GMT`).
pub fn http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// The servers' clocks against this machine's: the median of the last
/// answers' `server Date − local receipt time`.
#[derive(Debug, Default)]
pub struct Skew {
    samples: Mutex<VecDeque<i64>>,
}

impl Skew {
    /// Notes an answer whose `Date` said `server`, received at `local`.
    /// `Date` drops the fraction of its second: half a second is added back.
    pub fn observe(&self, server: DateTime<Utc>, local: DateTime<Utc>) {
        let sample = (server + Duration::milliseconds(500) - local).num_milliseconds();
        let mut samples = self
            .samples
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if samples.len() == SAMPLES {
            samples.pop_front();
        }
        samples.push_back(sample);
    }

    /// The servers' clocks minus this machine's, once measured and at
    /// least [`SKEW_CORRECTED`]; `None` while the clocks agree.
    pub fn offset(&self) -> Option<Duration> {
        self.median().filter(|m| m.abs() >= SKEW_CORRECTED)
    }

    /// The median of the samples, however small; `None` before the first.
    pub fn median(&self) -> Option<Duration> {
        let samples = self
            .samples
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut sorted: Vec<i64> = samples.iter().copied().collect();
        sorted.sort_unstable();
        Some(Duration::milliseconds(*sorted.get(sorted.len() / 2)?))
    }
}

/// A clock corrected by the servers' offset: token expiries are the
/// servers' times, so countdowns are right even when this machine's clock
/// is not.
pub struct ServerClock {
    local: Arc<dyn Clock>,
    skew: Arc<Skew>,
}

impl ServerClock {
    /// `local` corrected by what `skew` measures.
    pub fn new(local: Arc<dyn Clock>, skew: Arc<Skew>) -> Self {
        Self { local, skew }
    }
}

impl Clock for ServerClock {
    fn now(&self) -> DateTime<Utc> {
        self.local.now() + self.skew.offset().unwrap_or_else(Duration::zero)
    }

    fn skew(&self) -> Option<Duration> {
        self.skew.offset()
    }

    fn measured_skew(&self) -> Option<Duration> {
        self.skew.median()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FixedClock;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn agreeing_clocks_are_not_corrected() {
        let skew = Skew::default();
        assert_eq!(skew.offset(), None, "nothing measured yet");
        for ms in [0, 300, 900] {
            // A Date truncated to its second, received a moment later.
            skew.observe(at(0), at(0) + Duration::milliseconds(ms));
        }
        assert_eq!(skew.offset(), None);
    }

    #[test]
    fn the_median_of_recent_answers_is_the_offset_and_corrects_the_clock() {
        let skew = Arc::new(Skew::default());
        // Two minutes ahead, with one server far off that does not move the median.
        for server in [120, 120, 121, 119, 3600] {
            skew.observe(at(server), at(0));
        }
        assert_eq!(skew.offset(), Some(Duration::milliseconds(120_500)));
        let local = FixedClock::at(at(0));
        let clock = ServerClock::new(Arc::new(local.clone()), skew.clone());
        assert_eq!(clock.now(), at(120) + Duration::milliseconds(500));
        assert_eq!(clock.skew(), Some(Duration::milliseconds(120_500)));
        local.advance(Duration::seconds(10));
        assert_eq!(clock.now(), at(130) + Duration::milliseconds(500));
        // Behind, once the recent answers say so.
        for _ in 0..SAMPLES {
            skew.observe(at(-30), at(0));
        }
        assert_eq!(skew.offset(), Some(Duration::milliseconds(-29_500)));
    }
}
