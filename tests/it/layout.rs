//! Every page of the app, in a real browser, at a laptop's width (1366 px) and a
//! phone's (390 px): nothing may make the page scroll sideways, nothing may stick out
//! of its card, and on the phone every control is at least 40 px tall. Screenshots of each are kept in `target/screenshots/`.

use std::path::Path;

use serde_json::json;

use crate::browser::Browser;
use crate::common::TestApp;

const SITE: &str = "https://www.elegance-paris.test";

/// What is wrong with the page shown: the document wider than the window, or elements
/// that reach past the window or out of their card. Elements inside a box that scrolls
/// or clips sideways (a wide table in its scroller) are that box's business.
const CHECK: &str = r##"
// What folds away is checked unfolded.
document.querySelectorAll("details").forEach(function (d) { d.open = true; });
var width = document.documentElement.clientWidth;
var found = [];
var flagged = [];
if (document.documentElement.scrollWidth > width + 1) {
  found.push("the page is " + document.documentElement.scrollWidth + " px wide in a " + width + " px window");
}
function name(el) {
  var text = (el.textContent || "").trim().slice(0, 40);
  return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") +
    (text ? " (" + text + ")" : "");
}
function clipped(el, stop) {
  for (var a = el.parentElement; a && a !== stop; a = a.parentElement) {
    var o = getComputedStyle(a).overflowX;
    if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") return true;
  }
  return false;
}
var cards = new Map();
document.querySelectorAll("body *").forEach(function (el) {
  var r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1) return;
  var past = r.right > width + 1;
  var card = el.parentElement && el.parentElement.closest(".card");
  var out = false;
  if (card) {
    var c = cards.get(card);
    if (!c) { c = card.getBoundingClientRect(); cards.set(card, c); }
    out = r.right > c.right + 1 || r.left < c.left - 1;
  }
  if (!past && !out) return;
  var style = getComputedStyle(el);
  if (style.position === "fixed" || style.visibility === "hidden") return;
  if (past && !clipped(el, document.body)) {
    flagged.push([el, name(el) + " reaches " + Math.round(r.right) + " px"]);
  } else if (out && !clipped(el, card)) {
    flagged.push([el, name(el) + " leaves its card"]);
  }
});
// The innermost culprits only: a box pushed wide by its child is not news.
flagged.forEach(function (f) {
  var outer = flagged.some(function (g) { return g[0] !== f[0] && f[0].contains(g[0]); });
  if (!outer) found.push(f[1]);
});
return found.slice(0, 12);
"##;

/// Controls a thumb must hit on a phone that are less than 40 px tall (links inside a
/// sentence excepted, as WCAG 2.5.8 allows), and a folded menu bar that eats the screen.
const TAPS: &str = r##"
var small = [];
document.querySelectorAll("a.btn, button, summary, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), nav a").forEach(function (el) {
  var r = el.getBoundingClientRect();
  if (r.width <= 1 || r.height <= 1 || getComputedStyle(el).visibility === "hidden") return;
  if (r.height < 40 - 0.5) {
    var text = (el.textContent || el.getAttribute("aria-label") || el.name || "").trim().slice(0, 30);
    small.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") + " (" + text + ") is " + Math.round(r.height) + " px tall");
  }
});
var bar = document.querySelector(".sidebar");
if (bar && bar.getBoundingClientRect().height > 80) {
  small.push("the folded menu bar is " + Math.round(bar.getBoundingClientRect().height) + " px tall");
}
return small.slice(0, 12);
"##;

fn check(b: &Browser, base: &str, path: &str, shot: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for width in [1366, 390] {
        b.set_width(width);
        b.open(&format!("{base}{path}"));
        b.find("main");
        b.screenshot(&format!("layout-{shot}-{width}"));
        let mut found = b
            .script(CHECK, json!([]))
            .as_array()
            .cloned()
            .unwrap_or_default();
        if width == 390 {
            found.extend(
                b.script(TAPS, json!([]))
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
        }
        for problem in found {
            problems.push(format!(
                "{path} at {width} px: {}",
                problem.as_str().unwrap_or("")
            ));
        }
    }
    problems
}

fn shop(dir: &Path) -> TestApp {
    let app = TestApp::spawn_in(dir, |c| {
        c.channels.webchat.allowed_origins = vec![SITE.into()];
    });
    crate::common::demo_database(dir);
    app
}

#[test]
fn every_page_fits_a_laptop_and_a_phone() {
    let tmp = tempfile::tempdir().unwrap();
    let app = shop(tmp.path());
    app.setup_owner();
    // A conversation with a hold, so the inbox, a conversation and Réservations have
    // something to show.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent
        .post(&format!("{}/widget/messages", app.base))
        .header("Origin", SITE)
        .send_json(json!({"visitor": "layout-visitor-1", "text": "Vous avez la robe fleurie bleue en 38 ?", "id": "l1"}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Another visitor waits for a size and books a fitting: Alertes and Rendez-vous
    // have rows.
    for (i, text) in [
        "Vous avez la robe fleurie bleue en 40 ?",
        "oui",
        "marie.lenoir@example.org",
        "Et un essayage samedi à 11h ?",
    ]
    .iter()
    .enumerate()
    {
        let r = agent
            .post(&format!("{}/widget/messages", app.base))
            .header("Origin", SITE)
            .send_json(json!({"visitor": "layout-visitor-2", "text": text, "id": format!("a{i}")}))
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let conversation: i64 = rusqlite::Connection::open(tmp.path().join("comptoir.db"))
        .unwrap()
        .query_row("SELECT min(id) FROM conversations", [], |r| r.get(0))
        .unwrap();

    // A rule with a long description and a run, for the Automatisations page.
    rusqlite::Connection::open(tmp.path().join("comptoir.db"))
        .unwrap()
        .execute_batch(&format!(
            "INSERT INTO departments (name, created_at) VALUES ('Service après-vente', 0);
             INSERT INTO automation_rules (name, position, trigger, conditions, actions, stop,
                 created_at, updated_at)
             VALUES ('Remboursements et colis abîmés', 1, 'handed_over',
                 '[{{\"field\":\"words\",\"any_of\":[\"remboursement\",\"abîmé\",\"cassé\",\"pas reçu\"]}},{{\"field\":\"channel\",\"any_of\":[\"sms\",\"whatsapp\",\"email\",\"webchat\"]}}]',
                 '[{{\"do\":\"assign_department\",\"department_id\":1}},{{\"do\":\"priority\",\"on\":true}}]',
                 1, 0, 0);
             INSERT INTO stores (platform, name, connected_at, next_sync_at)
                 VALUES ('amazon', 'Amazon Europe', 0, 0);
             INSERT INTO orders (store_id, external_id, name, created_at, financial_status,
                 fulfillment_status, total_cents, currency, marketplace, fulfillment_channel)
             VALUES ((SELECT max(id) FROM stores), '402-1000001-7000001', '402-1000001-7000001',
                 '2026-11-12T08:00:00Z', 'paid', 'fulfilled', 8900, 'EUR', 'Amazon.co.uk', 'FBA');
             INSERT INTO order_lines (order_id, title, sku, quantity)
             VALUES ((SELECT max(id) FROM orders), 'Robe longue fleurie bleue à manches bouffantes', 'AMZ-ROBE-FLEURIE-BLEUE-38-XL', 1);
             INSERT INTO sku_mappings (store_id, external_sku, sku, created_at)
             VALUES ((SELECT max(id) FROM stores), 'AMZ-ECHARPE-SOIE-IVOIRE', 'EP-001-38', 0);
             INSERT INTO stores (platform, name, connected_at, next_sync_at, status, last_error)
             VALUES ('ebay', 'eBay', 0, 0, 'disconnected',
                 'Reconnexion nécessaire : eBay refuse l''autorisation du compte vendeur (the provided authorization refresh token is invalid or was issued to another client).'),
                    ('cdiscount', 'Cdiscount', 0, 0, 'disconnected',
                 'Reconnexion nécessaire : Octopia refuse les identifiants de l''API (Invalid client or Invalid client credentials).');
             INSERT INTO automation_runs (rule_id, conversation_id, cause, summary, at)
             VALUES (1, {conversation}, 'e1',
                 'attribuée au département Service après-vente (personne de disponible), marquée prioritaire', 1794474000);"
        ))
        .unwrap();

    let amazon: i64 = rusqlite::Connection::open(tmp.path().join("comptoir.db"))
        .unwrap()
        .query_row("SELECT id FROM stores WHERE platform = 'amazon'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mapping_search = format!(
        "/settings/mappings?store={amazon}&ref=AMZ-ROBE-FLEURIE-BLEUE-38-XL&q=robe+fleurie"
    );

    let Some(b) = Browser::start_or_skip() else {
        return;
    };
    b.login_owner(&app.base);

    let pages = [
        ("/", "tableau-de-bord"),
        ("/inbox", "boite"),
        (&format!("/inbox/{conversation}") as &str, "conversation"),
        ("/reservations", "reservations"),
        ("/alerts", "alertes"),
        ("/analytics", "analytiques"),
        ("/analytics/assistant", "analytiques-assistant"),
        ("/analytics/team", "analytiques-equipe"),
        ("/analytics/products", "analytiques-produits"),
        ("/analytics/sales", "analytiques-ventes"),
        ("/analytics/satisfaction", "analytiques-satisfaction"),
        ("/appointments?date=2026-11-14", "rendez-vous"),
        (
            "/appointments?view=week&date=2026-11-14",
            "rendez-vous-semaine",
        ),
        ("/products", "produits"),
        ("/orders", "commandes"),
        ("/settings", "parametres"),
        ("/settings/profile", "profil"),
        ("/settings/assistant", "assistant"),
        ("/settings/messages", "messages"),
        ("/settings/inbox", "reglages-boite"),
        ("/settings/channels", "canaux"),
        ("/settings/integrations", "integrations"),
        ("/settings/account", "compte"),
        ("/settings/members", "membres"),
        ("/settings/api", "api"),
        ("/settings/api/docs", "api-documentation"),
        ("/settings/webhooks", "webhooks"),
        ("/settings/invitations", "invitations"),
        ("/settings/automations", "automatisations"),
        ("/settings/mappings", "correspondances"),
        (&mapping_search as &str, "correspondances-recherche"),
        ("/settings/automations/new", "regle"),
        ("/onboarding/canaux", "assistant-canaux"),
        ("/onboarding/boutique", "assistant-boutique"),
    ];
    let mut problems = Vec::new();
    for (path, shot) in pages {
        problems.extend(check(&b, &app.base, path, shot));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
