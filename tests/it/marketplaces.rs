//! Marketplaces over real HTTP, against fakes that check every request and answer
//! against the official models: Amazon's orders imported through Login with Amazon and
//! the Orders API v0 under its usage plans (throttling waited out on the test's clock),
//! FBA and FBM, no double across re-polls, an update applied, an expired token renewed,
//! a revoked authorisation stopping the polling with "Reconnexion nécessaire" and
//! nothing lost.

use std::path::Path;

use comptoir::clock::Clock;
use jiff::SignedDuration;
use rusqlite::Connection;

use crate::common::{TestApp, cli, text, wait_until, widget_says};
use crate::fakes::amazon::{self, CLIENT_ID, CLIENT_SECRET, FakeAmazon, REFRESH_TOKEN};
use crate::fakes::swagger::Spec;
use serde_json::json;

fn one(dir: &Path, sql: &str) -> i64 {
    Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn runs(dir: &Path, store: &str) -> i64 {
    one(
        dir,
        &format!(
            "SELECT count(*) FROM sync_runs WHERE store_id = {store} AND outcome <> 'running'"
        ),
    )
}

/// Adds a store with `comptoir store add …` on the data directory; its id.
fn add_store(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["--data-dir", dir.to_str().unwrap(), "store", "add"];
    all.extend_from_slice(args);
    let added = cli(&all, &[], None);
    assert!(added.status.success(), "{}", text(&added.stderr));
    text(&added.stdout).trim().to_string()
}

/// How many of a store's orders match `filter` (an SQL condition after AND).
fn orders_of(dir: &Path, store: &str, filter: &str) -> i64 {
    one(
        dir,
        &format!("SELECT count(*) FROM orders WHERE store_id = {store} {filter}"),
    )
}

/// Why a store stopped: its last error, once it is disconnected.
fn disconnected_error(dir: &Path, store: &str) -> String {
    Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row(
            &format!(
                "SELECT last_error FROM stores WHERE id = {store} AND status = 'disconnected'"
            ),
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// Reconnects a stopped store from its card with a new secret; waits until it is
/// connected again.
fn reconnect_with(owner: &crate::common::Client, dir: &Path, store: &str, secret: &str) {
    let r = owner.submit(
        "/settings/integrations",
        &format!("/settings/integrations/{store}/credentials"),
        &[("token", secret)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    wait_until("connected again", || {
        one(
            dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}"),
        ) == 1
    });
}

/// Asks a store's sync from its card and waits for a run begun after the request.
fn sync_now(owner: &crate::common::Client, dir: &Path, store: &str) {
    let last = one(
        dir,
        &format!("SELECT COALESCE(max(id), 0) FROM sync_runs WHERE store_id = {store}"),
    );
    let r = owner.submit(
        "/settings/integrations",
        &format!("/settings/integrations/{store}/sync"),
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    wait_until("the sync finished", || {
        one(
            dir,
            &format!(
                "SELECT count(*) FROM sync_runs WHERE store_id = {store} AND id > {last}
                 AND outcome <> 'running'"
            ),
        ) > 0
    });
}

#[test]
fn amazon_orders_come_in_paced_once_each_and_stop_when_revoked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let app = TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec![crate::common::WIDGET_ORIGIN.into()];
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let fake = FakeAmazon::start(app.clock.clone(), amazon::orders(250, app.clock.now()));
    // The first call for lines is throttled whatever the bucket says.
    fake.with(|s| s.throttle_next = 1);

    let d = dir.to_str().unwrap();
    let bad = cli(
        &[
            "--data-dir",
            d,
            "store",
            "add",
            "amazon",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--refresh-token",
            REFRESH_TOKEN,
            "--marketplaces",
            "FR,XX",
        ],
        &[],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("`XX` is not a marketplace"));
    let store = add_store(
        &dir,
        &[
            "amazon",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--refresh-token",
            REFRESH_TOKEN,
            "--marketplaces",
            "FR,UK",
            "--api-url",
            &fake.served.base,
        ],
    );
    let sync = || sync_now(&owner, &dir, &store);

    // 250 orders: 3 pages of getOrders, 250 getOrderItems beyond the burst of 30, so
    // the connector waits for its bucket (on the test's clock) and the throttled call
    // is retried. Every request and answer conformed to Amazon's model.
    sync();
    let count = |sql: &str| orders_of(&dir, &store, sql);
    assert_eq!(count(""), 250, "{:?}", fake.with(|s| s.problems.clone()));
    assert_eq!(count("AND fulfillment_channel = 'FBA'"), 125);
    assert_eq!(count("AND marketplace = 'Amazon.co.uk'"), 84);
    assert_eq!(count("AND cancelled_at IS NOT NULL"), 50);
    assert_eq!(
        one(
            &dir,
            &format!(
                "SELECT count(*) FROM order_lines l JOIN orders o ON o.id = l.order_id
             WHERE o.store_id = {store} AND l.sku = 'RFB-38'"
            )
        ),
        250
    );
    let (pages, items, throttled, grants, problems) = fake.with(|s| {
        (
            s.order_pages,
            s.item_calls,
            s.throttled,
            s.token_grants,
            s.problems.clone(),
        )
    });
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((pages, items, grants), (3, 250, 1));
    assert_eq!(throttled, 1, "the buckets kept to the usage plan");
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}")
        ),
        1
    );

    // Correspondances: Amazon's SKUs are not the catalogue's; each is mapped, one by one
    // or by CSV (refused whole, every bad line named).
    let card = owner.get("/settings/integrations");
    assert!(
        card.body.contains("2 référence(s) sans correspondance"),
        "{}",
        card.body
    );
    let page = owner.get("/settings/mappings");
    assert!(page.body.contains("RFB-38") && page.body.contains("ECH-SOIE"));
    // One by one with a search of the catalogue, from the marketplace's own title (its
    // extra words dropped until something matches).
    assert!(page.body.contains("Chercher dans le catalogue"));
    let found = owner.get(&format!(
        "/settings/mappings?store={store}&ref=RFB-38&q=Robe+Fleurie+Bleue+taille+38+femme"
    ));
    assert!(
        found.body.contains("Associer « RFB-38 »") && found.body.contains("EP-001-38"),
        "{}",
        found.body
    );
    let before = owner.get(&format!("/orders?source={store}")).body;
    assert!(before.contains("sans correspondance"), "{before}");
    assert!(!before.contains("Robe Fleurie Bleue · 38"), "{before}");
    let map = |external: &str, sku: &str| {
        owner.submit(
            "/settings/mappings",
            "/settings/mappings",
            &[
                ("store", store.as_str()),
                ("external", external),
                ("sku", sku),
            ],
        )
    };
    let r = map("RFB-38", "NOPE-1");
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("n'existe pas dans le catalogue"),
        "{}",
        r.body
    );
    assert_eq!(map("RFB-38", "EP-001-38").status, 303);
    let csv = |text: &str| {
        owner.post_multipart(
            "/settings/mappings",
            "/settings/mappings/import",
            &[("file", Some("correspondances.csv"), text.as_bytes())],
        )
    };
    let r = csv(
        "marketplace;reference_marketplace;sku_catalogue\nAmazon;ECH-SOIE;NOPE-2\neBay;X-1;EP-001-38\n",
    );
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Ligne 2") && r.body.contains("Ligne 3"),
        "{}",
        r.body
    );
    assert_eq!(
        one(&dir, "SELECT count(*) FROM sku_mappings"),
        1,
        "nothing saved from a refused file"
    );
    let template = owner.get("/settings/mappings/modele-correspondances.csv");
    assert!(
        template
            .body
            .starts_with("marketplace;reference_marketplace;sku_catalogue")
    );
    assert!(
        template.body.contains("Amazon;ECH-SOIE;"),
        "{}",
        template.body
    );
    let r = csv("marketplace;reference_marketplace;sku_catalogue\nAmazon;ECH-SOIE;EP-001-40\n");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("1 correspondance(s) enregistrée(s)"));
    let card = owner.get("/settings/integrations");
    assert!(
        card.body
            .contains("chaque référence vendue est reliée au catalogue")
    );

    // Commandes: the source as a badge, and a filter by it.
    let list = owner.get(&format!("/orders?source={store}"));
    assert!(list.body.contains("250 commandes"), "{}", list.body);
    assert!(list.body.contains("Amazon.co.uk") && list.body.contains("FBM"));
    // Its lines are named by the catalogue through the correspondences.
    assert!(
        list.body.contains("Robe Fleurie Bleue · 38") && !list.body.contains("sans correspondance"),
        "{}",
        list.body
    );
    let all = owner.get("/orders");
    assert!(all.body.contains("Toutes les provenances"));
    let demo = one(&dir, "SELECT count(*) FROM orders");
    assert!(
        all.body.contains(&format!("{demo} commandes")),
        "{}",
        all.body
    );

    // The assistant: Amazon hides its buyers' contact, so an order number is answered
    // only with the postcode or name it ships to; a stranger learns nothing.
    let order = "402-1000003-7000003";
    let asked = widget_says(
        &app,
        "v-amazon-1",
        &format!("Bonjour, où en est ma commande {order} ?"),
    );
    assert!(
        asked.contains("code postal ou le nom de livraison"),
        "{asked}"
    );
    let wrong = widget_says(&app, "v-amazon-1", "75001");
    assert!(wrong.contains("ne correspond pas"), "{wrong}");
    assert!(
        !wrong.contains("en route") && !wrong.contains("69004"),
        "{wrong}"
    );
    let told = widget_says(&app, "v-amazon-1", "c'est le 69004");
    assert!(told.contains(order) && told.contains("en route"), "{told}");
    let stranger = widget_says(&app, "v-amazon-2", &format!("where is order {order}?"));
    assert!(!stranger.contains("on its way"), "{stranger}");
    for guess in ["75002", "Martin", "13001"] {
        let r = widget_says(&app, "v-amazon-2", guess);
        assert!(!r.contains("on its way"), "{r}");
    }

    // A re-poll brings no double; an order shipped since is updated in place.
    let id = fake.with(|s| {
        let (o, _) = &mut s.orders[1];
        o["OrderStatus"] = "Shipped".into();
        o["LastUpdateDate"] = (app.clock.now() + SignedDuration::from_mins(1))
            .to_string()
            .into();
        o["AmazonOrderId"].as_str().unwrap().to_string()
    });
    app.clock.advance(SignedDuration::from_mins(5));
    sync();
    assert_eq!(count(""), 250);
    // The re-poll's overlap brought known orders again: counted as doubles prevented.
    assert!(
        one(
            &dir,
            &format!("SELECT sum(orders_known) FROM sync_runs WHERE store_id = {store}")
        ) >= 1
    );
    let card = owner.get("/settings/integrations").body;
    assert!(card.contains("Doublons évités"), "{card}");
    // What came in today is what was new, however often it was received again.
    assert!(card.contains("250 importée(s) aujourd'hui"), "{card}");
    assert_eq!(
        one(
            &dir,
            &format!(
                "SELECT fulfillment_status = 'fulfilled' FROM orders WHERE external_id = '{id}'"
            )
        ),
        1
    );

    // Amazon says the token expired: renewed once, the sync goes on.
    // (Each sync starts with a fresh token: one grant, plus the renewal.)
    let grants = fake.with(|s| s.token_grants);
    fake.with(|s| s.expire_next = true);
    sync();
    assert_eq!(fake.with(|s| s.token_grants), grants + 2);
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}")
        ),
        1
    );

    // The seller revoked the app: "Reconnexion nécessaire", polling stops, nothing lost.
    fake.with(|s| s.refresh_valid = false);
    app.clock.advance(SignedDuration::from_hours(2));
    sync();
    let (status, error): (String, String) = Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row(
            &format!("SELECT status, last_error FROM stores WHERE id = {store}"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "disconnected");
    assert!(error.contains("Reconnexion nécessaire"), "{error}");
    assert!(!error.contains(REFRESH_TOKEN) && !error.contains(CLIENT_SECRET));
    assert_eq!(count(""), 250);
    let page = owner.get("/settings/integrations");
    assert!(
        page.body.contains("Reconnexion nécessaire"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(CLIENT_SECRET));
}

/// The negative control: what the fake would let through if the checks were empty.
#[test]
fn bad_requests_and_bodies_are_caught() {
    let spec = Spec::load("amazon_selling_partner_api_models__ordersV0.json");
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert!(
        spec.check_query(
            "/orders/v0/orders",
            "get",
            &q(&[
                ("MarketplaceIds", "A13V1IB3VIYZZH"),
                ("LastUpdatedAfter", "2026-11-01T00:00:00Z")
            ])
        )
        .is_empty()
    );
    let missing = spec.check_query("/orders/v0/orders", "get", &q(&[("LastUpdatedAfter", "x")]));
    assert!(
        missing.iter().any(|p| p.contains("MarketplaceIds")),
        "{missing:?}"
    );
    let unknown = spec.check_query(
        "/orders/v0/orders",
        "get",
        &q(&[
            ("MarketplaceIds", "A"),
            ("PageSize", "10"),
            ("MaxResultsPerPage", "ten"),
        ]),
    );
    assert_eq!(unknown.len(), 2, "{unknown:?}");
    let bad = json!({"payload": {"Orders": [{"AmazonOrderId": "1", "OrderStatus": "Lost",
        "LastUpdateDate": "x"}]}});
    let problems = spec.check("GetOrdersResponse", &bad);
    assert!(
        problems.iter().any(|p| p.contains("PurchaseDate")),
        "{problems:?}"
    );
    assert!(problems.iter().any(|p| p.contains("Lost")), "{problems:?}");
    let good = json!({"payload": {"Orders": [{"AmazonOrderId": "1", "OrderStatus": "Shipped",
        "LastUpdateDate": "x", "PurchaseDate": "y", "OrderTotal": {"CurrencyCode": "EUR", "Amount": "1.00"}}]}});
    assert!(spec.check("GetOrdersResponse", &good).is_empty());

    // Octopia's contract: a page too large, a line without its SKU.
    let octopia = Spec::load("octopia_seller_api_v2__orders.json");
    let too_big = octopia.check_query(
        "/seller/v2/orders",
        "get",
        &q(&[("pageIndex", "0"), ("pageSize", "500")]),
    );
    assert_eq!(too_big.len(), 2, "{too_big:?}");
    let no_sku = json!({"items": [{"orderId": "1", "status": "Shipped", "createdAt": "x",
        "updatedAt": "y", "lines": [{"orderLineId": "1", "quantity": 1, "offer": {}}]}]});
    let problems = octopia.check_at("/components/schemas/OrdersPage", &no_sku);
    assert!(
        problems.iter().any(|p| p.contains("sellerProductId")),
        "{problems:?}"
    );
}

#[test]
fn amazon_is_connected_and_reconnected_from_the_integrations_page() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let clock_start = crate::common::start_time();
    let fake = FakeAmazon::start(
        comptoir::clock::ManualClock::new(clock_start),
        amazon::orders(12, clock_start),
    );
    let base = fake.served.base.clone();
    let app = TestApp::spawn_in(&dir, |c| {
        c.marketplaces.amazon_api_url = Some(base);
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let connect = |refresh: &str, markets: &[&str]| {
        let mut form = vec![
            ("name", "Amazon Europe"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", refresh),
        ];
        form.extend(markets.iter().map(|m| ("marketplace", *m)));
        owner.submit(
            "/settings/integrations",
            "/settings/integrations/amazon",
            &form,
        )
    };

    // Refused before anything is saved, each with what to do; secrets never echoed.
    let r = connect("Atzr|wrong", &["FR"]);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Reconnexion nécessaire"), "{}", r.body);
    assert!(!r.body.contains(CLIENT_SECRET) && !r.body.contains("Atzr|wrong"));
    let r = connect(REFRESH_TOKEN, &[]);
    assert!(
        r.body.contains("Cochez au moins une place de marché"),
        "{}",
        r.body
    );
    assert_eq!(
        one(
            &dir,
            "SELECT count(*) FROM stores WHERE platform = 'amazon'"
        ),
        0
    );

    // Connected: the first sync brings the orders of the chosen marketplace only.
    let r = connect(REFRESH_TOKEN, &["FR"]);
    assert_eq!(r.status, 303, "{}", r.body);
    let store = one(&dir, "SELECT id FROM stores WHERE platform = 'amazon'").to_string();
    wait_until("first sync", || runs(&dir, &store) >= 1);
    let fr = one(
        &dir,
        &format!("SELECT count(*) FROM orders WHERE store_id = {store}"),
    );
    assert_eq!(fr, 8, "the UK orders (every third) stay out");
    let page = owner.get("/settings/integrations");
    assert!(page.body.contains("sur 30 jours"), "{}", page.body);

    // Revoked, then reconnected with a new authorisation from the card.
    fake.with(|s| s.refresh_valid = false);
    let r = owner.submit(
        "/settings/integrations",
        &format!("/settings/integrations/{store}/sync"),
        &[],
    );
    assert_eq!(r.status, 303);
    wait_until("the refusal recorded", || {
        one(
            &dir,
            &format!("SELECT status = 'disconnected' FROM stores WHERE id = {store}"),
        ) == 1
    });
    let card = owner.get("/settings/integrations");
    assert!(
        card.body.contains("Nouveau jeton d'actualisation"),
        "{}",
        card.body
    );
    fake.with(|s| s.refresh_valid = true);
    reconnect_with(&owner, &dir, &store, REFRESH_TOKEN);
    assert!(fake.with(|s| s.problems.is_empty()));
}

#[test]
fn mirakl_orders_come_in_paged_with_their_tracking_and_stop_when_the_key_is_refused() {
    use crate::fakes::mirakl::{self, FakeMirakl, KEY};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let app = TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec![crate::common::WIDGET_ORIGIN.into()];
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let fake = FakeMirakl::start(mirakl::orders(230, app.clock.now()));
    // From the page, a wrong key is refused before anything is saved.
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/mirakl",
        &[
            ("name", "Fnac"),
            ("url", &fake.served.base),
            ("key", "not-the-key"),
            ("shop_id", ""),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Reconnexion nécessaire") && !r.body.contains("not-the-key"));
    assert_eq!(
        one(
            &dir,
            "SELECT count(*) FROM stores WHERE platform = 'mirakl'"
        ),
        0
    );
    let store = add_store(
        &dir,
        &[
            "mirakl",
            "--url",
            &fake.served.base,
            "--key",
            KEY,
            "--name",
            "Fnac",
        ],
    );
    let sync = || sync_now(&owner, &dir, &store);
    // Throttled twice on the way: waited out as Mirakl says (a minute each, on the
    // test's clock), the run goes on.
    fake.with(|s| s.throttle_next = 2);
    let before = app.clock.now();
    sync();
    let count = |sql: &str| orders_of(&dir, &store, sql);
    assert_eq!(count(""), 230, "{:?}", fake.with(|s| s.problems.clone()));
    assert_eq!(fake.with(|s| s.pages), 3, "pages of 100");
    assert_eq!(fake.with(|s| s.throttle_next), 0);
    assert!(app.clock.now().duration_since(before) >= SignedDuration::from_mins(2));
    assert_eq!(count("AND cancelled_at IS NOT NULL"), 57);
    assert_eq!(count("AND shipment_status = 'delivered'"), 57);
    assert_eq!(count("AND marketplace = 'Fnac · Site FR'"), 230);
    let problems = fake.with(|s| s.problems.clone());
    assert!(problems.is_empty(), "{problems:?}");

    // The shopper quotes the marketplace's number; proven by the ship-to postcode, the
    // answer carries the tracking.
    let asked = widget_says(
        &app,
        "v-fnac-1",
        "Bonjour, où en est ma commande MK-100000 ?",
    );
    assert!(asked.contains("code postal"), "{asked}");
    let told = widget_says(&app, "v-fnac-1", "33000");
    assert!(
        told.contains("MK-100000") && told.contains("6A000"),
        "{told}"
    );

    // A garbled page fails the run, to be retried; nothing half-written.
    fake.with(|s| s.garble_next = true);
    let last = one(&dir, "SELECT COALESCE(max(id), 0) FROM sync_runs");
    sync();
    assert!(
        !fake.with(|s| s.garble_next),
        "the garbled page was asked for"
    );
    assert_eq!(
        one(
            &dir,
            &format!(
                "SELECT count(*) FROM sync_runs WHERE id > {last} AND outcome = 'error' AND error LIKE '%illisible%'"
            )
        ),
        1
    );
    assert_eq!(count(""), 230);

    // A re-poll adds nothing; a refused key stops the polling, orders kept.
    sync();
    assert_eq!(count(""), 230);
    fake.with(|s| s.key_valid = false);
    sync();
    let error = disconnected_error(&dir, &store);
    assert!(
        error.contains("Reconnexion nécessaire") && !error.contains(KEY),
        "{error}"
    );
    assert_eq!(count(""), 230);
    // A new key from the card reconnects it.
    fake.with(|s| s.key_valid = true);
    reconnect_with(&owner, &dir, &store, KEY);
}

#[test]
fn ebay_orders_come_in_with_their_tracking_through_oauth_and_stop_when_revoked() {
    use crate::fakes::ebay::{self, FakeEbay};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let fake = FakeEbay::start(ebay::orders(450, crate::common::start_time()));
    let base = fake.served.base.clone();
    let app = TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec![crate::common::WIDGET_ORIGIN.into()];
        c.marketplaces.ebay_api_url = Some(base);
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    fake.with(|s| s.throttle_next = 1);
    // From the page, a refresh token eBay refuses is said so, and nothing is saved.
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/ebay",
        &[
            ("name", "eBay"),
            ("client_id", ebay::CLIENT_ID),
            ("client_secret", ebay::CLIENT_SECRET),
            ("refresh_token", "v^1.1#wrong"),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Reconnexion nécessaire") && !r.body.contains(ebay::CLIENT_SECRET));
    assert_eq!(
        one(&dir, "SELECT count(*) FROM stores WHERE platform = 'ebay'"),
        0
    );
    let store = add_store(
        &dir,
        &[
            "ebay",
            "--client-id",
            ebay::CLIENT_ID,
            "--client-secret",
            ebay::CLIENT_SECRET,
            "--refresh-token",
            ebay::REFRESH_TOKEN,
            "--api-url",
            &fake.served.base,
        ],
    );
    let sync = || sync_now(&owner, &dir, &store);
    sync();
    let count = |sql: &str| orders_of(&dir, &store, sql);
    assert_eq!(count(""), 450, "{:?}", fake.with(|s| s.problems.clone()));
    let (pages, tracking, problems) =
        fake.with(|s| (s.pages, s.tracking_calls, s.problems.clone()));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(pages, 3, "pages of 200");
    assert_eq!(
        tracking, 300,
        "tracking asked only of the orders that shipped"
    );
    assert_eq!(count("AND tracking_number <> ''"), 300);
    assert_eq!(count("AND marketplace = 'eBay.fr'"), 450);
    assert_eq!(count("AND cancelled_at IS NOT NULL"), 64);

    // The buyer, proven by the ship-to postcode, gets the tracking.
    let number = "12-10000-20000";
    let asked = widget_says(
        &app,
        "v-ebay-1",
        &format!("Bonjour, où en est ma commande {number} ?"),
    );
    assert!(asked.contains("code postal"), "{asked}");
    let told = widget_says(&app, "v-ebay-1", "44000");
    assert!(
        told.contains(number) && told.contains("LA121000020000FR"),
        "{told}"
    );

    // An expired token is renewed once; a revoked authorisation stops the polling.
    fake.with(|s| s.expire_next = true);
    sync();
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}")
        ),
        1
    );
    fake.with(|s| s.refresh_valid = false);
    sync();
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'disconnected' FROM stores WHERE id = {store}")
        ),
        1
    );
    assert_eq!(count(""), 450);
}

#[test]
fn etsy_receipts_come_in_and_each_renewed_refresh_token_is_kept() {
    use crate::fakes::etsy::{self, FakeEtsy, KEYSTRING, REFRESH_TOKEN, SHOP_ID};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let fake = FakeEtsy::start(etsy::receipts(240, crate::common::start_time()));
    let base = fake.served.base.clone();
    let app = TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec![crate::common::WIDGET_ORIGIN.into()];
        c.marketplaces.etsy_api_url = Some(base);
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let d = dir.to_str().unwrap();
    let bad = cli(
        &[
            "--data-dir",
            d,
            "store",
            "add",
            "etsy",
            "--keystring",
            KEYSTRING,
            "--refresh-token",
            REFRESH_TOKEN,
            "--shop-id",
            "ma-boutique",
        ],
        &[],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    // From the page: a shop id that is not a number is refused; then connected. The
    // check itself used the refresh token, and Etsy answered with the next one: kept.
    let connect = |shop: &str| {
        owner.submit(
            "/settings/integrations",
            "/settings/integrations/etsy",
            &[
                ("name", "Etsy"),
                ("keystring", KEYSTRING),
                ("refresh_token", REFRESH_TOKEN),
                ("shop_id", shop),
            ],
        )
    };
    let r = connect("ma-boutique");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("fait de chiffres"), "{}", r.body);
    let r = connect(SHOP_ID);
    assert_eq!(r.status, 303, "{}", r.body);
    let store = one(&dir, "SELECT id FROM stores WHERE platform = 'etsy'").to_string();
    wait_until("the first sync", || runs(&dir, &store) >= 1);
    let sync = || sync_now(&owner, &dir, &store);
    let count = |sql: &str| orders_of(&dir, &store, sql);
    assert_eq!(count(""), 240, "{:?}", fake.with(|s| s.problems.clone()));
    let problems = fake.with(|s| s.problems.clone());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(fake.with(|s| s.pages), 3);
    assert_eq!(count("AND tracking_number <> ''"), 80);
    assert_eq!(count("AND cancelled_at IS NOT NULL"), 24);

    // Etsy gave a new refresh token and refuses the old one: the next syncs use the
    // new one, again and again; the first of them throttled once, waited out.
    fake.with(|s| s.throttle_next = 1);
    sync();
    assert_eq!(fake.with(|s| s.throttle_next), 0);
    sync();
    assert_eq!(fake.with(|s| s.grants), 4, "the check, then one per sync");
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}")
        ),
        1
    );

    // The buyer quotes the receipt number and proves it with the postcode.
    let asked = widget_says(
        &app,
        "v-etsy-1",
        "Bonjour, où en est ma commande 3000000000 ?",
    );
    assert!(asked.contains("code postal"), "{asked}");
    let told = widget_says(&app, "v-etsy-1", "13001");
    assert!(
        told.contains("3000000000") && told.contains("8R00000000000"),
        "{told}"
    );
}

#[test]
fn cdiscount_orders_come_in_through_octopia_and_stop_when_the_secret_is_refused() {
    use crate::fakes::octopia::{self, CLIENT_ID, CLIENT_SECRET, FakeOctopia, SELLER_ID};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let fake = FakeOctopia::start(octopia::orders(230, crate::common::start_time()));
    let base = fake.served.base.clone();
    let app = TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec![crate::common::WIDGET_ORIGIN.into()];
        c.marketplaces.cdiscount_api_url = Some(base);
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let connect = |secret: &str, seller: &str| {
        owner.submit(
            "/settings/integrations",
            "/settings/integrations/cdiscount",
            &[
                ("name", "Cdiscount"),
                ("client_id", CLIENT_ID),
                ("client_secret", secret),
                ("seller_id", seller),
            ],
        )
    };
    // A seller number that is not one, and a secret Octopia refuses: said next to the
    // form, the secret never echoed, nothing saved.
    let r = connect(CLIENT_SECRET, "elegance");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("fait de chiffres"), "{}", r.body);
    let r = connect("not-the-secret", SELLER_ID);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("Reconnexion nécessaire") && !r.body.contains("not-the-secret"));
    let r = connect(CLIENT_SECRET, "999999");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("999999") && r.body.contains("vendeur"),
        "{}",
        r.body
    );
    assert_eq!(
        one(
            &dir,
            "SELECT count(*) FROM stores WHERE platform = 'cdiscount'"
        ),
        0
    );
    let bad = cli(
        &[
            "--data-dir",
            dir.to_str().unwrap(),
            "store",
            "add",
            "cdiscount",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
            "--seller-id",
            "boutique",
        ],
        &[],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--seller-id"));

    // Connected from the page, throttled once on the way: waited out.
    fake.with(|s| s.throttle_next = 1);
    let r = connect(CLIENT_SECRET, SELLER_ID);
    assert_eq!(r.status, 303, "{}", r.body);
    let store = one(&dir, "SELECT id FROM stores WHERE platform = 'cdiscount'").to_string();
    wait_until("the first sync", || runs(&dir, &store) >= 1);
    let count = |sql: &str| orders_of(&dir, &store, sql);
    assert_eq!(count(""), 230, "{:?}", fake.with(|s| s.problems.clone()));
    let problems = fake.with(|s| s.problems.clone());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        fake.with(|s| s.pages),
        4,
        "the connect form's check, then pages of 100"
    );
    assert_eq!(fake.with(|s| s.throttle_next), 0, "the 429 was met");
    assert_eq!(count("AND cancelled_at IS NOT NULL"), 92);
    assert_eq!(count("AND shipment_status = 'delivered'"), 46);
    assert_eq!(count("AND fulfillment_channel = 'Octopia'"), 46);
    assert_eq!(count("AND marketplace = 'Cdiscount'"), 230);
    assert_eq!(count("AND tracking_number <> ''"), 92);
    assert_eq!(
        one(
            &dir,
            &format!(
                "SELECT count(*) FROM order_lines WHERE sku = 'CD-ROBE-38' AND order_id IN
                 (SELECT id FROM orders WHERE store_id = {store})"
            )
        ),
        230
    );
    let grants = fake.with(|s| s.grants);

    // The shopper gives Cdiscount's number alone, then the ship-to postcode.
    let asked = widget_says(
        &app,
        "v-cdiscount-1",
        "Bonjour, des nouvelles de 2411300000CD000 ?",
    );
    assert!(asked.contains("code postal"), "{asked}");
    let told = widget_says(&app, "v-cdiscount-1", "69000");
    assert!(
        told.contains("2411300000CD000") && told.contains("6C000"),
        "{told}"
    );

    // A re-poll adds nothing and takes one token for the whole run (Octopia allows 500
    // an hour); a token revoked during a run is replaced once.
    let sync = || sync_now(&owner, &dir, &store);
    sync();
    assert_eq!(count(""), 230);
    assert_eq!(fake.with(|s| s.grants), grants + 1, "one token a run");
    fake.with(|s| s.revoke_next = true);
    sync();
    assert_eq!(fake.with(|s| s.grants), grants + 3);
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}")
        ),
        1
    );

    // A garbled page fails the run, to be retried; nothing half-written.
    fake.with(|s| s.garble_next = true);
    let last = one(&dir, "SELECT COALESCE(max(id), 0) FROM sync_runs");
    sync();
    assert_eq!(
        one(
            &dir,
            &format!(
                "SELECT count(*) FROM sync_runs WHERE id > {last} AND outcome = 'error' AND error LIKE '%illisible%'"
            )
        ),
        1
    );
    assert_eq!(count(""), 230);

    // The secret revoked: polling stops with "Reconnexion nécessaire", orders kept; a
    // new secret from the card reconnects it.
    fake.with(|s| {
        s.secret_valid = false;
        s.revoke_next = true;
    });
    sync();
    let error = disconnected_error(&dir, &store);
    assert!(
        error.contains("Reconnexion nécessaire") && !error.contains(CLIENT_SECRET),
        "{error}"
    );
    assert_eq!(count(""), 230);
    let page = owner.get("/settings/integrations");
    assert!(page.body.contains("Nouveau secret client"), "{}", page.body);
    fake.with(|s| s.secret_valid = true);
    reconnect_with(&owner, &dir, &store, CLIENT_SECRET);
    assert!(fake.with(|s| s.problems.is_empty()));
}

/// Follows one redirect of a marketplace's consent screen (a plain agent: the browser).
fn consent_redirect(url: &str) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent.get(url).call().unwrap();
    assert_eq!(r.status().as_u16(), 302, "{url}");
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string()
}

/// The path and query of an address on the appliance.
fn on_app(app: &TestApp, url: &str) -> String {
    url.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{url} is not on {}", app.base))
        .to_string()
}

#[test]
fn etsy_and_ebay_are_authorised_through_their_consent_screens() {
    use crate::fakes::ebay::{self, FakeEbay};
    use crate::fakes::etsy::{self, FakeEtsy, KEYSTRING, SHOP_ID};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let fake_etsy = FakeEtsy::start(etsy::receipts(12, crate::common::start_time()));
    let fake_ebay = FakeEbay::start(ebay::orders(9, crate::common::start_time()));
    let (etsy_base, ebay_base) = (fake_etsy.served.base.clone(), fake_ebay.served.base.clone());
    let app = TestApp::spawn_in(&dir, |c| {
        c.marketplaces.etsy_api_url = Some(etsy_base);
        c.marketplaces.ebay_api_url = Some(ebay_base);
    });
    let owner = app.setup_owner();
    let page = owner.get("/settings/integrations").body;
    assert!(
        page.contains("/settings/integrations/etsy/callback")
            && page.contains("/settings/integrations/ebay/callback"),
        "the return addresses to declare are shown"
    );

    // Etsy: the form sends the owner to Etsy's consent screen with a PKCE challenge…
    let start = || {
        owner.submit(
            "/settings/integrations",
            "/settings/integrations/etsy",
            &[
                ("name", "Etsy"),
                ("keystring", KEYSTRING),
                ("shop_id", SHOP_ID),
            ],
        )
    };
    let r = start();
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(
        r.location().starts_with(&fake_etsy.served.base),
        "{}",
        r.location()
    );
    let back = consent_redirect(r.location());
    let asked = fake_etsy.with(|s| s.consent_asked.clone());
    assert!(
        asked
            .iter()
            .any(|(k, v)| k == "code_challenge_method" && v == "S256")
    );
    assert!(
        !asked.iter().any(|(k, _)| k == "code_verifier"),
        "the verifier never leaves Comptoir before the exchange"
    );
    // …and back with a code, exchanged with the verifier: the shop is connected.
    let r = owner.get(&on_app(&app, &back));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().contains("ok=connected"), "{}", r.location());
    assert_eq!(
        one(&dir, "SELECT count(*) FROM stores WHERE platform = 'etsy'"),
        1
    );
    let store = one(&dir, "SELECT id FROM stores WHERE platform = 'etsy'").to_string();
    wait_until("the first sync", || runs(&dir, &store) >= 1);
    assert_eq!(orders_of(&dir, &store, ""), 12);
    // The same return cannot be used twice.
    let again = owner.get(&on_app(&app, &back));
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(again.body.contains("déjà servi"), "{}", again.body);
    // Declined on Etsy: said on the form, nothing saved.
    fake_etsy.with(|s| s.decline = true);
    let back = consent_redirect(start().location());
    let r = owner.get(&on_app(&app, &back));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("pas été donnée"), "{}", r.body);
    assert_eq!(
        one(&dir, "SELECT count(*) FROM stores WHERE platform = 'etsy'"),
        1
    );

    // eBay: without a RuName the consent cannot come back, said so; with it, eBay's
    // screen sends the owner back to the RuName's accept URL with a code.
    fake_ebay.with(|s| s.accept_url = format!("{}/settings/integrations/ebay/callback", app.base));
    let connect = |runame: &str| {
        owner.submit(
            "/settings/integrations",
            "/settings/integrations/ebay",
            &[
                ("name", "eBay"),
                ("client_id", ebay::CLIENT_ID),
                ("client_secret", ebay::CLIENT_SECRET),
                ("runame", runame),
            ],
        )
    };
    let r = connect("");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("pour vous ramener ici") && !r.body.contains(ebay::CLIENT_SECRET));
    let r = connect(ebay::RUNAME);
    assert_eq!(r.status, 303, "{}", r.body);
    let back = consent_redirect(r.location());
    let r = owner.get(&on_app(&app, &back));
    assert_eq!(r.status, 303, "{}", r.body);
    let store = one(&dir, "SELECT id FROM stores WHERE platform = 'ebay'").to_string();
    wait_until("the first sync", || runs(&dir, &store) >= 1);
    assert_eq!(orders_of(&dir, &store, ""), 9);
    // Revoked at eBay: the card offers the consent screen again, with the RuName kept.
    fake_ebay.with(|s| s.refresh_valid = false);
    sync_now(&owner, &dir, &store);
    assert_eq!(
        one(
            &dir,
            &format!("SELECT status = 'disconnected' FROM stores WHERE id = {store}")
        ),
        1
    );
    assert!(
        owner
            .get("/settings/integrations")
            .body
            .contains("Autoriser à nouveau sur eBay")
    );
    fake_ebay.with(|s| s.refresh_valid = true);
    let r = owner.submit(
        "/settings/integrations",
        &format!("/settings/integrations/{store}/reauthorize"),
        &[("runame", "")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let back = consent_redirect(r.location());
    let r = owner.get(&on_app(&app, &back));
    assert_eq!(r.status, 303, "{}", r.body);
    wait_until("connected again", || {
        one(
            &dir,
            &format!("SELECT status = 'connected' FROM stores WHERE id = {store}"),
        ) == 1
    });
    assert_eq!(
        one(&dir, "SELECT count(*) FROM stores WHERE platform = 'ebay'"),
        1,
        "the same account, not a second one"
    );
    // Nothing of the authorisation is kept once used, and no secret sits in clear.
    assert_eq!(one(&dir, "SELECT count(*) FROM oauth_states"), 0);
    for file in ["comptoir.db", "comptoir.db-wal"] {
        let raw = std::fs::read(dir.join(file)).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&raw).contains(ebay::CLIENT_SECRET),
            "{file}"
        );
    }
}
