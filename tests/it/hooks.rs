//! Outgoing webhooks over HTTP to a receiver that checks each signature with the
//! Standard Webhooks (Svix) verifier, itself tested against the published vectors:
//! events written with the change, signed deliveries, retries against a failing
//! receiver, "Renvoyer", 410 disabling the endpoint, and the private-address guard.

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use comptoir::channels::signatures::svix_verify;
use jiff::SignedDuration;

use crate::common::{Client, TestApp, wait_until};
use crate::fakes::Served;

#[derive(Default)]
struct Inbox {
    /// (webhook-id, event type, signature valid, status answered)
    got: Vec<(String, String, bool, u16)>,
    /// Statuses to answer next, then 200.
    answers: Vec<u16>,
    secret: String,
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    inbox: web::Data<Arc<Mutex<Inbox>>>,
) -> HttpResponse {
    let h = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut i = inbox.lock().unwrap();
    // The app's clock is the test's, not the receiver's: the signature is checked at
    // the delivery's own time (the verifier's freshness window is tested elsewhere).
    let at: i64 = h("webhook-timestamp").parse().unwrap_or(0);
    let valid = svix_verify(
        &i.secret,
        &h("webhook-id"),
        &h("webhook-timestamp"),
        &body,
        &h("webhook-signature"),
        at,
    )
    .is_ok();
    let kind = serde_json::from_slice::<serde_json::Value>(&body)
        .map(|v| v["type"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let status = if i.answers.is_empty() {
        200
    } else {
        i.answers.remove(0)
    };
    i.got.push((h("webhook-id"), kind, valid, status));
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body("ok")
}

fn receiver() -> (Served, Arc<Mutex<Inbox>>) {
    let inbox = Arc::new(Mutex::new(Inbox::default()));
    let shared = inbox.clone();
    let served = Served::start(move |cfg| {
        cfg.app_data(web::Data::new(shared.clone()))
            .route("/hook", web::post().to(receive));
    });
    (served, inbox)
}

fn add(owner: &Client, url: &str, events: &[&str], private: bool) -> crate::common::Resp {
    let mut form = vec![("url", url)];
    form.extend(events.iter().map(|e| ("event", *e)));
    if private {
        form.push(("allow_private", "on"));
    }
    owner.submit("/settings/webhooks", "/settings/webhooks", &form)
}

fn chat(app: &TestApp, visitor: &str, id: &str, text: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent
        .post(&format!("{}/widget/messages", app.base))
        .header("Origin", "https://www.elegance-paris.test")
        .send_json(serde_json::json!({"visitor": visitor, "text": text, "id": id}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[test]
fn events_go_out_signed_retried_resent_and_stop_on_410() {
    let (served, inbox) = receiver();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let app = TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec!["https://www.elegance-paris.test".into()];
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let url = format!("{}/hook", served.base);

    // Loopback is refused unless the admin allows it.
    let refused = add(&owner, &url, &["message.created"], false);
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("réseau local"), "{}", refused.body);
    let made = add(
        &owner,
        &url,
        &["conversation.created", "message.created", "hold.created"],
        true,
    );
    assert_eq!(made.status, 200, "{}", made.body);
    let at = made.body.find("whsec_").expect("the secret is shown once");
    let secret: String = made.body[at..].chars().take_while(|c| *c != '<').collect();
    inbox.lock().unwrap().secret = secret.clone();
    assert!(!owner.get("/settings/webhooks").body.contains(&secret));

    // A shopper writes: the conversation, their message and the bot's reply go out,
    // each signed; the receiver fails twice first.
    inbox.lock().unwrap().answers = vec![500, 503];
    chat(
        &app,
        "v-hook-1",
        "m1",
        "Vous avez la robe fleurie bleue en 38 ?",
    );
    wait_until("first attempts", || inbox.lock().unwrap().got.len() >= 2);
    // Retries wait their backoff (up to 30 s, then doubling); the clock moves past it.
    wait_until("every event tried", || inbox.lock().unwrap().got.len() >= 4);
    app.clock.advance(SignedDuration::from_mins(2));
    wait_until("the failed ones retried, with the same webhook-id", || {
        let i = inbox.lock().unwrap();
        let failed: Vec<&String> = i.got.iter().filter(|g| g.3 >= 500).map(|g| &g.0).collect();
        failed.len() == 2
            && failed
                .iter()
                .all(|id| i.got.iter().any(|g| &g.0 == *id && g.3 == 200))
    });
    {
        let i = inbox.lock().unwrap();
        assert!(i.got.iter().all(|g| g.2), "{:?}", i.got);
        let kinds: Vec<&str> = i.got.iter().map(|g| g.1.as_str()).collect();
        for k in ["conversation.created", "message.created", "hold.created"] {
            assert!(kinds.contains(&k), "{kinds:?}");
        }
    }
    let log = owner.get("/settings/webhooks");
    assert!(
        log.body.contains("Remis") && log.body.contains("500"),
        "{}",
        log.body
    );

    // "Renvoyer" sends a delivery again.
    let before = inbox.lock().unwrap().got.len();
    let conn = rusqlite::Connection::open(dir.join("comptoir.db")).unwrap();
    let delivery: i64 = conn
        .query_row(
            "SELECT max(id) FROM webhook_deliveries WHERE status = 'delivered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let r = owner.submit(
        "/settings/webhooks",
        &format!("/settings/webhooks/deliveries/{delivery}/resend"),
        &[],
    );
    assert_eq!(r.status, 303);
    wait_until("resent", || inbox.lock().unwrap().got.len() > before);

    // 410 Gone: the endpoint is disabled, with a notice, and gets nothing more.
    inbox.lock().unwrap().answers = vec![410];
    chat(&app, "v-hook-1", "m2", "merci !");
    wait_until("disabled", || {
        owner.get("/settings/webhooks").body.contains("410 Gone")
    });
    let count = inbox.lock().unwrap().got.len();
    chat(&app, "v-hook-1", "m3", "au revoir");
    app.clock.advance(SignedDuration::from_mins(10));
    let pending: i64 = conn
        .query_row(
            "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 0);
    assert_eq!(inbox.lock().unwrap().got.len(), count);
}
