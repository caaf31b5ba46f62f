//! Outbox drain rate: replies already queued in the outbox (one per conversation, as
//! after a burst of inbound messages) sent by the real server's sender to a fake Twilio
//! that takes 50 ms to answer each send, as the real API roughly does. Reports replies
//! per second, with the sender's default concurrency and with one send at a time.
//!
//! Run: `cargo bench --bench outbox` (add `-- MESSAGES`, default 2000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)]
#[path = "../tests/it/fakes/mod.rs"]
mod fakes;

use std::time::{Duration, Instant};

use common::Server;
use comptoir::config::{Config, Secret, TwilioChannel};
use fakes::twilio::{FakeTwilio, SID, TOKEN};
use rusqlite::params;

const LATENCY: Duration = Duration::from_millis(50);

fn fill(dir: &std::path::Path, messages: i64) {
    let pool = comptoir::db::open(dir).unwrap();
    let mut conn = pool.get().unwrap();
    let t = jiff::Timestamp::now().as_second();
    let tx = conn.transaction().unwrap();
    for id in 1..=messages {
        let to = format!("+336{id:08}");
        tx.execute(
            "INSERT INTO conversations (id, channel, contact, created_at, last_message_at)
             VALUES (?1, 'sms', ?2, ?3, ?3)",
            params![id, to, t],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO messages (id, conversation_id, author, body, created_at)
             VALUES (?1, ?1, 'bot', 'Nous sommes ouverts de 10h à 19h.', ?2)",
            params![id, t],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO outbox (message_id, channel, recipient, body, next_attempt_at, created_at, updated_at)
             VALUES (?1, 'sms', ?2, 'Nous sommes ouverts de 10h à 19h.', ?3, ?3, ?3)",
            params![id, to, t],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

/// Seconds to send `messages` with `concurrency` sends at once.
fn drain(messages: i64, concurrency: u32) -> f64 {
    let twilio = FakeTwilio::start();
    twilio.state.lock().unwrap().latency = Some(LATENCY);
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path(), messages);
    let mut config = Config {
        data_dir: tmp.path().to_path_buf(),
        log_level: "warn".into(),
        ..Config::default()
    };
    config.channels.send_concurrency = concurrency;
    config.channels.twilio = TwilioChannel {
        account_sid: Some(SID.into()),
        auth_token: Some(Secret::new(TOKEN)),
        sms_from: Some("+33644630000".into()),
        whatsapp_from: None,
        api_url: twilio.served.base.clone(),
    };
    let started = Instant::now();
    let server = Server::spawn(config);
    while (twilio.sent().len() as i64) < messages {
        assert!(started.elapsed() < Duration::from_secs(600), "stuck");
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed().as_secs_f64();
    drop(server);
    assert_eq!(twilio.sent().len() as i64, messages, "each reply sent once");
    took
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let messages: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let default = Config::default().channels.send_concurrency;
    for (concurrency, n) in [(default, messages), (1, messages / 10)] {
        let took = drain(n, concurrency);
        println!(
            "{n} replies, {concurrency} at once, {} ms per send: {took:.2} s, {:.0} replies/s",
            LATENCY.as_millis(),
            n as f64 / took
        );
    }
}
