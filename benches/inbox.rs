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

use common::{PathMaker, Rng, Server};
use rusqlite::params;

const WORDS: [&str; 16] = [
    "robe",
    "fleurie",
    "bleue",
    "jean",
    "mom",
    "pull",
    "cachemire",
    "beige",
    "sac",
    "cabas",
    "blazer",
    "marine",
    "taille",
    "commande",
    "livraison",
    "retour",
];
const SIZES: [&str; 6] = ["34", "36", "38", "40", "M", "L"];
const CHANNELS: [&str; 4] = ["sms", "whatsapp", "email", "webchat"];

fn fill(dir: &std::path::Path, conversations: i64, each: i64) {
    let pool = comptoir::db::open(dir).unwrap();
    let mut conn = pool.get().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = jiff::Timestamp::now().as_second();
    let span = 2 * 365 * 24 * 3600;
    let tx = conn.transaction().unwrap();
    {
        let mut contact = tx
            .prepare(
                "INSERT INTO contacts (id, channel, identity, display_name, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .unwrap();
        let mut conversation = tx
            .prepare(
                "INSERT INTO conversations (id, channel, contact, contact_id, handoff_at,
                    bot_paused, closed_at, priority, created_at, last_message_at)
                 VALUES (?1, ?2, ?3, ?1, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .unwrap();
        let mut message = tx
            .prepare(
                "INSERT INTO messages (conversation_id, author, body, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .unwrap();
        for id in 1..=conversations {
            let channel = CHANNELS[rng.below(4) as usize];
            let identity = match channel {
                "email" => format!("client{id}@exemple.fr"),
                "webchat" => format!("visitor:v{id:08x}"),
                "whatsapp" => format!("whatsapp:+336{id:08}"),
                _ => format!("+336{id:08}"),
            };
            let name = format!("Client{} Nom{}", rng.below(5000), rng.below(5000));
            // Conversation ids follow time, as they do in a real shop.
            let last = now - span + span * id / conversations;
            let open = rng.below(50) == 0;
            let human = rng.below(4) == 0;
            contact
                .execute(params![id, channel, identity, name, last])
                .unwrap();
            conversation
                .execute(params![
                    id,
                    channel,
                    identity,
                    human.then_some(last),
                    human && rng.below(2) == 0,
                    (!open).then_some(last),
                    rng.below(20) == 0,
                    last - 600,
                    last
                ])
                .unwrap();
            for m in 0..each {
                let author = if m % 2 == 0 { "shopper" } else { "bot" };
                let body = format!(
                    "vous avez le {} {} en {} ? commande #{}",
                    WORDS[rng.below(16) as usize],
                    WORDS[rng.below(16) as usize],
                    SIZES[rng.below(6) as usize],
                    1000 + id * each + m
                );
                message
                    .execute(params![id, author, body, last - (each - m) * 30])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE; PRAGMA optimize;").unwrap();
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let conversations: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let each: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let started = Instant::now();
    fill(&dir, conversations, each);
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
