//! Sync benchmark: a fake Shopify (real HTTP on loopback, in its own process) serving
//! 10,000 products with 50,000 variants at two locations; the real `comptoir sync` runs
//! as another child process. This process stays small on purpose: a child's peak RSS,
//! as getrusage reports it, includes its parent's memory before `exec`.
//!
//! Run: `cargo bench --bench sync` (add `-- 2000 5` for products and variants per product).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// The one unsafe call: getrusage(2), to read the children's CPU time and peak RSS.
#![allow(unsafe_code)]

#[allow(dead_code)]
#[path = "../tests/it/fakes/mod.rs"]
mod fakes;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

use fakes::shopify::{FakeShopify, State, TOKEN};
use serde_json::{Value, json};

const SIZES: [&str; 5] = ["36", "38", "40", "42", "44"];

fn catalogue(products: usize, per_product: usize) -> State {
    let old = "2025-01-01T00:00:00Z";
    let recent = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48);
    let recent = recent.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut state = State::default();
    for loc in [61001, 61002] {
        state.locations.push(json!({"id": loc, "name": format!("Lieu {loc}"), "address1": "1 rue", "city": "Paris", "zip": "75001", "country_code": "FR", "active": true}));
    }
    for i in 0..products {
        let pid = 9_000_000_000u64 + i as u64;
        let variants: Vec<Value> = (0..per_product)
            .map(|k| {
                let vid = 50_000_000_000u64 + (i * per_product + k) as u64;
                let size = SIZES[k % SIZES.len()];
                for (loc, qty) in [(61001, (i + k) % 4), (61002, (i * 3 + k) % 7)] {
                    state.levels.push(json!({"inventory_item_id": vid, "location_id": loc, "available": qty, "updated_at": old}));
                }
                json!({"id": vid, "product_id": pid, "title": format!("{size}-{k}"), "price": "49.90", "sku": format!("B-{i}-{k}"),
                       "barcode": null, "position": k + 1, "option1": format!("{size}-{k}"), "option2": null, "option3": null,
                       "inventory_item_id": vid, "updated_at": old})
            })
            .collect();
        state.products.push(json!({
            "id": pid, "title": format!("Produit de test {i}"), "handle": format!("produit-{i}"), "product_type": "Robes",
            "vendor": "Banc d'essai", "tags": "robe, été", "status": "active", "updated_at": old,
            "options": [{"name": "Taille", "values": SIZES}], "variants": variants,
        }));
    }
    for i in 0..1_000u64 {
        state.customers.push(json!({"id": 7_000_000 + i, "email": format!("client{i}@example.fr"), "first_name": "Cliente",
            "last_name": format!("{i}"), "phone": null, "updated_at": old}));
    }
    for i in 0..500u64 {
        state.orders.push(json!({"id": 5_000_000 + i, "name": format!("#{}", 10_000 + i), "email": format!("client{i}@example.fr"),
            "phone": null, "created_at": recent, "updated_at": recent, "cancelled_at": null, "currency": "EUR",
            "total_price": "99.80", "financial_status": "paid", "fulfillment_status": "fulfilled",
            "customer": {"id": 7_000_000 + i}, "fulfillments": [{"tracking_company": "Colissimo", "tracking_number": format!("6A{i}"), "tracking_url": null}],
            "line_items": [{"title": "Produit de test 1", "variant_title": "38-1", "sku": "B-1-1", "quantity": 2, "price": "49.90",
                "variant_id": 50_000_000_006u64, "product_id": 9_000_000_001u64}]}));
    }
    state
}

/// CPU time (user + system) and peak RSS of waited-for children so far.
fn children_usage() -> (Duration, u64) {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    (
        tv(usage.ru_utime) + tv(usage.ru_stime),
        usage.ru_maxrss as u64,
    )
}

struct Run {
    wall: Duration,
    cpu: Duration,
    requests: usize,
    peak_kib: u64,
    output: String,
}

fn run(bin: &str, dir: &Path, args: &[&str]) -> Run {
    let (cpu_before, _) = children_usage();
    let started = Instant::now();
    let out = Command::new(bin)
        .args(["--data-dir", dir.to_str().unwrap(), "--log-level", "warn"])
        .args(args)
        .output()
        .unwrap();
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (cpu_after, peak) = children_usage();
    let output = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // "… (1661 requests)" ends the sync's own report.
    let requests = output
        .rsplit('(')
        .next()
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Run {
        wall,
        cpu: cpu_after - cpu_before,
        requests,
        peak_kib: peak,
        output,
    }
}

/// The fake in its own process: prints its address, then obeys lines on stdin
/// (`touch N` marks N products changed) until stdin closes.
fn serve_fake(products: usize, per_product: usize) {
    let fake = FakeShopify::with_state(catalogue(products, per_product));
    println!("{}", fake.served.base);
    std::io::stdout().flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("touch ") {
            fake.touch_products(n.parse().unwrap());
        }
        println!("ok");
        std::io::stdout().flush().unwrap();
    }
}

fn command(fake: &mut Child, line: &str, out: &mut impl BufRead) {
    writeln!(fake.stdin.as_mut().unwrap(), "{line}").unwrap();
    let mut ack = String::new();
    out.read_line(&mut ack).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let products: usize = args
        .get(1)
        .filter(|_| args[0] == "serve-fake")
        .or(args.first())
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let per_product: usize = args
        .get(if args.first().is_some_and(|a| a == "serve-fake") {
            2
        } else {
            1
        })
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    if args.first().is_some_and(|a| a == "serve-fake") {
        return serve_fake(products, per_product);
    }
    let bin = env!("CARGO_BIN_EXE_comptoir");
    let mut fake = Command::new(std::env::current_exe().unwrap())
        .args([
            "serve-fake",
            &products.to_string(),
            &per_product.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut fake_out = BufReader::new(fake.stdout.take().unwrap());
    let mut base = String::new();
    fake_out.read_line(&mut base).unwrap();
    let base = base.trim().to_string();

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let add = Command::new(bin)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "store",
            "add",
            "shopify",
            "--shop",
            "bench.myshopify.com",
            "--token",
            TOKEN,
            "--api-url",
            &base,
        ])
        .output()
        .unwrap();
    assert!(add.status.success());

    println!(
        "catalogue: {products} products, {} variants, {} stock levels",
        products * per_product,
        products * per_product * 2
    );
    let full = run(bin, dir, &["sync", "--full"]);
    let unchanged = run(bin, dir, &["sync"]);
    command(&mut fake, "touch 100", &mut fake_out);
    let changed = run(bin, dir, &["sync"]);
    drop(fake.stdin.take());
    let _ = fake.wait();

    println!("| sync | wall | CPU | requests | peak RSS |");
    println!("|---|---|---|---|---|");
    for (name, r) in [
        ("full", &full),
        ("incremental, nothing changed", &unchanged),
        ("incremental, 100 products changed", &changed),
    ] {
        println!(
            "| {name} | {:.2} s | {:.2} s | {} | {:.1} MiB |",
            r.wall.as_secs_f64(),
            r.cpu.as_secs_f64(),
            r.requests,
            r.peak_kib as f64 / 1024.0
        );
    }
    println!(
        "\nfull: {}\nincremental (100 changed): {}",
        full.output, changed.output
    );
    println!(
        "(CPU and peak RSS of the sync processes, from getrusage; the fake runs in its own process)"
    );
}
