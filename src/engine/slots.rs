//! Free appointment slots (a fitting, an alteration): from the opening hours, split days
//! included, a service's length and buffer, its minimum notice and booking window, and
//! the appointments already taken, each widened by its own buffer. Times are built in
//! the shop's time zone, so a slot stays at 10:00 on the shop's clock on either side of
//! a daylight-saving change.

use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::hours::WeekHours;

/// What the shop offers to book.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub length: SignedDuration,
    /// Kept free around each appointment (tidying the fitting room).
    pub buffer: SignedDuration,
    /// How soon before its start a slot can still be booked.
    pub min_notice: SignedDuration,
    /// How many days ahead slots are offered.
    pub window_days: i64,
    /// Appointments that can run at the same time (fitting rooms, staff).
    pub seats: usize,
    /// Slots start on this grid from each opening time (every 30 minutes, say).
    pub step: SignedDuration,
}

/// An appointment already in the book, with the buffer of its own service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Booked {
    pub start: Timestamp,
    pub end: Timestamp,
    pub buffer: SignedDuration,
}

/// The start times still free for `service` from `now`, soonest first, at most `max`.
pub fn free(
    hours: &WeekHours,
    service: &Service,
    booked: &[Booked],
    now: Timestamp,
    max: usize,
) -> Vec<Timestamp> {
    let mut out = Vec::new();
    if service.length <= SignedDuration::ZERO || service.step <= SignedDuration::ZERO {
        return out;
    }
    let earliest = now + service.min_notice;
    let today = now.to_zoned(hours.tz.clone()).date();
    for offset in 0..=service.window_days.max(0) {
        let Ok(date) = today.checked_add(offset.days()) else {
            break;
        };
        let intervals = &hours.days[date.weekday().to_monday_zero_offset() as usize];
        for (open, close) in intervals {
            let at = |time: Time| {
                date.to_datetime(time)
                    .to_zoned(hours.tz.clone())
                    .ok()
                    .map(|z| z.timestamp())
            };
            let (Some(open), Some(close)) = (at(*open), at(*close)) else {
                continue;
            };
            let mut start = open;
            while start + service.length <= close {
                if start >= earliest && seats_left(service, booked, start) {
                    out.push(start);
                    if out.len() == max {
                        return out;
                    }
                }
                start += service.step;
            }
        }
    }
    out
}

/// Whether a booking at `start` would still leave the service under its seats, every
/// appointment counted with its buffer and the new one with the service's.
fn seats_left(service: &Service, booked: &[Booked], start: Timestamp) -> bool {
    let (from, to) = (
        start - service.buffer,
        start + service.length + service.buffer,
    );
    let overlapping = booked
        .iter()
        .filter(|b| b.start - b.buffer < to && from < b.end + b.buffer)
        .count();
    overlapping < service.seats
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    /// Tuesday 10:00–13:00 and 14:00–19:00, Saturday 10:00–12:00, Sunday 10:00–11:00.
    fn hours() -> WeekHours {
        WeekHours::from_json(
            &serde_json::json!({
                "tue": [["10:00", "13:00"], ["14:00", "19:00"]],
                "sat": ["10:00", "12:00"],
                "sun": ["10:00", "11:00"],
            }),
            paris(),
        )
        .unwrap()
    }

    fn fitting() -> Service {
        Service {
            length: SignedDuration::from_mins(30),
            buffer: SignedDuration::ZERO,
            min_notice: SignedDuration::from_hours(2),
            window_days: 14,
            seats: 1,
            step: SignedDuration::from_mins(30),
        }
    }

    fn local(text: &str) -> Timestamp {
        format!("{text}[Europe/Paris]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
    }

    fn clock(slots: &[Timestamp]) -> Vec<String> {
        slots
            .iter()
            .map(|t| t.to_zoned(paris()).strftime("%a %H:%M").to_string())
            .collect()
    }

    #[test]
    fn slots_follow_split_days_and_the_minimum_notice() {
        // Tuesday 2 December 2025, 10:40: the notice leaves 12:40, so 13:00 closes the
        // morning and the afternoon starts at 14:00.
        let now = local("2025-12-02T10:40");
        let slots = free(&hours(), &fitting(), &[], now, 4);
        assert_eq!(
            clock(&slots),
            ["Tue 14:00", "Tue 14:30", "Tue 15:00", "Tue 15:30"]
        );
        let late = free(&hours(), &fitting(), &[], local("2025-12-02T18:00"), 2);
        assert_eq!(clock(&late), ["Sat 10:00", "Sat 10:30"]);
    }

    #[test]
    fn booked_appointments_and_their_buffers_take_slots_within_the_seats() {
        let now = local("2025-12-05T09:00");
        let booked = [Booked {
            start: local("2025-12-06T10:30"),
            end: local("2025-12-06T11:00"),
            buffer: SignedDuration::from_mins(15),
        }];
        // 10:30 is taken; its 15 minutes either side take 10:00 and 11:00 as well.
        let slots = free(&hours(), &fitting(), &booked, now, 3);
        assert_eq!(clock(&slots), ["Sat 11:30", "Sun 10:00", "Sun 10:30"]);
        let two_rooms = Service {
            seats: 2,
            ..fitting()
        };
        let slots = free(&hours(), &two_rooms, &booked, now, 2);
        assert_eq!(clock(&slots), ["Sat 10:00", "Sat 10:30"]);
    }

    #[test]
    fn a_slot_stays_at_ten_on_the_shops_clock_across_daylight_saving() {
        // Summer time starts on Sunday 29 March 2026 at 02:00 in Paris.
        let now = local("2026-03-27T09:00");
        let slots = free(&hours(), &fitting(), &[], now, 8);
        let sunday: Vec<&Timestamp> = slots
            .iter()
            .filter(|t| t.to_zoned(paris()).strftime("%a").to_string() == "Sun")
            .collect();
        assert_eq!(sunday.len(), 2);
        assert_eq!(
            sunday[0].to_zoned(paris()).strftime("%H:%M").to_string(),
            "10:00"
        );
        // 10:00 in Paris is 08:00 UTC in summer (09:00 UTC the Saturday before).
        assert_eq!(sunday[0].to_string(), "2026-03-29T08:00:00Z");
        assert_eq!(slots[0].to_string(), "2026-03-28T09:00:00Z");
    }

    #[test]
    fn nothing_is_offered_past_the_window_or_for_an_empty_service() {
        let now = local("2025-12-02T10:00");
        let short = Service {
            window_days: 0,
            ..fitting()
        };
        assert_eq!(free(&hours(), &short, &[], now, 50).len(), 12);
        let empty = Service {
            length: SignedDuration::ZERO,
            ..fitting()
        };
        assert!(free(&hours(), &empty, &[], now, 5).is_empty());
    }
}
