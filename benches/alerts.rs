//! Alert fan-out: 10,000 shoppers wait for one variant; the notices job's round that
//! tells them all (each a bot message in their conversation and an outbox row, in one
//! transaction) is timed, with the process's peak memory before and after. Two cases:
//! back in stock (100 units, 100 shoppers per unit: everyone in one batch) and a price
//! drop (every subscriber).
//!
//! Run: `cargo bench --bench alerts` (add `-- SUBSCRIBERS`, default 10000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use comptoir::alerts::repo::{self as alerts, Rules, Subscriber};
use comptoir::assistant::Assistant;
use comptoir::assistant::conversations;
use comptoir::engine::Channel;
use comptoir::engine::data::{AlertKind, NewAlert};
use comptoir::engine::lang::Lang;
use rusqlite::params;

/// The process's peak resident memory so far, in MiB (Linux).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn run(kind: AlertKind, subscribers: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let pool = comptoir::db::open(tmp.path()).unwrap();
    let mut conn = pool.get().unwrap();
    let now: jiff::Timestamp = "2026-11-12T09:00:00Z".parse().unwrap();
    comptoir::demo::seed_shop(&mut conn, &comptoir::config::Config::default(), now, true).unwrap();
    let (store, sku, price): (i64, String, i64) = conn
        .query_row(
            "SELECT store_id, sku, price_cents FROM variants WHERE sku = 'EP-001-40'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let setup = Instant::now();
    comptoir::db::write(&mut conn, |tx| -> Result<(), comptoir::error::AppError> {
        alerts::save_rules(
            tx,
            &Rules {
                per_unit: 100,
                ..Rules::default()
            },
            now,
        )?;
        for i in 0..subscribers {
            let phone = format!("+336{i:08}");
            let c = conversations::open(tx, Channel::Sms, &phone, now)?;
            alerts::subscribe(
                tx,
                &NewAlert {
                    kind,
                    store_id: store,
                    item_key: sku.clone(),
                    product_title: "Robe Fleurie Bleue".into(),
                    variant_title: "40".into(),
                    price_cents: Some(price),
                    email: None,
                    lang: Lang::Fr,
                },
                &Subscriber {
                    channel: Channel::Sms,
                    recipient: &phone,
                    conversation: Some(c.id),
                    lang: Lang::Fr,
                    by: None,
                },
                now,
            )?;
        }
        Ok(())
    })
    .unwrap();
    let set_up = setup.elapsed();
    match kind {
        AlertKind::Stock => conn
            .execute(
                "UPDATE stock_levels SET available = 100 WHERE variant_id =
                   (SELECT id FROM variants WHERE sku = ?1)
                 AND location_id = (SELECT id FROM locations WHERE in_shop = 1 LIMIT 1)",
                params![sku],
            )
            .unwrap(),
        AlertKind::Price => conn
            .execute(
                "UPDATE variants SET price_cents = ?2 WHERE sku = ?1",
                params![sku, price * 7 / 10],
            )
            .unwrap(),
    };
    let before = peak_mib();
    let assistant = Assistant::default();
    let started = Instant::now();
    let report =
        comptoir::notices::round(&mut conn, &assistant, "https://comptoir.example", now).unwrap();
    let took = started.elapsed();
    let after = peak_mib();
    let queued: i64 = conn
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(report.alerts, subscribers);
    assert_eq!(queued as usize, subscribers);
    println!(
        "{:<6} {subscribers} subscribers (set up in {:.1} s): {} alerts queued in {:.2} s \
         ({:.0} per second); peak memory {before:.0} MiB before the round, {after:.0} MiB after",
        kind.code(),
        set_up.as_secs_f64(),
        report.alerts,
        took.as_secs_f64(),
        report.alerts as f64 / took.as_secs_f64()
    );
}

fn main() {
    let subscribers: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000);
    run(AlertKind::Stock, subscribers);
    run(AlertKind::Price, subscribers);
}
