//! The Integrations, Produits and Commandes pages, against the fake Shopify.

use std::time::Duration;

use rusqlite::Connection;

use crate::common::{Client, TestApp, poll_until};
use crate::fakes::shopify::{FakeShopify, TOKEN};

const SHOP: &str = "elegance-paris.myshopify.com";

fn wait_for_sync(owner: &Client) {
    let mut fragment = String::new();
    let done = poll_until(Duration::from_secs(60), || {
        fragment = owner.get("/settings/integrations/1/progress").body;
        assert!(!fragment.contains("échouée"), "sync failed: {fragment}");
        fragment.contains("✅")
    });
    assert!(done, "the sync did not finish: {fragment}");
}

#[test]
fn connecting_shopify_from_the_page_syncs_and_fills_products_and_orders() {
    let shopify = FakeShopify::start();
    let base = shopify.served.base.clone();
    let app = TestApp::spawn_with(|c| c.shopify.api_url = Some(base));
    let owner = app.setup_owner();
    let page = owner.get("/products");
    assert!(page.body.contains("Aucune boutique connectée"));

    // Mistakes are explained next to the field, and nothing is saved.
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify",
        &[("shop", "elegance-paris.com"), ("token", TOKEN)],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("Ce n'est pas un domaine Shopify"),
        "{}",
        r.body
    );
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify",
        &[("shop", SHOP), ("token", "shpat_wrong")],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("refuse l'accès (401)"),
        "the store's own answer is shown: {}",
        r.body
    );
    assert!(
        r.body.contains("Invalid API key or access token"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("Reconnexion nécessaire"),
        "no store was created"
    );

    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify",
        &[("shop", SHOP), ("token", TOKEN)],
    );
    assert_eq!(
        (r.status, r.location()),
        (303, "/settings/integrations?ok=connected")
    );
    wait_for_sync(&owner);
    let page = owner.get("/settings/integrations").body;
    assert!(
        page.contains("47 produits · 156 variantes · 12 commandes (30 jours) · 89 clients"),
        "{page}"
    );
    assert!(page.contains("Connecté"));

    // Counts and pages: 47 products by 25 make two pages; a page past the end shows
    // the last one.
    let first = owner.get("/products").body;
    assert!(
        first.contains("47 produits · 156 variantes · page 1/2"),
        "{first}"
    );
    let last = owner.get("/products?page=9").body;
    assert!(last.contains("page 2/2"), "{last}");
    assert!(!last.contains("rel=\"next\""), "no page after the last");
    assert_eq!(first.matches("<details class=\"card product\"").count(), 25);
    assert_eq!(last.matches("<details class=\"card product\"").count(), 22);
    let products = owner.get("/products?q=EP-001").body;
    assert!(products.contains("Robe Fleurie Bleue"), "{products}");
    assert!(
        products.contains("Boutique Paris : <strong>2</strong>"),
        "stock per location: {products}"
    );
    assert!(
        !products.contains("Blazer Croisé Marine"),
        "search narrows the list"
    );
    // Words in any order, each anywhere in the product.
    let words = owner.get("/products?q=robe%20bleue").body;
    assert!(words.contains("Robe Fleurie Bleue"), "{words}");
    assert!(!words.contains("Blazer Croisé Marine"), "{words}");
    let reversed = owner.get("/products?q=bleue%20fleurie").body;
    assert!(reversed.contains("Robe Fleurie Bleue"), "{reversed}");
    let orders = owner.get("/orders").body;
    assert!(orders.contains("#1012") && orders.contains("#1001"));
    assert!(
        orders.contains("6A00600000010"),
        "tracking numbers are shown"
    );
    let one = owner.get("/orders?q=%231004").body;
    assert!(one.contains("#1004") && !one.contains("#1005"));

    // Settings: frequency and which locations count as the shop.
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/1",
        &[
            ("sync_minutes", "5"),
            ("reservation_hours", "48"),
            ("in_shop", "1"),
            ("in_shop", "2"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let conn = Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    let (minutes, hours, shops): (i64, i64, i64) = conn
        .query_row(
            "SELECT sync_minutes, reservation_hours, (SELECT sum(in_shop) FROM locations) FROM stores",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((minutes, hours, shops), (5, 48, 2));
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/1",
        &[("sync_minutes", "7"), ("reservation_hours", "24")],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("5, 15, 30 ou 60 minutes"));

    // Resync from the page, then disconnect: the catalogue goes, the page says so.
    let before = shopify.calls("ComptoirProducts");
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/1/sync",
        &[],
    );
    assert_eq!(r.status, 303);
    let called = poll_until(Duration::from_secs(30), || {
        shopify.calls("ComptoirProducts") != before
    });
    assert!(called, "resync did not call Shopify");
    wait_for_sync(&owner);
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/1/remove",
        &[],
    );
    assert_eq!(r.status, 303);
    assert!(
        owner
            .get("/products")
            .body
            .contains("Aucune boutique connectée")
    );
    let left: i64 = conn
        .query_row("SELECT count(*) FROM variants", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn only_admins_change_integrations() {
    let shopify = FakeShopify::start();
    let base = shopify.served.base.clone();
    let app = TestApp::spawn_with(|c| c.shopify.api_url = Some(base));
    let owner = app.setup_owner();
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify",
        &[("shop", SHOP), ("token", TOKEN)],
    );
    assert_eq!(r.status, 303);
    wait_for_sync(&owner);
    for role in ["agent", "read_only", "order_manager"] {
        let r = owner.submit(
            "/settings/members",
            "/settings/members",
            &[
                ("email", &format!("{role}@elegance.test")),
                ("password", "temporary-pass-1"),
                ("role", role),
            ],
        );
        assert_eq!(r.status, 303);
        let c = app.login(&format!("{role}@elegance.test"), "temporary-pass-1");
        let page = c.get("/settings/integrations");
        assert_eq!(page.status, 200);
        assert!(
            !page.body.contains("Resynchroniser maintenant"),
            "{role} sees no admin buttons"
        );
        assert!(
            c.get("/products?q=robe")
                .body
                .contains("Robe Fleurie Bleue"),
            "{role} reads the catalogue"
        );
        for action in [
            "/settings/integrations/1/sync",
            "/settings/integrations/1/remove",
            "/settings/integrations/shopify",
        ] {
            let r = c.submit("/settings", action, &[("shop", SHOP), ("token", TOKEN)]);
            assert_eq!(r.status, 403, "{role} POST {action}");
        }
    }
    assert!(
        owner
            .get("/products?q=robe")
            .body
            .contains("Robe Fleurie Bleue"),
        "nothing was removed"
    );
}

#[test]
fn connecting_prestashop_from_the_page_checks_the_key_first() {
    use crate::fakes::prestashop::{FakePresta, KEY};
    let presta = FakePresta::start();
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let url = presta.served.base.clone();
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/prestashop",
        &[("url", &url), ("key", "WRONG")],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("Authentication key is not active"),
        "{}",
        r.body
    );
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/prestashop",
        &[("url", "boutique"), ("key", KEY)],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("adresse complète du site"));
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/prestashop",
        &[("url", &url), ("key", KEY)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    wait_for_sync(&owner);
    assert!(
        owner
            .get("/products?q=EP-001")
            .body
            .contains("Stock PrestaShop : <strong>2</strong>"),
        "stock at the PrestaShop location"
    );
}

#[test]
fn woocommerce_from_the_page_gets_a_webhook_secret_to_paste() {
    use crate::fakes::woocommerce::{FakeWoo, KEY, SECRET};
    let woo = FakeWoo::start();
    let app = TestApp::spawn_with(|c| c.public_url = Some("https://comptoir.example.com".into()));
    let owner = app.setup_owner();
    let url = woo.served.base.clone();
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/woocommerce",
        &[("url", &url), ("key", KEY), ("secret", "cs_wrong")],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("Sorry, you cannot list resources."),
        "{}",
        r.body
    );
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/woocommerce",
        &[("url", &url), ("key", KEY), ("secret", SECRET)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    wait_for_sync(&owner);
    let page = owner.get("/settings/integrations").body;
    assert!(
        page.contains("https://comptoir.example.com/webhooks/woocommerce/1"),
        "{page}"
    );
    let secret = page
        .split("Secret</dt><dd><code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(secret.len(), 64);
    // Deliveries signed with it are accepted; the key never shows to other roles.
    let body = r#"{"id": 999, "name": "Robe", "slug": "robe", "type": "simple", "status": "publish", "sku": "X-1", "price": "10.00", "stock_quantity": 4, "stock_status": "instock"}"#;
    let signature = comptoir::stores::webhooks::sign(secret.as_bytes(), body.as_bytes());
    let r = app.client().post_signed(
        "/webhooks/woocommerce/1",
        &[
            ("X-WC-Webhook-Topic", "product.updated"),
            ("X-WC-Webhook-Delivery-ID", "1"),
            ("X-WC-Webhook-Signature", &signature),
        ],
        body,
    );
    assert_eq!(r.status, 200);
    assert!(
        owner
            .get("/products?q=X-1")
            .body
            .contains("Stock WooCommerce : <strong>4</strong>")
    );
    let r = owner.submit(
        "/settings/members",
        "/settings/members",
        &[
            ("email", "ro@elegance.test"),
            ("password", "temporary-pass-1"),
            ("role", "read_only"),
        ],
    );
    assert_eq!(r.status, 303);
    let ro = app.login("ro@elegance.test", "temporary-pass-1");
    assert!(!ro.get("/settings/integrations").body.contains(&secret));
}
