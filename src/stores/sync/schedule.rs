//! When a store syncs next. Pure functions: the clock and randomness come in.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

pub const BACKOFF_CAP: Duration = Duration::from_secs(3600);
const BACKOFF_BASE: Duration = Duration::from_secs(60);

pub fn after_success(now: Timestamp, every_minutes: i64) -> Timestamp {
    now + SignedDuration::from_mins(every_minutes.max(1))
}

/// `jobs::backoff` from a minute to an hour, so many appliances do not retry in step;
/// never earlier than the platform's `Retry-After`. `jitter` is a number in [0, 1).
pub fn after_failure(
    now: Timestamp,
    failures: i64,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Timestamp {
    let backoff = crate::jobs::backoff(failures, BACKOFF_BASE, BACKOFF_CAP, jitter);
    let wait = backoff.max(retry_after.unwrap_or_default());
    now + SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> Timestamp {
        Timestamp::from_second(1_800_000_000).unwrap()
    }

    fn wait(failures: i64, retry_after: Option<u64>, jitter: f64) -> i64 {
        after_failure(t0(), failures, retry_after.map(Duration::from_secs), jitter).as_second()
            - t0().as_second()
    }

    #[test]
    fn retry_after_is_honoured() {
        assert_eq!(wait(1, Some(600), 0.0), 600);
        assert_eq!(wait(1, Some(5), 0.0), 30, "never sooner than the backoff");
    }

    #[test]
    fn success_waits_the_store_interval() {
        assert_eq!(after_success(t0(), 15).as_second() - t0().as_second(), 900);
    }
}
