//! Store webhooks over HTTP: signatures checked (constant time), deliveries deduplicated,
//! changes applied; a tampered delivery changes nothing.

use std::path::Path;

use comptoir::stores::webhooks::sign;
use rusqlite::Connection;
use serde_json::json;

use crate::common::{Client, Resp, TestApp, cli, text};
use crate::fakes::shopify::{FakeShopify, TOKEN};
use crate::fakes::woocommerce::{FakeWoo, KEY, SECRET};

const SHOP: &str = "elegance-paris.myshopify.com";
const APP_SECRET: &str = "shpss_fake_app_secret";

fn post(c: &Client, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    c.post_signed(path, headers, body)
}

fn shopify_hook(c: &Client, topic: &str, id: &str, body: &str, signature: &str) -> Resp {
    post(
        c,
        "/webhooks/shopify",
        &[
            ("X-Shopify-Topic", topic),
            ("X-Shopify-Shop-Domain", SHOP),
            ("X-Shopify-Webhook-Id", id),
            ("X-Shopify-Hmac-Sha256", signature),
            ("X-Shopify-API-Version", "2026-07"),
        ],
        body,
    )
}

fn available(dir: &Path, sku: &str, location: &str) -> i64 {
    Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row(
            "SELECT s.available FROM stock_levels s JOIN variants v ON v.id = s.variant_id
             JOIN locations l ON l.id = s.location_id WHERE v.sku = ?1 AND l.external_id = ?2",
            [sku, location],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn shopify_webhooks_are_subscribed_verified_deduplicated_and_applied() {
    let shopify = FakeShopify::start();
    let base = shopify.served.base.clone();
    let app = TestApp::spawn_with(|c| {
        c.shopify.api_url = Some(base);
        c.public_url = Some("https://comptoir.example.com".into());
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
    assert_eq!(
        (r.status, r.location()),
        (303, "/settings/integrations?ok=connected")
    );
    let subs = shopify.state.lock().unwrap().subscriptions.clone();
    assert_eq!(subs.len(), 9);
    assert!(
        subs.iter()
            .all(|(_, uri)| uri == "https://comptoir.example.com/webhooks/shopify")
    );
    assert!(subs.iter().any(|(t, _)| t == "INVENTORY_LEVELS_UPDATE"));
    // Wait for the first sync to have loaded the catalogue.
    assert!(
        crate::common::poll_until(std::time::Duration::from_secs(60), || {
            owner
                .get("/settings/integrations/1/progress")
                .body
                .contains("✅")
        }),
        "first sync did not finish"
    );
    assert!(
        owner
            .get("/settings/integrations")
            .body
            .contains("Mises à jour instantanées : actives")
    );
    let dir = &app.data_dir;
    assert_eq!(available(dir, "EP-001-38", "61001"), 2);

    let c = app.client();
    let sale = json!({"inventory_item_id": 47200000002u64, "location_id": 61001, "available": 1, "updated_at": "2026-11-22T10:00:00+01:00"}).to_string();
    let good = sign(APP_SECRET.as_bytes(), sale.as_bytes());
    assert_eq!(
        shopify_hook(&c, "inventory_levels/update", "w-1", &sale, &good).status,
        200
    );
    assert_eq!(
        available(dir, "EP-001-38", "61001"),
        1,
        "applied within the request"
    );

    // Tampered body, missing signature, wrong secret, unknown shop: 401, nothing changes.
    let tampered = sale.replace("\"available\":1", "\"available\":9");
    assert_ne!(tampered, sale);
    assert_eq!(
        shopify_hook(&c, "inventory_levels/update", "w-2", &tampered, &good).status,
        401
    );
    assert_eq!(
        shopify_hook(&c, "inventory_levels/update", "w-3", &tampered, "").status,
        401
    );
    let wrong = sign(b"another secret", tampered.as_bytes());
    assert_eq!(
        shopify_hook(&c, "inventory_levels/update", "w-4", &tampered, &wrong).status,
        401
    );
    let r = post(
        &c,
        "/webhooks/shopify",
        &[
            ("X-Shopify-Topic", "inventory_levels/update"),
            ("X-Shopify-Shop-Domain", "other.myshopify.com"),
            ("X-Shopify-Webhook-Id", "w-5"),
            ("X-Shopify-Hmac-Sha256", &good),
        ],
        &sale,
    );
    assert_eq!(r.status, 401);
    assert_eq!(available(dir, "EP-001-38", "61001"), 1);

    // A repeated delivery (same webhook id) is acknowledged and ignored.
    let later = sale.replace("\"available\":1", "\"available\":5");
    let signed = sign(APP_SECRET.as_bytes(), later.as_bytes());
    assert_eq!(
        shopify_hook(&c, "inventory_levels/update", "w-1", &later, &signed).status,
        200
    );
    assert_eq!(available(dir, "EP-001-38", "61001"), 1);

    // Product updates and deletions.
    let products: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/assets/demo/products.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let mut robe = products["products"][0].clone();
    robe["title"] = json!("Robe Fleurie Bleue Nuit");
    let body = robe.to_string();
    assert_eq!(
        shopify_hook(
            &c,
            "products/update",
            "w-6",
            &body,
            &sign(APP_SECRET.as_bytes(), body.as_bytes())
        )
        .status,
        200
    );
    assert!(
        owner
            .get("/products?q=EP-001")
            .body
            .contains("Robe Fleurie Bleue Nuit")
    );
    let gone = json!({"id": 8100000001u64}).to_string();
    assert_eq!(
        shopify_hook(
            &c,
            "products/delete",
            "w-7",
            &gone,
            &sign(APP_SECRET.as_bytes(), gone.as_bytes())
        )
        .status,
        200
    );
    assert!(
        !owner
            .get("/products?q=EP-001")
            .body
            .contains("Robe Fleurie")
    );

    // Uninstalling the app disconnects the store cleanly: no more polling, keys forgotten.
    let bye = json!({"id": 99001, "name": "Élégance Paris"}).to_string();
    assert_eq!(
        shopify_hook(
            &c,
            "app/uninstalled",
            "w-8",
            &bye,
            &sign(APP_SECRET.as_bytes(), bye.as_bytes())
        )
        .status,
        200
    );
    let (status, credentials): (String, Option<Vec<u8>>) =
        Connection::open(dir.join("comptoir.db"))
            .unwrap()
            .query_row("SELECT status, credentials FROM stores", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
    assert_eq!((status.as_str(), credentials), ("disconnected", None));
    assert!(
        owner
            .get("/settings/integrations")
            .body
            .contains("désinstallée")
    );
}

#[test]
fn woocommerce_webhooks_ping_signature_and_replay() {
    let woo = FakeWoo::start();
    let app = TestApp::spawn();
    let d = app.data_dir.to_str().unwrap().to_string();
    let out = cli(
        &[
            "--data-dir",
            &d,
            "store",
            "add",
            "woocommerce",
            "--url",
            &woo.served.base,
            "--key",
            KEY,
            "--secret",
            SECRET,
            "--webhook-secret",
            "wc_hook_secret",
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(cli(&["--data-dir", &d, "sync"], &[], None).status.success());
    let c = app.client();

    // WooCommerce pings a new webhook, unsigned, with a form body.
    let ping = c.post_raw(
        "/webhooks/woocommerce/1",
        "application/x-www-form-urlencoded",
        "webhook_id=12",
    );
    assert_eq!(ping.status, 200);

    let mut order = woo
        .state
        .lock()
        .unwrap()
        .orders
        .iter()
        .find(|o| o["number"] == "1003")
        .unwrap()
        .clone();
    order["status"] = json!("completed");
    order["meta_data"] = json!([{"id": 9, "key": "_wc_shipment_tracking_items", "value": [{"tracking_provider": "Colissimo", "tracking_number": "6A99", "custom_tracking_link": ""}]}]);
    let body = order.to_string();
    let headers = |id: &'static str, sig: String| {
        vec![
            ("X-WC-Webhook-Topic", "order.updated".to_string()),
            ("X-WC-Webhook-Delivery-ID", id.to_string()),
            ("X-WC-Webhook-Signature", sig),
        ]
    };
    let send = |id: &'static str, sig: String, body: &str| {
        let h = headers(id, sig);
        let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        post(&c, "/webhooks/woocommerce/1", &h, body)
    };
    assert_eq!(
        send("d-1", String::new(), &body).status,
        401,
        "unsigned JSON is refused"
    );
    assert_eq!(
        send("d-1", sign(b"wrong", body.as_bytes()), &body).status,
        401
    );
    assert_eq!(
        send("d-1", sign(b"wc_hook_secret", body.as_bytes()), &body).status,
        200
    );
    let tracking = |conn: &Connection| -> (String, String) {
        conn.query_row(
            "SELECT tracking_number, fulfillment_status FROM orders WHERE name = '#1003'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let conn = Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    assert_eq!(tracking(&conn), ("6A99".into(), "fulfilled".into()));
    // A replay of the same delivery changes nothing.
    order["meta_data"] = json!([]);
    let replay = order.to_string();
    assert_eq!(
        send("d-1", sign(b"wc_hook_secret", replay.as_bytes()), &replay).status,
        200
    );
    assert_eq!(tracking(&conn).0, "6A99");
}
