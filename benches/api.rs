//! The REST API and outgoing webhooks at scale. First, list endpoints over the inbox
//! bench's 100,000 conversations and 1,000,000 messages: the first page and pages deep
//! into the list (by cursor), timed at the client. Then webhook fan-out: 1,000 events
//! (messages written to the database, as the assistant writes them) to 3 endpoints on
//! loopback, timed until the 3,000 signed deliveries have all been received, with the
//! process's peak memory.
//!
//! Run: `cargo bench --bench api` (add `-- CONVERSATIONS REQUESTS EVENTS`, default
//! 100000 200 1000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)]
#[path = "../tests/it/fakes/mod.rs"]
mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Rng, Server, fill_inbox};

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

fn percentile(times: &[Duration], q: f64) -> f64 {
    let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
    times[i].as_secs_f64() * 1000.0
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let conversations: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let events: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    fill_inbox(&dir, conversations, 10, 364);
    let pool = comptoir::db::open(&dir).unwrap();
    let server = Server::start(&dir);
    // Keys of the owner the server's first-run form created: enough of them that the
    // per-key limit (120 a minute) never answers for the server's own speed.
    let keys: Vec<String> = {
        let conn = pool.get().unwrap();
        let scopes = vec!["conversations:read".to_string()];
        (0..20)
            .map(|i| {
                let name = format!("bench {i}");
                let made = comptoir::api::keys::create(
                    &conn,
                    &name,
                    &scopes,
                    None,
                    1,
                    jiff::Timestamp::now(),
                );
                format!("Bearer {}", made.unwrap().1)
            })
            .collect()
    };
    let calls = AtomicUsize::new(0);
    let get = |path: &str| -> (Duration, serde_json::Value) {
        let auth = &keys[calls.fetch_add(1, Ordering::Relaxed) % keys.len()];
        let t = Instant::now();
        let mut r = server
            .agent
            .get(&format!("{}{path}", server.base))
            .header("Authorization", auth)
            .call()
            .unwrap();
        let body: serde_json::Value = r.body_mut().read_json().unwrap();
        let took = t.elapsed();
        assert_eq!(r.status().as_u16(), 200, "{path}: {body}");
        (took, body)
    };
    // Cursors deep into the list, gathered by walking it once.
    let mut cursors = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/conversations?limit=100&cursor={c}"),
            None => "/api/v1/conversations?limit=100".into(),
        };
        let (_, body) = get(&path);
        match body["next_cursor"].as_str() {
            Some(c) => {
                cursors.push(c.to_string());
                cursor = Some(c.to_string());
            }
            None => break,
        }
    }
    let mut rng = Rng(7);
    for (name, deep) in [("first page", false), ("a page deep in the list", true)] {
        let mut times: Vec<Duration> = (0..requests)
            .map(|_| {
                let path = if deep {
                    let c = &cursors[rng.below(cursors.len() as u64) as usize];
                    format!("/api/v1/conversations?limit=100&cursor={c}")
                } else {
                    "/api/v1/conversations?limit=100".into()
                };
                get(&path).0
            })
            .collect();
        times.sort();
        println!(
            "GET /api/v1/conversations?limit=100 ({name}), {conversations} conversations: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }

    // Webhook fan-out: three receivers counting what they get.
    let received = Arc::new(AtomicUsize::new(0));
    let receivers: Vec<fakes::Served> = (0..3)
        .map(|_| {
            let count = received.clone();
            fakes::Served::start(move |cfg| {
                let count = count.clone();
                cfg.route(
                    "/hook",
                    actix_web::web::post().to(move || {
                        let count = count.clone();
                        async move {
                            count.fetch_add(1, Ordering::Relaxed);
                            actix_web::HttpResponse::Ok().finish()
                        }
                    }),
                );
            })
        })
        .collect();
    {
        let conn = pool.get().unwrap();
        let secrets = comptoir::secrets::SecretBox::load_or_create(&dir).unwrap();
        for r in &receivers {
            comptoir::api::webhooks::add_endpoint(
                &conn,
                &secrets,
                &format!("{}/hook", r.base),
                &["message.created".to_string()],
                true,
                jiff::Timestamp::now(),
            )
            .unwrap();
        }
    }
    let before = peak_mib();
    let started = Instant::now();
    {
        let mut conn = pool.get().unwrap();
        let tx = conn.transaction().unwrap();
        let now = jiff::Timestamp::now().as_second();
        for i in 0..events {
            tx.execute(
                "INSERT INTO messages (conversation_id, author, body, created_at) VALUES (?1, 'shopper', 'bonjour', ?2)",
                rusqlite::params![1 + i % conversations, now],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let want = (events * 3) as usize;
    while received.load(Ordering::Relaxed) < want {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "fan-out stalled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    println!(
        "webhook fan-out: {events} events to 3 endpoints, {want} signed deliveries received in {:.2} s; peak memory {before:.0} MiB before, {:.0} MiB after",
        started.elapsed().as_secs_f64(),
        peak_mib()
    );
}
