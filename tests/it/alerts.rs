//! Back-in-stock and price alerts over real HTTP, with the fake Shopify, Twilio and
//! Resend: the offer in an out-of-stock answer, "oui", the stock raised by a signed
//! Shopify webhook, exactly one alert per subscriber within the shop's batch rules,
//! "oui" to the alert making the hold; STOP; e-mail double opt-in with single-use,
//! expiring links; the Alertes page and its export; a variant that left the catalogue.

use comptoir::assistant::Assistant;
use comptoir::clock::Clock;
use comptoir::config::{ResendChannel, Secret, TwilioChannel};
use comptoir::stores::webhooks::sign;
use jiff::SignedDuration;
use rusqlite::Connection;
use serde_json::json;

use crate::channels::{inbound, signed};
use crate::common::{Client, TestApp, poll_until, wait_until};
use crate::fakes::resend::{FakeResend, KEY as RESEND_KEY};
use crate::fakes::shopify::{FakeShopify, TOKEN};
use crate::fakes::twilio::{FakeTwilio, SID, TOKEN as TWILIO_TOKEN};

const PUBLIC: &str = "https://comptoir.elegance-paris.test";
const SHOP: &str = "elegance-paris.myshopify.com";
const APP_SECRET: &str = "shpss_fake_app_secret";

struct Shop {
    app: TestApp,
    owner: Client,
    twilio: FakeTwilio,
    resend: FakeResend,
    _shopify: FakeShopify,
}

/// A shop selling through Shopify (the demo catalogue), with SMS and e-mail set up.
fn shop() -> Shop {
    let shopify = FakeShopify::start();
    let twilio = FakeTwilio::start();
    let resend = FakeResend::start();
    let (s, t, r) = (
        shopify.served.base.clone(),
        twilio.served.base.clone(),
        resend.served.base.clone(),
    );
    let app = TestApp::spawn_with(|c| {
        c.shopify.api_url = Some(s);
        c.public_url = Some(PUBLIC.into());
        c.channels.twilio = TwilioChannel {
            account_sid: Some(SID.into()),
            auth_token: Some(Secret::new(TWILIO_TOKEN)),
            sms_from: Some("+33644630000".into()),
            whatsapp_from: Some("whatsapp:+33644630000".into()),
            api_url: t,
        };
        c.channels.webchat.allowed_origins = vec!["https://www.elegance-paris.test".into()];
        c.channels.resend = ResendChannel {
            api_key: Some(Secret::new(RESEND_KEY)),
            from: Some("Élégance Paris <bonjour@elegance-paris.test>".into()),
            webhook_secret: None,
            api_url: r,
        };
    });
    let owner = app.setup_owner();
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify",
        &[
            ("shop", SHOP),
            ("token", TOKEN),
            ("webhook_secret", APP_SECRET),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        poll_until(std::time::Duration::from_secs(60), || {
            owner
                .get("/settings/integrations/1/progress")
                .body
                .contains("✅")
        }),
        "first sync did not finish"
    );
    Shop {
        app,
        owner,
        twilio,
        resend,
        _shopify: shopify,
    }
}

fn db(app: &TestApp) -> Connection {
    Connection::open(app.data_dir.join("comptoir.db")).unwrap()
}

/// The texts Twilio was asked to send to `to`, in order.
fn texts_to(twilio: &FakeTwilio, to: &str) -> Vec<String> {
    twilio
        .sent()
        .into_iter()
        .filter(|s| s.to == to)
        .map(|s| s.body)
        .collect()
}

/// An SMS from `from`; waits for the `n`th message Twilio gets for them (the reply).
fn sms(shop: &Shop, from: &str, body: &str, sid: &str, n: usize) -> String {
    assert_eq!(
        signed(
            &shop.app.client(),
            "/webhooks/twilio",
            &inbound(from, body, sid)
        ),
        200
    );
    wait_until(&format!("reply {n} to {from}"), || {
        texts_to(&shop.twilio, from).len() >= n
    });
    texts_to(&shop.twilio, from)[n - 1].clone()
}

fn statuses(app: &TestApp) -> Vec<(String, String)> {
    db(app)
        .prepare("SELECT recipient, status FROM alerts ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A Shopify webhook, signed with the store's secret.
fn shopify_hook(shop: &Shop, topic: &str, id: &str, body: &str) {
    let signature = sign(APP_SECRET.as_bytes(), body.as_bytes());
    let r = shop.app.client().post_signed(
        "/webhooks/shopify",
        &[
            ("X-Shopify-Topic", topic),
            ("X-Shopify-Shop-Domain", SHOP),
            ("X-Shopify-Webhook-Id", id),
            ("X-Shopify-Hmac-Sha256", &signature),
            ("X-Shopify-API-Version", "2026-07"),
        ],
        body,
    );
    assert_eq!(r.status, 200);
}

fn stock_hook(shop: &Shop, id: &str, available: i64) {
    let body = json!({"inventory_item_id": 47200000003u64, "location_id": 61001,
        "available": available, "updated_at": "2026-11-22T10:00:00+01:00"});
    shopify_hook(shop, "inventory_levels/update", id, &body.to_string());
}

/// One round of the notices job, as the server runs it, at the shop's clock.
fn round(app: &TestApp) -> comptoir::notices::Report {
    let mut conn = db(app);
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    comptoir::notices::round(&mut conn, &Assistant::default(), PUBLIC, app.clock.now()).unwrap()
}

fn save_rules(owner: &Client, per_unit: &str, extra: &[(&str, &str)]) {
    let mut form = vec![
        ("enabled", "on"),
        ("per_unit", per_unit),
        ("batch_minutes", "60"),
        ("min_stock", "1"),
        ("price_drop_percent", "10"),
    ];
    form.extend_from_slice(extra);
    let r = owner.submit("/alerts", "/alerts/rules", &form);
    assert_eq!(
        (r.status, r.location()),
        (303, "/alerts?done=rules"),
        "{}",
        r.body
    );
}

#[test]
fn an_out_of_stock_answer_brings_the_shopper_back_when_the_size_returns() {
    let shop = shop();
    save_rules(&shop.owner, "1", &[]);
    let (a, b, c) = ("+33600000101", "+33600000102", "+33600000103");
    for (i, who) in [a, b, c].iter().enumerate() {
        let offer = sms(
            &shop,
            who,
            "Bonjour, vous avez la robe fleurie bleue en 40 ?",
            &format!("SM-q{i}"),
            1,
        );
        assert!(
            offer.contains("plus la Robe Fleurie Bleue en 40")
                && offer.contains("Voulez-vous que je vous prévienne dès qu'elle revient ?"),
            "{offer}"
        );
        let yes = sms(&shop, who, "oui merci", &format!("SM-y{i}"), 2);
        assert!(
            yes.contains("Je vous préviens ici dès qu'elle revient"),
            "{yes}"
        );
        assert!(yes.contains("STOP"), "{yes}");
    }
    // STOP: C's alert ends, and Twilio (which confirms opt-outs itself) gets nothing.
    assert_eq!(
        signed(
            &shop.app.client(),
            "/webhooks/twilio",
            &inbound(c, "STOP", "SM-stop")
        ),
        200
    );
    wait_until("C unsubscribed", || {
        statuses(&shop.app).contains(&(c.to_string(), "unsubscribed".to_string()))
    });

    // One dress comes back at the shop: with one shopper per unit, the oldest is told.
    stock_hook(&shop, "w-back-1", 1);
    wait_until("A's alert", || texts_to(&shop.twilio, a).len() == 3);
    let alert = &texts_to(&shop.twilio, a)[2];
    assert!(
        alert.contains("retour en boutique de la Robe Fleurie Bleue en 40")
            && alert.contains("89\u{a0}€")
            && alert.contains("https://elegance-paris.myshopify.com/products/robe-fleurie-bleue")
            && alert.contains("Voulez-vous que je vous la mette de côté ?"),
        "{alert}"
    );
    assert_eq!(
        statuses(&shop.app),
        [
            (a.to_string(), "sent".to_string()),
            (b.to_string(), "active".to_string()),
            (c.to_string(), "unsubscribed".to_string()),
        ]
    );
    // Before the shop's interval, the next batch waits, even though stock remains.
    assert_eq!(round(&shop.app).alerts, 0);
    shop.app.clock.advance(SignedDuration::from_mins(61));
    save_rules(&shop.owner, "1", &[]);
    wait_until("B's alert", || texts_to(&shop.twilio, b).len() == 3);
    assert!(texts_to(&shop.twilio, b)[2].contains("Bonne nouvelle"));

    // "Oui" to the alert puts the dress aside for A.
    let held = sms(&shop, a, "oui !", "SM-hold", 4);
    assert!(held.contains("mise de côté"), "{held}");
    let hold: (String, String) = db(&shop.app)
        .query_row(
            "SELECT item_key, status FROM reservations WHERE contact = ?1",
            [a],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(hold, ("EP-001-40".to_string(), "active".to_string()));
    // Exactly once: another round sends nothing more, and C never heard again.
    assert_eq!(round(&shop.app).queued(), 0);
    assert_eq!(texts_to(&shop.twilio, a).len(), 4);
    assert_eq!(texts_to(&shop.twilio, b).len(), 3);
    assert_eq!(texts_to(&shop.twilio, c).len(), 2);

    // The Alertes page counts them; the export lists each subscription.
    let page = shop.owner.get("/alerts");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("2 alertes envoyées"), "{}", page.body);
    let csv = shop.owner.get("/alerts/alertes.csv");
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(csv.body.lines().count(), 4, "{}", csv.body);
    assert!(csv.body.contains("+33600000103,désinscrit"), "{}", csv.body);

    // A variant that leaves the catalogue closes its alerts, without a crash.
    let d = "+33600000104";
    sms(
        &shop,
        d,
        "vous avez la robe fleurie bleue en 40 ?",
        "SM-d1",
        1,
    );
    sms(&shop, d, "oui", "SM-d2", 2);
    let body = json!({"id": 8100000001u64}).to_string();
    shopify_hook(&shop, "products/delete", "w-gone", &body);
    wait_until("D's alert closed", || {
        statuses(&shop.app).contains(&(d.to_string(), "closed".to_string()))
    });
}

#[test]
fn a_price_drop_alert_waits_for_the_shops_percentage() {
    let shop = shop();
    let who = "+33600000201";
    let answer = sms(
        &shop,
        who,
        "prévenez-moi si le prix de la robe fleurie bleue en 38 baisse",
        "SM-p1",
        1,
    );
    assert!(
        answer.contains("si le prix de la Robe Fleurie Bleue en 38 baisse"),
        "{answer}"
    );
    // The product as Shopify sends it on a change: the demo's, with a new price.
    let price_hook = |id: &str, price: &str| {
        let demo: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/assets/demo/products.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let mut product = demo["products"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["handle"] == "robe-fleurie-bleue")
            .unwrap()
            .clone();
        for v in product["variants"].as_array_mut().unwrap() {
            v["price"] = json!(price);
        }
        product["updated_at"] = json!("2026-11-22T10:00:00+01:00");
        shopify_hook(&shop, "products/update", id, &product.to_string());
    };
    // 5 % off is under the shop's 10 %: nothing; 20 % off: the alert, once.
    price_hook("w-p1", "84.55");
    assert_eq!(round(&shop.app).alerts, 0);
    price_hook("w-p2", "71.20");
    wait_until("price alert", || texts_to(&shop.twilio, who).len() == 2);
    let alert = &texts_to(&shop.twilio, who)[1];
    assert!(
        alert.contains("71,20\u{a0}€ au lieu de 89\u{a0}€"),
        "{alert}"
    );
    assert_eq!(round(&shop.app).alerts, 0);

    // The team subscribes the same shopper from the product panel, for the size that
    // is out; a second time is refused in words.
    let conversation: i64 = db(&shop.app)
        .query_row(
            "SELECT id FROM conversations WHERE contact = ?1",
            [who],
            |r| r.get(0),
        )
        .unwrap();
    let variant: i64 = db(&shop.app)
        .query_row("SELECT id FROM variants WHERE sku = 'EP-001-40'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let page = format!("/inbox/{conversation}?product=robe+fleurie+bleue");
    let panel = shop.owner.get(&page);
    assert!(
        panel.body.contains("Prévenir ce client au retour"),
        "{}",
        panel.body
    );
    let action = format!("/inbox/{conversation}/alert");
    let variant = variant.to_string();
    let r = shop.owner.submit(&page, &action, &[("variant", &variant)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let by: Option<i64> = db(&shop.app)
        .query_row(
            "SELECT created_by FROM alerts WHERE item_key = 'EP-001-40' AND status = 'active'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(by.is_some());
    let again = shop.owner.submit(&page, &action, &[("variant", &variant)]);
    assert!(
        again.body.contains("attend déjà le retour"),
        "{}",
        again.body
    );
}

/// The web chat's visitor, through the widget's API.
fn widget(app: &TestApp, visitor: &str, id: &str, text: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(&format!("{}/widget/messages", app.base))
        .header("Origin", "https://www.elegance-paris.test")
        .send_json(json!({"visitor": visitor, "text": text, "id": id}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let answer: serde_json::Value = r.body_mut().read_json().unwrap();
    answer["reply"].as_str().unwrap_or_default().to_string()
}

fn link_in(mail: &serde_json::Value, path: &str) -> String {
    let text = mail["text"].as_str().unwrap();
    let at = text.find(&format!("{PUBLIC}{path}")).expect(text);
    let link: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches(PUBLIC).to_string()
}

#[test]
fn email_alerts_are_confirmed_once_by_a_link_that_expires() {
    let shop = shop();
    let visitor = "v-4d1c0f7e2a9b";
    let offer = widget(
        &shop.app,
        visitor,
        "m1",
        "Do you have the blue floral dress in 40?",
    );
    assert!(
        offer.contains("let you know as soon as it is back"),
        "{offer}"
    );
    let ask = widget(&shop.app, visitor, "m2", "yes please");
    assert!(ask.contains("e-mail address"), "{ask}");
    let done = widget(&shop.app, visitor, "m3", "jane.doe@example.org");
    assert!(
        done.contains("sent an e-mail to jane.doe@example.org"),
        "{done}"
    );
    // Unconfirmed: never notified, even with the dress back.
    assert_eq!(statuses(&shop.app)[0].1, "unconfirmed");
    wait_until("confirmation e-mail", || !shop.resend.sent().is_empty());
    let mail = shop.resend.sent()[0].clone();
    assert_eq!(mail["to"][0], "jane.doe@example.org");
    assert!(
        mail["subject"]
            .as_str()
            .unwrap()
            .starts_with("Confirm your alert")
    );
    let link = link_in(&mail, "/alertes/confirmer/");
    stock_hook(&shop, "w-e1", 2);
    assert_eq!(round(&shop.app).alerts, 0);

    // The link opens a page (mail scanners open links too); the click confirms, once.
    let c = shop.app.client();
    let page = c.get(&link);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Confirm my alert"), "{}", page.body);
    assert_eq!(statuses(&shop.app)[0].1, "unconfirmed");
    let confirmed = c.post(&link, &[]);
    assert_eq!(confirmed.status, 200);
    assert!(confirmed.body.contains("Confirmed"), "{}", confirmed.body);
    let again = c.post(&link, &[]);
    assert!(again.body.contains("no longer valid") || again.body.contains("plus valable"));

    // Confirmed, and the dress is back: the alert e-mail, with its unsubscribe link.
    wait_until("alert e-mail", || shop.resend.sent().len() >= 2);
    let alert = shop.resend.sent()[1].clone();
    assert!(
        alert["subject"]
            .as_str()
            .unwrap()
            .starts_with("Back in stock")
    );
    assert!(
        alert["text"]
            .as_str()
            .unwrap()
            .contains("is back in the shop")
    );
    let unsubscribe = link_in(&alert, "/alertes/desinscription/");
    let page = c.get(&unsubscribe);
    assert!(page.body.contains("Unsubscribe"), "{}", page.body);
    assert_eq!(c.post(&unsubscribe, &[]).status, 200);

    // A link not used within 48 hours expires, and its alert closes.
    let late = "v-91aa3c5d7e0f";
    widget(
        &shop.app,
        late,
        "n1",
        "vous avez la robe portefeuille noire en 38 ?",
    );
    widget(&shop.app, late, "n2", "oui");
    widget(&shop.app, late, "n3", "paul@example.org");
    wait_until("second confirmation", || {
        shop.resend
            .sent()
            .iter()
            .any(|m| m["to"][0] == "paul@example.org")
    });
    let mail = shop
        .resend
        .sent()
        .into_iter()
        .find(|m| m["to"][0] == "paul@example.org")
        .unwrap();
    let link = link_in(&mail, "/alertes/confirmer/");
    shop.app.clock.advance(SignedDuration::from_hours(49));
    round(&shop.app);
    assert!(statuses(&shop.app).contains(&("paul@example.org".to_string(), "closed".to_string())));
    let expired = c.post(&link, &[]);
    assert!(expired.body.contains("plus valable"), "{}", expired.body);
}

#[test]
fn a_change_of_platform_keeps_alerts_holds_and_the_conversation_by_sku() {
    use crate::fakes::woocommerce::{FakeWoo, KEY, SECRET};
    let shop = shop();
    save_rules(&shop.owner, "1", &[]);
    let who = "+33600000301";
    // An alert on the size that is out, a hold of the size that is in.
    sms(
        &shop,
        who,
        "Bonjour, vous avez la robe fleurie bleue en 40 ?",
        "SM-sw1",
        1,
    );
    let yes = sms(&shop, who, "oui merci", "SM-sw2", 2);
    assert!(yes.contains("Je vous préviens"), "{yes}");
    let held = sms(
        &shop,
        who,
        "Et la robe fleurie bleue en 38, vous l'avez ?",
        "SM-sw3",
        3,
    );
    assert!(held.contains("de côté"), "{held}");
    let row = |sql: &str| -> (Option<i64>, String, String) {
        db(&shop.app)
            .query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
    };
    let (store, alert_key, _) = row("SELECT store_id, item_key, status FROM alerts");
    let (_, hold_key, _) = row("SELECT store_id, item_key, status FROM reservations");
    assert_eq!(store, Some(1));

    // The shop leaves Shopify for WooCommerce.
    let r = shop.owner.submit(
        "/settings/integrations",
        "/settings/integrations/1/remove",
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        row("SELECT store_id, item_key, status FROM alerts"),
        (None, alert_key.clone(), "active".to_string()),
        "kept while no store sells it"
    );
    let woo = FakeWoo::start();
    let r = shop.owner.submit(
        "/settings/integrations",
        "/settings/integrations/woocommerce",
        &[
            ("url", woo.served.base.as_str()),
            ("key", KEY),
            ("secret", SECRET),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // The new store sells the same SKU: the alert follows it, still waiting.
    let woo_store = || -> Option<i64> {
        db(&shop.app)
            .query_row(
                "SELECT id FROM stores WHERE platform = 'woocommerce'",
                [],
                |r| r.get(0),
            )
            .ok()
    };
    wait_until("the alert taken over by the new store", || {
        woo_store().is_some()
            && row("SELECT store_id, item_key, status FROM alerts").0 == woo_store()
    });
    assert_eq!(
        row("SELECT store_id, item_key, status FROM alerts"),
        (woo_store(), alert_key, "active".to_string())
    );
    // The hold and the conversation are the same as before.
    let (_, key, status) = row("SELECT store_id, item_key, status FROM reservations");
    assert_eq!((key, status), (hold_key, "active".to_string()));
    let messages: i64 = db(&shop.app)
        .query_row(
            "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE c.contact = ?1",
            [who],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(messages, 6);
    let page = shop.owner.get("/alerts");
    assert!(page.body.contains("Robe Fleurie Bleue"), "{}", page.body);
}
