//! The Produits and Commandes pages at scale: 50,000 products × 5 sizes (250,000
//! variants), stock at two locations (500,000 levels) and 20,000 orders, then the real
//! server answering a signed-in owner over loopback: first and deep pages, searches of
//! common and rare words, a SKU, and a deep page of a search. Latency is measured at the
//! client, so it includes HTTP on loopback.
//!
//! Run: `cargo bench --bench products` (add `-- PRODUCTS REQUESTS`, default 50000 300).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::{PathMaker, Rng, Server};
use rusqlite::params;

const KINDS: [&str; 10] = [
    "Robe", "Jupe", "Pull", "Chemise", "Jean", "Blazer", "Sac", "Manteau", "Pantalon", "Top",
];
const CUTS: [&str; 8] = [
    "fleurie", "plissée", "droite", "oversize", "cintrée", "longue", "courte", "ample",
];
const COLOURS: [&str; 8] = [
    "bleue", "noire", "beige", "rouge", "verte", "marine", "blanche", "rose",
];
const SIZES: [&str; 5] = ["36", "38", "40", "42", "44"];

fn fill(dir: &std::path::Path, products: i64) {
    let pool = comptoir::db::open(dir).unwrap();
    let mut conn = pool.get().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let tx = conn.transaction().unwrap();
    tx.execute_batch(
        "INSERT INTO stores (id, platform, name, connected_at, next_sync_at)
             VALUES (1, 'manual', 'Élégance Paris', 0, 9999999999);
         INSERT INTO locations (id, store_id, external_id, name, in_shop)
             VALUES (1, 1, 'paris', 'Boutique Paris', 1), (2, 1, 'web', 'Entrepôt', 0);",
    )
    .unwrap();
    {
        let mut product = tx
            .prepare(
                "INSERT INTO products (id, store_id, external_id, handle, title, product_type, tags,
                    option_names) VALUES (?1, 1, ?1, ?2, ?3, ?4, ?5, '[\"Taille\"]')",
            )
            .unwrap();
        let mut variant = tx
            .prepare(
                "INSERT INTO variants (id, store_id, product_id, external_id, title, sku,
                    price_cents, option1, position) VALUES (?1, 1, ?2, ?1, ?3, ?4, ?5, ?3, ?6)",
            )
            .unwrap();
        let mut stock = tx
            .prepare(
                "INSERT INTO stock_levels (variant_id, location_id, available) VALUES (?1, ?2, ?3)",
            )
            .unwrap();
        for id in 1..=products {
            let kind = KINDS[rng.below(10) as usize];
            let title = format!(
                "{kind} {} {} {id}",
                CUTS[rng.below(8) as usize],
                COLOURS[rng.below(8) as usize]
            );
            let handle = title.to_lowercase().replace(' ', "-");
            product
                .execute(params![id, handle, title, kind, "nouveauté, été"])
                .unwrap();
            let price = 1990 + 500 * rng.below(20) as i64;
            for (i, size) in SIZES.iter().enumerate() {
                let vid = id * 5 + i as i64;
                variant
                    .execute(params![vid, id, size, format!("P{id}-{size}"), price, i])
                    .unwrap();
                stock.execute(params![vid, 1, rng.below(4) as i64]).unwrap();
                stock
                    .execute(params![vid, 2, rng.below(20) as i64])
                    .unwrap();
            }
        }
        let mut order = tx
            .prepare(
                "INSERT INTO orders (store_id, external_id, name, email, created_at, updated_at,
                    financial_status, fulfillment_status, total_cents)
                 VALUES (1, ?1, ?2, ?3, ?4, ?4, 'paid', 'unfulfilled', 4900)",
            )
            .unwrap();
        for id in 1..=20_000i64 {
            let day = 1 + id % 28;
            order
                .execute(params![
                    id,
                    format!("#{}", 1000 + id),
                    format!("client{}@exemple.fr", rng.below(5000)),
                    format!("2026-{:02}-{day:02}T10:00:00Z", 1 + id % 11)
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE; PRAGMA optimize;").unwrap();
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let products: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    fill(tmp.path(), products);
    eprintln!(
        "filled {products} products, {} variants in {:.1} s",
        products * 5,
        started.elapsed().as_secs_f64()
    );
    let server = Server::start(tmp.path());
    let pages = products / 25;
    let kinds: [(&str, PathMaker); 7] = [
        ("Produits, first page", Box::new(|_| "/products".into())),
        (
            "Produits, deep page",
            Box::new(move |rng| format!("/products?page={}", 1 + rng.below(pages as u64))),
        ),
        (
            "search, a common word",
            Box::new(|rng| format!("/products?q={}", KINDS[rng.below(10) as usize])),
        ),
        (
            "search, two words in any order",
            Box::new(|rng| {
                format!(
                    "/products?q={}+{}",
                    COLOURS[rng.below(8) as usize],
                    KINDS[rng.below(10) as usize].to_lowercase()
                )
            }),
        ),
        (
            "search, a SKU",
            Box::new(move |rng| format!("/products?q=P{}-38", 1 + rng.below(products as u64))),
        ),
        (
            "search, deep page of a common word",
            Box::new(|rng| format!("/products?q=robe&page={}", 1 + rng.below(200))),
        ),
        (
            "Commandes, deep page",
            Box::new(|rng| format!("/orders?page={}", 1 + rng.below(800))),
        ),
    ];
    println!(
        "{products} products, {} variants; {requests} requests per kind",
        products * 5
    );
    server.measure(&kinds, requests, "pager-count");
}
