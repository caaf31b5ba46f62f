//! Pages, errors, assets, health and headers.

use crate::common::{Fields, TestApp};

#[test]
fn unknown_routes_and_bad_requests_get_clear_pages_not_stack_traces() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let r = owner.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Page introuvable"));
    assert!(
        r.body.contains("Retour au tableau de bord"),
        "a real page, not plain text"
    );

    let cases: &[(&str, Fields, u16, &str)] = &[
        (
            "/settings/members/not-a-number",
            &[("action", "disable")],
            404,
            "Page introuvable",
        ),
        (
            "/settings/members/999",
            &[("action", "disable")],
            404,
            "Page introuvable",
        ),
        ("/settings/members/1", &[], 400, "« action » manque"),
        (
            "/settings/members/1",
            &[("action", "explode")],
            400,
            "Action inconnue",
        ),
    ];
    for (action, fields, status, expected) in cases {
        let r = owner.submit("/settings", action, fields);
        assert_eq!(r.status, *status, "{action} {fields:?}: {}", r.body);
        assert!(r.body.contains(expected), "{action}: {}", r.body);
    }
    // Garbage bodies and huge bodies are refused politely.
    let csrf = owner.get("/settings").csrf();
    let r = owner.post_raw(
        "/settings/profile",
        "application/x-www-form-urlencoded",
        &format!("_csrf={csrf}&%zz=%%%"),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    let huge = format!("_csrf={csrf}&business_name={}", "a".repeat(300 * 1024));
    let r = owner.post_raw(
        "/settings/profile",
        "application/x-www-form-urlencoded",
        &huge,
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("trop volumineux"));
    for r in [owner.get("/no/such/page"), r] {
        for leak in ["panicked", "rusqlite", "SELECT", "sqlite"] {
            assert!(!r.body.contains(leak), "{leak} leaked: {}", r.body);
        }
    }
}

#[test]
fn assets_are_embedded_cached_and_revalidated() {
    let app = TestApp::spawn();
    let c = app.client();
    let css = c.get("/assets/app.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(css.header("cache-control"), Some("no-cache"));
    let etag = css.header("etag").unwrap().to_string();
    let again = c.get_with("/assets/app.css", ("if-none-match", &etag));
    assert_eq!(again.status, 304);

    // Pages link versioned URLs, which are cached for good.
    let page = c.get("/setup").body;
    let start = page.find("/assets/app.css?v=").unwrap();
    let url = &page[start..page[start..].find('"').unwrap() + start];
    let versioned = c.get(url);
    assert_eq!(
        versioned.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    let htmx = c.get("/assets/vendor/htmx.min.js");
    assert_eq!(htmx.status, 200);
    assert!(htmx.body.contains("htmx"));
    // Demo data is for seeding only, not published.
    assert_eq!(c.get("/assets/demo/customers.json").status, 404);
    assert_eq!(c.get("/assets/../Cargo.toml").status, 404);
}

#[test]
fn health_and_security_headers() {
    let app = TestApp::spawn();
    let c = app.client();
    let first = c.get("/setup");
    let health = c.get("/healthz");
    assert_eq!(health.status, 200);
    let body: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(body["database"], "ok");

    assert!(
        health.header("set-cookie").is_none(),
        "no cookie for health checks"
    );
    let page = first;
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    let cookie = page.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
}

#[test]
fn session_cookie_is_secure_behind_https() {
    let app = TestApp::spawn_with(|c| c.public_url = Some("https://comptoir.example.com".into()));
    let c = app.client();
    let csrf = c.get("/setup").csrf();
    let r = c.post(
        "/setup",
        &[
            ("_csrf", &csrf),
            ("email", crate::common::OWNER_EMAIL),
            ("password", crate::common::OWNER_PASSWORD),
            ("business_name", "Élégance Paris"),
            ("business_type", "ecommerce"),
        ],
    );
    assert_eq!(r.status, 303);
    let session = r
        .headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.as_str())
        .find(|v| v.starts_with("comptoir_session="))
        .expect("session cookie");
    assert!(
        session.contains("Secure")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Lax"),
        "{session}"
    );
}
