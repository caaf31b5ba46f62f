//! Engine latency: the labelled conversations (`tests/data/eval/dev.jsonl`) through the
//! assistant, exactly as `comptoir eval` runs them, first on the demo shop, then on the
//! demo shop grown to 50,000 variants. Reports the engine's own time per turn (p50, p99,
//! max; channel I/O and the optional model excluded) and how long the catalogue index
//! takes to build.
//!
//! Run: `cargo bench --bench engine` (add `-- ROUNDS` to repeat the set more times).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufReader;
use std::time::Instant;

use comptoir::assistant::{catalogue, eval};
use comptoir::config::Config;
use comptoir::db::ids::StoreId;
use comptoir::stores::model::Record;
use comptoir::stores::shopify::rest;
use jiff::Timestamp;
use rusqlite::Connection;
use serde_json::json;

const TYPES: [&str; 12] = [
    "Robe",
    "Jupe",
    "Pull",
    "Chemise",
    "Veste",
    "Manteau",
    "Pantalon",
    "Top",
    "Gilet",
    "Short",
    "Blouse",
    "Combinaison",
];
const STYLES: [&str; 20] = [
    "ample",
    "ajustée",
    "longue",
    "courte",
    "évasée",
    "droite",
    "plissée",
    "cintrée",
    "fluide",
    "brodée",
    "rayée",
    "imprimée",
    "matelassée",
    "côtelée",
    "boutonnée",
    "nouée",
    "drapée",
    "froncée",
    "asymétrique",
    "structurée",
];
const COLOURS: [&str; 8] = [
    "Noir", "Blanc", "Bleu", "Rouge", "Vert", "Beige", "Rose", "Gris",
];
const SIZES: [&str; 5] = ["36", "38", "40", "42", "44"];

/// Grows the demo store by `products` products of 2 colours × 5 sizes (10 variants).
fn grow(conn: &mut Connection, products: usize, now: Timestamp) {
    let mut records = Vec::new();
    for i in 0..products {
        let pid = 8_000_000_000u64 + i as u64;
        let title = format!(
            "{} {} {} {}",
            TYPES[i % TYPES.len()],
            STYLES[(i / TYPES.len()) % STYLES.len()],
            COLOURS[i % COLOURS.len()].to_lowercase(),
            i / (TYPES.len() * STYLES.len())
        );
        let colours = [COLOURS[i % COLOURS.len()], COLOURS[(i + 3) % COLOURS.len()]];
        let mut variants = Vec::new();
        for (c, colour) in colours.iter().enumerate() {
            for (s, size) in SIZES.iter().enumerate() {
                let vid = 90_000_000_000u64 + (i * 10 + c * 5 + s) as u64;
                variants.push(
                    json!({"id": vid, "product_id": pid, "title": format!("{colour} / {size}"),
                    "price": "59.00", "sku": format!("G-{i}-{c}-{s}"), "position": c * 5 + s + 1,
                    "option1": colour, "option2": size, "inventory_item_id": vid}),
                );
                for (loc, qty) in [(61001, (i + s) % 3), (61002, (i + c) % 5)] {
                    let level: rest::InventoryLevel = serde_json::from_value(json!({
                        "inventory_item_id": vid, "location_id": loc, "available": qty}))
                    .unwrap();
                    records.push(Record::Stock(rest::stock(level)));
                }
            }
        }
        let product: rest::Product = serde_json::from_value(json!({
            "id": pid, "title": title, "handle": format!("g-{i}"), "product_type": TYPES[i % TYPES.len()],
            "tags": "", "status": "active",
            "options": [{"name": "Couleur", "values": colours}, {"name": "Taille", "values": SIZES}],
            "variants": variants}))
        .unwrap();
        let (p, vs) = rest::product(product);
        records.push(Record::Product(p));
        records.extend(vs.into_iter().map(Record::Variant));
    }
    comptoir::stores::sync::import_records(
        conn,
        &Config::default(),
        StoreId(1),
        &records,
        false,
        now,
    )
    .unwrap();
}

fn report(label: &str, conn: &Connection, cases: &[eval::Case], rounds: usize, now: Timestamp) {
    let variants: i64 = conn
        .query_row("SELECT count(*) FROM variants", [], |r| r.get(0))
        .unwrap();
    let started = Instant::now();
    let index = catalogue::load(conn).unwrap();
    let build = started.elapsed();
    drop(index);
    let mut latencies: Vec<u64> = Vec::new();
    let mut slowest: Vec<(u64, String)> = Vec::new();
    for _ in 0..rounds {
        let mut out = Vec::new();
        let assistant = comptoir::assistant::Assistant::default();
        eval::run(conn, cases, now, None, &assistant, &mut out).unwrap();
        for line in String::from_utf8(out).unwrap().lines() {
            let d: serde_json::Value = serde_json::from_str(line).unwrap();
            let us = d["latency_us"].as_u64().unwrap();
            latencies.push(us);
            slowest.push((us, format!("{}#{}", d["case"], d["turn"])));
        }
    }
    slowest.sort_unstable_by(|a, b| b.cmp(a));
    slowest.dedup_by(|a, b| a.1 == b.1);
    if std::env::var_os("ENGINE_BENCH_SLOWEST").is_some() {
        for (us, turn) in slowest.iter().take(8) {
            println!("  slow: {turn} {us} µs");
        }
    }
    latencies.sort_unstable();
    let pct = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{label}: {variants} variants, index built in {:.0} ms; {} turns: p50 {} µs, p99 {} µs, max {} µs",
        build.as_secs_f64() * 1000.0,
        latencies.len(),
        pct(0.5),
        pct(0.99),
        latencies.last().unwrap()
    );
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let now: Timestamp = "2025-11-13T10:24:00+01:00".parse().unwrap();
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/eval/dev.jsonl"
    ))
    .unwrap();
    let cases = eval::read_cases(BufReader::new(file)).unwrap();
    // The intent model: training time on the shipped corpus, and its size.
    let examples = comptoir::assistant::training::builtin_examples();
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            let model = comptoir::engine::model::Model::train(
                examples,
                comptoir::engine::model::Settings::default(),
            );
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            let (features, bytes) = model.size();
            println!(
                "intent model: {} examples, {features} features, weights {:.1} MiB, trained in {ms:.0} ms",
                examples.len(),
                bytes as f64 / 1_048_576.0
            );
            ms
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("intent model: median training time {:.0} ms", times[2]);
    let mut conn = comptoir::demo::in_memory(&Config::default(), now).unwrap();
    report("demo shop", &conn, &cases, rounds, now);
    grow(&mut conn, (50_000 - 156) / 10 + 1, now);
    report("grown shop", &conn, &cases, rounds.div_ceil(2), now);
}
