//! Appointments in the conversation: "je peux passer essayer samedi ?" → "Samedi, j'ai
//! 11h, 14h30 ou 16h. Laquelle te va ?" → "14h30" → booked. The same for moving an
//! appointment, and cancelling one. Free slots come from `ShopData` (the shop's hours,
//! services and bookings); the booking itself is checked again where it is written.

use jiff::Timestamp;
use jiff::civil::{Date, Time};

use super::data::{Appointment, Bookable, Booked, DataError, ShopData};
use super::dialogue::{Asked, Dialogue};
use super::info::{self, When};
use super::intent::Intent;
use super::lang::Lang;
use super::text::{fold, words};
use super::{Action, Decision, NO, Turn, YES};

/// Words that ask to move an appointment rather than book another.
const MOVE: &[&str] = &[
    "decaler",
    "deplacer",
    "changer",
    "reporter",
    "avancer",
    "reprogrammer",
    "decalez",
    "deplacez",
    "changez",
    "move",
    "reschedule",
    "rebook",
    "postpone",
    "change",
    "instead",
];
/// Free slots looked at in one go: two weeks of a busy shop.
const LOOK_AHEAD: usize = 400;

/// The slot a shopper names: "14h30", "14h", "14:30", "2pm", "2:30pm".
pub(super) fn time_in(text: &str) -> Option<Time> {
    let t = fold(text);
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let Ok(hour) = t[start..i].parse::<i8>() else {
            continue;
        };
        let rest = t[i..].trim_start();
        let (minute, after) = if let Some(r) = rest.strip_prefix('h').or(rest.strip_prefix(':')) {
            let r = r.trim_start();
            let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
            match digits.len() {
                2 => (digits.parse::<i8>().ok(), &r[2..]),
                0 if rest.starts_with('h') => (Some(0), r),
                _ => (None, r),
            }
        } else {
            (None, rest)
        };
        let after = after.trim_start();
        let (hour, minute) = if after.starts_with("pm") || after.starts_with("am") {
            let pm = after.starts_with("pm");
            let h = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (h, true) => h + 12,
                (h, false) => h,
            };
            (h, minute.unwrap_or(0))
        } else {
            match minute {
                Some(m) => (hour, m),
                None => continue,
            }
        };
        if let Ok(time) = Time::new(hour, minute, 0, 0) {
            return Some(time);
        }
    }
    None
}

/// "11h, 14h30 ou 16h".
fn either(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => {
            let or = match lang {
                Lang::Fr => "ou",
                Lang::En => "or",
            };
            format!("{} {or} {last}", rest.join(", "))
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A booked moment in full, so nothing is left to guess: "samedi 6 décembre à 14h30",
/// "on Saturday 6 December at 2:30pm".
pub fn full_moment(at: Timestamp, tz: &jiff::tz::TimeZone, lang: Lang) -> String {
    let local = at.to_zoned(tz.clone());
    let day = info::day_name(local.weekday(), lang);
    let time = info::time(local.time(), lang);
    let month = (local.month() - 1).clamp(0, 11) as usize;
    match lang {
        Lang::Fr => format!("{day} {} {} à {time}", local.day(), MONTHS_FR[month]),
        Lang::En => format!("on {day} {} {} at {time}", local.day(), MONTHS_EN[month]),
    }
}

fn local_date(t: Timestamp, turn: &Turn<'_>) -> Date {
    t.to_zoned(turn.engine.shop.hours.tz.clone()).date()
}

/// Up to three slots of one day, spread over it (morning, midday, late) rather than
/// the first three in a row.
fn spread(day: &[Timestamp]) -> Vec<Timestamp> {
    match day.len() {
        0..=3 => day.to_vec(),
        n => vec![day[0], day[n / 2], day[n - 1]],
    }
}

/// The slots said from now: times alone when they share a day, "samedi 11h" when not.
fn slot_words(turn: &Turn<'_>, slots: &[Timestamp]) -> String {
    let hours = &turn.engine.shop.hours;
    let same_day = slots
        .windows(2)
        .all(|w| local_date(w[0], turn) == local_date(w[1], turn));
    let said: Vec<String> = slots
        .iter()
        .map(|&t| {
            if same_day {
                info::time(t.to_zoned(hours.tz.clone()).time(), turn.lang)
            } else {
                info::moment(t, turn.input.now, hours, turn.lang)
            }
        })
        .collect();
    either(&said, turn.lang)
}

/// Words that name the same kind of service in French and English (their first five
/// letters): a shop calls it "Essayage", an English-speaking shopper asks for a fitting.
const SAME_SERVICE: &[&[&str]] = &[
    &["essay", "fitti", "try", "cabin"],
    &["retou", "alter", "ourle", "hem", "tailo", "coutu"],
    &["shopp", "styli", "conse", "relook"],
];

fn stem5(word: &str) -> &str {
    match word.char_indices().nth(5) {
        Some((at, _)) => &word[..at],
        None => word,
    }
}

fn service_named<'s>(turn: &Turn<'_>, services: &'s [Bookable]) -> Option<&'s Bookable> {
    let said: Vec<&str> = turn.words.iter().map(|w| stem5(w)).collect();
    services.iter().find(|s| {
        words(&s.name).iter().filter(|w| w.len() >= 4).any(|w| {
            let stem = stem5(w);
            let group = SAME_SERVICE
                .iter()
                .find(|g| g.iter().any(|x| stem.starts_with(x)))
                .copied()
                .unwrap_or(&[]);
            said.iter()
                .any(|t| *t == stem || group.iter().any(|x| t.starts_with(x)))
        })
    })
}

/// "Je voudrais un rendez-vous (samedi, à 14h30)": which service, then its free slots
/// that day (or the next day with some), or the booking itself when the time given is
/// free.
pub(super) fn asked(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let intent = Intent::Appointment;
    let services = data.services()?;
    if services.is_empty() {
        return Ok(turn.decide(intent, Action::Handoff, "appointment_unavailable", &[]));
    }
    if turn.has(MOVE)
        && let Some(a) = data.appointments()?.into_iter().next()
    {
        state.moving = Some(a.id);
        state.service = Some(a.service_id);
    }
    let chosen = service_named(turn, &services)
        .or_else(|| {
            state
                .service
                .and_then(|id| services.iter().find(|s| s.id == id))
        })
        .or_else(|| (services.len() == 1).then(|| &services[0]));
    let Some(service) = chosen.cloned() else {
        let names: Vec<String> = services.iter().map(|s| s.name.to_lowercase()).collect();
        return Ok(turn.decide(
            intent,
            Action::Ask(Asked::Service),
            "appointment_which_service",
            &[("values", &either(&names, turn.lang))],
        ));
    };
    offer(turn, &service, state, data)
}

/// "Essayage" in answer to "pour quel rendez-vous ?".
pub(super) fn pick_service(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Option<Decision>, DataError> {
    let services = data.services()?;
    match service_named(turn, &services).cloned() {
        Some(service) => Ok(Some(offer(turn, &service, state, data)?)),
        None => Ok(None),
    }
}

/// The slots of the day asked for (or the first day with some), or the booking when the
/// shopper named a free time.
fn offer(
    turn: &Turn<'_>,
    service: &Bookable,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let intent = Intent::Appointment;
    let hours = &turn.engine.shop.hours;
    let now = turn.input.now;
    state.service = Some(service.id);
    let free = data.free_slots(service.id, hours, now, LOOK_AHEAD)?;
    let wanted_day = match info::asked_when(&turn.words, now, hours) {
        When::Day(d) => Some(d),
        _ => None,
    };
    let time = time_in(&turn.body);
    if let (Some(day), Some(time)) = (
        wanted_day.or_else(|| free.first().map(|t| local_date(*t, turn))),
        time,
    ) && let Some(&slot) = free
        .iter()
        .find(|t| local_date(**t, turn) == day && t.to_zoned(hours.tz.clone()).time() == time)
    {
        return book(turn, service.id, slot, state, data);
    }
    let day_of = |d: Date| -> Vec<Timestamp> {
        free.iter()
            .copied()
            .filter(|t| local_date(*t, turn) == d)
            .collect()
    };
    let today = local_date(now, turn);
    let service_name = service.name.to_lowercase();
    let Some(first) = free.first() else {
        return Ok(turn.decide(intent, Action::Handoff, "appointment_unavailable", &[]));
    };
    let (key, day, next, slots) = match wanted_day {
        Some(d) if !day_of(d).is_empty() => ("appointment_slots", d, None, day_of(d)),
        Some(d) => {
            let next = free
                .iter()
                .map(|t| local_date(*t, turn))
                .find(|&x| x > d)
                .unwrap_or_else(|| local_date(*first, turn));
            ("appointment_day_full", d, Some(next), day_of(next))
        }
        None => {
            let d = local_date(*first, turn);
            ("appointment_slots", d, None, day_of(d))
        }
    };
    let offered = spread(&slots);
    state.slots = offered.iter().map(|t| t.as_second()).collect();
    let day_words = capitalised(&info::relative_day(day, today, turn.lang));
    let next_words = next
        .map(|n| capitalised(&info::relative_day(n, today, turn.lang)))
        .unwrap_or_default();
    let slot_text = slot_words(turn, &offered);
    let day_text = if key == "appointment_day_full" {
        info::relative_day(day, today, turn.lang)
    } else {
        day_words
    };
    let mut d = turn.decide(
        intent,
        Action::Ask(Asked::Slot),
        key,
        &[
            ("service", &service_name),
            ("day", &day_text),
            ("next", &next_words),
            ("slots", &slot_text),
        ],
    );
    d.facts.push(slot_text);
    Ok(d)
}

/// The answer to "laquelle te va ?": a time, "la deuxième", "oui" to a single slot, or
/// another day. `None` when the message is about something else.
pub(super) fn pick(
    turn: &Turn<'_>,
    intent: Intent,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Option<Decision>, DataError> {
    let Some(service_id) = state.service else {
        return Ok(None);
    };
    let offered: Vec<Timestamp> = state
        .slots
        .iter()
        .filter_map(|s| Timestamp::from_second(*s).ok())
        .collect();
    let hours = &turn.engine.shop.hours;
    let time = time_in(&turn.body);
    let new_day = match info::asked_when(&turn.words, turn.input.now, hours) {
        When::Day(d) => Some(d),
        _ => None,
    };
    let ordinal = [
        (
            &["premiere", "premier", "1ere", "1er", "first", "1st"][..],
            0,
        ),
        (
            &["deuxieme", "second", "seconde", "2e", "2eme", "2nd"][..],
            1,
        ),
        (&["troisieme", "3e", "3eme", "third", "3rd"][..], 2),
        (
            &["derniere", "dernier", "last"][..],
            offered.len().saturating_sub(1),
        ),
    ]
    .iter()
    .find(|(w, _)| turn.has(w))
    .map(|(_, i)| *i);
    let chosen = match (time, ordinal) {
        (Some(time), _) => {
            let day = new_day.or_else(|| offered.first().map(|t| local_date(*t, turn)));
            offered
                .iter()
                .copied()
                .find(|t| {
                    Some(local_date(*t, turn)) == day && t.to_zoned(hours.tz.clone()).time() == time
                })
                .or_else(|| {
                    // A time not offered but maybe free that day: the booking checks.
                    let day = day?;
                    day.to_datetime(time)
                        .to_zoned(hours.tz.clone())
                        .ok()
                        .map(|z| z.timestamp())
                })
        }
        (None, Some(i)) => offered.get(i).copied(),
        (None, None) if offered.len() == 1 && turn.has(YES) && !turn.has(NO) => {
            offered.first().copied()
        }
        _ => None,
    };
    if let Some(start) = chosen {
        return Ok(Some(book(turn, service_id, start, state, data)?));
    }
    let services = data.services()?;
    let Some(service) = services.iter().find(|s| s.id == service_id).cloned() else {
        return Ok(None);
    };
    if new_day.is_some() {
        return Ok(Some(offer(turn, &service, state, data)?));
    }
    if intent == Intent::Appointment || intent == Intent::Unknown {
        let slots = slot_words(turn, &offered);
        return Ok(Some(turn.decide(
            Intent::Appointment,
            Action::Ask(Asked::Slot),
            "appointment_pick",
            &[("slots", &slots)],
        )));
    }
    Ok(None)
}

fn book(
    turn: &Turn<'_>,
    service: i64,
    start: Timestamp,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let hours = &turn.engine.shop.hours;
    let shop = turn.engine.shop;
    let booked = match state.moving {
        Some(id) => data.reschedule(id, hours, start)?,
        None => data.book(service, hours, start, turn.lang)?,
    };
    match booked {
        Booked::Done(a) => {
            let when = full_moment(a.start, &hours.tz, turn.lang);
            let key = if state.moving.is_some() {
                "appointment_moved"
            } else {
                "appointment_booked"
            };
            state.slots.clear();
            state.moving = None;
            let service = a.service.to_lowercase();
            let mut d = turn.decide(
                Intent::Appointment,
                Action::Book,
                key,
                &[
                    ("service", &service),
                    ("when", &when),
                    ("address", &shop.address),
                    ("shop", &shop.name),
                ],
            );
            d.facts.push(when);
            Ok(d)
        }
        Booked::Taken(next) if next.is_empty() => {
            state.slots.clear();
            Ok(turn.decide(
                Intent::Appointment,
                Action::Handoff,
                "appointment_unavailable",
                &[],
            ))
        }
        Booked::Taken(next) => {
            state.slots = next.iter().map(|t| t.as_second()).collect();
            let slots = slot_words(turn, &next);
            let mut d = turn.decide(
                Intent::Appointment,
                Action::Ask(Asked::Slot),
                "appointment_taken",
                &[("slots", &slots)],
            );
            d.facts.push(slots);
            Ok(d)
        }
    }
}

/// "J'annule mon rendez-vous (de samedi)": the one on the day named, else the next.
pub(super) fn cancel(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let intent = Intent::CancelAppointment;
    let hours = &turn.engine.shop.hours;
    let mine = data.appointments()?;
    let day = match info::asked_when(&turn.words, turn.input.now, hours) {
        When::Day(d) => Some(d),
        _ => None,
    };
    let pick: Option<&Appointment> = day
        .and_then(|d| mine.iter().find(|a| local_date(a.start, turn) == d))
        .or(mine.first());
    let Some(a) = pick else {
        return Ok(turn.decide(intent, Action::Answer, "appointment_none", &[]));
    };
    if !data.cancel_appointment(a.id)? {
        return Ok(turn.decide(intent, Action::Answer, "appointment_none", &[]));
    }
    state.slots.clear();
    state.moving = None;
    let when = full_moment(a.start, &hours.tz, turn.lang);
    let service = a.service.to_lowercase();
    let mut d = turn.decide(
        intent,
        Action::CancelAppointment,
        "appointment_cancelled",
        &[("service", &service), ("when", &when)],
    );
    d.facts.push(when);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: Date, h: i8, m: i8) -> Timestamp {
        day.to_datetime(Time::new(h, m, 0, 0).unwrap())
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn times_are_read_as_people_write_them() {
        let t = |h, m| Some(Time::new(h, m, 0, 0).unwrap());
        assert_eq!(time_in("14h30"), t(14, 30));
        assert_eq!(time_in("à 11h ?"), t(11, 0));
        assert_eq!(time_in("plutôt 16 h"), t(16, 0));
        assert_eq!(time_in("16:45 please"), t(16, 45));
        assert_eq!(time_in("2pm works"), t(14, 0));
        assert_eq!(time_in("at 12am"), t(0, 0));
        assert_eq!(time_in("2:30pm"), t(14, 30));
        // Sizes and order numbers are not times.
        assert_eq!(time_in("la robe en 38"), None);
        assert_eq!(time_in("commande 1004"), None);
        assert_eq!(time_in("25h"), None);
    }

    #[test]
    fn three_slots_are_spread_over_the_day() {
        let d = jiff::civil::date(2026, 12, 5);
        let day: Vec<Timestamp> = (0..10).map(|i| at(d, 10 + i, 0)).collect();
        assert_eq!(spread(&day), vec![day[0], day[5], day[9]]);
        assert_eq!(spread(&day[..2]), day[..2].to_vec());
    }

    #[test]
    fn a_booking_is_said_in_full() {
        let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        let t: Timestamp = "2026-12-05T13:30:00Z".parse().unwrap();
        assert_eq!(full_moment(t, &tz, Lang::Fr), "samedi 5 décembre à 14h30");
        assert_eq!(
            full_moment(t, &tz, Lang::En),
            "on Saturday 5 December at 2:30pm"
        );
        assert_eq!(
            either(&["11h".into(), "14h30".into(), "16h".into()], Lang::Fr),
            "11h, 14h30 ou 16h"
        );
    }
}
