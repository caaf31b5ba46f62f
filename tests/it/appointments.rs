//! Appointments' store: booking against the free slots, the next ones offered when a
//! slot is taken, moving and cancelling (with the invitation's revision), and two
//! shoppers racing for the last seat: exactly one gets it.

use comptoir::appointments::repo::{self, Booking};
use comptoir::db;
use comptoir::engine::hours::WeekHours;
use comptoir::engine::slots::Service;
use jiff::{SignedDuration, Timestamp};

fn hours() -> WeekHours {
    WeekHours::from_json(
        &serde_json::json!({"sat": [["10:00", "13:00"], ["14:00", "19:00"]]}),
        jiff::tz::TimeZone::get("Europe/Paris").unwrap(),
    )
    .unwrap()
}

fn local(text: &str) -> Timestamp {
    format!("{text}[Europe/Paris]")
        .parse::<jiff::Zoned>()
        .unwrap()
        .timestamp()
}

fn fitting() -> Service {
    Service {
        length: SignedDuration::from_mins(30),
        buffer: SignedDuration::from_mins(10),
        min_notice: SignedDuration::from_hours(2),
        window_days: 14,
        seats: 1,
        step: SignedDuration::from_mins(30),
    }
}

#[test]
fn a_slot_is_booked_once_and_the_next_free_ones_are_offered() {
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::open(tmp.path()).unwrap();
    let mut conn = pool.get().unwrap();
    let now = local("2025-12-05T09:00");
    let id = repo::add_service(&conn, "Essayage", &fitting(), now).unwrap();
    let service = repo::service(&conn, id).unwrap().unwrap();
    let hours = hours();
    let book = |conn: &mut rusqlite::Connection, at: &str, who: &str| {
        db::write(conn, |tx| {
            repo::book(tx, &hours, &service, local(at), who, None, now)
        })
        .unwrap()
    };
    let Booking::Booked(first) = book(&mut conn, "2025-12-06T11:00", "+33600000001") else {
        panic!("a free slot is booked");
    };
    // Taken now, and its buffer takes the slots either side: the next free ones.
    let Booking::Taken(next) = book(&mut conn, "2025-12-06T11:00", "+33600000002") else {
        panic!("the same slot twice");
    };
    let shown: Vec<String> = next
        .iter()
        .map(|t| t.to_zoned(hours.tz.clone()).strftime("%H:%M").to_string())
        .collect();
    assert_eq!(shown, ["10:00", "12:00", "12:30"]);
    // Closed, off the grid, too soon: refused the same way.
    for at in ["2025-12-06T13:00", "2025-12-06T14:10", "2025-12-05T10:00"] {
        assert!(
            matches!(book(&mut conn, at, "+33600000003"), Booking::Taken(_)),
            "{at}"
        );
    }
    // Moved to another slot: its own old time does not block it; SEQUENCE goes up.
    let moved = db::write(&mut conn, |tx| {
        repo::reschedule(tx, &hours, &service, first, local("2025-12-06T11:30"), now)
    })
    .unwrap();
    assert_eq!(moved, Booking::Booked(first));
    let (starts, sequence): (i64, i64) = conn
        .query_row(
            "SELECT starts_at, sequence FROM appointments WHERE id = ?1",
            [first],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (starts, sequence),
        (local("2025-12-06T11:30").as_second(), 1)
    );
    assert!(db::write(&mut conn, |tx| repo::cancel(tx, first, now)).unwrap());
    assert!(!db::write(&mut conn, |tx| repo::cancel(tx, first, now)).unwrap());
    assert!(matches!(
        book(&mut conn, "2025-12-06T11:30", "+33600000002"),
        Booking::Booked(_)
    ));
}

#[test]
fn two_shoppers_racing_for_the_last_seat_get_it_once() {
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::open(tmp.path()).unwrap();
    let now = local("2025-12-05T09:00");
    let id = repo::add_service(&pool.get().unwrap(), "Retouches", &fitting(), now).unwrap();
    let service = repo::service(&pool.get().unwrap(), id).unwrap().unwrap();
    let hours = hours();
    let outcomes: Vec<Booking> = std::thread::scope(|s| {
        let racers: Vec<_> = (0..8)
            .map(|i| {
                let (pool, service, hours) = (pool.clone(), service.clone(), hours.clone());
                s.spawn(move || {
                    let mut conn = pool.get().unwrap();
                    db::write(&mut conn, |tx| {
                        repo::book(
                            tx,
                            &hours,
                            &service,
                            local("2025-12-06T15:00"),
                            &format!("+3360000010{i}"),
                            None,
                            now,
                        )
                    })
                    .unwrap()
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let booked = outcomes
        .iter()
        .filter(|o| matches!(o, Booking::Booked(_)))
        .count();
    assert_eq!(booked, 1, "{outcomes:?}");
    let stored: i64 = pool
        .get()
        .unwrap()
        .query_row("SELECT count(*) FROM appointments", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 1);
}
