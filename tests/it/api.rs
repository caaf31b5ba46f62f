//! The REST API over HTTP: keys created on the page and shown once, every endpoint
//! refused without a key (401) or with the wrong scope (403), one error shape, cursor
//! pages stable while conversations arrive, idempotent POST, the rate limit, the
//! OpenAPI document matching the routes, and sessions and keys kept apart.

use rusqlite::{Connection, params};
use serde_json::Value;

use crate::common::{Client, TestApp};

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// A key with `scopes`, created on Paramètres › API et accès; the one copy of it.
fn new_key(owner: &Client, name: &str, scopes: &[&str]) -> String {
    let mut form = vec![("name", name), ("days", "")];
    form.extend(scopes.iter().map(|s| ("scope", *s)));
    let r = owner.submit("/settings/api", "/settings/api", &form);
    assert_eq!(r.status, 200, "{}", r.body);
    let at = r.body.find("ck_").expect("the key is shown");
    let key: String = r.body[at..].chars().take_while(|c| *c != '<').collect();
    // Shown once: the list shows its start only.
    let again = owner.get("/settings/api");
    assert!(!again.body.contains(&key));
    assert!(again.body.contains(&key[..13]));
    key
}

fn shop() -> (TestApp, Client) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::mem::forget(tmp);
    let app = TestApp::spawn_in(&dir, |_| {});
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    (app, owner)
}

fn conversation(app: &TestApp, contact: &str, at: i64) -> i64 {
    let conn = Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    conn.execute(
        "INSERT INTO conversations (channel, contact, created_at, last_message_at)
         VALUES ('sms', ?1, ?2, ?2)",
        params![contact, at],
    )
    .unwrap();
    conn.last_insert_rowid()
}

#[test]
fn keys_scopes_errors_and_the_document() {
    let (app, owner) = shop();
    let c = app.client();
    let read = new_key(&owner, "Tableur", &["conversations:read", "catalogue:read"]);
    let bearer = |k: &str| format!("Bearer {k}");

    // Every endpoint of the document exists and wants a key.
    let doc = json(&c.get("/api/v1/openapi.json").body);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(
        paths
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum::<usize>(),
        comptoir::api::v1::ROUTES.len()
    );
    for r in &comptoir::api::v1::ROUTES {
        assert!(
            paths[r.path][r.method].is_object(),
            "{} {}",
            r.method,
            r.path
        );
        let path = format!("/api/v1{}", r.path.replace("{id}", "1"));
        let answer = match r.method {
            "get" => c.get(&path),
            _ => c.post_signed(&path, &[], "{}"),
        };
        assert_eq!(answer.status, 401, "{} {path}", r.method);
        let e = json(&answer.body);
        assert_eq!(e["error"]["code"], "unauthorized", "{path}");
        assert!(e["error"]["message"].as_str().unwrap().contains("Bearer"));
    }
    // The Documentation page lists the same endpoints, in French.
    let docs = owner.get("/settings/api/docs");
    assert_eq!(docs.status, 200);
    for r in &comptoir::api::v1::ROUTES {
        assert!(
            docs.body.contains(&format!("/api/v1{}", r.path)) && docs.body.contains(r.label),
            "{} missing from the documentation page",
            r.path
        );
    }
    // The document is valid OpenAPI 3.1 (checked by the reference validator when the
    // CI has installed it).
    let python = std::process::Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .status()
        .is_ok_and(|s| s.success());
    if python {
        let file = app.data_dir.join("openapi.json");
        std::fs::write(&file, doc.to_string()).unwrap();
        let out = std::process::Command::new("python3")
            .args(["-m", "openapi_spec_validator", file.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    // A bad key, the wrong scope, a bad parameter: the same shape, stable codes.
    let bad = c.get_with(
        "/api/v1/conversations",
        ("Authorization", "Bearer ck_0000000000_nope"),
    );
    assert_eq!(bad.status, 401);
    let wrong = c.get_with("/api/v1/orders", ("Authorization", &bearer(&read)));
    assert_eq!(wrong.status, 403);
    assert_eq!(json(&wrong.body)["error"]["code"], "insufficient_scope");
    let limit = c.get_with(
        "/api/v1/conversations?limit=500",
        ("Authorization", &bearer(&read)),
    );
    assert_eq!(limit.status, 422);
    assert_eq!(json(&limit.body)["error"]["field"], "limit");
    let unknown = c.get_with(
        "/api/v1/conversations?colour=red",
        ("Authorization", &bearer(&read)),
    );
    assert_eq!(unknown.status, 422);
    assert_eq!(json(&unknown.body)["error"]["field"], "colour");

    // Products with their stock per location.
    let products = json(
        &c.get_with(
            "/api/v1/products?limit=2",
            ("Authorization", &bearer(&read)),
        )
        .body,
    );
    assert_eq!(products["data"].as_array().unwrap().len(), 2);
    assert!(products["data"][0]["variants"][0]["stock"].is_array());
    assert!(products["next_cursor"].is_string());

    // Sessions never open the API; keys never open the pages.
    assert_eq!(owner.get("/api/v1/conversations").status, 401);
    let page = c.get_with("/inbox", ("Authorization", &bearer(&read)));
    assert_eq!(page.status, 303, "{}", page.body);

    // Every call is logged; a revoked key is refused.
    let audit = owner.get("/settings/api");
    assert!(
        audit.body.contains("GET /api/v1/orders") && audit.body.contains("403"),
        "{}",
        audit.body
    );
    let id: i64 = Connection::open(app.data_dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT id FROM api_keys", [], |r| r.get(0))
        .unwrap();
    let r = owner.submit("/settings/api", &format!("/settings/api/{id}/revoke"), &[]);
    assert_eq!(r.status, 303);
    let revoked = c.get_with("/api/v1/conversations", ("Authorization", &bearer(&read)));
    assert_eq!(revoked.status, 401);
    assert!(
        json(&revoked.body)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
}

#[test]
fn pages_stay_stable_while_conversations_arrive() {
    let (app, owner) = shop();
    let key = new_key(&owner, "Export", &["conversations:read"]);
    let auth = ("Authorization", format!("Bearer {key}"));
    let t0 = 1_790_000_000;
    let mut ids: Vec<i64> = (0..7)
        .map(|i| conversation(&app, &format!("+3361234000{i}"), t0 + i))
        .collect();
    let c = app.client();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/api/v1/conversations?limit=3&cursor={cur}"),
            None => "/api/v1/conversations?limit=3".into(),
        };
        let page = json(&c.get_with(&path, (auth.0, &auth.1)).body);
        seen.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap()),
        );
        pages += 1;
        if pages == 1 {
            // Newer conversations arrive while the client pages: they do not shift it.
            conversation(&app, "+33612349999", t0 + 100);
            conversation(&app, "+33612349998", t0 + 101);
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    ids.reverse();
    assert_eq!(seen, ids, "each conversation once, newest activity first");
}

#[test]
fn a_hold_made_twice_with_one_idempotency_key_is_made_once() {
    let (app, owner) = shop();
    let key = new_key(&owner, "Caisse", &["holds:write", "holds:read"]);
    let c = app.client();
    let auth = format!("Bearer {key}");
    let body = r#"{"sku": "EP-001-38", "contact": "+33611223344"}"#;
    let first = c.post_signed(
        "/api/v1/holds",
        &[("Authorization", &auth), ("Idempotency-Key", "k-1")],
        body,
    );
    assert_eq!(first.status, 201, "{}", first.body);
    let again = c.post_signed(
        "/api/v1/holds",
        &[("Authorization", &auth), ("Idempotency-Key", "k-1")],
        body,
    );
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(json(&again.body), json(&first.body));
    let holds: i64 = Connection::open(app.data_dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM reservations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(holds, 1);
    let id = json(&first.body)["data"]["id"].as_i64().unwrap();
    // Bad bodies name their field; closing twice is a conflict.
    let unknown = c.post_signed(
        "/api/v1/holds",
        &[("Authorization", &auth)],
        r#"{"sku": "EP-001-38", "contact": "x", "price": 1}"#,
    );
    assert_eq!(unknown.status, 422);
    assert_eq!(json(&unknown.body)["error"]["field"], "price");
    let sku = c.post_signed(
        "/api/v1/holds",
        &[("Authorization", &auth)],
        r#"{"sku": "NOPE", "contact": "+33611223344"}"#,
    );
    assert_eq!(json(&sku.body)["error"]["field"], "sku");
    let path = format!("/api/v1/holds/{id}/close");
    let closed = c.post_signed(
        &path,
        &[("Authorization", &auth)],
        r#"{"status": "fulfilled"}"#,
    );
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(json(&closed.body)["data"]["status"], "fulfilled");
    let twice = c.post_signed(
        &path,
        &[("Authorization", &auth)],
        r#"{"status": "cancelled"}"#,
    );
    assert_eq!(twice.status, 409);

    // Past 120 calls in a minute: 429 with Retry-After.
    let limited = (0..130)
        .map(|_| c.get_with("/api/v1/holds", ("Authorization", &auth)))
        .find(|r| r.status == 429)
        .expect("the limit holds");
    assert!(limited.header("retry-after").is_some());
    assert_eq!(json(&limited.body)["error"]["code"], "rate_limited");
}

#[test]
fn the_team_works_a_conversation_through_the_api() {
    let (app, owner) = shop();
    let key = new_key(
        &owner,
        "CRM",
        &["conversations:read", "conversations:write", "contacts:read"],
    );
    let auth = format!("Bearer {key}");
    let c = app.client();
    let id = conversation(&app, "+33698765432", 1_790_000_000);
    let post = |action: &str, body: &str| {
        c.post_signed(
            &format!("/api/v1/conversations/{id}/{action}"),
            &[("Authorization", &auth)],
            body,
        )
    };
    let status = |r: &crate::common::Resp| {
        json(&r.body)["data"]["status"]
            .as_str()
            .unwrap()
            .to_string()
    };

    let empty = post("reply", "");
    assert_eq!(empty.status, 422);
    assert_eq!(json(&empty.body)["error"]["field"], "body");
    let extra = post("reply", r#"{"body": "Bonjour", "from": "x"}"#);
    assert_eq!(extra.status, 422);
    assert_eq!(json(&extra.body)["error"]["field"], "from");

    let replied = post("reply", r#"{"body": "Bonjour, votre robe est prête."}"#);
    assert_eq!(replied.status, 200, "{}", replied.body);
    assert_eq!(
        status(&replied),
        "with_team",
        "a team reply silences the assistant"
    );
    let conn = Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    let (author, queued): (String, i64) = conn
        .query_row(
            "SELECT m.author, (SELECT count(*) FROM outbox o WHERE o.message_id = m.id)
             FROM messages m WHERE m.conversation_id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((author.as_str(), queued), ("staff", 1));

    assert_eq!(status(&post("handback", "")), "with_assistant");
    assert_eq!(status(&post("handover", "")), "with_team");
    let owner_id: i64 = conn
        .query_row("SELECT min(id) FROM users", [], |r| r.get(0))
        .unwrap();
    let assigned = post("assign", &format!(r#"{{"member_id": {owner_id}}}"#));
    assert_eq!(json(&assigned.body)["data"]["assignee_id"], owner_id);
    assert_eq!(
        json(&post("priority", r#"{"priority": true}"#).body)["data"]["priority"],
        1
    );
    assert_eq!(post("notes", r#"{"body": "Cliente fidèle"}"#).status, 200);
    let note: String = conn
        .query_row(
            "SELECT body FROM notes WHERE conversation_id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "Cliente fidèle");
    assert_eq!(status(&post("close", "")), "closed");
    let missing = c.post_signed(
        "/api/v1/conversations/999999/close",
        &[("Authorization", &auth)],
        "",
    );
    assert_eq!(missing.status, 404);

    let contacts = c.get_with("/api/v1/contacts", ("Authorization", &auth));
    assert_eq!(contacts.status, 200);
    assert!(json(&contacts.body)["data"].is_array());
}

#[test]
fn the_manual_catalogue_alerts_and_appointments() {
    let (app, owner) = shop();
    let d = app.data_dir.to_str().unwrap().to_string();
    let csv = app.data_dir.join("atelier.csv");
    std::fs::write(
        &csv,
        "produit;identifiant;type;options;variante;sku;prix;stock:Boutique;stock:Réserve\n\
         Robe Lin Blanche;robe-lin;Robes;Taille;38;RL-38;79,00;2;1\n\
         Foulard Soie;;Accessoires;;;FS-1;45;5;0\n",
    )
    .unwrap();
    let out = crate::common::cli(
        &[
            "--data-dir",
            &d,
            "store",
            "add",
            "manual",
            "--name",
            "Atelier",
            "--csv",
            csv.to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", crate::common::text(&out.stderr));
    let c = app.client();
    let write = new_key(
        &owner,
        "Caisse",
        &[
            "catalogue:write",
            "alerts:read",
            "appointments:read",
            "appointments:write",
        ],
    );
    let read = new_key(&owner, "Lecture", &["catalogue:read"]);
    let auth = format!("Bearer {write}");
    let db = || Connection::open(app.data_dir.join("comptoir.db")).unwrap();
    // The demo's catalogue is a manual store too: the calls name theirs.
    let atelier: i64 = db()
        .query_row("SELECT id FROM stores WHERE name = 'Atelier'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let post = |path: &str, body: &str| {
        let body = match body.strip_prefix('{') {
            Some(rest) if path.starts_with("/catalogue") => {
                format!("{{\"store_id\": {atelier}, {rest}")
            }
            _ => body.to_string(),
        };
        c.post_signed(
            &format!("/api/v1{path}"),
            &[("Authorization", auth.as_str())],
            &body,
        )
    };
    let stock = |sku: &str, place: &str| -> Option<i64> {
        db().query_row(
            "SELECT s.available FROM stock_levels s JOIN variants v ON v.id = s.variant_id
             JOIN locations l ON l.id = s.location_id
             JOIN stores t ON t.id = v.store_id
             WHERE t.name = 'Atelier' AND v.sku = ?1 AND l.name = ?2",
            params![sku, place],
            |r| r.get(0),
        )
        .ok()
    };

    // A new SKU, and an existing one whose price alone changes (its stock stays).
    let r = post(
        "/catalogue/items",
        r#"{"items": [
            {"sku": "RL-40", "product": "Robe Lin Blanche", "options": ["Taille"], "values": ["40"],
             "price_cents": 7900, "stock": {"Boutique": 1, "Réserve": 3}},
            {"sku": "FS-1", "price_cents": 3900}
        ]}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(stock("RL-40", "Réserve"), Some(3));
    assert_eq!(stock("FS-1", "Boutique"), Some(5));
    let price: i64 = db()
        .query_row(
            "SELECT price_cents FROM variants WHERE sku = 'FS-1' AND store_id = ?1",
            [atelier],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(price, 3900);
    // The new size joined its product (one product, two sizes).
    let sizes: i64 = db()
        .query_row(
            "SELECT count(*) FROM variants v JOIN products p ON p.id = v.product_id
             WHERE p.handle = 'robe-lin' AND p.store_id = ?1",
            [atelier],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sizes, 2);
    let kind: String = db()
        .query_row(
            "SELECT product_type FROM products WHERE handle = 'robe-lin' AND store_id = ?1",
            [atelier],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kind, "Robes", "the product keeps its type");

    // Stock levels by SKU and location; the other location keeps its level.
    let r = post(
        "/catalogue/stock",
        r#"{"levels": [{"sku": "RL-38", "location": "Boutique", "available": 0}]}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(stock("RL-38", "Boutique"), Some(0));
    assert_eq!(stock("RL-38", "Réserve"), Some(1));

    // Bad input: named, nothing written.
    for (path, body, field) in [
        (
            "/catalogue/stock",
            r#"{"levels": [{"sku": "NOPE", "location": "Boutique", "available": 1}]}"#,
            "levels[0].sku",
        ),
        (
            "/catalogue/stock",
            r#"{"levels": [{"sku": "RL-38", "location": "Cave", "available": 1}]}"#,
            "levels[0].location",
        ),
        (
            "/catalogue/items",
            r#"{"items": [{"sku": "NEW-1", "product": "Jupe"}]}"#,
            "items[0]",
        ),
        (
            "/catalogue/items",
            r#"{"items": [{"sku": "FS-1", "price_cents": -5}]}"#,
            "items[0].price_cents",
        ),
        (
            "/catalogue/items",
            r#"{"items": [{"sku": "NEW-2", "product": "Jupe", "options": ["Taille"], "price_cents": 100}]}"#,
            "items[0]",
        ),
        (
            "/catalogue/items",
            r#"{"items": [{"sku": "FS-1", "colour": "red"}]}"#,
            "colour",
        ),
    ] {
        let r = post(path, body);
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(json(&r.body)["error"]["field"], field, "{}", r.body);
    }
    assert_eq!(stock("RL-38", "Boutique"), Some(0));
    let new: i64 = db()
        .query_row(
            "SELECT count(*) FROM variants WHERE sku LIKE 'NEW-%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(new, 0);
    // A read-only key cannot write.
    let r = c.post_signed(
        "/api/v1/catalogue/stock",
        &[("Authorization", &format!("Bearer {read}"))],
        &format!(
            r#"{{"store_id": {atelier}, "levels": [{{"sku": "RL-38", "location": "Boutique", "available": 9}}]}}"#
        ),
    );
    assert_eq!(r.status, 403);

    // Alerts and appointments.
    let conn = db();
    conn.execute_batch(
        "INSERT INTO alerts (kind, store_id, item_key, product_title, variant_title, channel,
             recipient, status, created_at)
         VALUES ('stock', 1, 'RL-38', 'Robe Lin Blanche', '38', 'sms', '+33611111111', 'active', 1790000000);
         INSERT INTO appointments (service_id, starts_at, ends_at, contact, uid, created_at,
             updated_at, name)
         VALUES ((SELECT min(id) FROM services), 1790010000, 1790011800, '+33611111111',
             'api-test@comptoir', 1790000000, 1790000000, 'Léa');",
    )
    .unwrap();
    let get = |path: &str| {
        json(
            &c.get_with(&format!("/api/v1{path}"), ("Authorization", auth.as_str()))
                .body,
        )
    };
    let alerts = get("/alerts?status=active");
    assert_eq!(alerts["data"][0]["sku"], "RL-38");
    assert_eq!(
        get("/alerts?status=sent")["data"].as_array().unwrap().len(),
        0
    );
    let list = get("/appointments?status=booked");
    let id = list["data"][0]["id"].as_i64().unwrap();
    assert_eq!(list["data"][0]["name"], "Léa");
    let r = post(&format!("/appointments/{id}/cancel"), "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(json(&r.body)["data"]["status"], "cancelled");
    let again = post(&format!("/appointments/{id}/cancel"), "");
    assert_eq!(again.status, 409);
    assert_eq!(json(&again.body)["error"]["code"], "already_cancelled");
}
