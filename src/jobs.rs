//! Background jobs, one shape for all: a struct holding what the job needs (pool, clock,
//! agent, settings), a `tick` doing one round of work, and `run`, the one loop that
//! calls it on its interval or when woken, and returns at shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;
use tokio::sync::{Notify, watch};

use crate::clock::SharedClock;
use crate::db::{self, Pool};
use crate::error::AppError;

/// What a round left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Nothing more is waiting: sleep until the next interval or a wake-up.
    Idle,
    /// More work is waiting: go again at once (after checking for shutdown).
    More,
}

pub trait Job: Send + 'static {
    /// Does one round of work. A failure is the job's to log; the next round retries.
    fn tick(&mut self) -> impl Future<Output = Round> + Send;
}

/// The simplest job: one storage function run on a schedule, which changes rows and
/// says how many (hold expiry, purges).
pub struct Chore {
    /// What the log calls it ("reservations expired").
    pub name: &'static str,
    pub db: Pool,
    pub clock: SharedClock,
    pub work: fn(&Connection, Timestamp) -> Result<usize, AppError>,
}

impl Job for Chore {
    async fn tick(&mut self) -> Round {
        let (now, work) = (self.clock.now(), self.work);
        match db::call(&self.db, move |conn| db::write(conn, |tx| work(tx, now))).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "{}", self.name),
            Err(e) => tracing::warn!(error = %e, job = self.name, "a background job failed"),
        }
        Round::Idle
    }
}

/// Exponential backoff with jitter, the one rule for every retry: `base` doubling with
/// each failure up to `cap`, then between half and all of that (`jitter` in [0, 1)), so
/// what failed together does not retry together.
pub fn backoff(failures: i64, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exponent = (failures.max(1) - 1).min(16) as u32;
    let full = base.saturating_mul(2u32.saturating_pow(exponent)).min(cap);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

/// A random number in [0, 1) for `backoff`'s jitter.
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// When a job runs: every `every`, and at once when `wake` is notified.
pub struct Schedule {
    pub every: Duration,
    pub wake: Option<Arc<Notify>>,
}

impl Schedule {
    pub fn every(every: Duration) -> Self {
        Self { every, wake: None }
    }

    pub fn woken_by(mut self, wake: Arc<Notify>) -> Self {
        self.wake = Some(wake);
        self
    }
}

/// Runs `job` until `stop` turns true. The first round runs at once; missed intervals
/// (a long round) are skipped, not replayed in a burst.
pub async fn run(mut job: impl Job, schedule: Schedule, mut stop: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(schedule.every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let wake = schedule.wake.unwrap_or_default();
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = wake.notified() => {}
            _ = stop.changed() => return,
        }
        loop {
            if *stop.borrow() {
                return;
            }
            if job.tick().await == Round::Idle {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts its rounds; asks for `more` extra rounds before going idle.
    struct Counter {
        rounds: Arc<std::sync::atomic::AtomicUsize>,
        more: usize,
        done: Arc<Notify>,
    }

    impl Job for Counter {
        async fn tick(&mut self) -> Round {
            self.rounds
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if self.more > 0 {
                self.more -= 1;
                Round::More
            } else {
                self.done.notify_one();
                Round::Idle
            }
        }
    }

    fn secs(failures: i64, jitter: f64) -> u64 {
        let minute = Duration::from_secs(60);
        backoff(failures, minute, 60 * minute, jitter).as_secs()
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_ceiling() {
        assert_eq!(secs(1, 0.999_999), 59);
        assert_eq!(secs(1, 0.0), 30);
        assert_eq!(secs(2, 0.0), 60);
        assert_eq!(secs(3, 0.0), 120);
        assert_eq!(secs(0, 0.0), 30, "a first failure however counted");
        assert_eq!(secs(20, 0.999_999), 3599);
        assert_eq!(secs(20, 0.0), 1800);
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[tokio::test]
    async fn a_job_runs_at_once_repeats_while_there_is_more_and_stops_when_asked() {
        let rounds = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let done = Arc::new(Notify::new());
        let wake = Arc::new(Notify::new());
        let (stop_tx, stop_rx) = watch::channel(false);
        let job = Counter {
            rounds: rounds.clone(),
            more: 2,
            done: done.clone(),
        };
        // An interval far longer than the test: only the first round and wake-ups run.
        let schedule = Schedule::every(Duration::from_secs(3600)).woken_by(wake.clone());
        let task = tokio::spawn(run(job, schedule, stop_rx));
        done.notified().await;
        assert_eq!(rounds.load(std::sync::atomic::Ordering::SeqCst), 3);
        wake.notify_one();
        done.notified().await;
        assert_eq!(rounds.load(std::sync::atomic::Ordering::SeqCst), 4);
        stop_tx.send(true).unwrap();
        task.await.unwrap();
    }
}
