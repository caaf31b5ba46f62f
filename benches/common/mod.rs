//! What the page benchmarks share: a deterministic generator, percentiles, and the real
//! server on loopback with a signed-in owner.
#![allow(dead_code)]

use rusqlite::params;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use comptoir::config::Config;

/// A small deterministic generator (no dependency, same data every run).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Makes the path of one request of a kind.
pub type PathMaker = Box<dyn Fn(&mut Rng) -> String>;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The real server on loopback.
pub struct Server {
    pub base: String,
    pub agent: ureq::Agent,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// The server on a filled data directory, with the owner signed in.
    pub fn start(dir: &Path) -> Server {
        let server = Server::spawn(Config {
            data_dir: dir.to_path_buf(),
            log_level: "warn".into(),
            ..Config::default()
        });
        server.sign_in();
        server
    }

    /// The server with `config`, once it answers.
    pub fn spawn(config: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new()
                .block_on(comptoir::run(config, listener, async {
                    let _ = stop_rx.await;
                }))
                .unwrap();
        });
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        while agent.get(&format!("{base}/healthz")).call().is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            base,
            agent,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Creates the owner's account through the first-run form, which signs it in.
    fn sign_in(&self) {
        let (agent, base) = (&self.agent, &self.base);
        let page = agent
            .get(&format!("{base}/setup"))
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap();
        let marker = "name=\"_csrf\" value=\"";
        let at = page.find(marker).unwrap() + marker.len();
        let csrf = page[at..at + 64].to_string();
        let r = agent
            .post(&format!("{base}/setup"))
            .send_form([
                ("_csrf", csrf.as_str()),
                ("email", "bench@elegance.test"),
                ("password", "bench-password-2468"),
                ("business_name", "Élégance Paris"),
                ("business_type", "ecommerce"),
            ])
            .unwrap();
        assert_eq!(r.status().as_u16(), 303);
    }

    /// One page, asserted to answer 200 and to contain `expect`, timed at the client.
    pub fn time(&self, path: &str, expect: &str) -> Duration {
        let t = Instant::now();
        let mut r = self
            .agent
            .get(&format!("{}{path}", self.base))
            .call()
            .unwrap();
        let body = r.body_mut().read_to_string().unwrap();
        let took = t.elapsed();
        assert_eq!(r.status().as_u16(), 200, "{path}: {body}");
        assert!(body.contains(expect), "{path} lacks {expect:?}");
        took
    }

    /// Times `requests` paths of each kind after 20 warm-up requests, and prints the
    /// percentiles.
    pub fn measure(&self, kinds: &[(&str, PathMaker)], requests: usize, expect: &str) {
        let mut rng = Rng(42);
        for (name, path) in kinds {
            for _ in 0..20 {
                self.time(&path(&mut rng), expect);
            }
            let mut times: Vec<Duration> = (0..requests)
                .map(|_| self.time(&path(&mut rng), expect))
                .collect();
            times.sort();
            println!(
                "{name}: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                percentile(&times, 0.50),
                percentile(&times, 0.95),
                percentile(&times, 0.99),
                percentile(&times, 1.0),
            );
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub const WORDS: [&str; 16] = [
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
pub const SIZES: [&str; 6] = ["34", "36", "38", "40", "M", "L"];
pub const INTENTS: [&str; 6] = [
    "product_availability",
    "order_status",
    "shop_hours",
    "price",
    "unknown",
    "complaint",
];
pub const CHANNELS: [&str; 4] = ["sms", "whatsapp", "email", "webchat"];

/// The inbox at scale: `conversations` over the last `days` days (ids follow time),
/// `each` messages apiece alternating shopper and bot (the bot's with an intent and a
/// confidence), a quarter handed to the team, 2 % still open.
pub fn fill_inbox(dir: &std::path::Path, conversations: i64, each: i64, days: i64) {
    let pool = comptoir::db::open(dir).unwrap();
    let mut conn = pool.get().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = jiff::Timestamp::now().as_second();
    let span = days * 24 * 3600;
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
                "INSERT INTO messages (conversation_id, author, body, created_at, intent, confidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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
                let (intent, confidence) = if author == "bot" {
                    (
                        Some(INTENTS[rng.below(INTENTS.len() as u64) as usize]),
                        Some(0.4 + rng.below(60) as f64 / 100.0),
                    )
                } else {
                    (None, None)
                };
                message
                    .execute(params![
                        id,
                        author,
                        body,
                        last - (each - m) * 30,
                        intent,
                        confidence
                    ])
                    .unwrap();
            }
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE; PRAGMA optimize;").unwrap();
}
