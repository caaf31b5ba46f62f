//! Schema creation and upgrades, refusal of newer or foreign databases, online backups.

use std::collections::BTreeMap;
use std::path::Path;

use comptoir::db::{self, DbError, SCHEMA_VERSION};
use rusqlite::Connection;

use crate::common::{OWNER_EMAIL, OWNER_PASSWORD, TestApp, cli, text};

/// Every table's columns and every index, in a form that ignores how the SQL was written.
fn shape(conn: &Connection) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let names: Vec<(String, String)> = conn
        .prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, name) in names {
        let rows: Vec<String> = if kind == "table" {
            conn.prepare(&format!("PRAGMA table_xinfo('{name}')"))
                .unwrap()
                .query_map([], |r| {
                    Ok(format!(
                        "{} {} notnull={} default={:?} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect()
        } else {
            conn.prepare(&format!("PRAGMA index_xinfo('{name}')"))
                .unwrap()
                .query_map([], |r| Ok(format!("{:?}", r.get::<_, Option<String>>(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        out.insert(format!("{kind} {name}"), rows);
    }
    // Foreign keys and CHECK constraints live in the CREATE text; compare it squashed.
    let sqls: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type = 'table'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (name, sql) in sqls {
        let squashed: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let constraints: Vec<String> = squashed
            .split(", ")
            .filter(|part| part.contains("REFERENCES") || part.contains("CHECK"))
            .map(str::to_string)
            .collect();
        out.insert(format!("constraints {name}"), constraints);
    }
    out
}

fn make_v1(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(db::DATABASE_FILE);
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(include_str!("../data/schema_v1.sql"))
        .unwrap();
    conn.execute_batch(
        "PRAGMA user_version = 1;
         INSERT INTO shop_profile (id, business_name, business_type, created_at, updated_at)
             VALUES (1, 'Boutique v1', 'ecommerce', 1700000000, 1700000000);
         INSERT INTO users (email, password_hash, role, created_at)
             VALUES ('old@elegance.test', 'x', 'admin', 1700000000);
         INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
             VALUES ('abc', 1, 1700000000, 1700000000, 1900000000);",
    )
    .unwrap();
    path
}

#[test]
fn upgrading_from_version_1_keeps_rows_and_matches_a_fresh_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let old_dir = tmp.path().join("old");
    let path = make_v1(&old_dir);
    db::open(&old_dir).expect("upgrade");

    let upgraded = Connection::open(&path).unwrap();
    assert_eq!(db::schema_version(&upgraded).unwrap(), SCHEMA_VERSION);
    let kept: (String, String, i64) = upgraded
        .query_row(
            "SELECT u.email, p.business_name, (SELECT count(*) FROM sessions)
             FROM users u, shop_profile p",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(kept, ("old@elegance.test".into(), "Boutique v1".into(), 1));

    let fresh_dir = tmp.path().join("fresh");
    db::open(&fresh_dir).unwrap();
    let fresh = Connection::open(fresh_dir.join(db::DATABASE_FILE)).unwrap();
    assert_eq!(shape(&upgraded), shape(&fresh));
    assert!(
        shape(&fresh).contains_key("table login_links"),
        "the comparison sees tables"
    );
}

#[test]
fn a_database_newer_than_the_binary_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    db::open(&dir).unwrap();
    let path = dir.join(db::DATABASE_FILE);
    let newer = SCHEMA_VERSION + 1;
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    match db::open(&dir) {
        Err(DbError::TooNew {
            found, supported, ..
        }) => {
            assert_eq!((found, supported), (newer, SCHEMA_VERSION));
        }
        other => panic!("expected TooNew, got {:?}", other.map(|_| ())),
    }
    let out = cli(
        &[
            "--data-dir",
            dir.to_str().unwrap(),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ],
        &[],
        None,
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("newer than this comptoir"), "{err}");
    assert!(err.contains("restore a backup"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let version = db::schema_version(&Connection::open(&path).unwrap()).unwrap();
    assert_eq!(version, newer, "left as it was");
}

#[test]
fn a_foreign_sqlite_file_is_not_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(db::DATABASE_FILE);
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE precious (x); INSERT INTO precious VALUES (1);")
        .unwrap();
    assert!(matches!(db::open(tmp.path()), Err(DbError::Foreign { .. })));
    let count: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM precious", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn backup_makes_an_openable_copy_while_the_server_writes() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let writer = {
        let stop = stop.clone();
        let base = app.base.clone();
        std::thread::spawn(move || {
            let c = crate::common::Client::new(&base);
            assert_eq!(c.login(OWNER_EMAIL, OWNER_PASSWORD).status, 303);
            let mut writes = 0;
            // Bounded: stops when told, or after 2,000 writes at most.
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && writes < 2_000 {
                let name = format!("Élégance Paris {writes}");
                let r = c.submit(
                    "/settings/profile",
                    "/settings/profile",
                    &[
                        ("business_name", &name),
                        ("business_type", "ecommerce"),
                        ("timezone", "Europe/Paris"),
                    ],
                );
                assert_eq!(r.status, 303, "{}", r.body);
                if writes == 0 {
                    let _ = started_tx.send(());
                }
                writes += 1;
            }
            writes
        })
    };
    started_rx.recv().expect("the writer started");
    let data_dir = app.data_dir.to_str().unwrap().to_string();
    let backups = tempfile::tempdir().unwrap();
    for i in 0..3 {
        let dest = backups.path().join(format!("copy-{i}.db"));
        let out = cli(
            &["--data-dir", &data_dir, "backup", dest.to_str().unwrap()],
            &[],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains("backup written"));
        let copy = Connection::open(&dest).unwrap();
        let check: String = copy
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let (email, name): (String, String) = copy
            .query_row(
                "SELECT u.email, p.business_name FROM users u, shop_profile p",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(email, OWNER_EMAIL);
        assert!(name.starts_with("Élégance Paris"));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().unwrap();
    assert!(writes > 0, "the server was written to during the backups");
    assert_eq!(owner.get("/healthz").status, 200);

    // An existing file is never overwritten.
    let dest = backups.path().join("copy-0.db");
    let out = cli(
        &["--data-dir", &data_dir, "backup", dest.to_str().unwrap()],
        &[],
        None,
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("already exists"));
}

#[test]
fn old_webhook_deliveries_and_sync_runs_are_pruned_recent_ones_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let pool = db::open(tmp.path()).unwrap();
    let conn = pool.get().unwrap();
    let now: jiff::Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
    let day = 86_400;
    let t = now.as_second();
    conn.execute_batch(&format!(
        "INSERT INTO stores (platform, name, connected_at, next_sync_at) VALUES ('shopify', 's', {t}, {t});
         INSERT INTO webhook_events (provider, event_id, store_id, received_at) VALUES
             ('shopify', 'old', 1, {}), ('shopify', 'new', 1, {});
         INSERT INTO sync_runs (store_id, kind, started_at, outcome) VALUES
             (1, 'full', {}, 'ok'), (1, 'full', {}, 'ok'), (1, 'full', {}, 'running');",
        t - 8 * day, t - day, t - 31 * day, t - 2 * day, t - 40 * day
    ))
    .unwrap();
    let purged = comptoir::stores::repo::purge_old(&conn, now).unwrap();
    // Two old records, and the running run, whose process is gone: closed, not deleted.
    assert_eq!(purged, 3);
    let left: (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM webhook_events), (SELECT count(*) FROM sync_runs)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        left,
        (1, 2),
        "the recent delivery, the recent run and the interrupted one stay"
    );
    let interrupted: i64 = conn
        .query_row(
            "SELECT count(*) FROM sync_runs WHERE outcome = 'error' AND error LIKE 'interrompue%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(interrupted, 1);
}
