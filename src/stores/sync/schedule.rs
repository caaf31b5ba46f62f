//! When a store syncs next. Pure functions: the clock and randomness come in.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

pub const BACKOFF_CAP: Duration = Duration::from_secs(3600);
const BACKOFF_BASE: Duration = Duration::from_secs(60);

pub fn after_success(now: Timestamp, every_minutes: i64) -> Timestamp {
    now + SignedDuration::from_mins(every_minutes.max(1))
}

/// Exponential backoff (1, 2, 4 … minutes, capped at an hour) with jitter so many
/// appliances do not retry in step; never earlier than the platform's `Retry-After`.
/// `jitter` is a number in [0, 1).
pub fn after_failure(
    now: Timestamp,
    failures: i64,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Timestamp {
    let exponent = (failures.max(1) - 1).min(16) as u32;
    let backoff = BACKOFF_BASE
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(BACKOFF_CAP);
    // Between half and all of the backoff.
    let jittered = backoff.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
    let wait = jittered.max(retry_after.unwrap_or_default());
    now + SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_hours(1))
}

/// A random number in [0, 1) for the jitter.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
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
    fn backoff_doubles_with_jitter_and_caps_at_an_hour() {
        assert_eq!(wait(1, None, 0.999_999), 59);
        assert_eq!(wait(1, None, 0.0), 30);
        assert_eq!(wait(2, None, 0.0), 60);
        assert_eq!(wait(3, None, 0.0), 120);
        assert_eq!(wait(20, None, 0.999_999), 3599);
        assert_eq!(wait(20, None, 0.0), 1800);
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

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
