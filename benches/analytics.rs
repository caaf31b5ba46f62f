//! Analytiques at scale: the inbox bench's data over one year (100,000 conversations,
//! 1,000,000 messages), their figures computed once (timed), then the real server
//! answering a signed-in owner over loopback: every report for the last 30 days and for
//! the whole year, HTML and CSV, and the conversations behind a number. Then the
//! streamed export of all 100,000 conversations, with the process's peak memory before
//! and after it.
//!
//! Run: `cargo bench --bench analytics` (add `-- CONVERSATIONS MESSAGES_EACH REQUESTS`,
//! default 100000 10 100).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::{PathMaker, Server, fill_inbox};

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

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let conversations: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let each: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let started = Instant::now();
    // One year less a day, so the year's report holds every conversation.
    fill_inbox(&dir, conversations, each, 364);
    eprintln!(
        "filled {conversations} conversations, {} messages in {:.1} s",
        conversations * each,
        started.elapsed().as_secs_f64()
    );
    {
        let pool = comptoir::db::open(&dir).unwrap();
        let mut conn = pool.get().unwrap();
        let t = Instant::now();
        comptoir::analytics::facts::refresh_all(&mut conn, jiff::Timestamp::now()).unwrap();
        println!(
            "figures of {conversations} conversations computed in {:.1} s (once, after an upgrade; then as they change)",
            t.elapsed().as_secs_f64()
        );
        conn.execute_batch("ANALYZE; PRAGMA optimize;").unwrap();
    }
    let server = Server::start(&dir);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date();
    let from = today.checked_sub(jiff::Span::new().days(364)).unwrap();
    let year = format!("preset=custom&from={from}&to={today}");
    let reports: [&'static str; 6] = [
        "/analytics",
        "/analytics/assistant",
        "/analytics/team",
        "/analytics/products",
        "/analytics/sales",
        "/analytics/satisfaction",
    ];
    let mut kinds: Vec<(String, PathMaker)> = Vec::new();
    for r in reports {
        let y = year.clone();
        kinds.push((
            format!("{r} (30 days)"),
            Box::new(move |_| format!("{r}?preset=30d")),
        ));
        kinds.push((
            format!("{r} (a year)"),
            Box::new(move |_| format!("{r}?{y}")),
        ));
    }
    let y = year.clone();
    kinds.push((
        "conversations behind a number (handed over, 30 days)".into(),
        Box::new(|_| "/analytics/conversations?preset=30d&which=handed_over".into()),
    ));
    let kinds: Vec<(&str, PathMaker)> = kinds.into_iter().map(|(n, p)| (&*n.leak(), p)).collect();
    println!(
        "{conversations} conversations, {} messages over a year; {requests} requests per kind",
        conversations * each
    );
    server.measure(&kinds, requests, "</html>");
    let csv: Vec<(&str, PathMaker)> = reports
        .into_iter()
        .map(|r| {
            let y = y.clone();
            let name: &str = format!("{r} CSV (a year)").leak();
            (
                name,
                Box::new(move |_: &mut common::Rng| format!("{r}?{y}&format=csv")) as PathMaker,
            )
        })
        .collect();
    server.measure(&csv, requests / 4, "");
    let before = peak_mib();
    let t = Instant::now();
    let export = server.time(&format!("/analytics/conversations.csv?{year}"), "id,lien");
    println!(
        "export of every conversation of the year: {:.0} ms; peak memory {before:.0} MiB before, {:.0} MiB after (t {:.0} ms)",
        export.as_secs_f64() * 1000.0,
        peak_mib(),
        t.elapsed().as_secs_f64() * 1000.0
    );
}
