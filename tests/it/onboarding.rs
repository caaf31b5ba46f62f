//! The setup wizard end to end in a real browser: from the first visit to a dashboard,
//! with a fake Shopify serving the demo shop (connected by OAuth), and without any
//! online store. Screenshots of each step are saved in `target/screenshots/`.

use std::time::Duration;

use crate::browser::Browser;
use crate::common::{OWNER_EMAIL, OWNER_PASSWORD, TestApp, poll_until};
use crate::fakes::shopify::FakeShopify;

/// Waits (up to `secs`) for the browser to be on a page whose path ends with `path`.
fn wait_for_path(b: &Browser, path: &str, secs: u64) {
    let there = poll_until(Duration::from_secs(secs), || {
        b.url().split('?').next().unwrap_or("").ends_with(path)
    });
    assert!(there, "not on {path} but {}: {}", b.url(), b.source());
}

fn wait_long_for_text(b: &Browser, text: &str, secs: u64) {
    let shown = poll_until(Duration::from_secs(secs), || b.source().contains(text));
    assert!(shown, "no {text:?} in {}", b.source());
}

/// Creates the account on the first visit and lands on the wizard's second step.
fn create_account(b: &Browser, base: &str, shot: &str) {
    b.open(&format!("{base}/"));
    wait_for_path(b, "/setup", 10);
    b.fill("input[name=email]", OWNER_EMAIL);
    b.fill("input[name=password]", OWNER_PASSWORD);
    b.fill("input[name=business_name]", "Élégance Paris");
    b.screenshot(&format!("{shot}-01-compte"));
    b.click("form button[type=submit]");
    wait_for_path(b, "/onboarding/activite", 10);
    b.wait_for_text("Progression");
    b.screenshot(&format!("{shot}-02-activite"));
}

fn continue_on(b: &Browser, step: &str) {
    b.click(&format!(
        "form[action='/onboarding/{step}'] button.primary[type=submit]"
    ));
}

fn business_and_profile(b: &Browser, shot: &str) {
    continue_on(b, "activite");
    wait_for_path(b, "/onboarding/profil", 10);
    b.fill("input[name=phone]", "+33142600000");
    b.fill("input[name=address]", "24 Rue de Rivoli, 75004 Paris");
    // The example week is only shown: the owner types the shop's own hours.
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        b.fill(&format!("input[name={day}]"), "10:00-19:00");
    }
    // A split day, as shops with a lunch break have.
    b.fill("input[name=sat]", "10:00-13:00, 14:00-19:00");
    b.screenshot(&format!("{shot}-03-profil"));
    continue_on(b, "profil");
    wait_for_path(b, "/onboarding/canaux", 10);
    b.wait_for_text("Vous pourrez ajouter d'autres canaux plus tard");
}

/// A Thursday morning in Paris: "tomorrow" is an open Friday.
fn thursday_morning() -> jiff::Timestamp {
    "2026-11-19T09:00:00Z".parse().unwrap()
}

#[test]
fn a_new_shop_connects_shopify_by_oauth_tests_the_assistant_and_reaches_its_dashboard() {
    let Some(b) = Browser::start_or_skip() else {
        return;
    };
    let shopify = FakeShopify::start();
    // OAuth set up; the clock is the real time, which the fake signs its callback with.
    let app = crate::oauth::spawn(&shopify);
    create_account(&b, &app.base, "shopify");
    business_and_profile(&b, "shopify");

    // Web chat on for the shop's site.
    b.fill(
        "#webchat textarea[name=allowed_origins]",
        "https://www.elegance-paris.com",
    );
    b.click("#webchat form button.primary[type=submit]");
    b.wait_for_text("Enregistré.");
    b.screenshot("shopify-04-canaux");
    continue_on(&b, "canaux");
    wait_for_path(&b, "/onboarding/boutique", 10);

    // A domain that is not a Shopify one is explained next to the field.
    b.click("details:has(form[action$='/shopify?assistant=1']) > summary");
    b.fill("#token-shop", "elegance-paris.example.com");
    b.fill(
        "form[action$='/shopify?assistant=1'] input[name=token]",
        "shpat_x",
    );
    b.click("form[action$='/shopify?assistant=1'] button[type=submit]");
    b.wait_for_text("Ce n'est pas un domaine Shopify");
    b.screenshot("shopify-05-boutique-erreur");

    // "Autoriser": Shopify's install page, then back to the wizard.
    b.fill("#oauth-shop", "elegance-paris");
    b.click("form[action$='/authorize?assistant=1'] button[type=submit]");
    b.click("#install");
    wait_for_path(&b, "/onboarding/synchronisation", 20);
    wait_long_for_text(&b, "produits importés", 60);
    b.screenshot("shopify-06-synchronisation");
    let summary = b.source();
    for expected in [
        "<strong>47</strong> produits importés",
        "<strong>156</strong> variantes détectées",
        "Stock synchronisé",
        "<strong>12</strong> commandes récentes chargées",
        "<strong>89</strong> clients importés",
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
    app.clock.set(thursday_morning());
    continue_on(&b, "synchronisation");

    wait_for_path(&b, "/onboarding/connexions", 10);
    b.wait_for_text("Utiliser les clients Shopify (recommandé)");
    b.screenshot("shopify-07-connexions");
    continue_on(&b, "connexions");

    // Preferences come before the test, so the test answers as the shop chose.
    wait_for_path(&b, "/onboarding/preferences", 10);
    b.screenshot("shopify-08-preferences");
    continue_on(&b, "preferences");

    wait_for_path(&b, "/onboarding/test", 10);
    b.fill(
        "#test-message",
        "Bonjour, vous avez la robe fleurie bleue en 38 ?",
    );
    b.click(".test-form button[type=submit]");
    b.wait_for_text("Réservation créée");
    b.screenshot("shopify-09-test");
    let chat = b.source();
    assert!(chat.contains("2 en boutique"), "{chat}");
    assert!(chat.contains("jusqu'à demain 19h"), "{chat}");
    assert!(
        chat.contains("Robe Fleurie Bleue"),
        "product identified: {chat}"
    );
    assert!(chat.contains("Stock vérifié : disponible"), "{chat}");
    assert!(chat.contains("Réponse en"), "time measured: {chat}");
    continue_on(&b, "test");

    wait_for_path(&b, "/onboarding/termine", 10);
    b.wait_for_text("Taux d'automatisation estimé");
    let done = b.source();
    assert!(done.contains("Chat web"), "active channel: {done}");
    assert!(done.contains("47 produits, 156 variantes"), "{done}");
    b.screenshot("shopify-10-termine");
    b.click("form[action='/onboarding/termine'] button[type=submit]");

    wait_for_path(&b, "/", 10);
    b.wait_for_text("Réservations actives");
    b.screenshot("shopify-11-dashboard");
    let home = b.source();
    // The test's hold went back on the shelf when the wizard ended.
    assert!(home.contains(r#"data-stat="holds">0<"#), "{home}");
    let released: String = rusqlite::Connection::open(app.data_dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT status FROM reservations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(released, "cancelled");
    assert!(home.contains("Shopify ✅ Synchronisé"), "{home}");
    assert!(home.contains("Clients ✅ Shopify (89)"), "{home}");
    // The test conversation counts in no figure.
    assert!(home.contains(r#"data-stat="today">0<"#), "{home}");
    assert!(!home.contains("Reprendre la configuration"), "{home}");

    // Nor does it sit among the shop's conversations: it has a Tests tab of its own.
    b.open(&format!("{}/inbox?tab=chatbot", app.base));
    b.wait_for_text("Tests");
    let bot = b.source();
    assert!(bot.contains(r#"data-tab="chatbot">0<"#), "{bot}");
    assert!(bot.contains(r#"data-tab="tests">1<"#), "{bot}");
    assert!(!bot.contains("robe fleurie bleue en 38"), "{bot}");
    b.open(&format!("{}/inbox?tab=tests", app.base));
    b.wait_for_text("robe fleurie bleue en 38");
}

#[test]
fn without_an_online_store_the_wizard_still_reaches_the_dashboard_and_resumes_at_login() {
    let Some(b) = Browser::start_or_skip() else {
        return;
    };
    let app = TestApp::spawn();
    app.clock.set(thursday_morning());
    create_account(&b, &app.base, "sans-boutique");
    business_and_profile(&b, "sans-boutique");
    b.click("form[action='/onboarding/canaux/skip'] button");
    wait_for_path(&b, "/onboarding/boutique", 10);
    b.click("form:has(input[name=no_store]) button");
    // No sync to wait for.
    wait_for_path(&b, "/onboarding/connexions", 10);

    // Leaving and logging in again resumes where the shop was.
    b.click(".me form button");
    wait_for_path(&b, "/login", 10);
    b.fill("input[name=email]", OWNER_EMAIL);
    b.fill("input[name=password]", OWNER_PASSWORD);
    b.click("form button[type=submit]");
    wait_for_path(&b, "/onboarding/connexions", 10);

    b.click("form[action='/onboarding/connexions'] button[formaction]");
    wait_for_path(&b, "/onboarding/preferences", 10);
    continue_on(&b, "preferences");
    wait_for_path(&b, "/onboarding/test", 10);
    b.fill("#test-message", "Vous êtes ouverts demain ?");
    b.click(".test-form button[type=submit]");
    b.wait_for_text("🧭 Demande comprise : Horaires");
    assert!(b.source().contains("19h"), "{}", b.source());
    // A longer test: the box keeps its newest answer in view.
    for question in [
        "Vous êtes où exactement ?",
        "Et votre numéro de téléphone ?",
        "Merci !",
    ] {
        b.fill("#test-message", question);
        b.click(".test-form button[type=submit]");
        b.wait_for_text(question);
    }
    b.wait_for_text("Demande comprise : Remerciement");
    // Checked once the swapped answer has settled.
    let at_end = || {
        b.script(
            "var box = document.getElementById('test-thread');
             return [box.scrollHeight > box.clientHeight, box.scrollTop + box.clientHeight >= box.scrollHeight - 2];",
            serde_json::json!([]),
        ) == serde_json::json!([true, true])
    };
    assert!(
        poll_until(Duration::from_secs(5), at_end),
        "the box overflows and shows its end"
    );
    b.screenshot("sans-boutique-08-test");
    continue_on(&b, "test");
    wait_for_path(&b, "/onboarding/termine", 10);
    b.wait_for_text("Aucune boutique en ligne");
    b.click("form[action='/onboarding/termine'] button[type=submit]");
    wait_for_path(&b, "/", 10);
    b.wait_for_text("Boutique en ligne");
    b.screenshot("sans-boutique-11-dashboard");
    assert!(b.source().contains("Non connectée"), "{}", b.source());
}

/// A shop without an online store, on a phone: its catalogue from a CSV file. A file with
/// mistakes is refused line by line in the wizard's own form, keeping the store's name;
/// the corrected file goes through to the sync summary.
#[test]
fn on_a_phone_a_shop_imports_its_catalogue_from_a_csv_in_the_wizard() {
    let Some(b) = Browser::start_or_skip() else {
        return;
    };
    let app = TestApp::spawn();
    app.clock.set(thursday_morning());
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("catalogue-avec-erreurs.csv");
    std::fs::write(
        &bad,
        "produit;options;variante;sku;prix;stock:Boutique\n\
         Robe Lin;Taille;38;RL-38;79,00;2\n\
         Robe Lin;Taille;38;RL-38B;79,00;1\n\
         Jupe Plissée;;;JP-1;quatre-vingts;1\n",
    )
    .unwrap();
    let good = tmp.path().join("catalogue.csv");
    std::fs::write(
        &good,
        "produit;options;variante;sku;prix;stock:Boutique;stock:Réserve\n\
         Robe Lin;Taille;38;RL-38;79,00;2;1\n\
         Robe Lin;Taille;40;RL-40;79,00;0;3\n\
         Jupe Plissée;;;JP-1;59,00;1;0\n",
    )
    .unwrap();
    b.set_width(390);
    create_account(&b, &app.base, "csv");
    business_and_profile(&b, "csv");
    b.click("form[action='/onboarding/canaux/skip'] button");
    wait_for_path(&b, "/onboarding/boutique", 10);
    let form = "form[action^='/settings/integrations/manual']";
    b.fill(&format!("{form} input[name=name]"), "Atelier Lin");
    b.fill(&format!("{form} input[type=file]"), bad.to_str().unwrap());
    b.click(&format!("{form} button[type=submit]"));
    b.wait_for_text("Ligne 3");
    b.screenshot("csv-05-erreurs");
    let refused = b.source();
    assert!(
        refused.contains("Ligne 4 : prix « quatre-vingts » invalide"),
        "{refused}"
    );
    assert!(
        refused.contains("value=\"Atelier Lin\""),
        "the name stays: {refused}"
    );
    // Shown where the phone's screen is, not five screens down.
    let in_view = || {
        b.script(
            "var r = document.querySelector('.line-errors').getBoundingClientRect();
             return document.readyState !== 'loading' && r.top >= 0 && r.bottom <= window.innerHeight;",
            serde_json::json!([]),
        ) == serde_json::json!(true)
    };
    assert!(
        poll_until(Duration::from_secs(5), in_view),
        "the errors are in view"
    );
    let wide = b.script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        serde_json::json!([]),
    );
    assert!(
        wide.as_i64().unwrap_or(1) <= 0,
        "scrolls sideways by {wide} px"
    );

    b.fill(&format!("{form} input[type=file]"), good.to_str().unwrap());
    b.click(&format!("{form} button[type=submit]"));
    wait_for_path(&b, "/onboarding/synchronisation", 10);
    wait_long_for_text(&b, "produits importés", 30);
    b.screenshot("csv-06-synchronisation");
    let summary = b.source();
    for expected in [
        "<strong>2</strong> produits importés",
        "<strong>3</strong> variantes détectées",
    ] {
        assert!(summary.contains(expected), "{expected} in {summary}");
    }
}

/// The profile step over plain HTTP: it keeps the business type chosen before, saves no
/// example as the shop's words, and asks for hours rather than inventing them.
#[test]
fn the_profile_step_keeps_the_business_type_and_saves_no_example() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let r = owner.submit(
        "/onboarding/activite",
        "/onboarding/activite",
        &[("business_type", "services")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = owner.get("/onboarding/profil");
    assert_eq!(page.status, 200);
    // Examples are placeholders, not values.
    assert!(
        page.body.contains("placeholder=\"Retours gratuits"),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("value=\"10:00-19:00\""),
        "{}",
        page.body
    );
    let profile = [
        ("business_name", "Élégance Paris"),
        ("phone", ""),
        ("email", ""),
        ("address", ""),
        ("timezone", "Europe/Paris"),
        ("language", "fr"),
        ("returns", ""),
        ("shipping", ""),
    ];
    // No hours at all: asked for, nothing saved.
    let none = owner.submit("/onboarding/profil", "/onboarding/profil", &profile);
    assert_eq!(none.status, 400);
    assert!(none.body.contains("Indiquez vos horaires"), "{}", none.body);
    let mut with_hours = profile.to_vec();
    with_hours.extend([("mon", "10:00-19:00"), ("sat", "10:00-13:00")]);
    let r = owner.submit("/onboarding/profil", "/onboarding/profil", &with_hours);
    assert_eq!(r.status, 303, "{}", r.body);
    let conn = rusqlite::Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    let business_type: String = conn
        .query_row("SELECT business_type FROM shop_profile", [], |r| r.get(0))
        .unwrap();
    assert_eq!(business_type, "services");
    let (returns, shipping): (String, String) = conn
        .query_row(
            "SELECT returns_policy, shipping_policy FROM assistant_settings",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((returns.as_str(), shipping.as_str()), ("", ""));
}
