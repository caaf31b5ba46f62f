//! Time comes from an injected clock, never from ambient calls, so tests can move it.

use std::sync::{Arc, Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    /// Waits `d` (a platform's rate limit): really, on the wall clock; a manual clock
    /// moves by `d` at once, so a throttled import is simulated in tests and benches.
    fn sleep(&self, d: std::time::Duration) {
        std::thread::sleep(d);
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The real wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to (tests, `eval --now`).
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Arc<Self> {
        Arc::new(Self(Mutex::new(start)))
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *now = now.saturating_add(by).unwrap_or(*now);
    }

    pub fn set(&self, to: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sleep(&self, d: std::time::Duration) {
        self.advance(SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX));
    }
}

/// Our own timestamps are stored as whole Unix seconds: compact, sortable, unambiguous.
pub fn unix(ts: Timestamp) -> i64 {
    ts.as_second()
}

pub fn from_unix(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// "il y a 2 minutes" style wording for lists.
pub fn relative_fr(then: Timestamp, now: Timestamp) -> String {
    let secs = now.as_second() - then.as_second();
    let (n, unit) = match secs {
        s if s < 45 => return "à l'instant".to_string(),
        s if s < 3_600 => ((s + 30) / 60, "minute"),
        s if s < 86_400 => ((s + 1_800) / 3_600, "heure"),
        s if s < 30 * 86_400 => ((s + 43_200) / 86_400, "jour"),
        s => ((s + 15 * 86_400) / (30 * 86_400), "mois"),
    };
    let n = n.max(1);
    let plural = if n > 1 && unit != "mois" { "s" } else { "" };
    format!("il y a {n} {unit}{plural}")
}

/// A moment to come, as a person reads it in the shop's time zone: "aujourd'hui à
/// 19:00", "demain à 19:00", else "le 02/12 à 19:00" (with the year when not this one).
pub fn deadline_fr(at: Timestamp, now: Timestamp, tz: &jiff::tz::TimeZone) -> String {
    let (at, now) = (at.to_zoned(tz.clone()), now.to_zoned(tz.clone()));
    let time = at.strftime("%H:%M");
    let (day, today) = (at.date(), now.date());
    if day == today {
        format!("aujourd'hui à {time}")
    } else if today.tomorrow().is_ok_and(|t| t == day) {
        format!("demain à {time}")
    } else if day.year() == today.year() {
        format!("le {} à {time}", at.strftime("%d/%m"))
    } else {
        format!("le {} à {time}", at.strftime("%d/%m/%Y"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_dates_in_the_shops_zone() {
        let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        let at = |s: &str| s.parse::<jiff::Zoned>().unwrap().timestamp();
        let now = at("2026-12-01T18:30:00+01:00[Europe/Paris]");
        assert_eq!(
            deadline_fr(at("2026-12-02T19:00:00+01:00[Europe/Paris]"), now, &tz),
            "demain à 19:00"
        );
        assert_eq!(
            deadline_fr(at("2026-12-01T19:00:00+01:00[Europe/Paris]"), now, &tz),
            "aujourd'hui à 19:00"
        );
        assert_eq!(
            deadline_fr(at("2026-12-05T10:00:00+01:00[Europe/Paris]"), now, &tz),
            "le 05/12 à 10:00"
        );
        assert_eq!(
            deadline_fr(at("2027-01-02T10:00:00+01:00[Europe/Paris]"), now, &tz),
            "le 02/01/2027 à 10:00"
        );
        // 23:30 UTC is already tomorrow in Paris.
        assert_eq!(
            deadline_fr(at("2026-12-01T23:30:00+00:00[UTC]"), now, &tz),
            "demain à 00:30"
        );
    }

    #[test]
    fn relative_wording() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let ago = |s: i64| relative_fr(Timestamp::from_second(1_000_000 - s).unwrap(), now);
        assert_eq!(ago(5), "à l'instant");
        assert_eq!(ago(120), "il y a 2 minutes");
        assert_eq!(ago(60), "il y a 1 minute");
        assert_eq!(ago(3 * 3_600), "il y a 3 heures");
        assert_eq!(ago(86_400), "il y a 1 jour");
        assert_eq!(ago(90 * 86_400), "il y a 3 mois");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Timestamp::from_second(42).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_secs(60));
        assert_eq!(clock.now().as_second(), 102);
    }
}
