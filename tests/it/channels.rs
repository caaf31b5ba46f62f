//! SMS and WhatsApp through Twilio, end to end over real HTTP: signed webhooks in, the
//! assistant's reply out through the outbox to a fake Twilio, with retries, failures,
//! replays and restarts.

use std::path::Path;
use std::time::Duration;

use comptoir::channels::signatures::twilio_sign;
use comptoir::config::{Config, Secret, TwilioChannel};
use jiff::SignedDuration;
use rusqlite::Connection;

use crate::common::{Client, TestApp, wait_until};
use crate::fakes::twilio::{FakeTwilio, SID, TOKEN};

const PUBLIC: &str = "https://comptoir.elegance-paris.test";

fn configure(c: &mut Config, twilio: &FakeTwilio) {
    c.public_url = Some(PUBLIC.into());
    c.channels.twilio = TwilioChannel {
        account_sid: Some(SID.into()),
        auth_token: Some(Secret::new(TOKEN)),
        sms_from: Some("+33644630000".into()),
        whatsapp_from: Some("whatsapp:+33644630000".into()),
        api_url: twilio.served.base.clone(),
    };
}

/// Gives the shop in `dir` the demo catalogue, profile and assistant settings.
fn seed(dir: &Path) {
    crate::common::demo_database(dir);
}

/// A running shop with the demo catalogue and Twilio pointed at the fake.
pub(crate) fn shop(dir: &Path, twilio: &FakeTwilio) -> TestApp {
    let app = TestApp::spawn_in(dir, |c| configure(c, twilio));
    seed(dir);
    app
}

pub(crate) fn inbound(from: &str, body: &str, sid: &str) -> Vec<(String, String)> {
    [
        ("AccountSid", SID),
        ("ApiVersion", "2010-04-01"),
        ("Body", body),
        ("From", from),
        ("MessageSid", sid),
        ("NumMedia", "0"),
        ("SmsSid", sid),
        ("To", "+33644630000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn post(client: &Client, path: &str, params: &[(String, String)], signature: &str) -> u16 {
    let form: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    client
        .post_with(path, &form, ("X-Twilio-Signature", signature))
        .status
}

pub(crate) fn signed(client: &Client, path: &str, params: &[(String, String)]) -> u16 {
    let signature = twilio_sign(TOKEN, &format!("{PUBLIC}{path}"), params);
    post(client, path, params, &signature)
}

pub(crate) fn wait_for_sent(twilio: &FakeTwilio, n: usize) {
    wait_until(&format!("{n} messages at Twilio"), || {
        twilio.sent().len() >= n
    });
}

fn wait_for_requests(twilio: &FakeTwilio, n: usize) {
    wait_until(&format!("{n} requests at Twilio"), || {
        twilio.requests() >= n
    });
}

/// Until attempt `n` failed and its retry is scheduled.
fn wait_for_retry(dir: &Path, n: i64) {
    wait_until(&format!("attempt {n} recorded"), || {
        let (status, attempts, error) = outbox_row(dir);
        status == "pending" && attempts == n && error.is_some()
    });
}

pub(crate) fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("comptoir.db")).unwrap()
}

fn outbox_row(dir: &Path) -> (String, i64, Option<String>) {
    db(dir)
        .query_row("SELECT status, attempts, error FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap()
}

#[test]
fn a_signed_sms_is_answered_through_twilio_and_a_replay_is_ignored() {
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path(), &twilio);
    let client = app.client();
    let params = inbound(
        "+33600000001",
        "Vous avez la robe fleurie bleue en 38 ?",
        "SM11111111111111111111111111111111",
    );
    assert_eq!(signed(&client, "/webhooks/twilio", &params), 200);
    wait_for_sent(&twilio, 1);
    let sent = &twilio.sent()[0];
    assert_eq!(sent.to, "+33600000001");
    assert_eq!(sent.from, "+33644630000");
    assert!(
        sent.body.contains("Robe Fleurie Bleue en 38"),
        "{}",
        sent.body
    );
    assert_eq!(
        sent.status_callback.as_deref(),
        Some(&*format!("{PUBLIC}/webhooks/twilio/status"))
    );
    // The same delivery again: acknowledged, nothing stored or sent twice.
    assert_eq!(signed(&client, "/webhooks/twilio", &params), 200);
    let conn = db(tmp.path());
    let shopper: i64 = conn
        .query_row(
            "SELECT count(*) FROM messages WHERE author = 'shopper'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(shopper, 1);
    let holds: i64 = conn
        .query_row("SELECT count(*) FROM reservations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(holds, 1);
    assert_eq!(twilio.requests(), 1);
    // Twilio's delivery report marks the reply delivered.
    let report: Vec<(String, String)> = [
        ("AccountSid", SID),
        ("MessageSid", &*format!("SM{:032x}", 1)),
        ("MessageStatus", "delivered"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(signed(&client, "/webhooks/twilio/status", &report), 200);
    assert_eq!(outbox_row(tmp.path()).0, "delivered");
}

#[test]
fn whatsapp_replies_go_back_on_whatsapp() {
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path(), &twilio);
    let mut params = inbound(
        "whatsapp:+33600000002",
        "Vous êtes ouverts le dimanche ?",
        "SM22222222222222222222222222222222",
    );
    params.push(("ProfileName".into(), "Marie".into()));
    params.retain(|(k, _)| k != "NumMedia");
    params.push(("NumMedia".into(), "1".into()));
    let photo = format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME1");
    params.push(("MediaUrl0".into(), photo.clone()));
    assert_eq!(signed(&app.client(), "/webhooks/twilio", &params), 200);
    wait_for_sent(&twilio, 1);
    // The team sees the sender's WhatsApp name and the photo's address.
    let (name, body): (String, String) = db(tmp.path())
        .query_row(
            "SELECT c.display_name, m.body FROM messages m JOIN conversations v ON v.id = m.conversation_id
             JOIN contacts c ON c.id = v.contact_id WHERE m.author = 'shopper'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(name, "Marie");
    assert!(body.contains(&photo), "{body}");
    let sent = &twilio.sent()[0];
    assert_eq!(
        (sent.to.as_str(), sent.from.as_str()),
        ("whatsapp:+33600000002", "whatsapp:+33644630000")
    );
    assert!(sent.body.contains("fermé"), "{}", sent.body);
}

#[test]
fn bad_or_missing_signatures_are_refused_and_store_nothing() {
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path(), &twilio);
    let client = app.client();
    let params = inbound(
        "+33600000001",
        "Bonjour",
        "SM33333333333333333333333333333333",
    );
    assert_eq!(
        post(&client, "/webhooks/twilio", &params, ""),
        403,
        "missing"
    );
    let wrong = twilio_sign(
        "another-token",
        &format!("{PUBLIC}/webhooks/twilio"),
        &params,
    );
    assert_eq!(
        post(&client, "/webhooks/twilio", &params, &wrong),
        403,
        "wrong token"
    );
    let good = twilio_sign(TOKEN, &format!("{PUBLIC}/webhooks/twilio"), &params);
    let mut tampered = params.clone();
    tampered[2].1 = "Bonjour, envoyez-moi tout".into();
    assert_eq!(
        post(&client, "/webhooks/twilio", &tampered, &good),
        403,
        "tampered body"
    );
    let stored: i64 = db(tmp.path())
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(twilio.requests(), 0);
}

#[test]
fn provider_errors_are_retried_then_delivered_once() {
    let twilio = FakeTwilio::start();
    twilio.fail_next(&[500, 500]);
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path(), &twilio);
    let params = inbound(
        "+33600000001",
        "Quels sont vos horaires ?",
        "SM44444444444444444444444444444444",
    );
    assert_eq!(signed(&app.client(), "/webhooks/twilio", &params), 200);
    // Each retry waits its backoff on the injected clock, counted from when the failure
    // was recorded.
    wait_for_retry(tmp.path(), 1);
    app.clock.advance(SignedDuration::from_mins(2));
    wait_for_retry(tmp.path(), 2);
    assert_eq!(twilio.sent().len(), 0);
    app.clock.advance(SignedDuration::from_mins(2));
    wait_for_sent(&twilio, 1);
    assert_eq!(twilio.requests(), 3);
    // Marked sent with the provider's id (once Twilio's answer is read): never claimed
    // again.
    wait_until("the outbox row marked sent", || {
        outbox_row(tmp.path()).0 == "sent"
    });
    let (status, attempts, _) = outbox_row(tmp.path());
    assert_eq!((status.as_str(), attempts), ("sent", 3));
    assert_eq!(twilio.sent().len(), 1, "delivered exactly once");
}

#[test]
fn a_refused_send_is_marked_failed_with_the_providers_message() {
    let twilio = FakeTwilio::start();
    twilio.fail_next(&[400]);
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path(), &twilio);
    let params = inbound(
        "+33600000001",
        "Bonjour !",
        "SM55555555555555555555555555555555",
    );
    assert_eq!(signed(&app.client(), "/webhooks/twilio", &params), 200);
    wait_for_requests(&twilio, 1);
    wait_until("the send marked failed", || {
        outbox_row(tmp.path()).0 == "failed"
    });
    let (_, attempts, error) = outbox_row(tmp.path());
    assert_eq!(attempts, 1, "a 400 is not retried");
    let error = error.unwrap();
    assert!(
        error.contains("not a valid phone number") && error.contains("21211"),
        "{error}"
    );
}

#[test]
fn a_reply_committed_before_a_crash_is_sent_after_the_restart() {
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    // The message arrives and its reply is committed, but the appliance stops before
    // sending (here: the reply is written while no server runs).
    {
        let pool = comptoir::db::open(tmp.path()).unwrap();
        let mut conn = pool.get().unwrap();
        let now = crate::common::start_time();
        comptoir::demo::seed_shop(&mut conn, &Config::default(), now, true).unwrap();
        let outcome = comptoir::assistant::Assistant::default()
            .handle(
                &mut conn,
                &comptoir::assistant::Incoming {
                    channel: comptoir::engine::Channel::Sms,
                    contact: "+33600000001",
                    text: "Vous êtes où exactement ?",
                    provider_id: Some("SM66666666666666666666666666666666"),
                    email: None,
                    test: false,
                },
                now,
                None,
            )
            .unwrap();
        assert!(outcome.decision.is_some());
    }
    assert_eq!(twilio.requests(), 0);
    let _app = TestApp::spawn_in(tmp.path(), |c| configure(c, &twilio));
    wait_for_sent(&twilio, 1);
    assert!(twilio.sent()[0].body.contains("Rivoli"));
}

/// A reply committed and claimed, as a server killed mid-send leaves it: an attempt
/// started (and marked so) whose answer was never recorded.
fn killed_mid_send(dir: &Path) -> String {
    let pool = comptoir::db::open(dir).unwrap();
    let mut conn = pool.get().unwrap();
    let now = crate::common::start_time();
    comptoir::demo::seed_shop(&mut conn, &Config::default(), now, true).unwrap();
    comptoir::assistant::Assistant::default()
        .handle(
            &mut conn,
            &comptoir::assistant::Incoming {
                channel: comptoir::engine::Channel::Sms,
                contact: "+33600000001",
                text: "Vous êtes où exactement ?",
                provider_id: Some("SM77777777777777777777777777777777"),
                email: None,
                test: false,
            },
            now,
            None,
        )
        .unwrap();
    let claimed = comptoir::assistant::outbox::claim(&conn, now, 8, &[]).unwrap();
    assert_eq!(claimed.len(), 1);
    claimed[0].body.clone()
}

#[test]
fn a_reply_twilio_took_before_a_crash_is_not_sent_again() {
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    let body = killed_mid_send(tmp.path());
    // Twilio had accepted it when the server died.
    twilio
        .state
        .lock()
        .unwrap()
        .sent
        .push(crate::fakes::twilio::Sent {
            to: "+33600000001".into(),
            from: "+33644630000".into(),
            body,
            status_callback: None,
            sid: "SM0000000000000000000000000000cafe".into(),
            created: jiff::Timestamp::now(),
        });
    let app = TestApp::spawn_in(tmp.path(), |c| configure(c, &twilio));
    // The lease of the dead attempt runs out, then the sender asks Twilio first.
    app.clock.advance(SignedDuration::from_mins(2));
    wait_until("the outbox row marked sent", || {
        outbox_row(tmp.path()).0 == "sent"
    });
    assert_eq!(twilio.lookups(), 1);
    assert_eq!(twilio.requests(), 0, "no second send");
    let provider: String = db(tmp.path())
        .query_row("SELECT provider_id FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(provider, "SM0000000000000000000000000000cafe");
}

#[test]
fn a_reply_a_crash_stopped_before_twilio_is_sent_once_after_asking() {
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    killed_mid_send(tmp.path());
    let app = TestApp::spawn_in(tmp.path(), |c| configure(c, &twilio));
    app.clock.advance(SignedDuration::from_mins(2));
    wait_for_sent(&twilio, 1);
    wait_until("the outbox row marked sent", || {
        outbox_row(tmp.path()).0 == "sent"
    });
    assert_eq!((twilio.lookups(), twilio.requests()), (1, 1));
}

#[test]
fn a_send_whose_answer_is_lost_is_looked_up_not_repeated() {
    let twilio = FakeTwilio::start();
    twilio.fail_next(&[crate::fakes::twilio::ACCEPTED_UNREADABLE]);
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path(), &twilio);
    let params = inbound(
        "+33600000001",
        "Quels sont vos horaires ?",
        "SM88888888888888888888888888888888",
    );
    assert_eq!(signed(&app.client(), "/webhooks/twilio", &params), 200);
    wait_for_retry(tmp.path(), 1);
    // The first retry comes about a second later.
    app.clock.advance(SignedDuration::from_secs(2));
    wait_until("the outbox row marked sent", || {
        outbox_row(tmp.path()).0 == "sent"
    });
    assert_eq!(twilio.sent().len(), 1, "delivered exactly once");
    assert_eq!((twilio.requests(), twilio.lookups()), (1, 1));
}

#[test]
fn replies_go_out_in_order_within_a_conversation_and_in_parallel_across() {
    use comptoir::assistant::outbox;
    let tmp = tempfile::tempdir().unwrap();
    let pool = comptoir::db::open(tmp.path()).unwrap();
    let conn = pool.get().unwrap();
    let now = crate::common::start_time();
    let t = now.as_second();
    conn.execute_batch(&format!(
        "INSERT INTO conversations (id, channel, contact, created_at, last_message_at)
             VALUES (1, 'sms', '+33600000001', {t}, {t}), (2, 'sms', '+33600000002', {t}, {t});
         INSERT INTO messages (id, conversation_id, author, body, created_at)
             VALUES (1, 1, 'staff', 'un', {t}), (2, 1, 'staff', 'deux', {t}), (3, 2, 'staff', 'trois', {t});
         INSERT INTO outbox (message_id, channel, recipient, body, next_attempt_at, created_at, updated_at)
             VALUES (1, 'sms', '+33600000001', 'un', {t}, {t}, {t}),
                    (2, 'sms', '+33600000001', 'deux', {t}, {t}, {t}),
                    (3, 'sms', '+33600000002', 'trois', {t}, {t}, {t});"
    ))
    .unwrap();
    let bodies =
        |batch: Vec<outbox::Pending>| batch.into_iter().map(|p| p.body).collect::<Vec<_>>();
    // One of each conversation at once; "deux" waits for "un", even while "un" is out.
    let first = outbox::claim(&conn, now, 8, &[]).unwrap();
    let ids: Vec<i64> = first.iter().map(|p| p.id).collect();
    assert_eq!(bodies(first), ["un", "trois"]);
    assert!(bodies(outbox::claim(&conn, now, 8, &[]).unwrap()).is_empty());
    outbox::sent(&conn, ids[0], "SM1", now).unwrap();
    assert_eq!(bodies(outbox::claim(&conn, now, 8, &[]).unwrap()), ["deux"]);
    // A paused channel is left alone.
    conn.execute(
        "UPDATE outbox SET status = 'pending', next_attempt_at = 0 WHERE body = 'trois'",
        [],
    )
    .unwrap();
    let paused = outbox::claim(&conn, now, 8, &[comptoir::engine::Channel::Sms]).unwrap();
    assert!(paused.is_empty());
}

mod email {
    use super::*;
    use crate::fakes::resend::{FakeResend, KEY};
    use comptoir::channels::signatures::svix_sign;
    use comptoir::config::ResendChannel;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn shop(dir: &Path, resend: &FakeResend) -> TestApp {
        let app = TestApp::spawn_in(dir, |c| {
            c.public_url = Some(PUBLIC.into());
            c.channels.resend = ResendChannel {
                api_key: Some(Secret::new(KEY)),
                from: Some("Élégance Paris <bonjour@elegance-paris.test>".into()),
                webhook_secret: Some(Secret::new(SECRET)),
                api_url: resend.served.base.clone(),
            };
        });
        seed(dir);
        app
    }

    fn event(email_id: &str, from: &str, subject: &str) -> String {
        serde_json::json!({"type": "email.received", "created_at": "2026-11-12T09:00:00.000Z",
            "data": {"email_id": email_id, "created_at": "2026-11-12T09:00:00.000Z", "from": from,
                     "to": ["bonjour@elegance-paris.test"], "bcc": [], "cc": [], "received_for": [],
                     "message_id": "<envelope@mail.example>", "subject": subject, "attachments": []}})
        .to_string()
    }

    fn deliver(client: &Client, id: &str, body: &str, now: i64, secret: &str) -> u16 {
        let signature = svix_sign(secret, id, now, body.as_bytes()).unwrap();
        let stamp = now.to_string();
        client
            .post_signed(
                "/webhooks/resend",
                &[
                    ("svix-id", id),
                    ("svix-timestamp", &stamp),
                    ("svix-signature", &signature),
                ],
                body,
            )
            .status
    }

    fn wait_for_mail(resend: &FakeResend, n: usize) {
        wait_until(&format!("{n} mails at Resend"), || resend.sent().len() >= n);
    }

    #[test]
    fn a_signed_email_is_answered_in_its_thread() {
        let resend = FakeResend::start();
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path(), &resend);
        let now = crate::common::start_time().as_second();
        resend.receive(
            "rcv-1",
            "Marie Lenoir <marie.lenoir@example.org>",
            "Veste en jean",
            "Bonjour,\n\nLa veste en jean délavée est disponible en taille M ?\n\nCordialement,\nMarie\n\nLe 12 nov. 2025, Élégance Paris a écrit :\n> Bonjour Marie",
            "<CAF1234@mail.example.org>",
        );
        let body = event(
            "rcv-1",
            "Marie Lenoir <marie.lenoir@example.org>",
            "Veste en jean",
        );
        assert_eq!(deliver(&app.client(), "msg_1", &body, now, SECRET), 200);
        wait_for_mail(&resend, 1);
        let mail = &resend.sent()[0];
        assert_eq!(mail["to"][0], "marie.lenoir@example.org");
        assert_eq!(mail["subject"], "Re: Veste en jean");
        assert_eq!(mail["headers"]["In-Reply-To"], "<CAF1234@mail.example.org>");
        let text = mail["text"].as_str().unwrap();
        assert!(text.contains("Veste en Jean Délavée"), "{text}");
        // The inbox keeps the whole mail, quotes and signature included.
        let stored: String = db(tmp.path())
            .query_row(
                "SELECT body FROM messages WHERE author = 'shopper'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(stored.contains("> Bonjour Marie"));
        // A repeated event is acknowledged and changes nothing.
        assert_eq!(deliver(&app.client(), "msg_1", &body, now, SECRET), 200);
        let count: i64 = db(tmp.path())
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 1);
    }

    #[test]
    fn unsigned_stale_or_unfetchable_events_store_nothing() {
        let resend = FakeResend::start();
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path(), &resend);
        let client = app.client();
        let now = crate::common::start_time().as_second();
        let body = event("rcv-2", "paul@example.org", "Horaires");
        assert_eq!(
            client
                .post_signed("/webhooks/resend", &[("svix-id", "msg_2")], &body)
                .status,
            403,
            "unsigned"
        );
        let other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        assert_eq!(
            deliver(&client, "msg_2", &body, now, other),
            403,
            "another secret"
        );
        assert_eq!(
            deliver(&client, "msg_2", &body, now - 600, SECRET),
            403,
            "ten minutes old"
        );
        // Signed, but the message cannot be fetched yet: 503, so Resend tries again.
        assert_eq!(deliver(&client, "msg_2", &body, now, SECRET), 503);
        let stored: i64 = db(tmp.path())
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, 0);
        resend.receive(
            "rcv-2",
            "paul@example.org",
            "Horaires",
            "Quels sont vos horaires ?",
            "<p2@example.org>",
        );
        assert_eq!(deliver(&client, "msg_2b", &body, now, SECRET), 200);
        wait_for_mail(&resend, 1);
        assert!(resend.sent()[0]["text"].as_str().unwrap().contains("10h"));
        // An id shaped to reach another API path is refused before any call with the key.
        for id in ["../../emails/x?limit=100", "rcv 3", "rcv/3"] {
            let body = event(id, "paul@example.org", "Horaires");
            assert_eq!(
                deliver(&client, &format!("msg_{id}"), &body, now, SECRET),
                400,
                "{id}"
            );
        }
        let stored: i64 = db(tmp.path())
            .query_row(
                "SELECT count(*) FROM messages WHERE author = 'shopper'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 1);
    }
}

mod pages {
    use super::*;

    #[test]
    fn twilio_set_up_from_the_page_answers_and_tests() {
        let twilio = FakeTwilio::start();
        let tmp = tempfile::tempdir().unwrap();
        // Only the provider's address and public_url in the file; the rest from the page.
        let app = TestApp::spawn_in(tmp.path(), |c| {
            c.public_url = Some(PUBLIC.into());
            c.channels.twilio.api_url = twilio.served.base.clone();
        });
        let owner = app.setup_owner();
        let page = owner.get("/settings/channels");
        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("{PUBLIC}/webhooks/twilio")));

        let form = |sid: &'static str, token: &'static str, enabled: bool| {
            let mut f = vec![
                ("account_sid", sid),
                ("auth_token", token),
                ("sms_from", "+33644630000"),
                ("whatsapp_from", "+33644630000"),
            ];
            if enabled {
                f.push(("enabled", "1"));
            }
            f
        };
        let bad = owner.submit(
            "/settings/channels",
            "/settings/channels/twilio",
            &form("XX123", TOKEN, true),
        );
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("commence par AC"));
        let saved = owner.submit(
            "/settings/channels",
            "/settings/channels/twilio",
            &form(SID, TOKEN, true),
        );
        assert_eq!(saved.status, 303);
        // Stored encrypted, never shown again; a blank token keeps it.
        let sealed: Vec<u8> = db(tmp.path())
            .query_row(
                "SELECT sealed FROM channel_settings WHERE provider = 'twilio'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains(TOKEN));
        assert!(!owner.get("/settings/channels").body.contains(TOKEN));
        assert_eq!(
            owner
                .submit(
                    "/settings/channels",
                    "/settings/channels/twilio",
                    &form(SID, "", true)
                )
                .status,
            303
        );

        seed(tmp.path());
        let params = inbound(
            "+33600000001",
            "Vous êtes où exactement ?",
            "SM77777777777777777777777777777777",
        );
        assert_eq!(signed(&app.client(), "/webhooks/twilio", &params), 200);
        wait_for_sent(&twilio, 1);
        assert_eq!(twilio.sent()[0].from, "+33644630000");

        // The test button reports the provider's answer, success or its exact error.
        let ok = owner.submit(
            "/settings/channels",
            "/settings/channels/twilio/test",
            &[("to", "+33600000009")],
        );
        assert!(ok.body.contains("Message de test envoyé"), "{}", ok.body);
        twilio.fail_next(&[400]);
        let refused = owner.submit(
            "/settings/channels",
            "/settings/channels/twilio/test",
            &[("to", "+33600000009")],
        );
        assert!(
            refused.body.contains("not a valid phone number"),
            "{}",
            refused.body
        );

        // Switched off on the page: its webhooks are refused.
        assert_eq!(
            owner
                .submit(
                    "/settings/channels",
                    "/settings/channels/twilio",
                    &form(SID, "", false)
                )
                .status,
            303
        );
        let params = inbound(
            "+33600000001",
            "Bonjour",
            "SM88888888888888888888888888888888",
        );
        assert_eq!(signed(&app.client(), "/webhooks/twilio", &params), 403);

        // Only an admin changes channels.
        let add = crate::common::cli(
            &[
                "--data-dir",
                tmp.path().to_str().unwrap(),
                "user",
                "add",
                "--email",
                "lea@elegance.test",
                "--role",
                "agent",
            ],
            &[],
            Some("agent-password-24\n"),
        );
        assert!(add.status.success());
        let agent = app.login("lea@elegance.test", "agent-password-24");
        assert_eq!(
            agent
                .submit(
                    "/settings/channels",
                    "/settings/channels/twilio",
                    &form(SID, TOKEN, true)
                )
                .status,
            403
        );
        assert_eq!(
            agent
                .submit(
                    "/settings/channels",
                    "/settings/channels/twilio/test",
                    &[("to", "+33600000009")]
                )
                .status,
            403
        );
    }
}

mod webchat {
    use super::*;
    use std::io::{BufRead, BufReader};

    const SITE: &str = "https://www.elegance-paris.test";

    fn shop(dir: &Path) -> TestApp {
        let app = TestApp::spawn_in(dir, |c| {
            c.channels.webchat.allowed_origins = vec![SITE.into()];
        });
        seed(dir);
        app
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into()
    }

    fn post(
        app: &TestApp,
        origin: &str,
        body: serde_json::Value,
    ) -> (u16, Option<String>, serde_json::Value) {
        let mut r = agent()
            .post(&format!("{}/widget/messages", app.base))
            .header("Origin", origin)
            .send_json(&body)
            .unwrap();
        let allow = r
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string());
        (
            r.status().as_u16(),
            allow,
            r.body_mut().read_json().unwrap_or_default(),
        )
    }

    #[test]
    fn bad_widget_requests_get_a_json_error_never_parser_text() {
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path());
        for body in [
            serde_json::json!({"text": "Bonjour", "id": "m1"}),
            serde_json::json!({"visitor": 12, "text": "Bonjour", "id": "m1"}),
            serde_json::json!(["not", "an", "object"]),
        ] {
            let (status, _, answer) = post(&app, SITE, body.clone());
            assert_eq!(status, 400, "{body}");
            assert!(answer["error"].is_string(), "{answer}");
            let text = answer.to_string();
            assert!(
                !text.contains("deserialize") && !text.contains("missing field"),
                "{text}"
            );
        }
        let raw = agent()
            .post(&format!("{}/widget/messages", app.base))
            .header("Origin", SITE)
            .header("Content-Type", "application/json")
            .send("{not json")
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        for path in [
            "/widget/messages",
            "/widget/messages?visitor=",
            "/widget/stream?after=x",
        ] {
            let mut r = agent()
                .get(&format!("{}{path}", app.base))
                .header("Origin", SITE)
                .call()
                .unwrap();
            assert_eq!(r.status().as_u16(), 400, "{path}");
            let answer: serde_json::Value = r.body_mut().read_json().unwrap_or_default();
            assert!(answer["error"].is_string(), "{path}: {answer}");
        }
        // Refusals that come from the app's own checks are JSON too.
        let mut r = agent()
            .post(&format!("{}/widget/messages", app.base))
            .header("Origin", "https://evil.example")
            .send_json(serde_json::json!({"visitor": "v-1234567890", "text": "x", "id": "m"}))
            .unwrap();
        let status = r.status().as_u16();
        assert!(status >= 400, "{status}");
        let answer: serde_json::Value = r.body_mut().read_json().unwrap_or_default();
        assert!(answer["error"].is_string(), "{answer}");
        assert!(answer["code"].is_string(), "{answer}");
    }

    #[test]
    fn a_visitor_posts_and_reads_the_reply_on_the_stream() {
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path());
        let visitor = "7f3a9c1e-2b4d-4e8f";
        let (status, allow, answer) = post(
            &app,
            SITE,
            serde_json::json!({"visitor": visitor, "text": "Vous avez la robe fleurie bleue en 38 ?", "id": "m1"}),
        );
        assert_eq!(status, 200);
        assert_eq!(allow.as_deref(), Some(SITE));
        assert!(
            answer["reply"]
                .as_str()
                .unwrap()
                .contains("Robe Fleurie Bleue")
        );
        // The same reply arrives on the event stream.
        let response = agent()
            .get(&format!(
                "{}/widget/stream?visitor={visitor}&after=0",
                app.base
            ))
            .header("Origin", SITE)
            .call()
            .unwrap();
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "text/event-stream"
        );
        let mut lines = BufReader::new(response.into_body().into_reader()).lines();
        let mut next_event = || {
            let mut event = Vec::new();
            for line in lines.by_ref() {
                let line = line.unwrap();
                if line.is_empty() && !event.is_empty() {
                    break;
                }
                event.push(line);
            }
            assert!(event.contains(&"event: message".to_string()), "{event:?}");
            let data = event.iter().find_map(|l| l.strip_prefix("data: ")).unwrap();
            serde_json::from_str::<serde_json::Value>(data).unwrap()
        };
        // From the start, as a reloaded page asks: the visitor's own message, then the
        // reply, so the history is whole.
        let mine = next_event();
        assert_eq!(mine["author"], "shopper");
        assert_eq!(mine["body"], "Vous avez la robe fleurie bleue en 38 ?");
        let data = next_event();
        assert_eq!(data["author"], "bot");
        assert_eq!(data["body"], answer["reply"]);
        // Sent again (a flaky connection): recognised, not answered twice.
        let (_, _, again) = post(
            &app,
            SITE,
            serde_json::json!({"visitor": visitor, "text": "Vous avez la robe fleurie bleue en 38 ?", "id": "m1"}),
        );
        assert_eq!(again["duplicate"], true);
        let holds: i64 = db(tmp.path())
            .query_row("SELECT count(*) FROM reservations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(holds, 1);
    }

    #[test]
    fn other_sites_big_messages_and_floods_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path());
        let (status, _, _) = post(
            &app,
            "https://evil.example",
            serde_json::json!({"visitor": "visitor-0001", "text": "Bonjour", "id": "a"}),
        );
        assert_eq!(status, 403);
        let preflight = agent()
            .options(&format!("{}/widget/messages", app.base))
            .header("Origin", SITE)
            .header("Access-Control-Request-Method", "POST")
            .call()
            .unwrap();
        assert_eq!(preflight.status().as_u16(), 204);
        assert_eq!(
            preflight
                .headers()
                .get("access-control-allow-origin")
                .unwrap(),
            SITE
        );
        let (status, _, answer) = post(
            &app,
            SITE,
            serde_json::json!({"visitor": "visitor-0001", "text": "a".repeat(1001), "id": "b"}),
        );
        assert_eq!(status, 413);
        assert!(answer["error"].as_str().unwrap().contains("1000"));
        let mut statuses = Vec::new();
        for i in 0..21 {
            let (status, _, _) = post(
                &app,
                SITE,
                serde_json::json!({"visitor": "visitor-0002", "text": "Bonjour", "id": format!("f{i}")}),
            );
            statuses.push(status);
        }
        assert!(statuses[..20].iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(statuses[20], 429);
    }

    #[test]
    fn the_site_is_allowed_from_the_channels_page() {
        let tmp = tempfile::tempdir().unwrap();
        let app = TestApp::spawn_in(tmp.path(), |_| {});
        let owner = app.setup_owner();
        let hello = serde_json::json!({"visitor": "visitor-0009", "text": "Bonjour", "id": "p1"});
        assert_eq!(
            post(&app, SITE, hello.clone()).0,
            403,
            "no site allowed yet"
        );
        let bad = owner.submit(
            "/settings/channels",
            "/settings/channels/webchat",
            &[
                ("enabled", "1"),
                ("allowed_origins", "www.elegance-paris.test/boutique"),
            ],
        );
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("sans chemin"));
        let saved = owner.submit(
            "/settings/channels",
            "/settings/channels/webchat",
            &[("enabled", "1"), ("allowed_origins", &format!("{SITE}/"))],
        );
        assert_eq!(saved.status, 303);
        assert!(
            owner
                .get("/settings/channels")
                .body
                .contains("assets/widget.js")
        );
        assert_eq!(post(&app, SITE, hello.clone()).0, 200);
        let off = owner.submit(
            "/settings/channels",
            "/settings/channels/webchat",
            &[("allowed_origins", SITE)],
        );
        assert_eq!(off.status, 303);
        assert_eq!(post(&app, SITE, hello).0, 403, "switched off");
    }

    #[test]
    fn a_visitor_asking_for_a_human_leaves_an_email() {
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path());
        let visitor = "visitor-0003";
        let (_, _, answer) = post(
            &app,
            SITE,
            serde_json::json!({"visitor": visitor, "text": "Je veux parler à quelqu'un svp", "id": "h1"}),
        );
        assert_eq!(answer["handoff"], true);
        let leave = |email: &str| {
            agent()
                .post(&format!("{}/widget/contact", app.base))
                .header("Origin", SITE)
                .send_json(serde_json::json!({"visitor": visitor, "email": email}))
                .unwrap()
                .status()
                .as_u16()
        };
        assert_eq!(leave("pas-une-adresse"), 400);
        assert_eq!(leave("Marie@Example.org"), 200);
        let stored: String = db(tmp.path())
            .query_row(
                "SELECT contact_email FROM conversations WHERE contact = ?1",
                [format!("visitor:{visitor}")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, "marie@example.org");
    }
}

#[test]
fn in_a_browser_the_widget_on_the_shops_site_answers() {
    use crate::browser::Browser;
    use crate::fakes::Served;

    // The shop's own site, on another origin, with the snippet pasted in.
    let app_base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let page_base = app_base.clone();
    let site = Served::start(move |cfg| {
        let base = page_base.clone();
        cfg.route(
            "/",
            actix_web::web::get().to(move || {
                let base = base.lock().unwrap().clone();
                async move {
                    actix_web::HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
                        "<!doctype html><html lang='fr'><head><title>Élégance Paris</title></head><body><h1>Élégance Paris</h1>\
                         <script src='{base}/assets/widget.js' data-title='Élégance Paris' data-position='left' defer></script></body></html>"
                    ))
                }
            }),
        );
    });
    let tmp = tempfile::tempdir().unwrap();
    let site_origin = site.base.clone();
    let app = TestApp::spawn_in(tmp.path(), |c| {
        c.channels.webchat.allowed_origins = vec![site_origin]
    });
    *app_base.lock().unwrap() = app.base.clone();
    seed(tmp.path());

    let Some(b) = Browser::start_or_skip() else {
        return;
    };
    b.open(&format!("{}/", site.base));
    let host = "[data-comptoir]";
    let bubble = b.find_in_shadow(host, ".bubble");
    b.click_element(&bubble);
    b.wait_for_shadow_text(host, "Élégance Paris");
    let hours_chip = b.find_in_shadow(host, ".chip:nth-child(3)");
    b.click_element(&hours_chip);
    b.wait_for_shadow_text(host, "10h à 19h");
    let input = b.find_in_shadow(host, "form.say input");
    b.type_into(&input, "Vous avez la robe fleurie bleue en 38 ?");
    let send = b.find_in_shadow(host, "form.say button.send");
    b.click_element(&send);
    b.wait_for_shadow_text(host, "Robe Fleurie Bleue en 38");
    let holds: i64 = db(tmp.path())
        .query_row("SELECT count(*) FROM reservations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(holds, 1);
    // Shown once as sent, not again when the server's copy comes back.
    let question = "Vous avez la robe fleurie bleue en 38 ?";
    assert_eq!(b.shadow_text(host).matches(question).count(), 1);

    // After a reload, the whole exchange is back: the visitor's own words too.
    b.open(&format!("{}/", site.base));
    let bubble = b.find_in_shadow(host, ".bubble");
    b.click_element(&bubble);
    b.wait_for_shadow_text(host, "Robe Fleurie Bleue en 38");
    let history = b.shadow_text(host);
    assert_eq!(history.matches(question).count(), 1, "{history}");
    let input = b.find_in_shadow(host, "form.say input");
    let send = b.find_in_shadow(host, "form.say button.send");

    // A visitor writing English gets the e-mail prompt in English after a handoff,
    // though the page is French.
    b.type_into(&input, "I'd like to talk to a real person please");
    b.click_element(&send);
    b.wait_for_shadow_text(host, "Leave your e-mail to get the answer");
    let email = b.find_in_shadow(host, "form.email input");
    b.type_into(&email, "mary@example.com");
    let ok = b.find_in_shadow(host, "form.email button");
    b.click_element(&ok);
    b.wait_for_shadow_text(host, "Thank you! The team will reply to mary@example.com");
}

mod inbox {
    use super::*;

    #[test]
    fn the_team_takes_over_replies_hands_back_and_closes() {
        let twilio = FakeTwilio::start();
        let tmp = tempfile::tempdir().unwrap();
        let app = shop(tmp.path(), &twilio);
        let owner = app.setup_owner();
        let client = app.client();
        let from = "+33600000001";
        let ask = inbound(
            from,
            "Je veux parler à quelqu'un svp",
            "SMa0000000000000000000000000000001",
        );
        assert_eq!(signed(&client, "/webhooks/twilio", &ask), 200);
        wait_for_sent(&twilio, 1);
        // Listed under Nouvelles, with the human request marked.
        let list = owner.get("/inbox?tab=nouvelles");
        assert!(list.body.contains(from), "{}", list.body);
        assert!(list.body.contains("💬"));
        let id: i64 = db(tmp.path())
            .query_row("SELECT id FROM conversations", [], |r| r.get(0))
            .unwrap();
        let page = format!("/inbox/{id}");
        assert!(owner.get(&page).body.contains("à la demande du client"));

        // A teammate answers: sent by SMS, and the bot goes quiet here.
        let empty = owner.submit(&page, &format!("{page}/reply"), &[("body", "  ")]);
        assert_eq!(empty.status, 400);
        let sent = owner.submit(
            &page,
            &format!("{page}/reply"),
            &[("body", "Bonjour, c'est Léa de la boutique !")],
        );
        assert_eq!(sent.status, 303);
        wait_for_sent(&twilio, 2);
        assert_eq!(twilio.sent()[1].body, "Bonjour, c'est Léa de la boutique !");
        assert_eq!(twilio.sent()[1].to, from);
        assert!(owner.get("/inbox?tab=en-cours").body.contains(from));
        let quiet = inbound(
            from,
            "Vous êtes ouverts dimanche ?",
            "SMa0000000000000000000000000000002",
        );
        assert_eq!(signed(&client, "/webhooks/twilio", &quiet), 200);
        let replies: i64 = db(tmp.path())
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(replies, 2, "no bot reply after the team's");
        assert!(
            owner
                .get(&page)
                .body
                .contains("Vous êtes ouverts dimanche ?")
        );

        // Handed back: the bot answers again.
        assert_eq!(
            owner
                .submit(&page, &format!("{page}/hand-back"), &[])
                .status,
            303
        );
        let again = inbound(
            from,
            "Vous êtes ouverts dimanche ?",
            "SMa0000000000000000000000000000003",
        );
        assert_eq!(signed(&client, "/webhooks/twilio", &again), 200);
        wait_for_sent(&twilio, 3);
        assert!(twilio.sent()[2].body.contains("fermés"));

        // Roles: a read-only member reads but cannot reply, hand back or close.
        let add = crate::common::cli(
            &[
                "--data-dir",
                tmp.path().to_str().unwrap(),
                "user",
                "add",
                "--email",
                "ro@elegance.test",
                "--role",
                "read_only",
            ],
            &[],
            Some("read-only-pass-24\n"),
        );
        assert!(add.status.success());
        let reader = app.login("ro@elegance.test", "read-only-pass-24");
        assert_eq!(reader.get(&page).status, 200);
        assert_eq!(
            reader
                .submit(&page, &format!("{page}/reply"), &[("body", "coucou")])
                .status,
            403
        );
        assert_eq!(
            reader.submit(&page, &format!("{page}/close"), &[]).status,
            403
        );

        assert_eq!(
            owner.submit(&page, &format!("{page}/close"), &[]).status,
            303
        );
        assert!(owner.get("/inbox?tab=fermees").body.contains(from));
        assert!(!owner.get("/inbox?tab=chatbot").body.contains(from));
    }
}

#[test]
fn channels_without_keys_are_not_shown_as_on() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let page = owner.get("/settings/channels").body;
    for card in ["id=\"twilio\"", "id=\"resend\""] {
        let start = page.find(card).unwrap();
        let end = page[start..].find("</section>").unwrap() + start;
        let section = &page[start..end];
        assert!(!section.contains("checked"), "{section}");
    }
}
