//! Login rate limiting: attempts are counted per account and per IP address over a
//! sliding window, from the moment they start (so attempts made in parallel all count,
//! whatever the password check takes); a successful one is taken back. Past the limit,
//! logins wait until the oldest attempt ages out.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Ip(IpAddr),
}

/// What the login form shares between requests, built once at start-up.
pub struct LoginGuard {
    pub limiter: LoginLimiter,
    /// Verified against when an e-mail is unknown, so both paths cost the same.
    pub dummy_hash: String,
}

impl LoginGuard {
    pub fn new(s: &crate::config::Security) -> Result<Self, String> {
        Ok(Self {
            limiter: LoginLimiter::new(
                s.login_attempts_per_account,
                s.login_attempts_per_ip,
                s.login_window_minutes,
            ),
            dummy_hash: super::password::hash(&crate::token::random_token())?,
        })
    }
}

pub struct LoginLimiter {
    per_account: usize,
    per_ip: usize,
    window: SignedDuration,
    failures: Mutex<HashMap<Key, VecDeque<Timestamp>>>,
}

/// Keys kept before expired ones are swept, so memory stays bounded under attack.
const SWEEP_ABOVE: usize = 10_000;

impl LoginLimiter {
    pub fn new(per_account: u32, per_ip: u32, window_minutes: u32) -> Self {
        Self {
            per_account: per_account as usize,
            per_ip: per_ip as usize,
            window: SignedDuration::from_mins(i64::from(window_minutes)),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, ip: Option<IpAddr>) -> Vec<(Key, bool)> {
        let mut keys = vec![(Key::Account(email.trim().to_lowercase()), true)];
        if let Some(ip) = ip {
            keys.push((Key::Ip(ip), false));
        }
        keys
    }

    /// Counts an attempt starting now, or `Err(seconds)` when this login must wait that
    /// long before trying again (and then nothing is counted).
    pub fn begin(&self, email: &str, ip: Option<IpAddr>, now: Timestamp) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() > SWEEP_ABOVE {
            let cutoff = now - self.window;
            map.retain(|_, times| times.back().is_some_and(|t| *t > cutoff));
        }
        let mut wait: i64 = 0;
        for (key, is_account) in Self::keys(email, ip) {
            let limit = if is_account {
                self.per_account
            } else {
                self.per_ip
            };
            if let Some(times) = map.get_mut(&key) {
                let cutoff = now - self.window;
                while times.front().is_some_and(|t| *t <= cutoff) {
                    times.pop_front();
                }
                if times.len() >= limit {
                    let oldest = times.front().copied().unwrap_or(now);
                    wait = wait.max((oldest + self.window).as_second() - now.as_second());
                }
            }
        }
        if wait > 0 {
            return Err(wait as u64);
        }
        for (key, _) in Self::keys(email, ip) {
            map.entry(key).or_default().push_back(now);
        }
        Ok(())
    }

    /// The attempt begun at `at` succeeded: the account's count is cleared and the IP's
    /// loses that attempt (its failures stay).
    pub fn succeeded(&self, email: &str, ip: Option<IpAddr>, at: Timestamp) {
        let mut map = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(&Key::Account(email.trim().to_lowercase()));
        if let Some(times) = ip.and_then(|ip| map.get_mut(&Key::Ip(ip)))
            && let Some(i) = times.iter().rposition(|t| *t == at)
        {
            times.remove(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[test]
    fn account_is_paused_after_limit_then_released() {
        let limiter = LoginLimiter::new(3, 100, 15);
        let ip = Some("203.0.113.7".parse().unwrap());
        for i in 0..3 {
            assert!(limiter.begin("A@x.fr", ip, at(i)).is_ok());
        }
        assert_eq!(limiter.begin("a@x.fr", ip, at(10)), Err(15 * 60 - 10));
        // Another account from another IP is unaffected.
        assert!(limiter.begin("b@x.fr", None, at(10)).is_ok());
        // Once the first attempt is out of the window, one more try is allowed.
        assert!(limiter.begin("a@x.fr", ip, at(15 * 60 + 1)).is_ok());
    }

    #[test]
    fn ip_limit_spans_accounts() {
        let limiter = LoginLimiter::new(100, 2, 15);
        let ip = Some("198.51.100.1".parse().unwrap());
        assert!(limiter.begin("a@x.fr", ip, at(0)).is_ok());
        assert!(limiter.begin("b@x.fr", ip, at(1)).is_ok());
        assert!(limiter.begin("c@x.fr", ip, at(2)).is_err());
        assert!(limiter.begin("c@x.fr", None, at(2)).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let limiter = LoginLimiter::new(1, 1, 15);
        let ip = Some("198.51.100.1".parse().unwrap());
        assert!(limiter.begin("a@x.fr", ip, at(0)).is_ok());
        assert!(limiter.begin("a@x.fr", None, at(1)).is_err());
        limiter.succeeded("a@x.fr", ip, at(0));
        assert!(limiter.begin("a@x.fr", ip, at(1)).is_ok(), "nor the IP's");
    }

    #[test]
    fn parallel_attempts_each_take_a_slot() {
        let limiter = std::sync::Arc::new(LoginLimiter::new(5, 1000, 15));
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || limiter.begin("a@x.fr", None, at(0)).is_ok())
            })
            .collect();
        let let_through = threads
            .into_iter()
            .filter_map(|t| t.join().ok())
            .filter(|ok| *ok)
            .count();
        assert_eq!(let_through, 5);
    }
}
