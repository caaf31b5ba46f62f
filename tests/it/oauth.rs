//! Connecting Shopify by OAuth ("Autoriser") and by an app's client credentials, against
//! the fake's authorize page and token endpoint.

use std::time::Duration;

use crate::common::{Client, TestApp, poll_until};
use crate::fakes::shopify::{CLIENT_ID, CLIENT_SECRET, FakeShopify, SHOP};

/// An app with OAuth set up against the fake Shopify.
pub(crate) fn spawn(shopify: &FakeShopify) -> TestApp {
    let base = shopify.served.base.clone();
    let app = TestApp::spawn_with(|c| {
        c.shopify.api_url = Some(base);
        c.shopify.client_id = Some(CLIENT_ID.into());
        c.shopify.client_secret = Some(comptoir::config::Secret::new(CLIENT_SECRET));
    });
    // The fake signs its callback with the real time, which the app checks for freshness.
    app.clock.set(jiff::Timestamp::now());
    app
}

fn wait_for_catalogue(owner: &Client) {
    let synced = poll_until(Duration::from_secs(60), || {
        owner
            .get("/settings/integrations")
            .body
            .contains("47 produits · 156 variantes")
    });
    assert!(synced, "the first sync did not finish");
}

#[test]
fn authorize_with_oauth_and_refuse_replayed_or_tampered_callbacks() {
    let shopify = FakeShopify::start();
    let app = spawn(&shopify);
    let owner = app.setup_owner();
    assert!(
        owner
            .get("/settings/integrations")
            .body
            .contains("Autoriser")
    );

    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify/authorize",
        &[("shop", "elegance-paris")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.location().to_string();
    assert!(
        location.starts_with(&format!("{}/admin/oauth/authorize?", shopify.served.base)),
        "{location}"
    );
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(location.split_once('?').unwrap().1).unwrap();
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(
        get("scope"),
        "read_products,read_inventory,read_orders,read_customers,read_locations"
    );
    assert_eq!(
        get("redirect_uri"),
        format!("{}/settings/integrations/shopify/callback", app.base)
    );
    assert_eq!(get("state").len(), 64);

    // The owner approves on Shopify's screen; the browser follows the link back.
    let screen = Client::new(&shopify.served.base)
        .get(&location[shopify.served.base.len()..])
        .body;
    let href = screen
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let callback = &href[app.base.len()..];
    let tampered = callback.replace(SHOP, "evil-shop.myshopify.com");
    let r = owner.get(&tampered);
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("la signature de Shopify ne correspond pas"),
        "{}",
        r.body
    );

    let r = owner.get(callback);
    assert_eq!(
        (r.status, r.location()),
        (303, "/settings/integrations?ok=connected"),
        "{}",
        r.body
    );
    wait_for_catalogue(&owner);
    // The same callback a second time: the state was used.
    let r = owner.get(callback);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("a expiré ou a déjà servi"));
    let s = shopify.state.lock().unwrap();
    assert_eq!(
        s.token_requests,
        vec![("authorization_code".to_string(), true)]
    );
}

#[test]
fn connect_with_an_apps_client_credentials() {
    let shopify = FakeShopify::start();
    let app = spawn(&shopify);
    let owner = app.setup_owner();
    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify/client",
        &[
            ("shop", SHOP),
            ("client_id", CLIENT_ID),
            ("client_secret", "shpss_wrong"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("Shopify refuse l'autorisation (400)"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("shpss_wrong"),
        "the secret is not echoed back"
    );

    let r = owner.submit(
        "/settings/integrations",
        "/settings/integrations/shopify/client",
        &[
            ("shop", SHOP),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    wait_for_catalogue(&owner);
    // Each sync asks for a fresh short-lived token.
    let grants = shopify
        .state
        .lock()
        .unwrap()
        .token_requests
        .iter()
        .filter(|(g, ok)| g == "client_credentials" && *ok)
        .count();
    assert!(grants >= 2, "one grant to connect, one per sync: {grants}");
}
