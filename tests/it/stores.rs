//! Store connections and sync: the Shopify connector against the fake, over real HTTP,
//! driven through the real CLI and the server's poller.

use std::io::Read;
use std::path::Path;

use apollo_compiler::executable::{Selection, SelectionSet};
use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use comptoir::stores::shopify::{API_VERSION, queries};
use rusqlite::Connection;
use serde_json::Value;

use crate::common::{TestApp, cli, text};
use crate::fakes::shopify::{FakeShopify, Fault, TOKEN};

const SHOP: &str = "elegance-paris.myshopify.com";

fn add_shopify(dir: &Path, api_url: &str, token: &str) -> String {
    let out = cli(
        &[
            "--data-dir",
            dir.to_str().unwrap(),
            "store",
            "add",
            "shopify",
            "--shop",
            SHOP,
            "--token",
            token,
            "--api-url",
            api_url,
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

fn sync(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--data-dir",
        dir.to_str().unwrap(),
        "--log-level",
        "error",
        "sync",
    ];
    args.extend_from_slice(extra);
    cli(&args, &[], None)
}

fn stats(dir: &Path) -> Value {
    let out = cli(
        &["--data-dir", dir.to_str().unwrap(), "stats", "--json"],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_str(&text(&out.stdout)).unwrap()
}

fn counts(dir: &Path) -> [i64; 6] {
    let s = &stats(dir)["stores"][0];
    [
        "products",
        "variants",
        "stock_levels",
        "locations",
        "customers",
        "orders",
    ]
    .map(|k| s[k].as_i64().unwrap())
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

const DEMO: [i64; 6] = [47, 156, 312, 2, 89, 12];

#[test]
fn shopify_demo_sync_gives_the_exact_catalogue_and_incremental_syncs_stay_small() {
    let shopify = FakeShopify::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(add_shopify(dir, &shopify.served.base, TOKEN), "1");

    let out = sync(dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("full sync ok — 47 products, 156 variants"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(counts(dir), DEMO);
    let s = &stats(dir)["stores"][0];
    assert_eq!(
        (
            s["id"].as_i64(),
            s["platform"].as_str(),
            s["status"].as_str()
        ),
        (Some(1), Some("shopify"), Some("connected"))
    );
    assert!(s["last_sync_at"].is_string());
    // Pages: 47 products fit one page of 100; 156 variants need two.
    assert_eq!(shopify.calls("ComptoirProducts"), 1);
    assert_eq!(shopify.calls("ComptoirVariants"), 2);
    assert_eq!(shopify.calls("ComptoirOrders"), 2, "12 orders at 10 a page");

    // Nothing changed upstream: one empty page per kind, with an updated_at filter.
    let before = shopify.calls("ComptoirProducts");
    let out = sync(dir, &[]);
    assert!(
        text(&out.stdout).contains("incremental sync ok — 0 products"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(shopify.calls("ComptoirProducts") - before, 1);
    let last = shopify
        .state
        .lock()
        .unwrap()
        .calls
        .last()
        .unwrap()
        .1
        .clone();
    assert!(
        last["query"].as_str().unwrap().contains("updated_at:>="),
        "{last}"
    );
    assert_eq!(counts(dir), DEMO, "an incremental sync keeps everything");

    // A sale upstream shows after the next sync.
    assert_eq!(available(dir, "EP-001-38", "61001"), 2);
    shopify.set_stock(47200000002, 61001, 1);
    assert!(sync(dir, &[]).status.success());
    assert_eq!(available(dir, "EP-001-38", "61001"), 1);

    // A product edited upstream comes alone, with its variants, in the next sync.
    shopify.touch_products(1);
    let out = sync(dir, &[]);
    assert!(
        text(&out.stdout).contains("incremental sync ok — 1 products, 4 variants"),
        "{}",
        text(&out.stdout)
    );
    let price: i64 = Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row(
            "SELECT price_cents FROM variants WHERE sku = 'EP-001-38'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(price, 3990);

    // The shop location is chosen by default; the warehouse is not.
    let conn = Connection::open(dir.join("comptoir.db")).unwrap();
    let in_shop: Vec<(String, bool)> = conn
        .prepare("SELECT name, in_shop FROM locations ORDER BY external_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        in_shop,
        vec![
            ("Boutique Paris".into(), true),
            ("Boutique Lyon Part-Dieu".into(), false)
        ]
    );
    // Credentials are encrypted at rest.
    let sealed: Vec<u8> = conn
        .query_row("SELECT credentials FROM stores", [], |r| r.get(0))
        .unwrap();
    assert!(!sealed.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
}

/// Starts `comptoir` with `args`, waits until it has staged something, and kills it
/// with SIGKILL mid-way.
fn kill_once_staging(dir: &Path, args: &[&str]) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_comptoir"))
        .args(["--data-dir", dir.to_str().unwrap(), "--log-level", "error"])
        .args(args)
        .env_remove("COMPTOIR_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let staged = || {
        Connection::open(dir.join("comptoir.db"))
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM sync_staging", [], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .unwrap_or(0)
    };
    let caught = crate::common::poll_until(std::time::Duration::from_secs(60), || staged() > 0);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(caught, "the process staged nothing before being killed");
}

#[test]
fn a_killed_sync_frees_its_store_at_once_and_leaves_no_staged_rows() {
    let shopify = FakeShopify::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_shopify(dir, &shopify.served.base, TOKEN);
    shopify.state.lock().unwrap().delay = Some(std::time::Duration::from_millis(200));
    kill_once_staging(dir, &["sync", "--full"]);
    shopify.state.lock().unwrap().delay = None;
    // The lease of the killed process does not hold the store for ten minutes.
    let out = sync(dir, &["--full"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(counts(dir), DEMO);
    let conn = Connection::open(dir.join("comptoir.db")).unwrap();
    let (staged, interrupted): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM sync_staging),
                    (SELECT count(*) FROM sync_runs WHERE outcome = 'error' AND error LIKE 'interrompue%')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((staged, interrupted), (0, 1));
}

#[test]
fn a_killed_import_leaves_the_catalogue_and_its_staged_rows_go_with_the_next_import() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let d = dir.to_str().unwrap();
    let out = cli(
        &[
            "--data-dir",
            d,
            "store",
            "add",
            "manual",
            "--name",
            "Atelier",
        ],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let small = dir.join("small.csv");
    std::fs::write(&small, "produit;sku;prix;stock:Boutique\nRobe;R-1;10;1\n").unwrap();
    let import_small = || {
        let args = [
            "--data-dir",
            d,
            "store",
            "import",
            "1",
            "--csv",
            small.to_str().unwrap(),
        ];
        let out = cli(&args, &[], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    import_small();
    let mut big = String::from("produit;options;variante;sku;prix;stock:Boutique\n");
    for p in 0..150_000 {
        big.push_str(&format!("Robe {p};Taille;38;B{p};49,00;1\n"));
    }
    let big_path = dir.join("big.csv");
    std::fs::write(&big_path, big).unwrap();
    kill_once_staging(
        dir,
        &["store", "import", "1", "--csv", big_path.to_str().unwrap()],
    );
    let products = |dir: &Path| -> i64 {
        Connection::open(dir.join("comptoir.db"))
            .unwrap()
            .query_row("SELECT count(*) FROM products", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(products(dir), 1, "the killed import changed nothing");
    import_small();
    let staged: i64 = Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM sync_staging", [], |r| r.get(0))
        .unwrap();
    assert_eq!(staged, 0, "the killed import's staged rows are gone");
}

#[test]
fn an_interrupted_sync_leaves_the_previous_catalogue_and_deletions_wait_for_a_full_sync() {
    let shopify = FakeShopify::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_shopify(dir, &shopify.served.base, TOKEN);
    assert!(sync(dir, &[]).status.success());

    // Upstream deletes a product and changes stock, then fails half-way through a sync.
    shopify.delete_product(8100000001);
    shopify.set_stock(47200000005, 61001, 9);
    let next = shopify.total_calls() + 5;
    shopify.fault_on_call(
        next,
        Fault::Status(503, r#"{"errors":"Service Unavailable"}"#),
    );
    let out = sync(dir, &["--full"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("momentanément indisponible (503)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(counts(dir), DEMO, "nothing of the failed sync was applied");
    assert_eq!(available(dir, "EP-002-36", "61001"), 0);
    let s = &stats(dir)["stores"][0];
    assert_eq!(s["status"], "error");

    // The next full sync applies both.
    let out = sync(dir, &["--full"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(counts(dir)[..2], [46, 152]);
    assert_eq!(available(dir, "EP-002-36", "61001"), 9);
    let gone: i64 = Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM products WHERE handle = 'robe-fleurie-bleue'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gone, 0);
    let staged: i64 = Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT count(*) FROM sync_staging", [], |r| r.get(0))
        .unwrap();
    assert_eq!(staged, 0, "no staging left behind");
}

#[test]
fn throttling_and_rate_limits_are_waited_out() {
    let shopify = FakeShopify::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_shopify(dir, &shopify.served.base, TOKEN);
    shopify.fault_on_call(2, Fault::Throttled);
    shopify.fault_on_call(5, Fault::Status(429, r#"{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}"#));
    let out = sync(dir, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(counts(dir), DEMO);
    assert_eq!(
        shopify.calls("ComptoirProducts"),
        2,
        "the throttled page was asked again"
    );
}

#[test]
fn refused_credentials_stop_polling_and_garbled_answers_retry() {
    let shopify = FakeShopify::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_shopify(dir, &shopify.served.base, "shpat_revoked");
    let out = sync(dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("refuse l'accès (401)") && err.contains("Reconnectez"),
        "{err}"
    );
    assert!(
        !err.contains("shpat_revoked"),
        "the token never appears in messages"
    );
    assert_eq!(stats(dir)["stores"][0]["status"], "disconnected");

    let tmp2 = tempfile::tempdir().unwrap();
    add_shopify(tmp2.path(), &shopify.served.base, TOKEN);
    let next = shopify.total_calls() + 2;
    shopify.fault_on_call(next, Fault::Garbled);
    let out = sync(tmp2.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("réponse illisible"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(stats(tmp2.path())["stores"][0]["status"], "error");
}

#[test]
fn store_cli_validates_and_lists() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let bad = cli(
        &[
            "--data-dir",
            d,
            "store",
            "add",
            "shopify",
            "--shop",
            "elegance-paris.com",
            "--token",
            "x",
        ],
        &[],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("your-shop.myshopify.com"));
    let out = cli(
        &[
            "--data-dir",
            d,
            "store",
            "add",
            "shopify",
            "--shop",
            SHOP,
            "--token",
            "shpat_x",
        ],
        &[],
        None,
    );
    assert_eq!(text(&out.stdout).trim(), "1");
    let list: Value = serde_json::from_str(&text(
        &cli(&["--data-dir", d, "store", "list", "--json"], &[], None).stdout,
    ))
    .unwrap();
    assert_eq!(list[0]["domain"], SHOP);
    assert_eq!(list[0]["last_sync_at"], Value::Null);
    assert!(!list.to_string().contains("shpat_x"));
    let missing = cli(&["--data-dir", d, "store", "remove", "9"], &[], None);
    assert!(text(&missing.stderr).contains("no store has the id 9"));
    assert!(
        cli(&["--data-dir", d, "store", "remove", "1"], &[], None)
            .status
            .success()
    );
    let none = cli(&["--data-dir", d, "sync"], &[], None);
    assert!(text(&none.stderr).contains("no store to sync"));
}

#[test]
fn the_server_polls_due_stores_in_the_background() {
    let shopify = FakeShopify::start();
    let app = TestApp::spawn_with(|c| c.sync.poll_seconds = 1);
    // The store is added while the server runs; its first sync is due at once.
    app.clock
        .set(jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1));
    add_shopify(&app.data_dir, &shopify.served.base, TOKEN);
    // Wait for the event (the poller's sync), bounded, not for a duration.
    assert!(
        crate::common::poll_until(std::time::Duration::from_secs(60), || {
            counts(&app.data_dir) == DEMO
        }),
        "the poller did not sync the store"
    );
    let s = &stats(&app.data_dir)["stores"][0];
    assert_eq!(s["status"], "connected");
}

/// Cost estimate in the spirit of Shopify's: each object 1, a connection multiplies its
/// contents by `first`. Over-estimates rather than under.
fn cost(set: &SelectionSet, page: i64) -> i64 {
    set.selections
        .iter()
        .map(|s| match s {
            Selection::Field(f) if !f.selection_set.selections.is_empty() => {
                let first = f
                    .arguments
                    .iter()
                    .find(|a| a.name == "first")
                    .map(|a| a.value.to_i32().map(i64::from).unwrap_or(page));
                1 + first.unwrap_or(1) * cost(&f.selection_set, page)
            }
            _ => 0,
        })
        .sum()
}

#[test]
fn every_graphql_document_is_valid_for_the_pinned_version_and_affordable() {
    let mut sdl = String::new();
    flate2::read::GzDecoder::new(
        &include_bytes!("../data/shopify_admin_graphql_2026-07.graphql.gz")[..],
    )
    .read_to_string(&mut sdl)
    .unwrap();
    assert!(sdl.contains("type QueryRoot"));
    assert_eq!(
        API_VERSION, "2026-07",
        "validate against the schema of the pinned version"
    );
    let schema = Valid::assume_valid(Schema::parse(sdl, "admin-2026-07.graphql").unwrap());
    for (name, document, page) in queries::ALL {
        let doc =
            ExecutableDocument::parse_and_validate(&schema, document, format!("{name}.graphql"))
                .unwrap_or_else(|e| panic!("{name} is not valid for {API_VERSION}:\n{}", e.errors));
        let op = doc.operations.get(Some(name)).unwrap();
        let estimate = cost(&op.selection_set, page);
        assert!(
            estimate <= 1000,
            "{name} may cost {estimate} points, over Shopify's 1,000"
        );
    }
    // The check can fail: a field that does not exist is refused.
    let broken = queries::PRODUCTS.replace("vendor", "supplier");
    assert!(ExecutableDocument::parse_and_validate(&schema, broken, "broken.graphql").is_err());
}

mod woo {
    use super::*;
    use crate::fakes::woocommerce::{FakeWoo, KEY, SECRET};

    fn add_woo(dir: &Path, url: &str, secret: &str) {
        let out = cli(
            &[
                "--data-dir",
                dir.to_str().unwrap(),
                "store",
                "add",
                "woocommerce",
                "--url",
                url,
                "--key",
                KEY,
                "--secret",
                secret,
            ],
            &[],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout).trim(), "1");
    }

    #[test]
    fn woocommerce_gives_the_same_catalogue_from_the_same_data() {
        let woo = FakeWoo::start();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        add_woo(dir, &woo.served.base, SECRET);
        let out = sync(dir, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // One stock quantity per item and one location: WooCommerce core has no locations.
        assert_eq!(counts(dir), [47, 156, 156, 1, 89, 12]);
        assert_eq!(available(dir, "EP-001-38", "woocommerce"), 2);
        let s = &stats(dir)["stores"][0];
        assert_eq!(
            (s["platform"].as_str(), s["status"].as_str()),
            (Some("woocommerce"), Some("connected"))
        );
        let conn = Connection::open(dir.join("comptoir.db")).unwrap();
        let tracking: String = conn
            .query_row(
                "SELECT tracking_number FROM orders WHERE name = '#1010'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tracking, "6A00600000010");

        // A sale of one variation shows after an incremental sync.
        woo.set_variation_stock(45100000002, 0);
        let variation_requests = woo.requests("products/");
        let out = sync(dir, &[]);
        assert!(
            woo.requests("products/") > variation_requests,
            "variations are checked on every sync"
        );
        assert!(
            text(&out.stdout).contains("incremental"),
            "{}",
            text(&out.stdout)
        );
        assert_eq!(available(dir, "EP-001-38", "woocommerce"), 0);
        assert_eq!(counts(dir), [47, 156, 156, 1, 89, 12]);
    }

    #[test]
    fn hosts_that_strip_basic_auth_fall_back_to_query_keys_and_bad_keys_are_refused() {
        let woo = FakeWoo::start();
        woo.state.lock().unwrap().strip_authorization = true;
        let tmp = tempfile::tempdir().unwrap();
        add_woo(tmp.path(), &woo.served.base, SECRET);
        let out = sync(tmp.path(), &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(counts(tmp.path())[0], 47);

        let tmp = tempfile::tempdir().unwrap();
        add_woo(tmp.path(), &woo.served.base, "cs_wrong");
        let out = sync(tmp.path(), &[]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.contains("Sorry, you cannot list resources."),
            "the store's own message: {err}"
        );
        assert!(!err.contains("cs_wrong"));
        assert_eq!(stats(tmp.path())["stores"][0]["status"], "disconnected");
    }
}

mod manual {
    use super::*;

    const GOOD: &str = "produit;identifiant;type;options;variante;sku;prix;stock:Boutique;stock:Réserve\n\
        Robe Lin Blanche;robe-lin;Robes;Taille;38;RL-38;79,00;2;1\n\
        Robe Lin Blanche;robe-lin;Robes;Taille;40;RL-40;79,00;0;4\n\
        Foulard Soie;;Accessoires;;;FS-1;45;5;0\n";
    const BAD: &str = "produit;options;variante;sku;prix;stock:Boutique\n\
        Robe;Taille;38;A1;89,00;2\n\
        Robe;Taille;38;A2;89,00;1\n\
        Jupe;;;A3;quatre-vingts;1\n";

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    #[test]
    fn csv_from_the_cli_is_checked_whole_then_imported_and_exported() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("data");
        let d = d.to_str().unwrap();
        let bad = write(tmp.path(), "bad.csv", BAD);
        let out = cli(
            &[
                "--data-dir",
                d,
                "store",
                "add",
                "manual",
                "--name",
                "Atelier",
                "--csv",
                &bad,
            ],
            &[],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(
            err.contains("line 3: cette variante apparaît déjà plus haut"),
            "{err}"
        );
        assert!(
            err.contains("line 4: prix « quatre-vingts » invalide"),
            "{err}"
        );
        assert!(err.contains("nothing was changed"));
        let list = text(&cli(&["--data-dir", d, "store", "list"], &[], None).stdout);
        assert!(list.trim().is_empty(), "no store was created: {list}");

        let good = write(tmp.path(), "good.csv", GOOD);
        let out = cli(
            &[
                "--data-dir",
                d,
                "store",
                "add",
                "manual",
                "--name",
                "Atelier",
                "--csv",
                &good,
            ],
            &[],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let dir = Path::new(d);
        assert_eq!(counts(dir), [2, 3, 6, 2, 0, 0]);
        assert_eq!(available(dir, "RL-40", "reserve"), 4);

        // A bad re-import changes nothing; the export imports back to the same catalogue.
        let out = cli(
            &["--data-dir", d, "store", "import", "1", "--csv", &bad],
            &[],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(counts(dir), [2, 3, 6, 2, 0, 0]);
        let exported = cli(&["--data-dir", d, "store", "export", "1"], &[], None);
        let csv_text = text(&exported.stdout);
        assert!(csv_text.starts_with("produit;identifiant;type;options;variante;sku;code_barres;prix;stock:Boutique;stock:Réserve"), "{csv_text}");
        assert!(
            csv_text.contains("Robe Lin Blanche;robe-lin;Robes;Taille;40;RL-40;;79,00;0;4"),
            "{csv_text}"
        );
        let edited = write(
            tmp.path(),
            "edited.csv",
            &csv_text
                .replace("RL-40;;79,00;0;4", "RL-40;;79,00;3;4")
                .replace("Foulard Soie", "Foulard Soie Bleu"),
        );
        let out = cli(
            &["--data-dir", d, "store", "import", "1", "--csv", &edited],
            &[],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(counts(dir), [2, 3, 6, 2, 0, 0]);
        assert_eq!(available(dir, "RL-40", "boutique"), 3);
        let sync = cli(&["--data-dir", d, "sync", "--store", "1"], &[], None);
        assert!(
            text(&sync.stderr).contains("manual store"),
            "{}",
            text(&sync.stderr)
        );
    }

    #[test]
    fn a_bad_csv_in_the_setup_wizard_is_explained_in_the_wizard() {
        let app = TestApp::spawn();
        let owner = app.setup_owner();
        // The token comes from any page of the session; the form is the wizard's.
        let r = owner.post_multipart(
            "/settings/integrations",
            "/settings/integrations/manual?assistant=1",
            &[
                ("name", None, b"Atelier"),
                ("file", Some("bad.csv"), BAD.as_bytes()),
            ],
        );
        assert_eq!(r.status, 400);
        // In the wizard's frame, in the manual store's form, name kept, lines listed.
        assert!(r.body.contains("Progression"), "{}", r.body);
        assert!(
            r.body.contains("Ligne 4 : prix « quatre-vingts » invalide"),
            "{}",
            r.body
        );
        assert!(r.body.contains("choisissez-le à nouveau"), "{}", r.body);
        assert!(r.body.contains("value=\"Atelier\""), "{}", r.body);
    }

    #[test]
    fn csv_upload_on_the_page_lists_bad_lines_and_imports_good_files() {
        let app = TestApp::spawn();
        let owner = app.setup_owner();
        let page = "/settings/integrations";
        let r = owner.post_multipart(
            page,
            "/settings/integrations/manual",
            &[
                ("name", None, b"Atelier"),
                ("file", Some("bad.csv"), BAD.as_bytes()),
            ],
        );
        assert_eq!(r.status, 400);
        assert!(
            r.body
                .contains("Ligne 3 : cette variante apparaît déjà plus haut"),
            "{}",
            r.body
        );
        assert!(r.body.contains("Ligne 4 : prix « quatre-vingts » invalide"));
        assert!(
            owner
                .get("/products")
                .body
                .contains("Aucune boutique connectée"),
            "nothing created"
        );

        let r = owner.post_multipart(
            page,
            "/settings/integrations/manual",
            &[
                ("name", None, b"Atelier"),
                ("file", Some("good.csv"), GOOD.as_bytes()),
            ],
        );
        assert_eq!(
            (r.status, r.location()),
            (303, "/settings/integrations?ok=imported"),
            "{}",
            r.body
        );
        let products = owner.get("/products").body;
        assert!(
            products.contains("Robe Lin Blanche")
                && products.contains("Réserve : <strong>4</strong>"),
            "{products}"
        );

        let r = owner.post_multipart(
            page,
            "/settings/integrations/1/import",
            &[("file", Some("bad.csv"), BAD.as_bytes())],
        );
        assert_eq!(r.status, 400);
        assert!(
            owner.get("/products").body.contains("Robe Lin Blanche"),
            "the catalogue is intact"
        );

        // A long file: checked first, then imported while the page shows it progressing
        // (the outcome is the same; the store's card ends on the final counts).
        let mut long = String::from("produit;options;variante;sku;prix;stock:Boutique\n");
        for p in 0..1_000 {
            for size in ["36", "38", "40", "42", "44"] {
                long.push_str(&format!("Robe {p};Taille;{size};L{p}-{size};49,00;1\n"));
            }
        }
        let r = owner.post_multipart(
            page,
            "/settings/integrations/1/import",
            &[("file", Some("long.csv"), long.as_bytes())],
        );
        assert_eq!(
            (r.status, r.location()),
            (303, "/settings/integrations?ok=importing"),
            "{}",
            r.body
        );
        let notice = owner.get("/settings/integrations?ok=importing").body;
        assert!(notice.contains("L'import se poursuit"), "{notice}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let done = loop {
            let fragment = owner.get("/settings/integrations/1/progress").body;
            if !fragment.contains("Import en cours") {
                break fragment;
            }
            assert!(std::time::Instant::now() < deadline, "{fragment}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert!(
            done.contains("✅ 1\u{202f}000 produits · 5\u{202f}000 variantes"),
            "{done}"
        );
        assert!(
            owner
                .get("/products")
                .body
                .contains("1\u{202f}000 produits"),
            "the new catalogue replaced the old one"
        );
        // A short file is answered done.
        let r = owner.post_multipart(
            page,
            "/settings/integrations/1/import",
            &[("file", Some("good.csv"), GOOD.as_bytes())],
        );
        assert_eq!(r.location(), "/settings/integrations?ok=imported");

        // One article typed in the form: same rules as the import, added to the catalogue.
        let form = [
            ("produit", "Robe Lin Blanche"),
            ("options", "Taille"),
            ("variante", "42"),
            ("sku", "RL-42"),
            ("prix", "79,00"),
            ("stock", "3"),
            ("stock", "1"),
        ];
        let r = owner.submit(page, "/settings/integrations/1/product", &form);
        assert_eq!(r.status, 303, "{}", r.body);
        let products = owner.get("/products?q=RL-").body;
        assert!(
            products.contains("RL-42") && products.contains("RL-38"),
            "added, nothing removed: {products}"
        );
        let r = owner.submit(
            page,
            "/settings/integrations/1/product",
            &[("produit", "Sac"), ("prix", "abc"), ("stock", "x")],
        );
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("prix « abc » invalide") && r.body.contains("stock « x » invalide"),
            "{}",
            r.body
        );

        let export = owner.get("/settings/integrations/1/catalogue.csv");
        assert_eq!(
            export.header("content-type"),
            Some("text/csv; charset=utf-8")
        );
        assert!(export.body.contains("RL-38"));
        let orders = format!(
            "commande;date;paiement;expedition;produit;transporteur;numero_suivi\n#W1;{};payée;expédiée;Robe Lin Blanche;Chronopost;XY1\n",
            jiff::Timestamp::now().strftime("%Y-%m-%d")
        );
        let r = owner.post_multipart(
            page,
            "/settings/integrations/1/import-orders",
            &[("file", Some("orders.csv"), orders.as_bytes())],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let list = owner.get("/orders").body;
        assert!(list.contains("#W1") && list.contains("XY1"), "{list}");
        let r = owner.post_multipart(
            page,
            "/settings/integrations/1/import-orders",
            &[(
                "file",
                Some("bad.csv"),
                b"commande;date;produit\n;;\n1;x;y\n",
            )],
        );
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("Ligne 3 : date « x » invalide"),
            "{}",
            r.body
        );
        let template = owner.get("/settings/integrations/manual/modele-commandes.csv");
        assert!(template.body.starts_with("commande;date;"));
        let template = owner.get("/settings/integrations/manual/modele.csv");
        assert!(
            template
                .header("content-disposition")
                .unwrap()
                .contains("attachment")
        );
        assert!(template.body.starts_with("produit;"));

        // Uploads check the CSRF token like every form.
        let foreign = app.client().get("/login").csrf();
        let r = owner.post_multipart_with(
            &foreign,
            "/settings/integrations/1/import",
            &[("file", Some("good.csv"), GOOD.as_bytes())],
        );
        assert_eq!(r.status, 403);
        assert!(r.body.contains("Formulaire expiré"));
    }
}

mod presta {
    use super::*;
    use crate::fakes::prestashop::{FakePresta, KEY};

    #[test]
    fn prestashop_gives_the_same_catalogue_from_the_same_data() {
        let presta = FakePresta::start();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let d = dir.to_str().unwrap();
        let out = cli(
            &[
                "--data-dir",
                d,
                "store",
                "add",
                "prestashop",
                "--url",
                &presta.served.base,
                "--key",
                KEY,
            ],
            &[],
            None,
        );
        assert_eq!(text(&out.stdout).trim(), "1", "{}", text(&out.stderr));
        let out = sync(dir, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // One stock quantity per item at one location, like WooCommerce.
        assert_eq!(counts(dir), [47, 156, 156, 1, 89, 12]);
        // Polling reads every resource, 100 a page: options, option values, products (47),
        // combinations (156: 2 pages), stock (156: 2 pages), customers, orders, carriers,
        // order carriers.
        assert_eq!(presta.state.lock().unwrap().requests, 11);
        assert_eq!(available(dir, "EP-001-38", "prestashop"), 2);
        let conn = Connection::open(dir.join("comptoir.db")).unwrap();
        let (title, options, price): (String, String, i64) = conn
            .query_row(
                "SELECT v.title, p.option_names, v.price_cents FROM variants v JOIN products p ON p.id = v.product_id WHERE v.sku = 'EP-001-38'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (title.as_str(), options.as_str(), price),
            ("38", "[\"Taille\"]", 8900)
        );
        let (tracking, url, email): (String, String, String) = conn
            .query_row(
                "SELECT tracking_number, tracking_url, email FROM orders WHERE name = '#1010'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(tracking, "6A00600000010");
        assert!(url.ends_with("n=6A00600000010"), "{url}");
        assert!(email.contains('@'));

        let wrong = tempfile::tempdir().unwrap();
        let w = wrong.path().to_str().unwrap();
        cli(
            &[
                "--data-dir",
                w,
                "store",
                "add",
                "prestashop",
                "--url",
                &presta.served.base,
                "--key",
                "WRONGKEY",
            ],
            &[],
            None,
        );
        let out = sync(wrong.path(), &[]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("Authentication key is not active"), "{err}");
        assert_eq!(stats(wrong.path())["stores"][0]["status"], "disconnected");
    }
}

#[test]
fn a_store_that_answers_too_slowly_is_retried_later() {
    let shopify = FakeShopify::start();
    shopify.state.lock().unwrap().delay = Some(std::time::Duration::from_secs(3));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_shopify(dir, &shopify.served.base, TOKEN);
    let out = cli(
        &[
            "--data-dir",
            dir.to_str().unwrap(),
            "--log-level",
            "error",
            "sync",
        ],
        &[("COMPTOIR_SYNC__HTTP_TIMEOUT_SECS", "1")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("ne répond pas") && err.contains("délai dépassé"),
        "{err}"
    );
    let s = &stats(dir)["stores"][0];
    assert_eq!(s["status"], "error", "a temporary failure: polling goes on");
    assert_eq!(s["products"], 0);
}

#[test]
fn a_failure_on_our_side_is_shown_as_a_sentence_never_as_internal_text() {
    let shopify = FakeShopify::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    add_shopify(dir, &shopify.served.base, TOKEN);
    // Our own storage fails while the records arrive.
    Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER broken BEFORE INSERT ON sync_staging
             BEGIN SELECT RAISE(ABORT, 'SQLITE_IOERR internal detail'); END;",
        )
        .unwrap();
    let out = sync(dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stored: String = Connection::open(dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT last_error FROM stores", [], |r| r.get(0))
        .unwrap();
    assert!(stored.contains("Erreur interne"), "{stored}");
    assert!(!stored.contains("SQLITE"), "{stored}");

    // The page says what happened and what comes next, without the cause's text.
    let app = TestApp::spawn_in(dir, |_| {});
    let owner = app.setup_owner();
    let page = owner.get("/settings/integrations").body;
    assert!(page.contains("Erreur interne de Comptoir"), "{page}");
    assert!(page.contains("retentée"), "{page}");
    for internal in ["SQLITE", "internal detail", "sync_staging", "RAISE"] {
        assert!(!page.contains(internal), "{internal} shown: {page}");
    }
}

#[test]
fn stores_sharing_skus_are_one_catalogue_with_stock_across_them() {
    use crate::common::{WIDGET_ORIGIN, cli, text, widget_says};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let app = crate::common::TestApp::spawn_in(&dir, |c| {
        c.channels.webchat.allowed_origins = vec![WIDGET_ORIGIN.into()];
    });
    crate::common::demo_database(&dir);
    let owner = app.setup_owner();
    let before = widget_says(
        &app,
        "v-sku-0001",
        "Vous avez la robe fleurie bleue en 40 ?",
    );
    assert!(
        before.contains("plus la Robe Fleurie Bleue en 40"),
        "{before}"
    );

    // The workshop, a second (manual) store, sells the same SKU and has two.
    let csv = dir.join("atelier.csv");
    std::fs::write(
        &csv,
        "produit;identifiant;type;options;variante;sku;prix;stock:Atelier\n\
         Robe Fleurie Bleue;robe-fleurie-bleue;Robes;Taille;40;EP-001-40;89,00;2\n\
         Foulard de l'Atelier;foulard-atelier;Accessoires;;;AT-FOUL-1;25,00;3\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let all_before = owner.get("/products").body;
    let out = cli(
        &[
            "--data-dir",
            d,
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
    assert!(out.status.success(), "{}", text(&out.stderr));

    // One product for the assistant (no "which one?"), its stock read across both.
    let after = widget_says(
        &app,
        "v-sku-0002",
        "Vous avez la robe fleurie bleue en 40 ?",
    );
    assert!(
        !after.contains("plus la Robe Fleurie Bleue en 40"),
        "{after}"
    );
    assert!(
        after.contains("Robe Fleurie Bleue") && after.contains("de côté"),
        "{after}"
    );
    // Produits shows one product, the workshop's stock beside the shop's for that size;
    // the workshop's own product stays listed, its copy of the dress does not.
    let page = owner.get("/products?q=robe+fleurie+bleue");
    assert!(page.body.contains("Atelier (Atelier)"), "{}", page.body);
    assert_eq!(
        page.body.matches("class=\"product-title\"").count(),
        1,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("stock commun avec Atelier"),
        "{}",
        page.body
    );
    let summary = |body: &str| {
        let at = body.find(" produit").expect("a summary");
        body[..at]
            .rsplit(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let all_after = owner.get("/products").body;
    assert_eq!(
        summary(&all_after),
        summary(&all_before) + 1,
        "the scarf only"
    );
    let scarf = owner.get("/products?q=foulard").body;
    assert!(scarf.contains("Foulard de l"), "{scarf}");
}
