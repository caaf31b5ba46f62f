//! Opening hours in the shop's time zone: whether the shop is open at a moment, and
//! when a hold ends. A hold lasts `reservation_hours` and ends at closing time of the day
//! those hours run out; when that day is closed, at the close of the next opening day
//! (a question on Thursday 10:24 with 24 h is held until Friday's closing time).

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, Zoned};

/// Opening intervals for each day of the week, Monday first; an empty day is closed.
/// Split days have two intervals (10:00–13:00, 14:00–19:00).
#[derive(Debug, Clone, PartialEq)]
pub struct WeekHours {
    pub days: [Vec<(Time, Time)>; 7],
    pub tz: TimeZone,
}

const KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

impl WeekHours {
    /// Reads `{"mon": ["10:00", "19:00"], "sun": null}` (also `[["10:00","13:00"],
    /// ["14:00","19:00"]]` for split days), as the shop profile stores them.
    pub fn from_json(hours: &serde_json::Value, tz: TimeZone) -> Result<Self, String> {
        let mut days: [Vec<(Time, Time)>; 7] = Default::default();
        for (i, key) in KEYS.iter().enumerate() {
            let value = &hours[*key];
            let intervals: Vec<&serde_json::Value> = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::Array(items) if items.first().is_some_and(|f| f.is_array()) => {
                    items.iter().collect()
                }
                serde_json::Value::Array(_) => vec![value],
                _ => return Err(format!("{key}: expected [\"10:00\", \"19:00\"] or null")),
            };
            for interval in intervals {
                let parse = |v: &serde_json::Value| {
                    v.as_str()
                        .and_then(|s| s.parse::<Time>().ok())
                        .ok_or_else(|| format!("{key}: `{v}` is not a time such as 10:00"))
                };
                let (open, close) = (parse(&interval[0])?, parse(&interval[1])?);
                if close <= open {
                    return Err(format!(
                        "{key}: closing time {close} is not after opening time {open}"
                    ));
                }
                days[i].push((open, close));
            }
            days[i].sort();
        }
        Ok(WeekHours { days, tz })
    }

    pub fn is_open_at(&self, at: Timestamp) -> bool {
        let local = at.to_zoned(self.tz.clone());
        let time = local.time();
        self.days[index(local.weekday())]
            .iter()
            .any(|(open, close)| *open <= time && time < *close)
    }

    /// Closing time of the day `local` falls on, if the shop opens that day.
    fn closing(&self, local: &Zoned) -> Option<Zoned> {
        let (_, close) = self.days[index(local.weekday())].last()?;
        local.with().time(*close).build().ok()
    }

    /// When a hold made at `now` ends.
    pub fn hold_until(&self, now: Timestamp, hours: i64) -> Option<Timestamp> {
        let end = (now + SignedDuration::from_hours(hours.max(1))).to_zoned(self.tz.clone());
        // The day the hours run out, then following days until one is open (a week at most).
        let mut day = end.clone();
        for _ in 0..7 {
            if let Some(close) = self.closing(&day) {
                return Some(close.timestamp());
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// The next opening day's interval start and end after `now` (today if still to come).
    pub fn next_opening(&self, now: Timestamp) -> Option<(Zoned, Zoned)> {
        let mut day = now.to_zoned(self.tz.clone());
        for offset in 0..8 {
            for (open, close) in &self.days[index(day.weekday())] {
                let opens = day.with().time(*open).build().ok()?;
                let closes = day.with().time(*close).build().ok()?;
                if offset > 0 || closes.timestamp() > now {
                    return Some((opens, closes));
                }
            }
            day = day
                .tomorrow()
                .ok()?
                .with()
                .time(Time::midnight())
                .build()
                .ok()?;
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The demo shop's hours (Monday to Saturday 10:00–19:00, Paris).
    pub(crate) fn demo() -> WeekHours {
        let shop: serde_json::Value =
            serde_json::from_slice(&crate::demo::file("shop.json").unwrap()).unwrap();
        WeekHours::from_json(
            &shop["profile"]["hours"],
            TimeZone::get("Europe/Paris").unwrap(),
        )
        .unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn local(ts: Timestamp) -> String {
        ts.to_zoned(TimeZone::get("Europe/Paris").unwrap())
            .strftime("%a %Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn holds_end_at_closing_time_of_the_day_the_hours_run_out() {
        let h = demo();
        // The eval README's example: Thursday 10:24 → Friday 19:00.
        assert_eq!(
            local(h.hold_until(at("2025-11-13T10:24:00+01:00"), 24).unwrap()),
            "Fri 2025-11-14 19:00"
        );
        // Saturday 11:00 + 24 h is Sunday, closed: the hold runs to Monday's close.
        assert_eq!(
            local(h.hold_until(at("2025-11-15T11:00:00+01:00"), 24).unwrap()),
            "Mon 2025-11-17 19:00"
        );
        // Friday 21:00 + 24 h runs out on Saturday at 21:00: the hold ends at that
        // day's closing time, Saturday 19:00, as the rule says.
        assert_eq!(
            local(h.hold_until(at("2025-11-14T21:00:00+01:00"), 24).unwrap()),
            "Sat 2025-11-15 19:00"
        );
        // A longer hold.
        assert_eq!(
            local(h.hold_until(at("2025-11-13T10:24:00+01:00"), 48).unwrap()),
            "Sat 2025-11-15 19:00"
        );
    }

    #[test]
    fn open_now_and_next_opening() {
        let h = demo();
        assert!(h.is_open_at(at("2025-11-13T10:24:00+01:00")));
        assert!(
            !h.is_open_at(at("2025-11-13T19:00:00+01:00")),
            "closed at closing time"
        );
        assert!(!h.is_open_at(at("2025-11-16T12:00:00+01:00")), "Sunday");
        let (opens, closes) = h.next_opening(at("2025-11-15T20:00:00+01:00")).unwrap();
        assert_eq!(opens.strftime("%a %H:%M").to_string(), "Mon 10:00");
        assert_eq!(closes.strftime("%a %H:%M").to_string(), "Mon 19:00");
        // Summer time is handled by the zone: 10:00 in Paris in July is 08:00 UTC.
        assert!(h.is_open_at(at("2025-07-10T08:30:00Z")));
    }

    #[test]
    fn split_days_and_bad_hours() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let h = WeekHours::from_json(
            &serde_json::json!({"mon": [["10:00", "13:00"], ["14:00", "19:00"]]}),
            tz.clone(),
        )
        .unwrap();
        assert!(h.is_open_at(at("2025-11-17T10:30:00+01:00")));
        assert!(
            !h.is_open_at(at("2025-11-17T13:30:00+01:00")),
            "lunch break"
        );
        assert_eq!(
            local(h.hold_until(at("2025-11-17T09:00:00+01:00"), 1).unwrap()),
            "Mon 2025-11-17 19:00"
        );
        let err = WeekHours::from_json(&serde_json::json!({"tue": ["19:00", "10:00"]}), tz.clone())
            .unwrap_err();
        assert!(err.contains("not after"), "{err}");
        assert!(
            WeekHours::from_json(&serde_json::json!({"wed": ["10h", "19:00"]}), tz)
                .unwrap_err()
                .contains("10h")
        );
    }
}
