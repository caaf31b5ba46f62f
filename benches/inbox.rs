//! The team inbox at scale: 100,000 conversations and 1,000,000 messages (2 % open, the
//! rest closed over two years), then the real server answering a signed-in member over
//! loopback: list pages (first and deep, by tab and filter), conversation pages, and
//! full-text searches of common and rare words. Reports latency percentiles per kind,
//! measured at the client, so they include HTTP on loopback (an upper bound of the
//! server's time).
//!
//! Run: `cargo bench --bench inbox` (add `-- CONVERSATIONS MESSAGES_EACH REQUESTS`,
//! default 100000 10 300).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Instant;

use common::{CHANNELS, PathMaker, Server, WORDS, fill_inbox};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let conversations: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let each: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let started = Instant::now();
    fill_inbox(&dir, conversations, each, 2 * 365);
    eprintln!(
        "filled {conversations} conversations, {} messages in {:.1} s",
        conversations * each,
        started.elapsed().as_secs_f64()
    );

    let server = Server::start(&dir);
    let now = jiff::Timestamp::now().as_second();
    let span = 2 * 365 * 24 * 3600;
    let kinds: [(&str, PathMaker); 6] = [
        (
            "inbox list (tabs, filters, first page)",
            Box::new(|rng| {
                let tabs = ["nouvelles", "en-cours", "priorite", "chatbot", "fermees"];
                let tab = tabs[rng.below(5) as usize];
                match rng.below(3) {
                    0 => format!("/inbox?tab={tab}"),
                    1 => format!(
                        "/inbox?tab={tab}&channel={}",
                        CHANNELS[rng.below(4) as usize]
                    ),
                    _ => format!("/inbox?tab={tab}&assignee=nobody"),
                }
            }),
        ),
        (
            "inbox list (deep page of Fermées)",
            Box::new(move |rng| {
                let before = now - rng.below(span as u64) as i64;
                format!("/inbox?tab=fermees&before={before}.{}", i64::MAX)
            }),
        ),
        (
            "conversation page",
            Box::new(move |rng| format!("/inbox/{}", 1 + rng.below(conversations as u64))),
        ),
        (
            "search (a common word)",
            Box::new(|rng| format!("/inbox?q={}", WORDS[rng.below(16) as usize])),
        ),
        (
            "search (a rare order number)",
            Box::new(move |rng| {
                format!(
                    "/inbox?q=%23{}",
                    1000 + rng.below((conversations * each) as u64)
                )
            }),
        ),
        (
            "search (a contact's name)",
            Box::new(|rng| format!("/inbox?q=Client{}", rng.below(5000))),
        ),
    ];
    println!(
        "{conversations} conversations, {} messages; {requests} requests per kind",
        conversations * each
    );
    server.measure(&kinds, requests, "</html>");
}
