//! Inbound SMS throughput: signed Twilio webhooks posted over loopback to the real
//! server (signature check, the engine's reply, the outbox commit), from several client
//! threads, while the sender delivers the replies to a fake Twilio. Reports sustained
//! messages per second and webhook latency percentiles.
//!
//! Run: `cargo bench --bench webhooks` (add `-- MESSAGES CLIENTS`, default 5000 8).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[allow(dead_code)]
#[path = "../tests/it/fakes/mod.rs"]
mod fakes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Server;
use comptoir::channels::signatures::twilio_sign;
use comptoir::config::{Config, Secret, TwilioChannel};
use fakes::twilio::{FakeTwilio, SID, TOKEN};

const PUBLIC: &str = "https://comptoir.elegance-paris.test";
const QUESTIONS: [&str; 8] = [
    "Vous avez la robe fleurie bleue en 38 ?",
    "Quels sont vos horaires ?",
    "Vous êtes où exactement ?",
    "le pull cachemire beige en M il est dispo ?",
    "Combien coûte le blazer marine ?",
    "Je peux retourner un article ?",
    "Vous avez des robes de soirée ?",
    "Merci beaucoup, bonne journée",
];

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let messages: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5000);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let twilio = FakeTwilio::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    {
        let pool = comptoir::db::open(&dir).unwrap();
        let mut conn = pool.get().unwrap();
        comptoir::demo::seed_shop(&mut conn, &Config::default(), jiff::Timestamp::now(), true)
            .unwrap();
    }
    let mut config = Config {
        data_dir: dir.clone(),
        log_level: "warn".into(),
        public_url: Some(PUBLIC.into()),
        ..Config::default()
    };
    config.channels.twilio = TwilioChannel {
        account_sid: Some(SID.into()),
        auth_token: Some(Secret::new(TOKEN)),
        sms_from: Some("+33644630000".into()),
        whatsapp_from: None,
        api_url: twilio.served.base.clone(),
    };
    let server = Server::spawn(config);
    let agent = server.agent.clone();

    let started = Instant::now();
    let base = Arc::new(server.base.clone());
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (agent, base) = (agent.clone(), base.clone());
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                for i in (c..messages).step_by(clients) {
                    let params: Vec<(String, String)> = [
                        ("AccountSid", SID.to_string()),
                        ("Body", QUESTIONS[i % QUESTIONS.len()].to_string()),
                        ("From", format!("+3360{:07}", i % 2000)),
                        ("MessageSid", format!("SM{i:032x}")),
                        ("NumMedia", "0".to_string()),
                        ("To", "+33644630000".to_string()),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                    let signature =
                        twilio_sign(TOKEN, &format!("{PUBLIC}/webhooks/twilio"), &params);
                    let form: Vec<(&str, &str)> = params
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect();
                    let sent = Instant::now();
                    let response = agent
                        .post(&format!("{base}/webhooks/twilio"))
                        .header("X-Twilio-Signature", &signature)
                        .send_form(form)
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 200);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{messages} signed SMS webhooks from {clients} clients in {:.2} s: {:.0} messages/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        elapsed.as_secs_f64(),
        messages as f64 / elapsed.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        latencies.last().unwrap().as_secs_f64() * 1000.0
    );
    let drained = Instant::now();
    while twilio.sent().len() < messages && drained.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "replies delivered to the fake Twilio: {} of {messages}, all within {:.2} s of the first message",
        twilio.sent().len(),
        started.elapsed().as_secs_f64()
    );
    drop(server);
}
