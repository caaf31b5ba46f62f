//! Analytiques over HTTP on fixed data with known answers: the automation rate, the
//! medians, handovers by reason, the shop's day boundary, sales credited inside the
//! window and not outside it, each CSV equal to its page, the drill-down to the
//! conversations behind a number, the streamed export, and the roles.

use comptoir::clock::Clock;
use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::common::{Client, TestApp};

fn at(text: &str) -> i64 {
    text.parse::<Timestamp>().unwrap().as_second()
}

/// A conversation: its channel and contact, its messages (author, intent, time), and
/// what became of it.
struct Conv<'a> {
    channel: &'a str,
    contact: &'a str,
    messages: &'a [(&'a str, Option<&'a str>, &'a str)],
    handoff: Option<(&'a str, &'a str)>,
    closed: Option<&'a str>,
    csat: Option<i64>,
    assignee: Option<i64>,
}

fn insert(conn: &Connection, c: &Conv<'_>) -> i64 {
    let first = at(c.messages[0].2);
    let last = at(c.messages[c.messages.len() - 1].2);
    conn.execute(
        "INSERT INTO conversations (channel, contact, created_at, last_message_at, handoff_at,
            handoff_reason, closed_at, survey_score, assignee_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            c.channel,
            c.contact,
            first,
            last,
            c.handoff.map(|h| at(h.0)),
            c.handoff.map(|h| h.1),
            c.closed.map(at),
            c.csat,
            c.assignee
        ],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    for (author, intent, when) in c.messages {
        conn.execute(
            "INSERT INTO messages (conversation_id, author, body, intent, created_at, confidence)
             VALUES (?1, ?2, 'texte', ?3, ?4, 0.9)",
            params![id, author, intent, at(when)],
        )
        .unwrap();
    }
    id
}

/// Five conversations around midnight of 10 November 2026 in Paris (UTC+1), a hold
/// handed over, and three orders.
fn fixture(app: &TestApp) -> Vec<i64> {
    let conn = Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    let owner: i64 = conn
        .query_row("SELECT min(id) FROM users", [], |r| r.get(0))
        .unwrap();
    let ids = vec![
        insert(
            &conn,
            &Conv {
                channel: "sms",
                contact: "+33611110001",
                messages: &[
                    ("shopper", None, "2026-11-10T09:00:00Z"),
                    ("bot", Some("product_availability"), "2026-11-10T09:00:01Z"),
                ],
                handoff: None,
                closed: Some("2026-11-10T09:30:00Z"),
                csat: Some(5),
                assignee: None,
            },
        ),
        insert(
            &conn,
            &Conv {
                channel: "sms",
                contact: "+33611110002",
                messages: &[
                    ("shopper", None, "2026-11-10T10:00:00Z"),
                    ("bot", Some("complaint"), "2026-11-10T10:00:02Z"),
                    ("staff", None, "2026-11-10T10:10:02Z"),
                ],
                handoff: Some(("2026-11-10T10:00:02Z", "complaint")),
                closed: Some("2026-11-10T11:00:00Z"),
                csat: Some(3),
                assignee: Some(owner),
            },
        ),
        insert(
            &conn,
            &Conv {
                channel: "email",
                contact: "marie@example.org",
                messages: &[
                    ("shopper", None, "2026-11-10T11:00:00Z"),
                    ("bot", Some("order_status"), "2026-11-10T11:00:03Z"),
                ],
                handoff: None,
                closed: None,
                csat: None,
                assignee: None,
            },
        ),
        // 23:30 on the 10th in Paris.
        insert(
            &conn,
            &Conv {
                channel: "webchat",
                contact: "visitor:a1",
                messages: &[
                    ("shopper", None, "2026-11-10T22:30:00Z"),
                    ("bot", Some("unknown"), "2026-11-10T22:30:01Z"),
                ],
                handoff: Some(("2026-11-10T22:30:01Z", "unknown")),
                closed: None,
                csat: None,
                assignee: None,
            },
        ),
        // 00:10 on the 11th in Paris, still the 10th in UTC.
        insert(
            &conn,
            &Conv {
                channel: "sms",
                contact: "+33611110005",
                messages: &[
                    ("shopper", None, "2026-11-10T23:10:00Z"),
                    ("bot", Some("shop_hours"), "2026-11-10T23:10:01Z"),
                ],
                handoff: None,
                closed: None,
                csat: None,
                assignee: None,
            },
        ),
    ];
    conn.execute(
        "INSERT INTO reservations (store_id, item_key, product_title, variant_title, quantity,
            conversation_id, contact, status, created_at, expires_at, closed_at)
         VALUES (NULL, 'EP-001-38', 'Robe Fleurie Bleue', '38', 1, ?1, '+33611110002', 'fulfilled',
                 ?2, ?3, ?4)",
        params![
            ids[1],
            at("2026-11-10T10:05:00Z"),
            at("2026-11-11T18:00:00Z"),
            at("2026-11-10T16:00:00Z")
        ],
    )
    .unwrap();
    let store: i64 = conn
        .query_row("SELECT min(id) FROM stores", [], |r| r.get(0))
        .unwrap();
    for (external, name, email, phone, created, cents) in [
        // Three days after the first conversation, same phone: credited.
        (
            "o-1",
            "#9001",
            "",
            "06 11 11 00 01",
            "2026-11-13T10:00:00+01:00",
            12000,
        ),
        // Fifteen days after Marie's e-mail: outside the 7-day window.
        (
            "o-2",
            "#9002",
            "Marie@Example.org",
            "",
            "2026-11-25T10:00:00+01:00",
            5000,
        ),
        // Nobody the assistant talked to.
        (
            "o-3",
            "#9003",
            "other@example.org",
            "",
            "2026-11-12T10:00:00+01:00",
            7000,
        ),
    ] {
        conn.execute(
            "INSERT INTO orders (store_id, external_id, name, email, phone, created_at, total_cents)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![store, external, name, email, phone, created, cents],
        )
        .unwrap();
    }
    let mut conn = conn;
    comptoir::analytics::facts::refresh_all(&mut conn, app.clock.now()).unwrap();
    ids
}

fn shop() -> (TestApp, Client, Vec<i64>) {
    shop_with(|_| {})
}

fn shop_with(tweak: impl FnOnce(&mut comptoir::config::Config)) -> (TestApp, Client, Vec<i64>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::mem::forget(tmp);
    let app = TestApp::spawn_in(&dir, tweak);
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let ids = fixture(&app);
    (app, owner, ids)
}

const DAY: &str = "preset=custom&from=2026-11-10&to=2026-11-10";

#[test]
fn the_overview_counts_the_shops_day_and_its_csv_says_the_same() {
    let (_app, owner, ids) = shop();
    let page = owner.get(&format!("/analytics?{DAY}"));
    assert_eq!(page.status, 200, "{}", page.body);
    let csv = owner.get(&format!("/analytics?{DAY}&format=csv"));
    assert_eq!(csv.status, 200);
    let value = |key: &str| {
        csv.body
            .lines()
            .find(|l| l.starts_with(&format!("{key},")))
            .map(|l| l.rsplit(',').next().unwrap().to_string())
            .unwrap_or_else(|| panic!("{key} in {}", csv.body))
    };
    // The 10th in Paris: four conversations (the fifth began at 00:10 on the 11th).
    assert_eq!(value("conversations"), "4");
    assert_eq!(value("sans l'équipe"), "2");
    assert_eq!(value("taux sans l'équipe (%)"), "50");
    assert_eq!(value("passage à l'équipe : Réclamation"), "1");
    assert_eq!(value("passage à l'équipe : Question non comprise"), "1");
    // Bot first replies 1, 2, 3, 1 s: median 1, 90 % within 3; team 600 s.
    assert_eq!(value("première réponse assistant médiane (s)"), "1");
    assert_eq!(value("première réponse assistant 90e centile (s)"), "3");
    assert_eq!(value("première réponse équipe médiane (s)"), "600");
    assert_eq!(value("résolution médiane (s)"), "1800");
    assert_eq!(value("satisfaction 5/5"), "1");
    assert_eq!(value("satisfaction 3/5"), "1");
    // The page says the same.
    assert!(page.body.contains("50 %"), "{}", page.body);
    assert!(page.body.contains("4,0 / 5"), "{}", page.body);
    assert!(page.body.contains("10 min"), "{}", page.body);
    // A number opens the conversations behind it.
    let handed = owner.get(&format!("/analytics/conversations?{DAY}&which=handed_over"));
    assert_eq!(handed.status, 200);
    assert!(handed.body.contains("2 conversations"), "{}", handed.body);
    assert!(handed.body.contains(&format!("/inbox/{}", ids[1])));
    assert!(handed.body.contains(&format!("/inbox/{}", ids[3])));
    assert!(!handed.body.contains(&format!("/inbox/{}\"", ids[0])));
    // Filters narrow it: the SMS of the day.
    let sms = owner.get(&format!("/analytics?{DAY}&channel=sms&format=csv"));
    assert!(sms.body.contains("conversations,2"), "{}", sms.body);
    // A wrong period is said in words.
    let wrong = owner.get("/analytics?preset=custom&from=2026-11-12&to=2026-11-10");
    assert!(
        wrong
            .body
            .contains("La date de début doit précéder la date de fin.")
    );
}

#[test]
fn sales_are_credited_within_the_window_only_and_the_export_streams_every_row() {
    let (_app, owner, ids) = shop();
    let month = "preset=custom&from=2026-11-01&to=2026-11-30";
    let csv = owner.get(&format!("/analytics/sales?{month}&format=csv"));
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.lines().collect();
    // The hold handed over (89 €) and order #9001 (120 €); not #9002 (15 days), not #9003.
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(
        csv.body
            .contains("Mise de côté remise : Robe Fleurie Bleue,2026-11-10 17:00,89.00")
    );
    assert!(csv.body.contains(&format!(
        "Commande #9001,2026-11-13 10:00,120.00,{}",
        ids[0]
    )));
    let page = owner.get(&format!("/analytics/sales?{month}"));
    assert!(page.body.contains("209,00"), "{}", page.body);
    assert!(page.body.contains("7 jours"));
    // A longer window credits Marie's order too.
    let r = owner.submit(
        "/analytics",
        "/analytics/settings",
        &[("attribution_days", "30"), ("team_visible", "on")],
    );
    assert_eq!(r.status, 303);
    let csv = owner.get(&format!("/analytics/sales?{month}&format=csv"));
    assert!(csv.body.contains("Commande #9002"), "{}", csv.body);
    let bad = owner.submit(
        "/analytics",
        "/analytics/settings",
        &[("attribution_days", "900")],
    );
    assert_eq!(bad.status, 400);

    let export = owner.get(&format!("/analytics/conversations.csv?{month}"));
    assert_eq!(export.status, 200);
    let rows: Vec<&str> = export.body.lines().collect();
    assert_eq!(rows.len(), 6, "{}", export.body);
    assert!(rows[0].starts_with("id,lien,client,canal,statut"));
    let first = rows
        .iter()
        .find(|r| r.starts_with(&format!("{},", ids[0])))
        .unwrap();
    assert!(
        first.contains(",fermée,") && first.contains(",120.00,"),
        "{first}"
    );
    let second = rows
        .iter()
        .find(|r| r.starts_with(&format!("{},", ids[1])))
        .unwrap();
    assert!(
        second.contains(",complaint,2,600,3600,3,1,89.00,"),
        "{second}"
    );
}

#[test]
fn every_report_answers_and_roles_are_kept() {
    let (app, owner, _) = shop();
    for path in [
        "/analytics",
        "/analytics/assistant",
        "/analytics/team",
        "/analytics/products",
        "/analytics/sales",
        "/analytics/satisfaction",
    ] {
        for format in ["", "&format=csv"] {
            let r = owner.get(&format!("{path}?{DAY}{format}"));
            assert_eq!(r.status, 200, "{path}{format}: {}", r.body);
            if format.is_empty() && path != "/analytics/products" {
                // A chart drawn on the server, with its figures in words.
                assert!(
                    r.body.contains("<svg") && r.body.contains("role=\"img\""),
                    "{path}"
                );
            }
        }
    }
    let assistant = owner.get(&format!("/analytics/assistant?{DAY}"));
    assert!(assistant.body.contains("Apprendre à l'assistant"));
    let satisfaction = owner.get(&format!("/analytics/satisfaction?{DAY}&format=csv"));
    assert_eq!(
        satisfaction.body.lines().count(),
        3,
        "{}",
        satisfaction.body
    );

    // An agent sees only their own row when the shop chooses so; a read-only member
    // reads but changes nothing.
    let r = owner.submit(
        "/analytics",
        "/analytics/settings",
        &[("attribution_days", "7")],
    );
    assert_eq!(r.status, 303);
    for (email, role) in [
        ("agent@elegance.test", "agent"),
        ("lecture@elegance.test", "read_only"),
    ] {
        let r = owner.submit(
            "/settings/members",
            "/settings/members",
            &[
                ("email", email),
                ("display_name", role),
                ("role", role),
                ("password", "un-mot-de-passe-24"),
            ],
        );
        assert!(r.status == 303 || r.status == 200, "{}", r.body);
    }
    let agent = app.login("agent@elegance.test", "un-mot-de-passe-24");
    let team = agent.get(&format!("/analytics/team?{DAY}"));
    assert_eq!(team.status, 200);
    assert!(
        team.body.contains("Vous voyez vos propres chiffres"),
        "{}",
        team.body
    );
    assert!(!team.body.contains("owner@elegance.test"));
    let reader = app.login("lecture@elegance.test", "un-mot-de-passe-24");
    assert_eq!(reader.get("/analytics").status, 200);
    let refused = reader.submit(
        "/analytics",
        "/analytics/settings",
        &[("attribution_days", "9")],
    );
    assert_eq!(refused.status, 403);
}

#[test]
fn a_browser_opens_each_report_and_exports_it() {
    let (app, _owner, _) = shop();
    let Some(b) = crate::browser::Browser::start_or_skip() else {
        return;
    };
    b.login_owner(&app.base);
    for (path, title) in [
        ("/analytics", "Conversations par jour"),
        ("/analytics/assistant", "Par demande"),
        ("/analytics/team", "Par membre"),
        ("/analytics/products", "Produits demandés"),
        ("/analytics/sales", "Comment c'est compté"),
        ("/analytics/satisfaction", "réponses"),
    ] {
        b.open(&format!("{}{path}?{DAY}", app.base));
        b.wait_for_text(title);
        // The page's own export link, fetched with the page's session.
        let got = b.script(
            "var a = document.querySelector('.report-filters a[download]');
             var x = new XMLHttpRequest(); x.open('GET', a.href, false); x.send();
             return x.status + ' ' + x.getResponseHeader('Content-Type') + '\\n' + x.responseText;",
            serde_json::json!([]),
        );
        let got = got.as_str().unwrap_or_default().to_string();
        assert!(got.starts_with("200 text/csv"), "{path}: {got}");
        assert!(got.lines().count() >= 2, "{path}: {got}");
    }
}

#[test]
fn admins_get_last_weeks_summary_on_monday_morning_once() {
    let resend = crate::fakes::resend::FakeResend::start();
    let api = resend.served.base.clone();
    let (app, owner, _) = shop_with(|c| {
        c.public_url = Some("https://comptoir.elegance-paris.test".into());
        c.channels.resend = comptoir::config::ResendChannel {
            api_key: Some(comptoir::config::Secret::new(crate::fakes::resend::KEY)),
            from: Some("Élégance Paris <bonjour@elegance-paris.test>".into()),
            webhook_secret: None,
            api_url: api,
        };
    });
    // Monday 16 November 2026, 8:05 in Paris.
    app.clock.set("2026-11-16T07:05:00Z".parse().unwrap());
    let r = owner.submit(
        "/analytics",
        "/analytics/settings",
        &[
            ("attribution_days", "7"),
            ("team_visible", "on"),
            ("weekly_report", "on"),
        ],
    );
    assert_eq!(r.status, 303);
    crate::common::wait_until("weekly summary", || !resend.sent().is_empty());
    let mail = resend.sent()[0].clone();
    assert_eq!(mail["to"][0], crate::common::OWNER_EMAIL);
    assert!(
        mail["subject"]
            .as_str()
            .unwrap()
            .contains("votre semaine du 09/11 au 15/11"),
        "{mail}"
    );
    let text = mail["text"].as_str().unwrap();
    assert!(
        text.contains("- 5 conversations, 3 sans l'équipe (60 %)"),
        "{text}"
    );
    assert!(
        text.contains("https://comptoir.elegance-paris.test/analytics?preset=custom&from=2026-11-09&to=2026-11-15"),
        "{text}"
    );
    // Once: the week is marked.
    let mut conn = Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    let again = comptoir::analytics::weekly::due(&mut conn, app.clock.now(), "").unwrap();
    assert!(again.is_none());
}

#[test]
fn the_shops_own_addresses_are_left_out_of_the_figures() {
    let (app, owner, _) = shop_with(|c| {
        c.channels.webchat.allowed_origins = vec!["https://www.elegance-paris.test".into()];
    });
    let today = "preset=today&format=csv";
    let before = owner.get(&format!("/analytics?{today}"));
    assert!(before.body.contains("conversations,0"), "{}", before.body);
    let visit = |visitor: &str, id: &str| {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let r = agent
            .post(&format!("{}/widget/messages", app.base))
            .header("Origin", "https://www.elegance-paris.test")
            .send_json(serde_json::json!({"visitor": visitor, "text": "Bonjour", "id": id}))
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    };
    visit("v-shopper-1", "a");
    let counted = owner.get(&format!("/analytics?{today}"));
    assert!(counted.body.contains("conversations,1"), "{}", counted.body);
    // The tests reach the shop from 127.0.0.1: as the shop's own address, not counted.
    let bad = owner.submit(
        "/analytics",
        "/analytics/settings",
        &[("attribution_days", "7"), ("excluded_ips", "le magasin")],
    );
    assert_eq!(bad.status, 400);
    let r = owner.submit(
        "/analytics",
        "/analytics/settings",
        &[
            ("attribution_days", "7"),
            ("team_visible", "on"),
            ("excluded_ips", "127.0.0.0/8"),
        ],
    );
    assert_eq!(r.status, 303);
    visit("v-staff-1", "b");
    let after = owner.get(&format!("/analytics?{today}"));
    assert!(after.body.contains("conversations,1"), "{}", after.body);
    // Still in the inbox for the team.
    assert!(owner.get("/inbox").body.contains("Visiteur"));
}
