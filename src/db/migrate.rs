//! A fresh database runs `schema.sql`; an older one runs the upgrades it lacks, in one
//! transaction; a newer one is refused. `PRAGMA user_version` records where it stands.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::DbError;

const SCHEMA: &str = include_str!("../../schema.sql");

/// `UPGRADES[i]` moves a database from version `i + 1` to `i + 2`. Append only: a
/// released upgrade is never edited, and `schema.sql` always equals all of them applied.
const UPGRADES: &[&str] = &[
    include_str!("upgrades/0002_login_links.sql"),
    include_str!("upgrades/0003_stores.sql"),
    include_str!("upgrades/0004_assistant.sql"),
    include_str!("upgrades/0005_outbox.sql"),
    include_str!("upgrades/0006_channel_settings.sql"),
    include_str!("upgrades/0007_conversation_email.sql"),
    include_str!("upgrades/0008_contacts.sql"),
    include_str!("upgrades/0009_inbox.sql"),
    include_str!("upgrades/0010_onboarding.sql"),
    include_str!("upgrades/0011_training.sql"),
    include_str!("upgrades/0012_search_tests_runs.sql"),
    include_str!("upgrades/0013_appointments.sql"),
    include_str!("upgrades/0014_alerts_places_notices.sql"),
    include_str!("upgrades/0015_analytics.sql"),
    include_str!("upgrades/0016_api.sql"),
    include_str!("upgrades/0017_automations.sql"),
    include_str!("upgrades/0018_marketplaces.sql"),
    include_str!("upgrades/0019_rule_event_message.sql"),
];

pub const SCHEMA_VERSION: i64 = UPGRADES.len() as i64 + 1;

pub fn schema_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), DbError> {
    // Upgrades may rebuild a table others point to: foreign keys are off while they
    // run (SQLite's own procedure; the pragma is a no-op inside a transaction), checked
    // before the commit, and back on after.
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = upgrade(conn, path);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    result
}

fn upgrade(conn: &mut Connection, path: &Path) -> Result<(), DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = schema_version(&tx)?;
    match found {
        0 => {
            let tables: i64 = tx.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )?;
            if tables > 0 {
                return Err(DbError::Foreign {
                    path: path.to_path_buf(),
                });
            }
            tx.execute_batch(SCHEMA)?;
        }
        v if v > SCHEMA_VERSION => {
            return Err(DbError::TooNew {
                path: path.to_path_buf(),
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        v => {
            for (i, upgrade) in UPGRADES.iter().enumerate().skip((v - 1) as usize) {
                tracing::info!(from = i + 1, to = i + 2, "upgrading the database schema");
                tx.execute_batch(upgrade)?;
            }
        }
    }
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        return Err(DbError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            Some(format!("{broken} rows point to rows the upgrade removed")),
        )));
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}
