//! SQL for stores: their rows and sync bookkeeping here; the staging and merge of
//! sync data in `merge`; reads for pages in `queries`.

mod merge;
mod queries;

pub use merge::{
    Counts, MergePlan, Progress, apply_records, counts, delete_product, merge, progress, stage,
};
pub use queries::{
    Copies, OrderRow, ProductRow, VariantStock, count_orders, count_products, export_lines,
    orders_since, recent_orders, search_products, variants_with_stock,
};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::unix;
use crate::db::DbError;
use crate::db::ids::{RunId, StoreId};
use crate::error::AppError;
use crate::stores::model::Platform;

fn db(e: rusqlite::Error) -> AppError {
    AppError::Db(DbError::Sqlite(e))
}

#[derive(Debug, Clone)]
pub struct Store {
    pub id: StoreId,
    pub platform: Platform,
    pub name: String,
    pub domain: String,
    pub api_url: Option<String>,
    pub credentials: Option<Vec<u8>>,
    pub status: String,
    pub sync_minutes: i64,
    pub reservation_hours: i64,
    pub connected_at: i64,
    pub next_sync_at: i64,
    pub last_sync_at: Option<i64>,
    pub last_full_sync_at: Option<i64>,
    pub sync_cursor: Option<String>,
    pub error_count: i64,
    pub last_error: Option<String>,
    pub webhook_secret: Option<Vec<u8>>,
}

const STORE_COLUMNS: &str =
    "id, platform, name, domain, api_url, credentials, status, sync_minutes,
    reservation_hours, connected_at, next_sync_at, last_sync_at, last_full_sync_at, sync_cursor,
    error_count, last_error, webhook_secret";

fn store_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Store> {
    let platform: String = r.get(1)?;
    Ok(Store {
        id: r.get(0)?,
        platform: Platform::from_code(&platform).unwrap_or(Platform::Manual),
        name: r.get(2)?,
        domain: r.get(3)?,
        api_url: r.get(4)?,
        credentials: r.get(5)?,
        status: r.get(6)?,
        sync_minutes: r.get(7)?,
        reservation_hours: r.get(8)?,
        connected_at: r.get(9)?,
        next_sync_at: r.get(10)?,
        last_sync_at: r.get(11)?,
        last_full_sync_at: r.get(12)?,
        sync_cursor: r.get(13)?,
        error_count: r.get(14)?,
        last_error: r.get(15)?,
        webhook_secret: r.get(16)?,
    })
}

pub struct NewStore<'a> {
    pub platform: Platform,
    pub name: &'a str,
    pub domain: &'a str,
    pub api_url: Option<&'a str>,
    pub credentials: Option<&'a [u8]>,
    pub sync_minutes: i64,
}

pub fn create_store(
    conn: &Connection,
    s: &NewStore<'_>,
    now: Timestamp,
) -> Result<StoreId, AppError> {
    conn.execute(
        "INSERT INTO stores (platform, name, domain, api_url, credentials, sync_minutes, connected_at, next_sync_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![s.platform.code(), s.name, s.domain, s.api_url, s.credentials, s.sync_minutes, unix(now)],
    )
    .map_err(db)?;
    Ok(StoreId(conn.last_insert_rowid()))
}

pub fn stores(conn: &Connection) -> Result<Vec<Store>, AppError> {
    let mut stmt = conn
        .prepare(&format!("SELECT {STORE_COLUMNS} FROM stores ORDER BY id"))
        .map_err(db)?;
    let rows = stmt.query_map([], store_row).map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

pub fn store(conn: &Connection, id: StoreId) -> Result<Option<Store>, AppError> {
    conn.query_row(
        &format!("SELECT {STORE_COLUMNS} FROM stores WHERE id = ?1"),
        [id],
        store_row,
    )
    .optional()
    .map_err(db)
}

/// Removes a store and, by cascade, its catalogue copy.
pub fn remove_store(conn: &Connection, id: StoreId) -> Result<bool, AppError> {
    Ok(conn
        .execute("DELETE FROM stores WHERE id = ?1", [id])
        .map_err(db)?
        > 0)
}

/// This process as "pid:start time". The start time (from `/proc`, in clock ticks since
/// boot) tells a process from a later one given the same pid, as a container's pid 1 is
/// after every restart.
fn this_process() -> &'static str {
    static OWNER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OWNER.get_or_init(|| {
        let pid = std::process::id();
        format!("{pid}:{}", started(pid).unwrap_or_default())
    })
}

/// When process `pid` started, from `/proc/<pid>/stat` (field 22, after the command
/// name, which may hold spaces and parentheses).
fn started(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(19).map(str::to_string)
}

/// Whether the process an owner names is still running. Where that cannot be told (no
/// `/proc`), it is taken as running and the lease simply runs out.
fn owner_alive(owner: &str) -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let Some((pid, start)) = owner.split_once(':') else {
        return false;
    };
    pid.parse()
        .ok()
        .and_then(started)
        .is_some_and(|s| s == start)
}

/// Takes the sync lease of a store for this process; false when another sync holds it.
/// A lease whose process is gone (a killed `comptoir sync` or server) is free at once.
pub fn take_lease(
    conn: &Connection,
    id: StoreId,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, AppError> {
    let holder: Option<String> = conn
        .query_row(
            "SELECT sync_lease_owner FROM stores WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?
        .flatten();
    let gone = holder.filter(|owner| !owner_alive(owner));
    let taken = conn
        .execute(
            "UPDATE stores SET sync_lease_until = ?3, sync_lease_owner = ?4
             WHERE id = ?1 AND (sync_lease_until IS NULL OR sync_lease_until < ?2
                                OR sync_lease_owner = ?5)",
            params![id, unix(now), unix(until), this_process(), gone],
        )
        .map_err(db)?;
    Ok(taken == 1)
}

pub fn renew_lease(conn: &Connection, id: StoreId, until: Timestamp) -> Result<(), AppError> {
    conn.execute(
        "UPDATE stores SET sync_lease_until = ?2 WHERE id = ?1",
        params![id, unix(until)],
    )
    .map_err(db)?;
    Ok(())
}

/// Runs of this store left "running" by a crash or kill: closed, their staged pages
/// dropped. The live catalogue was never touched by them.
pub fn close_stale_runs(
    conn: &mut Connection,
    id: StoreId,
    now: Timestamp,
) -> Result<usize, AppError> {
    crate::db::write(conn, |tx| {
        tx.execute(
            "DELETE FROM sync_staging WHERE run_id IN
                (SELECT id FROM sync_runs WHERE store_id = ?1 AND outcome = 'running')",
            [id],
        )
        .map_err(db)?;
        tx.execute(
            "UPDATE sync_runs SET outcome = 'error', finished_at = ?2,
                error = 'interrompue (arrêt du programme)'
             WHERE store_id = ?1 AND outcome = 'running'",
            params![id, unix(now)],
        )
        .map_err(db)
    })
}

/// Runs of any store whose process is gone (a sync or an import killed midway), closed
/// as interrupted, and staged pages that belong to no running run: dropped. Runs at
/// start and with the hourly purge, so a kill never leaves staged rows behind.
pub fn close_orphaned_runs(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    let running: Vec<(i64, Option<String>)> = conn
        .prepare("SELECT id, owner FROM sync_runs WHERE outcome = 'running'")
        .map_err(db)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db)?
        .collect::<Result<_, _>>()
        .map_err(db)?;
    let mut closed = 0;
    for (run, owner) in running {
        // A run from before owners were kept has no one to ask: it is over by now.
        if owner.as_deref().is_some_and(owner_alive) {
            continue;
        }
        closed += conn
            .execute(
                "UPDATE sync_runs SET outcome = 'error', finished_at = ?2,
                    error = 'interrompue (arrêt du programme)'
                 WHERE id = ?1 AND outcome = 'running'",
                params![run, unix(now)],
            )
            .map_err(db)?;
    }
    let dropped = conn
        .execute(
            "DELETE FROM sync_staging WHERE run_id NOT IN
                (SELECT id FROM sync_runs WHERE outcome = 'running')",
            [],
        )
        .map_err(db)?;
    Ok(closed + dropped)
}

/// Stores whose next sync is due and that are not already syncing or waiting for a
/// reconnection.
pub fn due_stores(conn: &Connection, now: Timestamp) -> Result<Vec<StoreId>, AppError> {
    let mut stmt = conn
        .prepare(
            "SELECT id FROM stores
             WHERE status <> 'disconnected' AND platform <> 'manual' AND next_sync_at <= ?1
               AND (sync_lease_until IS NULL OR sync_lease_until < ?1)
             ORDER BY next_sync_at",
        )
        .map_err(db)?;
    let rows = stmt.query_map([unix(now)], |r| r.get(0)).map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

pub fn begin_run(
    conn: &Connection,
    store: StoreId,
    full: bool,
    now: Timestamp,
) -> Result<RunId, AppError> {
    conn.execute(
        "INSERT INTO sync_runs (store_id, kind, started_at, owner) VALUES (?1, ?2, ?3, ?4)",
        params![
            store,
            if full { "full" } else { "incremental" },
            unix(now),
            this_process()
        ],
    )
    .map_err(db)?;
    Ok(RunId(conn.last_insert_rowid()))
}

#[derive(Debug, Clone)]
pub struct LocationRow {
    pub id: i64,
    pub name: String,
    pub in_shop: bool,
    pub address: String,
    /// Open to the public, with its hours as written for shoppers.
    pub public: bool,
    pub opening_hours: String,
}

pub fn locations(conn: &Connection, store: StoreId) -> Result<Vec<LocationRow>, AppError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, name, in_shop, address, public, opening_hours FROM locations
             WHERE store_id = ?1 ORDER BY id",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([store], |r| {
            Ok(LocationRow {
                id: r.get(0)?,
                name: r.get(1)?,
                in_shop: r.get(2)?,
                address: r.get(3)?,
                public: r.get(4)?,
                opening_hours: r.get(5)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

/// One hold duration for every store (the setup wizard's choice).
pub fn set_hold_hours(conn: &Connection, hours: i64) -> Result<(), AppError> {
    conn.execute("UPDATE stores SET reservation_hours = ?1", [hours])
        .map_err(db)?;
    Ok(())
}

/// Saves a store's settings; `in_shop` lists the location ids that count as the shop.
pub fn save_settings(
    conn: &Connection,
    store: StoreId,
    sync_minutes: i64,
    reservation_hours: i64,
    in_shop: &[i64],
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE stores SET sync_minutes = ?2, reservation_hours = ?3 WHERE id = ?1",
        params![store, sync_minutes, reservation_hours],
    )
    .map_err(db)?;
    conn.execute(
        "UPDATE locations SET in_shop = 0 WHERE store_id = ?1",
        [store],
    )
    .map_err(db)?;
    let mut stmt = conn
        .prepare("UPDATE locations SET in_shop = 1 WHERE store_id = ?1 AND id = ?2")
        .map_err(db)?;
    for id in in_shop {
        stmt.execute(params![store, id]).map_err(db)?;
    }
    Ok(())
}

/// Which of a store's locations are open to the public, and their hours for shoppers.
pub fn save_places(
    conn: &Connection,
    store: StoreId,
    public: &[i64],
    hours: &[(i64, String)],
) -> Result<(), AppError> {
    let mut stmt = conn
        .prepare(
            "UPDATE locations SET public = ?3, opening_hours = ?4 WHERE store_id = ?1 AND id = ?2",
        )
        .map_err(db)?;
    for (id, text) in hours {
        stmt.execute(params![store, id, public.contains(id), text])
            .map_err(db)?;
    }
    Ok(())
}

/// Makes a store due now (the "Resynchroniser" button and reconnections).
pub fn sync_soon(conn: &Connection, store: StoreId, now: Timestamp) -> Result<(), AppError> {
    conn.execute(
        "UPDATE stores SET next_sync_at = ?2, status = CASE WHEN status = 'disconnected' THEN 'error' ELSE status END
         WHERE id = ?1",
        params![store, unix(now)],
    )
    .map_err(db)?;
    Ok(())
}

pub fn set_credentials(conn: &Connection, store: StoreId, sealed: &[u8]) -> Result<(), AppError> {
    conn.execute(
        "UPDATE stores SET credentials = ?2, status = 'connected', error_count = 0, last_error = NULL WHERE id = ?1",
        params![store, sealed],
    )
    .map_err(db)?;
    Ok(())
}

pub fn set_webhook_secret(
    conn: &Connection,
    store: StoreId,
    sealed: Option<&[u8]>,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE stores SET webhook_secret = ?2 WHERE id = ?1",
        params![store, sealed],
    )
    .map_err(db)?;
    Ok(())
}

/// Where a webhook goes: the store, its platform, and its sealed webhook secret.
pub struct WebhookTarget {
    pub store: StoreId,
    pub platform: Platform,
    pub secret: Option<Vec<u8>>,
}

fn webhook_target_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WebhookTarget> {
    let platform: String = r.get(1)?;
    Ok(WebhookTarget {
        store: r.get(0)?,
        platform: Platform::from_code(&platform).unwrap_or(Platform::Manual),
        secret: r.get(2)?,
    })
}

/// The webhook target of a store, by its platform's domain (Shopify names the shop).
pub fn webhook_target_by_domain(
    conn: &Connection,
    platform: Platform,
    domain: &str,
) -> Result<Option<WebhookTarget>, AppError> {
    conn.query_row(
        "SELECT id, platform, webhook_secret FROM stores WHERE platform = ?1 AND domain = ?2 ORDER BY id LIMIT 1",
        params![platform.code(), domain],
        webhook_target_row,
    )
    .optional()
    .map_err(db)
}

/// The webhook target of a store, by id (WooCommerce deliveries carry it in the URL).
pub fn webhook_target(
    conn: &Connection,
    store: StoreId,
) -> Result<Option<WebhookTarget>, AppError> {
    conn.query_row(
        "SELECT id, platform, webhook_secret FROM stores WHERE id = ?1",
        [store],
        webhook_target_row,
    )
    .optional()
    .map_err(db)
}

/// Records a delivery; false when it was already processed.
pub fn first_delivery(
    conn: &Connection,
    provider: &str,
    event_id: &str,
    store: StoreId,
    topic: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    Ok(conn
        .execute(
            "INSERT OR IGNORE INTO webhook_events (provider, event_id, store_id, topic, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![provider, event_id, store, topic, unix(now)],
        )
        .map_err(db)?
        == 1)
}

/// The shop removed our access (Shopify app uninstalled): stop polling, forget keys.
pub fn mark_uninstalled(conn: &Connection, store: StoreId, message: &str) -> Result<(), AppError> {
    conn.execute(
        "UPDATE stores SET status = 'disconnected', credentials = NULL, last_error = ?2 WHERE id = ?1",
        params![store, message],
    )
    .map_err(db)?;
    Ok(())
}

pub fn save_oauth_state(
    conn: &Connection,
    state_hash: &str,
    shop: &str,
    user: crate::db::ids::UserId,
    now: Timestamp,
    return_to: &str,
) -> Result<(), AppError> {
    conn.execute(
        "DELETE FROM oauth_states WHERE created_at < ?1",
        [unix(now) - 3600],
    )
    .map_err(db)?;
    conn.execute(
        "INSERT INTO oauth_states (state_hash, shop, user_id, created_at, return_to)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![state_hash, shop, user, unix(now), return_to],
    )
    .map_err(db)?;
    Ok(())
}

/// Uses a `state` once: the shop it was issued for and where to go next, when it is
/// fresh (10 minutes) and was issued to this member.
pub fn take_oauth_state(
    conn: &Connection,
    state_hash: &str,
    user: crate::db::ids::UserId,
    now: Timestamp,
) -> Result<Option<(String, String)>, AppError> {
    conn.query_row(
        "DELETE FROM oauth_states WHERE state_hash = ?1 AND user_id = ?2 AND created_at >= ?3
         RETURNING shop, return_to",
        params![state_hash, user, unix(now) - 600],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db)
}

/// Forgets old bookkeeping: webhook deliveries after a week (Shopify retries for 48 h),
/// sync runs after a month.
pub fn purge_old(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    let week = unix(now) - 7 * 86_400;
    let month = unix(now) - 30 * 86_400;
    let events = conn
        .execute("DELETE FROM webhook_events WHERE received_at < ?1", [week])
        .map_err(db)?;
    let runs = conn
        .execute(
            "DELETE FROM sync_runs WHERE outcome <> 'running' AND started_at < ?1",
            [month],
        )
        .map_err(db)?;
    Ok(events + runs + close_orphaned_runs(conn, now)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_told_from_a_later_one_with_the_same_pid() {
        if !cfg!(target_os = "linux") {
            return;
        }
        assert!(owner_alive(this_process()));
        let pid = std::process::id();
        assert!(!owner_alive(&format!("{pid}:1")), "same pid, another start");
        assert!(!owner_alive("4194999:1"), "no such process");
        assert!(!owner_alive("garbage"));
    }
}
