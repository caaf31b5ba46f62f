//! SIGKILL at random moments while shoppers write: the real `comptoir serve` process,
//! under a burst of signed Twilio webhooks, is killed and restarted a few times (the
//! seed is printed, and `COMPTOIR_CRASH_SEED` replays it). Twilio's side retries what
//! was not acknowledged, as Twilio does. Afterwards the database is intact, every
//! message is stored once, and every shopper got exactly one reply: none lost across a
//! kill, none sent twice although kills land between Twilio taking a reply and the
//! server recording it.

use std::collections::HashMap;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use comptoir::channels::signatures::twilio_sign;
use rusqlite::Connection;

use crate::common::{poll_until, serve_process};
use crate::fakes::twilio::{FakeTwilio, SID, TOKEN};

const PUBLIC: &str = "https://comptoir.elegance-paris.test";
const SHOPPERS: usize = 60;
const KILLS: usize = 3;
const QUESTIONS: [&str; 4] = [
    "Quels sont vos horaires ?",
    "Vous êtes où exactement ?",
    "Vous avez un numéro de téléphone ?",
    "Vous livrez en Belgique ?",
];

/// A small deterministic generator, seeded per run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Starts the server on a free port; returns it once `/healthz` answers.
fn start(config: &Path) -> (Child, String) {
    serve_process(&["--config", config.to_str().unwrap()])
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

/// Twilio's webhook for shopper `i`: its own number, message id and question.
fn webhook(i: usize) -> Vec<(String, String)> {
    let from = format!("+336100{i:05}");
    let sid = format!("SM{i:032x}");
    [
        ("AccountSid", SID),
        ("ApiVersion", "2010-04-01"),
        ("Body", QUESTIONS[i % QUESTIONS.len()]),
        ("From", from.as_str()),
        ("MessageSid", sid.as_str()),
        ("NumMedia", "0"),
        ("SmsSid", sid.as_str()),
        ("To", "+33644630000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn replies_survive_kills_mid_burst_exactly_once() {
    let seed: u64 = std::env::var("COMPTOIR_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| jiff::Timestamp::now().as_nanosecond() as u64 | 1);
    println!("crash test seed: {seed} (replay with COMPTOIR_CRASH_SEED={seed})");
    let mut rng = Rng(seed);

    let twilio = FakeTwilio::start();
    // Sends take a while, as Twilio's do, so kills land mid-send.
    twilio.state.lock().unwrap().latency = Some(Duration::from_millis(40));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    crate::common::demo_database(&dir);
    let config = tmp.path().join("comptoir.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {dir:?}\npublic_url = \"{PUBLIC}\"\n\n[channels]\nsend_concurrency = 4\n\n\
             [channels.twilio]\naccount_sid = \"{SID}\"\nauth_token = \"{TOKEN}\"\n\
             sms_from = \"+33644630000\"\napi_url = \"{}\"\n",
            twilio.served.base
        ),
    )
    .unwrap();

    let (child, base) = start(&config);
    let server = Arc::new(Mutex::new((child, base)));
    let pending: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new((0..SHOPPERS).rev().collect()));
    // Twilio's side: posts each webhook until the server acknowledges it.
    let posters: Vec<_> = (0..4)
        .map(|_| {
            let (server, pending) = (server.clone(), pending.clone());
            std::thread::spawn(move || {
                let agent = agent();
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    let Some(i) = pending.lock().unwrap().pop() else {
                        return;
                    };
                    let params = webhook(i);
                    let signature =
                        twilio_sign(TOKEN, &format!("{PUBLIC}/webhooks/twilio"), &params);
                    let base = server.lock().unwrap().1.clone();
                    let accepted = agent
                        .post(&format!("{base}/webhooks/twilio"))
                        .header("X-Twilio-Signature", &signature)
                        .send_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                        .is_ok_and(|r| r.status() == 200);
                    if !accepted {
                        assert!(Instant::now() < deadline, "webhook {i} never accepted");
                        pending.lock().unwrap().insert(0, i);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            })
        })
        .collect();
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(100 + rng.below(500)));
        let mut s = server.lock().unwrap();
        s.0.kill().unwrap();
        s.0.wait().unwrap();
        *s = start(&config);
    }
    for p in posters {
        p.join().unwrap();
    }

    let db = || Connection::open(dir.join("comptoir.db")).unwrap();
    let drained = poll_until(Duration::from_secs(120), || {
        db().query_row(
            "SELECT count(*) FROM outbox WHERE status NOT IN ('sent', 'delivered')",
            [],
            |r| r.get::<_, i64>(0),
        )
        .is_ok_and(|n| n == 0)
    });
    let mut s = server.lock().unwrap();
    s.0.kill().unwrap();
    s.0.wait().unwrap();
    assert!(drained, "replies still queued (seed {seed})");

    let conn = db();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok", "seed {seed}");
    let (messages, distinct): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT provider_id) FROM messages WHERE author = 'shopper'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (messages, distinct),
        (SHOPPERS as i64, SHOPPERS as i64),
        "every message stored once (seed {seed})"
    );
    let mut per_shopper: HashMap<String, usize> = HashMap::new();
    for sent in twilio.sent() {
        *per_shopper.entry(sent.to).or_default() += 1;
    }
    let twice: Vec<_> = per_shopper.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "replies not sent once: {twice:?} (seed {seed})"
    );
    assert_eq!(
        per_shopper.len(),
        SHOPPERS,
        "every shopper answered (seed {seed})"
    );
    let staged: i64 = conn
        .query_row("SELECT count(*) FROM sync_staging", [], |r| r.get(0))
        .unwrap();
    assert_eq!(staged, 0);
}
