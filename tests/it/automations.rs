//! Automation rules over real HTTP: rules saved through Paramètres › Automatisations
//! (a bad expression, an unknown choice or field refused then), each trigger, condition
//! and action applied by the background job on real conversations (web chat, and SMS
//! through the fake Twilio from a demo customer with an order under way), the order
//! with "stop here", round-robin among a department's available members, a rule never
//! triggered by a rule's own action, and a rule held after repeated outside triggers.

use std::path::Path;
use std::sync::{Arc, Mutex};

use actix_web::{HttpResponse, web};
use comptoir::config::{Secret, TwilioChannel};
use jiff::SignedDuration;
use rusqlite::Connection;

use crate::channels::{inbound, signed};
use crate::common::{Client, TestApp, wait_until};
use crate::fakes::Served;
use crate::fakes::twilio::{FakeTwilio, SID, TOKEN as TWILIO_TOKEN};

/// Fatou Bertrand in the demo shop: a store customer whose order #1003 is not shipped.
const CUSTOMER_PHONE: &str = "+33675511498";

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("comptoir.db")).unwrap()
}

fn one(dir: &Path, sql: &str) -> i64 {
    db(dir).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A web chat visitor's message (the bot's reply does not matter here).
fn chat(app: &TestApp, visitor: &str, text: &str) {
    crate::common::widget_says(app, visitor, text);
}

fn conversation_of(dir: &Path, contact: &str) -> i64 {
    db(dir)
        .query_row(
            "SELECT id FROM conversations WHERE contact = ?1 ORDER BY id DESC LIMIT 1",
            [contact],
            |r| r.get(0),
        )
        .unwrap()
}

/// The notes the rules wrote on a conversation, oldest first.
fn rule_notes(dir: &Path, conversation: i64) -> Vec<String> {
    db(dir)
        .prepare(
            "SELECT body FROM notes WHERE conversation_id = ?1 AND rule IS NOT NULL ORDER BY id",
        )
        .unwrap()
        .query_map([conversation], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn runs(dir: &Path, rule: &str, conversation: i64) -> i64 {
    db(dir)
        .query_row(
            "SELECT count(*) FROM automation_runs u JOIN automation_rules r ON r.id = u.rule_id
             WHERE r.name = ?1 AND u.conversation_id = ?2 AND u.summary NOT IN ('', '…')",
            rusqlite::params![rule, conversation],
            |r| r.get(0),
        )
        .unwrap()
}

/// Saves a rule through the form; the response.
fn rule(owner: &Client, fields: &[(&str, &str)]) -> crate::common::Resp {
    let mut form = vec![("enabled", "on")];
    form.extend_from_slice(fields);
    owner.submit(
        "/settings/automations/new",
        "/settings/automations/new",
        &form,
    )
}

fn member(owner: &Client, email: &str, name: &str) {
    let r = owner.submit(
        "/settings/members",
        "/settings/members",
        &[
            ("email", email),
            ("display_name", name),
            ("password", "temporary-pass-1"),
            ("role", "agent"),
        ],
    );
    assert_eq!(r.status, 303, "adding {email}: {}", r.body);
}

#[derive(Default)]
struct Hooks {
    got: Vec<serde_json::Value>,
}

async fn receive(body: web::Bytes, hooks: web::Data<Arc<Mutex<Hooks>>>) -> HttpResponse {
    if let Ok(v) = serde_json::from_slice(&body) {
        hooks.lock().unwrap().got.push(v);
    }
    HttpResponse::Ok().finish()
}

#[test]
fn rules_are_checked_when_saved_and_applied_in_order() {
    let twilio = FakeTwilio::start();
    let hooks = Arc::new(Mutex::new(Hooks::default()));
    let shared = hooks.clone();
    let receiver = Served::start(move |cfg| {
        cfg.app_data(web::Data::new(shared.clone()))
            .route("/hook", web::post().to(receive));
    });
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let t = twilio.served.base.clone();
    let app = TestApp::spawn_in(&dir, |c| {
        c.public_url = Some("https://comptoir.elegance-paris.test".into());
        c.channels.webchat.allowed_origins = vec![crate::common::WIDGET_ORIGIN.into()];
        c.channels.twilio = TwilioChannel {
            account_sid: Some(SID.into()),
            auth_token: Some(Secret::new(TWILIO_TOKEN)),
            sms_from: Some("+33644630000".into()),
            whatsapp_from: None,
            api_url: t,
        };
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();

    // The team: two agents in the SAV department; a saved reply; a webhook endpoint.
    member(&owner, "lea@elegance.test", "Léa");
    member(&owner, "hugo@elegance.test", "Hugo");
    let r = owner.submit(
        "/settings/inbox",
        "/settings/inbox/departments/new",
        &[("name", "SAV")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let sav = one(&dir, "SELECT id FROM departments WHERE name = 'SAV'");
    let lea = one(
        &dir,
        "SELECT id FROM users WHERE email = 'lea@elegance.test'",
    );
    let hugo = one(
        &dir,
        "SELECT id FROM users WHERE email = 'hugo@elegance.test'",
    );
    let (lea_s, hugo_s) = (lea.to_string(), hugo.to_string());
    let r = owner.submit(
        "/settings/inbox",
        &format!("/settings/inbox/departments/{sav}/members"),
        &[("member", lea_s.as_str()), ("member", hugo_s.as_str())],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = owner.submit(
        "/settings/inbox",
        "/settings/inbox/replies/new",
        &[
            ("title", "Fermé"),
            (
                "body",
                "Bonjour {prenom}, la boutique est fermée : on vous répond dès l'ouverture.",
            ),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let reply = one(&dir, "SELECT id FROM saved_replies").to_string();
    let r = owner.submit(
        "/settings/webhooks",
        "/settings/webhooks",
        &[
            ("url", &format!("{}/hook", receiver.base)),
            ("event", "csat.received"),
            ("allow_private", "on"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let endpoint = one(&dir, "SELECT id FROM webhook_endpoints").to_string();

    // Refused when saved, each with what to fix; nothing stored.
    let bad = rule(
        &owner,
        &[
            ("name", "SAV"),
            ("trigger", "handed_over"),
            ("regex", "(rembours"),
            ("close", "on"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("mal formée"), "{}", bad.body);
    let bad = rule(
        &owner,
        &[
            ("name", "X"),
            ("trigger", "handed_over"),
            ("channel", "fax"),
            ("close", "on"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Ce canal n'existe pas"), "{}", bad.body);
    let bad = rule(
        &owner,
        &[
            ("name", "X"),
            ("trigger", "handed_over"),
            ("colour", "red"),
            ("close", "on"),
        ],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("« colour » n'existe pas"), "{}", bad.body);
    let bad = rule(&owner, &[("name", "X"), ("trigger", "no_reply")]);
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("au moins une action"), "{}", bad.body);
    assert!(bad.body.contains("combien de minutes"), "{}", bad.body);
    assert_eq!(one(&dir, "SELECT count(*) FROM automation_rules"), 0);

    // The rules, in this order.
    let sav_s = format!("d{sav}");
    let hugo_m = format!("m{hugo}");
    for fields in [
        // Words, priority: a refund asked of the team goes to SAV, urgent; stop here.
        vec![
            ("name", "SAV"),
            ("trigger", "handed_over"),
            ("words", "remboursement, abîmé"),
            ("priority_is", "no"),
            ("assign", sav_s.as_str()),
            ("set_priority", "on"),
            ("stop", "on"),
        ],
        // Department: what SAV did not take is noted for sorting.
        vec![
            ("name", "À trier"),
            ("trigger", "handed_over"),
            ("department_is", "none"),
            ("note", "À trier par l'équipe."),
        ],
        // Channel, store customer, open order, language: a customer with an order under
        // way writing by SMS; the other tool is told.
        vec![
            ("name", "Client en commande"),
            ("trigger", "conversation_created"),
            ("channel", "sms"),
            ("customer", "yes"),
            ("open_order", "yes"),
            ("language", "fr"),
            ("note", "Cliente avec une commande en cours."),
            ("webhook", endpoint.as_str()),
        ],
        // Hours: outside opening hours, a saved reply by SMS.
        vec![
            ("name", "Fermé"),
            ("trigger", "message_received"),
            ("channel", "sms"),
            ("hours", "no"),
            ("reply", reply.as_str()),
        ],
        // Intent and expression: an order question on the web chat quoting a number.
        vec![
            ("name", "Commandes"),
            ("trigger", "message_received"),
            ("channel", "webchat"),
            ("intent", "order_status"),
            ("regex", r"#?\d{4}"),
            ("assign", hugo_m.as_str()),
        ],
        // A goodbye closes; closing notes — but a rule's own close triggers no rule.
        vec![
            ("name", "Au revoir"),
            ("trigger", "message_received"),
            ("words", "au revoir"),
            ("close", "on"),
        ],
        vec![
            ("name", "Fermeture"),
            ("trigger", "closed"),
            ("note", "Conversation fermée."),
        ],
        // No reply from the team for 30 minutes: back to the assistant, urgent.
        vec![
            ("name", "Relance"),
            ("trigger", "no_reply"),
            ("delay_minutes", "30"),
            ("set_priority", "on"),
            ("handback", "on"),
        ],
    ] {
        let r = rule(&owner, &fields);
        assert_eq!(r.status, 303, "{:?}: {}", fields, r.body);
    }
    let page = owner.get("/settings/automations");
    assert!(page.body.contains("1. SAV"), "{}", page.body);
    assert!(
        page.body.contains("mots : remboursement, abîmé"),
        "{}",
        page.body
    );

    // Handed over about a refund: SAV, in turn Léa then Hugo, urgent; "À trier" stops.
    chat(
        &app,
        "v-auto-1",
        "Je veux parler à quelqu'un pour un remboursement",
    );
    let c1 = conversation_of(&dir, "visitor:v-auto-1");
    wait_until("SAV took the first", || runs(&dir, "SAV", c1) == 1);
    chat(
        &app,
        "v-auto-2",
        "Je veux parler à quelqu'un, ma robe est abîmée",
    );
    let c2 = conversation_of(&dir, "visitor:v-auto-2");
    wait_until("SAV took the second", || runs(&dir, "SAV", c2) == 1);
    let assigned = |c: i64| -> (Option<i64>, Option<i64>, bool) {
        db(&dir)
            .query_row(
                "SELECT assignee_id, department_id, priority FROM conversations WHERE id = ?1",
                [c],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    assert_eq!(assigned(c1), (Some(lea), Some(sav), true));
    assert_eq!(assigned(c2), (Some(hugo), Some(sav), true));
    assert_eq!(runs(&dir, "À trier", c1), 0, "SAV stops the round");
    let notes = rule_notes(&dir, c1);
    assert!(
        notes[0].contains("Règle « SAV » : attribuée au département SAV (Léa, à tour de rôle), marquée prioritaire"),
        "{notes:?}"
    );
    let thread = owner.get(&format!("/inbox/{c1}"));
    assert!(thread.body.contains("Règle « SAV »"), "{}", thread.body);

    // Léa away: the next goes to Hugo again.
    let lea_client = app.login("lea@elegance.test", "temporary-pass-1");
    let r = lea_client.submit("/inbox", "/inbox/availability", &[("away", "1")]);
    assert_eq!(r.status, 303, "{}", r.body);
    chat(
        &app,
        "v-auto-3",
        "Je veux parler à quelqu'un pour un remboursement",
    );
    let c3 = conversation_of(&dir, "visitor:v-auto-3");
    wait_until("SAV took the third", || runs(&dir, "SAV", c3) == 1);
    assert_eq!(assigned(c3).0, Some(hugo));

    // Handed over without those words: "À trier" notes it (no department).
    chat(&app, "v-auto-4", "Je veux parler à quelqu'un");
    let c4 = conversation_of(&dir, "visitor:v-auto-4");
    wait_until("sorted", || runs(&dir, "À trier", c4) == 1);
    assert!(
        rule_notes(&dir, c4)
            .iter()
            .any(|n| n == "À trier par l'équipe.")
    );
    assert_eq!(runs(&dir, "SAV", c4), 0);

    // Intent + expression + channel: an order question quoting its number goes to Hugo;
    // the same question without a number does not.
    chat(&app, "v-auto-5", "Où en est ma commande 1003 ?");
    let c5 = conversation_of(&dir, "visitor:v-auto-5");
    wait_until("order question assigned", || {
        runs(&dir, "Commandes", c5) == 1
    });
    assert_eq!(assigned(c5).0, Some(hugo));
    chat(&app, "v-auto-6", "Où en est ma commande ?");
    let c6 = conversation_of(&dir, "visitor:v-auto-6");
    chat(&app, "v-auto-6", "Au revoir");
    // "Au revoir" closes it; its close triggers no rule ("Fermeture" stays silent).
    wait_until("closed by a rule", || runs(&dir, "Au revoir", c6) == 1);
    assert_eq!(runs(&dir, "Commandes", c6), 0);
    assert!(
        one(
            &dir,
            &format!("SELECT closed_at IS NOT NULL FROM conversations WHERE id = {c6}")
        ) == 1
    );
    // Closed by the team, it does.
    let r = owner.submit(&format!("/inbox/{c5}"), &format!("/inbox/{c5}/close"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    wait_until("closing noted", || runs(&dir, "Fermeture", c5) == 1);
    assert_eq!(runs(&dir, "Fermeture", c6), 0);

    // A store customer with an order under way writes by SMS during opening hours:
    // noted, the other tool told; no "Fermé" reply.
    assert_eq!(
        signed(
            &app.client(),
            "/webhooks/twilio",
            &inbound(
                CUSTOMER_PHONE,
                "Bonjour, une question sur ma commande",
                "SM-auto-1"
            )
        ),
        200
    );
    let c7 = conversation_of(&dir, CUSTOMER_PHONE);
    wait_until("customer noted", || {
        runs(&dir, "Client en commande", c7) == 1
    });
    wait_until("the webhook received", || {
        hooks
            .lock()
            .unwrap()
            .got
            .iter()
            .any(|h| h["type"] == "automation.rule" && h["data"]["rule"] == "Client en commande")
    });
    assert_eq!(runs(&dir, "Fermé", c7), 0);
    // A web chat visitor (not a customer) is not noted.
    assert_eq!(runs(&dir, "Client en commande", c1), 0);

    // No reply from the team: c4 was handed over; 30 minutes later, "Relance" gives it
    // back to the assistant, marked urgent.
    assert_eq!(runs(&dir, "Relance", c4), 0);
    app.clock.advance(SignedDuration::from_mins(31));
    wait_until("followed up", || runs(&dir, "Relance", c4) == 1);
    let (handed, priority): (bool, bool) = db(&dir)
        .query_row(
            "SELECT handoff_at IS NOT NULL, priority FROM conversations WHERE id = ?1",
            [c4],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(!handed && priority);
    // The customer's SMS conversation was never handed over: nothing to follow up.
    assert_eq!(runs(&dir, "Relance", c7), 0);

    // At 20:30 in Paris the shop is closed: the saved reply goes out by SMS, filled in.
    app.clock.advance(SignedDuration::from_hours(10));
    assert_eq!(
        signed(
            &app.client(),
            "/webhooks/twilio",
            &inbound(CUSTOMER_PHONE, "Vous êtes là ?", "SM-auto-2")
        ),
        200
    );
    wait_until("closed-shop reply sent", || {
        twilio.sent().iter().any(|s| {
            s.to == CUSTOMER_PHONE && s.body.contains("Bonjour Fatou, la boutique est fermée")
        })
    });
    // The reports do not take a rule's reply for the team answering.
    // (Recomputed once the reply was written: no longer marked to recompute.)
    wait_until("the conversation's figures recomputed", || {
        db(&dir)
            .query_row(
                "SELECT messages_in FROM conversation_facts WHERE conversation_id = ?1
                   AND NOT EXISTS (SELECT 1 FROM analytics_dirty WHERE conversation_id = ?1)",
                [c7],
                |r| r.get::<_, i64>(0),
            )
            .is_ok_and(|n| n == 2)
    });
    let team: i64 = db(&dir)
        .query_row(
            "SELECT team_replies FROM conversation_facts WHERE conversation_id = ?1",
            [c7],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(team, 0);
    let thread = owner.get(&format!("/inbox/{c7}"));
    assert!(thread.body.contains("⚙️ Automatisation"), "{}", thread.body);

    // Outside triggers in a loop: a shopper handed over again and again is handed back
    // by a rule at most 5 times in the hour, then the rule waits, with a note.
    let r = rule(
        &owner,
        &[
            ("name", "Boucle"),
            ("trigger", "handed_over"),
            ("handback", "on"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    for i in 0..7 {
        chat(&app, "v-auto-8", "Je veux parler à quelqu'un");
        let c8 = conversation_of(&dir, "visitor:v-auto-8");
        wait_until(&format!("handover {i} seen"), || {
            one(
                &dir,
                &format!("SELECT count(*) FROM automation_events WHERE conversation_id = {c8}"),
            ) == 0
                && one(
                    &dir,
                    &format!("SELECT handoff_at IS NULL FROM conversations WHERE id = {c8}"),
                ) == 1
                || runs(&dir, "Boucle", c8) >= 5
        });
    }
    let c8 = conversation_of(&dir, "visitor:v-auto-8");
    wait_until("held", || {
        rule_notes(&dir, c8)
            .iter()
            .any(|n| n.contains("Règle « Boucle » : déjà appliquée 5 fois"))
    });
    assert_eq!(
        db(&dir)
            .query_row(
                "SELECT count(*) FROM automation_runs u JOIN automation_rules r ON r.id = u.rule_id
                 WHERE r.name = 'Boucle' AND u.conversation_id = ?1 AND u.summary = 'rendue à l''assistant'",
                [c8],
                |r| r.get::<_, i64>(0),
            )
            .unwrap(),
        5
    );

    // The rules page lists the runs; moving and switching off work.
    let page = owner.get("/settings/automations");
    assert!(
        page.body.contains("Dernières applications"),
        "{}",
        page.body
    );
    let boucle = one(
        &dir,
        "SELECT id FROM automation_rules WHERE name = 'Boucle'",
    );
    let r = owner.submit(
        "/settings/automations",
        &format!("/settings/automations/{boucle}/change"),
        &[("action", "up")],
    );
    assert_eq!(r.status, 303);
    let r = owner.submit(
        "/settings/automations",
        &format!("/settings/automations/{boucle}/change"),
        &[("action", "disable")],
    );
    assert_eq!(r.status, 303);
    let names: Vec<(String, bool)> = db(&dir)
        .prepare("SELECT name, enabled FROM automation_rules ORDER BY position DESC LIMIT 2")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        names,
        [("Relance".to_string(), true), ("Boucle".to_string(), false)]
    );
    // An agent cannot see or change the rules.
    let r = lea_client.get("/settings/automations");
    assert_eq!(r.status, 403);
}
