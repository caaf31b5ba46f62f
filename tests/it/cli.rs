//! The command line: configuration layers, user management, serve errors, demo mode.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::{Client, TestApp, cli, text};

#[test]
fn check_config_shows_the_layers_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("comptoir.toml");
    std::fs::write(
        &file,
        "bind = \"127.0.0.1:9001\"\nlog_level = \"debug\"\n[security]\nsession_days = 7\nlogin_window_minutes = 5\n",
    )
    .unwrap();
    let out = cli(
        &[
            "--config",
            file.to_str().unwrap(),
            "--bind",
            "127.0.0.1:9003",
            "check-config",
        ],
        &[
            ("COMPTOIR_BIND", "127.0.0.1:9002"),
            ("COMPTOIR_LOG_LEVEL", "warn"),
            ("COMPTOIR_SECURITY__SESSION_DAYS", "9"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown: comptoir::config::Config = toml::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(shown.bind, "127.0.0.1:9003", "flag beats env and file");
    assert_eq!(shown.log_level, "warn", "env beats file");
    assert_eq!(shown.security.session_days, 9, "env beats file");
    assert_eq!(shown.security.login_window_minutes, 5, "file beats default");
    assert_eq!(shown.security.login_attempts_per_account, 5, "default");

    // The config file may also come from COMPTOIR_CONFIG.
    let out = cli(
        &["check-config"],
        &[("COMPTOIR_CONFIG", file.to_str().unwrap())],
        None,
    );
    assert!(
        text(&out.stdout).contains("session_days = 7"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn bad_configuration_is_explained_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:8080\"\nport = 8080\n").unwrap();
    let missing = tmp.path().join("missing.toml");
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["--config", file.to_str().unwrap(), "check-config"],
            vec![],
            "unknown field `port`",
        ),
        (
            vec!["--config", missing.to_str().unwrap(), "check-config"],
            vec![],
            "cannot read the config file",
        ),
        (
            vec!["check-config"],
            vec![("COMPTOIR_SECURITY__SESSION_DAYS", "a week")],
            "COMPTOIR_SECURITY__SESSION_DAYS",
        ),
        (
            vec!["--bind", "8080", "check-config"],
            vec![],
            "not an address with a port",
        ),
        (
            vec!["--log-level", "chatty", "check-config"],
            vec![],
            "not a log level",
        ),
    ];
    for (args, env, expected) in cases {
        let out = cli(&args, &env, None);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A bad role is refused by the argument parser with the choices.
    let out = cli(
        &["user", "add", "--email", "a@b.fr", "--role", "boss"],
        &[],
        Some("long-enough-pass\n"),
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("admin, agent, order_manager, read_only"));
}

#[test]
fn users_added_from_the_cli_can_log_in_while_the_server_runs() {
    let app = TestApp::spawn();
    let dir = app.data_dir.to_str().unwrap().to_string();
    let out = cli(
        &[
            "--data-dir",
            &dir,
            "user",
            "add",
            "--email",
            "boss@elegance.test",
            "--role",
            "admin",
            "--name",
            "Camille",
        ],
        &[],
        Some("correct-horse-9\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("added boss@elegance.test (admin)"));

    // The server notices that setup is no longer needed.
    assert_eq!(app.client().get("/").location(), "/login?next=%2F");
    let c = app.login("boss@elegance.test", "correct-horse-9");
    assert!(c.get("/").body.contains("Camille"));

    let dup = cli(
        &[
            "--data-dir",
            &dir,
            "user",
            "add",
            "--email",
            "BOSS@elegance.test",
            "--role",
            "agent",
        ],
        &[],
        Some("correct-horse-9\n"),
    );
    assert_eq!(dup.status.code(), Some(1));
    assert!(text(&dup.stderr).contains("already exists"));
    let weak = cli(
        &[
            "--data-dir",
            &dir,
            "user",
            "add",
            "--email",
            "new@elegance.test",
            "--role",
            "agent",
        ],
        &[],
        Some("short\n"),
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(text(&weak.stderr).contains("between 10 and 256 characters"));

    // reset-password ends every session of that account.
    let out = cli(
        &[
            "--data-dir",
            &dir,
            "user",
            "reset-password",
            "--email",
            "boss@elegance.test",
        ],
        &[],
        Some("brand-new-pass-7\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(c.get("/").status, 303, "old session ended");
    app.login("boss@elegance.test", "brand-new-pass-7");
    let list = cli(&["--data-dir", &dir, "user", "list"], &[], None);
    assert!(text(&list.stdout).contains("boss@elegance.test\tadmin\tactive"));
    let unknown = cli(
        &[
            "--data-dir",
            &dir,
            "user",
            "reset-password",
            "--email",
            "ghost@elegance.test",
        ],
        &[],
        Some("brand-new-pass-7\n"),
    );
    assert!(text(&unknown.stderr).contains("no account has the e-mail"));
}

#[test]
fn serve_explains_a_busy_port_and_an_unusable_data_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let dir = tmp.path().join("data");
    let out = cli(
        &[
            "--data-dir",
            dir.to_str().unwrap(),
            "--bind",
            &addr,
            "serve",
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
    assert!(err.contains("--bind"), "{err}");

    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let out = cli(
        &[
            "--data-dir",
            file.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
            "serve",
        ],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("cannot create the data directory"), "{err}");
    assert!(err.contains("--data-dir"), "{err}");
}

/// The newcomer's command: the demo shop, a one-time login link, the dashboard; then a
/// graceful stop on SIGTERM.
#[test]
fn demo_mode_prints_a_login_link_that_opens_the_demo_dashboard() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let mut command = Command::new(env!("CARGO_BIN_EXE_comptoir"));
    command.args([
        "--data-dir",
        dir.to_str().unwrap(),
        "--bind",
        "127.0.0.1:0",
        "--log-level",
        "warn",
        "serve",
        "--demo",
    ]);
    // Like `cli()`: no configuration from the test's own environment.
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("COMPTOIR_")) {
        command.env_remove(key);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut link = None;
    for line in lines.by_ref().take(5) {
        let line = line.unwrap();
        if let Some(at) = line.find("http://") {
            if line.contains("/login/link/") {
                link = Some(line[at..].trim().to_string());
                break;
            }
        }
    }
    let link = link.expect("a login link on stdout");
    let (base, path) = link.split_at(link.find("/login/").unwrap());
    let c = Client::new(base);
    let r = c.get(path);
    assert_eq!((r.status, r.location()), (303, "/"));
    let home = c.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Élégance Paris"), "{}", home.body);
    assert!(
        home.body.contains("24 Rue de Rivoli"),
        "demo profile seeded"
    );
    // The link works once.
    let again = Client::new(base).get(path);
    assert_eq!(again.status, 400);
    assert!(again.body.contains("déjà servi ou a expiré"));
    // The demo shop has its catalogue, with orders moved so the newest is from yesterday.
    let demo_dir = dir.join("demo");
    let stats = cli(
        &["--data-dir", demo_dir.to_str().unwrap(), "stats", "--json"],
        &[],
        None,
    );
    let stats: serde_json::Value = serde_json::from_str(&text(&stats.stdout)).unwrap();
    let s = &stats["stores"][0];
    let counts: Vec<i64> = [
        "products",
        "variants",
        "stock_levels",
        "locations",
        "customers",
        "orders",
    ]
    .iter()
    .map(|k| s[k].as_i64().unwrap())
    .collect();
    assert_eq!(counts, [47, 156, 312, 2, 89, 12]);
    let newest: String = rusqlite::Connection::open(demo_dir.join("comptoir.db"))
        .unwrap()
        .query_row("SELECT max(created_at) FROM orders", [], |r| r.get(0))
        .unwrap();
    let age =
        jiff::Timestamp::now().as_second() - newest.parse::<jiff::Timestamp>().unwrap().as_second();
    assert!(
        (86_400 - 120..=86_400 + 120).contains(&age),
        "newest order is from yesterday: {newest}"
    );
    assert!(c.get("/orders").body.contains("#1012"));
    // The demo lives in its own directory.
    assert!(dir.join("demo").join("comptoir.db").exists());
    assert!(!dir.join("comptoir.db").exists());

    let stopped = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "graceful shutdown exits 0, got {status:?}"
    );
}
