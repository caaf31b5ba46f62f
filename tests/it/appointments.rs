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

/// Over HTTP: the shopper books, moves and cancels in the conversation (SMS through the
/// fake Twilio), is reminded the day before; the team books, moves and cancels on the
/// Rendez-vous page, and the shopper's calendar gets the same event (one UID) with a
/// rising SEQUENCE, then METHOD:CANCEL, through the fake Resend.
mod over_http {
    use base64::Engine;
    use comptoir::config::{ResendChannel, Secret, TwilioChannel};
    use jiff::{SignedDuration, Timestamp};
    use rusqlite::Connection;

    use crate::channels::{inbound, signed};
    use crate::common::{Client, TestApp, wait_until};
    use crate::fakes::resend::{FakeResend, KEY};
    use crate::fakes::twilio::{FakeTwilio, SID, TOKEN};

    const PUBLIC: &str = "https://comptoir.elegance-paris.test";

    struct Shop {
        app: TestApp,
        twilio: FakeTwilio,
        resend: FakeResend,
        _tmp: tempfile::TempDir,
    }

    /// The demo shop (open Monday to Saturday 10h–19h, Paris; its services: a fitting
    /// of 30 min with 2 seats, alterations, personal shopping of 60 min with 1 seat).
    fn shop() -> Shop {
        let twilio = FakeTwilio::start();
        let resend = FakeResend::start();
        let tmp = tempfile::tempdir().unwrap();
        let (t, r) = (twilio.served.base.clone(), resend.served.base.clone());
        let app = TestApp::spawn_in(tmp.path(), |c| {
            c.public_url = Some(PUBLIC.into());
            c.channels.twilio = TwilioChannel {
                account_sid: Some(SID.into()),
                auth_token: Some(Secret::new(TOKEN)),
                sms_from: Some("+33644630000".into()),
                whatsapp_from: None,
                api_url: t,
            };
            c.channels.resend = ResendChannel {
                api_key: Some(Secret::new(KEY)),
                from: Some("Élégance Paris <bonjour@elegance-paris.test>".into()),
                webhook_secret: None,
                api_url: r,
            };
        });
        crate::common::demo_database(tmp.path());
        Shop {
            app,
            twilio,
            resend,
            _tmp: tmp,
        }
    }

    fn texts_to(twilio: &FakeTwilio, to: &str) -> Vec<String> {
        twilio
            .sent()
            .into_iter()
            .filter(|s| s.to == to)
            .map(|s| s.body)
            .collect()
    }

    fn sms(shop: &Shop, from: &str, body: &str, n: usize) -> String {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let sid = format!(
            "SM-a{}",
            SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        assert_eq!(
            signed(
                &shop.app.client(),
                "/webhooks/twilio",
                &inbound(from, body, &sid)
            ),
            200
        );
        wait_until(&format!("reply {n} to {from}"), || {
            texts_to(&shop.twilio, from).len() >= n
        });
        texts_to(&shop.twilio, from)[n - 1].clone()
    }

    fn db(app: &TestApp) -> Connection {
        Connection::open(app.data_dir.join("comptoir.db")).unwrap()
    }

    fn appointment(app: &TestApp, contact: &str) -> (i64, String, i64) {
        db(app)
            .query_row(
                "SELECT starts_at, status, sequence FROM appointments WHERE contact = ?1
                 ORDER BY id DESC LIMIT 1",
                [contact],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    fn at(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_second()
    }

    /// One round of the notices job, as the server runs it, at the shop's clock.
    fn round(app: &TestApp) -> comptoir::notices::Report {
        use comptoir::clock::Clock;
        let mut conn = db(app);
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        let assistant = comptoir::assistant::Assistant::default();
        comptoir::notices::round(&mut conn, &assistant, PUBLIC, app.clock.now()).unwrap()
    }

    /// Wakes the notices job, as a saved setting does.
    fn wake(owner: &Client) {
        let r = owner.submit(
            "/alerts",
            "/alerts/rules",
            &[
                ("enabled", "on"),
                ("per_unit", "3"),
                ("batch_minutes", "60"),
                ("min_stock", "1"),
                ("price_drop_percent", "10"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }

    #[test]
    fn a_shopper_books_moves_and_cancels_in_the_conversation_and_is_reminded() {
        let shop = shop();
        let owner = shop.app.setup_owner();
        let who = "+33611223344";
        // Thursday 12 November 2026, 10h in Paris.
        let slots = sms(
            &shop,
            who,
            "Bonjour, je peux passer essayer une robe samedi ?",
            1,
        );
        assert_eq!(
            slots,
            "Bonjour ! Samedi, j'ai 10h, 14h30 ou 18h30 (essayage). Laquelle te va ?"
        );
        let booked = sms(&shop, who, "14h30 c'est parfait", 2);
        assert!(
            booked.starts_with("C'est noté : essayage samedi 14 novembre à 14h30"),
            "{booked}"
        );
        assert_eq!(
            appointment(&shop.app, who),
            (at("2026-11-14T13:30:00Z"), "booked".into(), 0)
        );
        // The day before, a reminder on the same channel, once.
        shop.app.clock.set("2026-11-13T13:45:00Z".parse().unwrap());
        wake(&owner);
        wait_until("reminder", || texts_to(&shop.twilio, who).len() >= 3);
        let reminder = &texts_to(&shop.twilio, who)[2];
        assert!(
            reminder.contains("Petit rappel") && reminder.contains("demain à 14h30"),
            "{reminder}"
        );
        // Moved to Monday: the slots of that day, then the one picked.
        let monday = sms(&shop, who, "je voudrais décaler mon rendez-vous à lundi", 4);
        assert!(monday.starts_with("Lundi, j'ai 10h, "), "{monday}");
        let moved = sms(&shop, who, "la première", 5);
        assert!(moved.contains("déplacé lundi 16 novembre à 10h"), "{moved}");
        assert_eq!(
            appointment(&shop.app, who),
            (at("2026-11-16T09:00:00Z"), "booked".into(), 1)
        );
        let cancelled = sms(&shop, who, "finalement j'annule mon rendez-vous", 6);
        assert!(
            cancelled.starts_with("C'est annulé : essayage lundi 16 novembre à 10h"),
            "{cancelled}"
        );
        assert_eq!(appointment(&shop.app, who).1, "cancelled");
        assert_eq!(round(&shop.app).queued(), 0, "no second reminder");
        assert_eq!(texts_to(&shop.twilio, who).len(), 6);
    }

    #[test]
    fn the_last_seat_goes_to_one_of_two_shoppers_the_other_gets_the_next_slots() {
        let shop = shop();
        let (x, y) = ("+33611000001", "+33611000002");
        for who in [x, y] {
            let offered = sms(&shop, who, "un rendez-vous personal shopping samedi ?", 1);
            assert!(offered.contains("14h"), "{offered}");
        }
        // Both take 14h at once (personal shopping has one seat).
        std::thread::scope(|s| {
            for who in [x, y] {
                let shop = &shop;
                s.spawn(move || sms(shop, who, "14h", 2));
            }
        });
        let answers = [
            texts_to(&shop.twilio, x)[1].clone(),
            texts_to(&shop.twilio, y)[1].clone(),
        ];
        let booked = answers
            .iter()
            .filter(|a| a.starts_with("C'est noté"))
            .count();
        let taken = answers
            .iter()
            .filter(|a| a.starts_with("Oh, ce créneau vient d'être pris ! J'ai encore "))
            .count();
        assert_eq!((booked, taken), (1, 1), "{answers:?}");
        let stored: i64 = db(&shop.app)
            .query_row(
                "SELECT count(*) FROM appointments WHERE status = 'booked'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 1);
    }

    #[test]
    fn times_stay_on_the_shops_clock_across_the_spring_change() {
        let shop = shop();
        // Thursday 25 March 2027; clocks go forward on Sunday 28 March.
        shop.app.clock.set("2027-03-25T09:00:00Z".parse().unwrap());
        let (a, b) = ("+33611000011", "+33611000012");
        let saturday = sms(&shop, a, "un essayage samedi à 10h ?", 1);
        assert!(saturday.contains("samedi 27 mars à 10h"), "{saturday}");
        let monday = sms(&shop, b, "un essayage lundi à 10h ?", 1);
        assert!(monday.contains("lundi 29 mars à 10h"), "{monday}");
        assert_eq!(appointment(&shop.app, a).0, at("2027-03-27T09:00:00Z"));
        assert_eq!(appointment(&shop.app, b).0, at("2027-03-29T08:00:00Z"));
    }

    /// The calendar file attached to the `n`th e-mail.
    fn ics(resend: &FakeResend, n: usize) -> String {
        wait_until(&format!("e-mail {n}"), || resend.sent().len() >= n);
        let mail = &resend.sent()[n - 1];
        let a = &mail["attachments"][0];
        assert_eq!(a["filename"], "invitation.ics");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a["content"].as_str().unwrap())
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn line<'a>(ics: &'a str, name: &str) -> &'a str {
        ics.split("\r\n")
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {ics}"))
    }

    #[test]
    fn the_team_books_moves_and_cancels_and_the_invitation_follows() {
        let shop = shop();
        let owner = shop.app.setup_owner();
        let page = owner.get("/appointments?view=week&date=2026-11-14");
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Essayage") && page.body.contains("Aucun rendez-vous cette semaine")
        );
        let service: i64 = db(&shop.app)
            .query_row("SELECT id FROM services WHERE name = 'Essayage'", [], |r| {
                r.get(0)
            })
            .unwrap();
        let service = service.to_string();
        // Bad input: a clear sentence, the form kept.
        let bad = owner.submit(
            "/appointments",
            "/appointments/new",
            &[
                ("service", &service),
                ("date", "2026-11-14"),
                ("time", "11:00"),
                ("name", "Inès"),
                ("phone", "12"),
                ("email", ""),
            ],
        );
        assert_eq!(bad.status, 422);
        assert!(
            bad.body.contains("numéro de téléphone n'est pas valable") && bad.body.contains("Inès")
        );
        let closed = owner.submit(
            "/appointments",
            "/appointments/new",
            &[
                ("service", &service),
                ("date", "2026-11-15"),
                ("time", "11:00"),
                ("name", "Inès"),
                ("phone", ""),
                ("email", "ines@example.org"),
            ],
        );
        assert_eq!(closed.status, 422);
        assert!(
            closed.body.contains("Ce créneau n'est pas libre"),
            "{}",
            closed.body
        );

        let r = owner.submit(
            "/appointments",
            "/appointments/new",
            &[
                ("service", &service),
                ("date", "2026-11-14"),
                ("time", "11:00"),
                ("name", "Inès Martin"),
                ("phone", ""),
                ("email", "Ines@Example.org"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let day = owner.get(r.location());
        assert!(
            day.body.contains("Inès Martin") && day.body.contains("11h–11h30"),
            "{}",
            day.body
        );
        let first = ics(&shop.resend, 1);
        assert_eq!(shop.resend.sent()[0]["to"][0], "ines@example.org");
        assert_eq!(line(&first, "METHOD"), "METHOD:REQUEST");
        assert_eq!(line(&first, "SEQUENCE"), "SEQUENCE:0");
        assert_eq!(line(&first, "DTSTART"), "DTSTART:20261114T100000Z");
        let uid = line(&first, "UID").to_string();

        let id: i64 = db(&shop.app)
            .query_row("SELECT id FROM appointments", [], |r| r.get(0))
            .unwrap();
        let moved = owner.submit(
            "/appointments?date=2026-11-14",
            &format!("/appointments/{id}/move"),
            &[("date", "2026-11-14"), ("time", "15:00")],
        );
        assert_eq!(moved.status, 303, "{}", moved.body);
        let second = ics(&shop.resend, 2);
        assert_eq!(line(&second, "UID"), uid);
        assert_eq!(line(&second, "SEQUENCE"), "SEQUENCE:1");
        assert_eq!(line(&second, "DTSTART"), "DTSTART:20261114T140000Z");

        let cancelled = owner.submit(
            "/appointments?date=2026-11-14",
            &format!("/appointments/{id}/cancel"),
            &[],
        );
        assert_eq!(cancelled.status, 303);
        let third = ics(&shop.resend, 3);
        assert_eq!(line(&third, "UID"), uid);
        assert_eq!(line(&third, "METHOD"), "METHOD:CANCEL");
        assert_eq!(line(&third, "SEQUENCE"), "SEQUENCE:2");
        assert_eq!(line(&third, "STATUS"), "STATUS:CANCELLED");
        assert!(
            shop.resend.sent()[2]["attachments"][0]["content_type"]
                .as_str()
                .unwrap()
                .contains("method=CANCEL")
        );
        // Nothing is sent twice.
        shop.app.clock.advance(SignedDuration::from_mins(1));
        assert_eq!(round(&shop.app).queued(), 0);
        assert_eq!(shop.resend.sent().len(), 3);
    }

    #[test]
    fn a_shopper_the_team_booked_by_phone_is_told_of_each_change_by_sms() {
        let shop = shop();
        let owner = shop.app.setup_owner();
        let service: i64 = db(&shop.app)
            .query_row(
                "SELECT id FROM services WHERE name = 'Retouches'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let service = service.to_string();
        let who = "+33612121212";
        let r = owner.submit(
            "/appointments",
            "/appointments/new",
            &[
                ("service", &service),
                ("date", "2026-11-17"),
                ("time", "16:00"),
                ("name", "Jeanne"),
                ("phone", "06 12 12 12 12"),
                ("email", ""),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        wait_until("confirmation SMS", || {
            texts_to(&shop.twilio, who).len() == 1
        });
        let told = &texts_to(&shop.twilio, who)[0];
        assert!(
            told.contains("te confirme ton rendez-vous : retouches mardi 17 novembre à 16h"),
            "{told}"
        );
        let id: i64 = db(&shop.app)
            .query_row("SELECT id FROM appointments", [], |r| r.get(0))
            .unwrap();
        let moved = owner.submit(
            "/appointments?date=2026-11-17",
            &format!("/appointments/{id}/move"),
            &[("date", "2026-11-18"), ("time", "11:00")],
        );
        assert_eq!(moved.status, 303, "{}", moved.body);
        wait_until("moved SMS", || texts_to(&shop.twilio, who).len() == 2);
        assert!(
            texts_to(&shop.twilio, who)[1].contains("il est maintenant mercredi 18 novembre à 11h")
        );
        // The shopper answers in the same conversation, and it is theirs to change.
        let cancel = sms(&shop, who, "je dois annuler mon rendez-vous", 3);
        assert!(
            cancel.starts_with("C'est annulé : retouches mercredi 18 novembre à 11h"),
            "{cancel}"
        );
        // Cancelled by the shopper: told already, nothing more is sent.
        assert_eq!(round(&shop.app).queued(), 0);
    }
}
