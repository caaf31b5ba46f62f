//! SQL for stores, the staging of sync pages, and the merge into the live catalogue.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::clock::unix;
use crate::db::DbError;
use crate::db::ids::{RunId, StoreId};
use crate::error::AppError;
use crate::stores::model::{OrderRec, Platform, Record};

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

/// Takes the sync lease of a store; false when another sync holds it.
pub fn take_lease(
    conn: &Connection,
    id: StoreId,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, AppError> {
    let taken = conn
        .execute(
            "UPDATE stores SET sync_lease_until = ?3
             WHERE id = ?1 AND (sync_lease_until IS NULL OR sync_lease_until < ?2)",
            params![id, unix(now), unix(until)],
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
        "INSERT INTO sync_runs (store_id, kind, started_at) VALUES (?1, ?2, ?3)",
        params![store, if full { "full" } else { "incremental" }, unix(now)],
    )
    .map_err(db)?;
    Ok(RunId(conn.last_insert_rowid()))
}

/// Writes one page of records to the staging table, in one short transaction.
pub fn stage(conn: &mut Connection, run: RunId, records: &[Record]) -> Result<(), AppError> {
    crate::db::write(conn, |tx| {
        let mut stmt = tx
            .prepare_cached(
                "INSERT OR REPLACE INTO sync_staging (run_id, kind, external_id, body) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(db)?;
        for record in records {
            let body = serde_json::to_string(record)
                .map_err(|e| AppError::Internal(format!("staging: {e}")))?;
            stmt.execute(params![run, record.kind(), record.key(), body])
                .map_err(db)?;
        }
        Ok(())
    })
}

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub locations: i64,
    pub products: i64,
    pub variants: i64,
    pub stock_levels: i64,
    pub customers: i64,
    pub orders: i64,
}

/// What the merge needs to know about the run.
pub struct MergePlan<'a> {
    pub store: StoreId,
    pub run: RunId,
    /// A full sync also removes what upstream no longer has.
    pub full: bool,
    /// Orders created before this (UTC RFC 3339) are dropped from the local copy.
    pub orders_since: &'a str,
}

/// Applies a finished run's staged records to the live tables. Call inside one
/// transaction: readers see the old catalogue until it commits.
pub fn merge(tx: &Connection, plan: &MergePlan<'_>) -> Result<Counts, AppError> {
    let mut counts = Counts::default();
    let (store, run) = (plan.store, plan.run);
    for kind in Record::KINDS {
        let mut stmt = tx
            .prepare("SELECT body FROM sync_staging WHERE run_id = ?1 AND kind = ?2")
            .map_err(db)?;
        let mut rows = stmt.query(params![run, kind]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let body: String = row.get(0).map_err(db)?;
            let record: Record = serde_json::from_str(&body)
                .map_err(|e| AppError::Internal(format!("staged record: {e}")))?;
            apply(tx, store, &record, &mut counts)?;
        }
    }
    if plan.full {
        let gone = |table: &str, kind: &str| {
            tx.execute(
                &format!(
                    "DELETE FROM {table} WHERE store_id = ?1 AND external_id NOT IN
                     (SELECT external_id FROM sync_staging WHERE run_id = ?2 AND kind = ?3)"
                ),
                params![store, run, kind],
            )
            .map_err(db)
        };
        gone("products", "product")?;
        gone("variants", "variant")?;
        gone("locations", "location")?;
        gone("customers", "customer")?;
        tx.execute(
            "DELETE FROM stock_levels WHERE variant_id IN (SELECT id FROM variants WHERE store_id = ?1)
               AND NOT EXISTS (SELECT 1 FROM sync_staging s, variants v, locations l
                   WHERE s.run_id = ?2 AND s.kind = 'stock'
                     AND v.id = stock_levels.variant_id AND l.id = stock_levels.location_id
                     AND s.external_id = v.inventory_item_id || '@' || l.external_id)",
            params![store, run],
        )
        .map_err(db)?;
    }
    tx.execute(
        "DELETE FROM orders WHERE store_id = ?1 AND created_at < ?2",
        params![store, plan.orders_since],
    )
    .map_err(db)?;
    // Until someone chooses, the first location counts as the shop.
    tx.execute(
        "UPDATE locations SET in_shop = 1 WHERE id = (
             SELECT min(id) FROM locations WHERE store_id = ?1)
           AND NOT EXISTS (SELECT 1 FROM locations WHERE store_id = ?1 AND in_shop = 1)",
        [store],
    )
    .map_err(db)?;
    Ok(counts)
}

/// Applies records outside a sync (webhooks): upserts only, nothing removed.
pub fn apply_records(
    tx: &Connection,
    store: StoreId,
    records: &[Record],
) -> Result<Counts, AppError> {
    let mut counts = Counts::default();
    for record in records {
        apply(tx, store, record, &mut counts)?;
    }
    Ok(counts)
}

fn apply(
    tx: &Connection,
    store: StoreId,
    record: &Record,
    counts: &mut Counts,
) -> Result<(), AppError> {
    match record {
        Record::Location(l) => {
            tx.execute(
                "INSERT INTO locations (store_id, external_id, name, address, active) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (store_id, external_id) DO UPDATE SET
                   name = excluded.name, address = excluded.address, active = excluded.active",
                params![store, l.external_id, l.name, l.address, l.active],
            )
            .map_err(db)?;
            counts.locations += 1;
        }
        Record::Product(p) => {
            let option_names =
                serde_json::to_string(&p.option_names).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "INSERT INTO products (store_id, external_id, handle, title, product_type, vendor, tags, status, option_names, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (store_id, external_id) DO UPDATE SET
                   handle = excluded.handle, title = excluded.title, product_type = excluded.product_type,
                   vendor = excluded.vendor, tags = excluded.tags, status = excluded.status,
                   option_names = excluded.option_names, updated_at = excluded.updated_at",
                params![store, p.external_id, p.handle, p.title, p.product_type, p.vendor, p.tags, p.status, option_names, p.updated_at],
            )
            .map_err(db)?;
            counts.products += 1;
        }
        Record::Variant(v) => {
            let product: Option<i64> = tx
                .query_row(
                    "SELECT id FROM products WHERE store_id = ?1 AND external_id = ?2",
                    params![store, v.product_external_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db)?;
            // A variant whose product is unknown waits for the product's next sync.
            let Some(product) = product else {
                return Ok(());
            };
            let [o1, o2, o3] = &v.options;
            tx.execute(
                "INSERT INTO variants (store_id, product_id, external_id, inventory_item_id, title, sku, barcode, price_cents, option1, option2, option3, position)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (store_id, external_id) DO UPDATE SET
                   product_id = excluded.product_id, inventory_item_id = excluded.inventory_item_id,
                   title = excluded.title, sku = excluded.sku, barcode = excluded.barcode,
                   price_cents = excluded.price_cents, option1 = excluded.option1,
                   option2 = excluded.option2, option3 = excluded.option3, position = excluded.position",
                params![store, product, v.external_id, v.inventory_item_id, v.title, v.sku, v.barcode, v.price_cents, o1, o2, o3, v.position],
            )
            .map_err(db)?;
            counts.variants += 1;
        }
        Record::Stock(s) => {
            let changed = tx
                .execute(
                    "INSERT INTO stock_levels (variant_id, location_id, available, updated_at)
                     SELECT v.id, l.id, ?4, ?5 FROM variants v, locations l
                     WHERE v.store_id = ?1 AND v.inventory_item_id = ?2
                       AND l.store_id = ?1 AND l.external_id = ?3
                     ON CONFLICT (variant_id, location_id) DO UPDATE SET
                       available = excluded.available, updated_at = excluded.updated_at",
                    params![
                        store,
                        s.inventory_item_id,
                        s.location_external_id,
                        s.available,
                        s.updated_at
                    ],
                )
                .map_err(db)?;
            counts.stock_levels += changed as i64;
        }
        Record::Customer(c) => {
            tx.execute(
                "INSERT INTO customers (store_id, external_id, email, phone, first_name, last_name, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (store_id, external_id) DO UPDATE SET
                   email = excluded.email, phone = excluded.phone, first_name = excluded.first_name,
                   last_name = excluded.last_name, updated_at = excluded.updated_at",
                params![store, c.external_id, c.email, c.phone, c.first_name, c.last_name, c.updated_at],
            )
            .map_err(db)?;
            counts.customers += 1;
        }
        Record::Order(o) => {
            upsert_order(tx, store, o)?;
            counts.orders += 1;
        }
    }
    Ok(())
}

fn upsert_order(tx: &Connection, store: StoreId, o: &OrderRec) -> Result<(), AppError> {
    let id: i64 = tx
        .query_row(
            "INSERT INTO orders (store_id, external_id, name, email, phone, customer_external_id, created_at, updated_at,
                                 financial_status, fulfillment_status, cancelled_at, total_cents, currency,
                                 carrier, tracking_number, tracking_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
             ON CONFLICT (store_id, external_id) DO UPDATE SET
               name = excluded.name, email = excluded.email, phone = excluded.phone,
               customer_external_id = excluded.customer_external_id, created_at = excluded.created_at,
               updated_at = excluded.updated_at, financial_status = excluded.financial_status,
               fulfillment_status = excluded.fulfillment_status, cancelled_at = excluded.cancelled_at,
               total_cents = excluded.total_cents, currency = excluded.currency, carrier = excluded.carrier,
               tracking_number = excluded.tracking_number, tracking_url = excluded.tracking_url
             RETURNING id",
            params![
                store, o.external_id, o.name, o.email, o.phone, o.customer_external_id, o.created_at,
                o.updated_at, o.financial_status, o.fulfillment_status, o.cancelled_at, o.total_cents,
                o.currency, o.carrier, o.tracking_number, o.tracking_url
            ],
            |r| r.get(0),
        )
        .map_err(db)?;
    tx.execute("DELETE FROM order_lines WHERE order_id = ?1", [id])
        .map_err(db)?;
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO order_lines (order_id, product_external_id, variant_external_id, title, variant_title, sku, quantity, price_cents)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(db)?;
    for l in &o.lines {
        stmt.execute(params![
            id,
            l.product_external_id,
            l.variant_external_id,
            l.title,
            l.variant_title,
            l.sku,
            l.quantity,
            l.price_cents
        ])
        .map_err(db)?;
    }
    Ok(())
}

/// Live counts of a store's local catalogue.
pub fn counts(conn: &Connection, store: StoreId) -> Result<Counts, AppError> {
    conn.query_row(
        "SELECT
           (SELECT count(*) FROM locations WHERE store_id = ?1),
           (SELECT count(*) FROM products WHERE store_id = ?1),
           (SELECT count(*) FROM variants WHERE store_id = ?1),
           (SELECT count(*) FROM stock_levels s JOIN variants v ON v.id = s.variant_id WHERE v.store_id = ?1),
           (SELECT count(*) FROM customers WHERE store_id = ?1),
           (SELECT count(*) FROM orders WHERE store_id = ?1)",
        [store],
        |r| {
            Ok(Counts {
                locations: r.get(0)?,
                products: r.get(1)?,
                variants: r.get(2)?,
                stock_levels: r.get(3)?,
                customers: r.get(4)?,
                orders: r.get(5)?,
            })
        },
    )
    .map_err(db)
}

#[derive(Debug, Clone)]
pub struct LocationRow {
    pub id: i64,
    pub name: String,
    pub in_shop: bool,
}

pub fn locations(conn: &Connection, store: StoreId) -> Result<Vec<LocationRow>, AppError> {
    let mut stmt = conn
        .prepare("SELECT id, name, in_shop FROM locations WHERE store_id = ?1 ORDER BY id")
        .map_err(db)?;
    let rows = stmt
        .query_map([store], |r| {
            Ok(LocationRow {
                id: r.get(0)?,
                name: r.get(1)?,
                in_shop: r.get(2)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
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

/// The latest sync run of a store: (running?, staged or applied counts, error).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub running: bool,
    pub products: i64,
    pub variants: i64,
    pub stock_levels: i64,
    pub customers: i64,
    pub orders: i64,
    pub error: Option<String>,
    pub finished_at: Option<i64>,
}

pub fn progress(conn: &Connection, store: StoreId) -> Result<Option<Progress>, AppError> {
    let run: Option<(i64, String, Progress)> = conn
        .query_row(
            "SELECT id, outcome, products, variants, stock_levels, customers, orders, error, finished_at
             FROM sync_runs WHERE store_id = ?1 ORDER BY id DESC LIMIT 1",
            [store],
            |r| {
                let applied = Progress {
                    running: false,
                    products: r.get(2)?,
                    variants: r.get(3)?,
                    stock_levels: r.get(4)?,
                    customers: r.get(5)?,
                    orders: r.get(6)?,
                    error: r.get(7)?,
                    finished_at: r.get(8)?,
                };
                Ok((r.get(0)?, r.get(1)?, applied))
            },
        )
        .optional()
        .map_err(db)?;
    let Some((id, outcome, applied)) = run else {
        return Ok(None);
    };
    if outcome != "running" {
        return Ok(Some(applied));
    }
    // Counted up as pages arrive in staging.
    let mut p = Progress {
        running: true,
        ..Default::default()
    };
    let mut stmt = conn
        .prepare("SELECT kind, count(*) FROM sync_staging WHERE run_id = ?1 GROUP BY kind")
        .map_err(db)?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(db)?;
    for row in rows {
        let (kind, n) = row.map_err(db)?;
        match kind.as_str() {
            "product" => p.products = n,
            "variant" => p.variants = n,
            "stock" => p.stock_levels = n,
            "customer" => p.customers = n,
            "order" => p.orders = n,
            _ => {}
        }
    }
    Ok(Some(p))
}

/// `%search%` for LIKE … ESCAPE '\', with the wildcards in `search` taken literally.
fn like_pattern(search: &str) -> String {
    let escaped = search
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub struct ProductRow {
    pub id: i64,
    pub title: String,
    pub handle: String,
    pub product_type: String,
    pub store_name: String,
    pub status: String,
}

pub struct VariantStock {
    pub product_id: i64,
    pub title: String,
    pub sku: String,
    pub price_cents: Option<i64>,
    /// (location name, counts as shop, available)
    pub stock: Vec<(String, bool, i64)>,
}

/// A page of products matching `search` (title, handle, type, tags or a variant's SKU),
/// with one more row than asked when there is a next page.
pub fn search_products(
    conn: &Connection,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ProductRow>, AppError> {
    let pattern = like_pattern(search);
    let mut stmt = conn
        .prepare(
            "SELECT p.id, p.title, p.handle, p.product_type, s.name, p.status FROM products p
             JOIN stores s ON s.id = p.store_id
             WHERE ?1 = '%%' OR p.title LIKE ?1 ESCAPE '\\' OR p.handle LIKE ?1 ESCAPE '\\'
                OR p.product_type LIKE ?1 ESCAPE '\\' OR p.tags LIKE ?1 ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id AND v.sku LIKE ?1 ESCAPE '\\')
             ORDER BY p.title COLLATE NOCASE LIMIT ?2 OFFSET ?3",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![pattern, limit, offset], |r| {
            Ok(ProductRow {
                id: r.get(0)?,
                title: r.get(1)?,
                handle: r.get(2)?,
                product_type: r.get(3)?,
                store_name: r.get(4)?,
                status: r.get(5)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

pub fn variants_with_stock(
    conn: &Connection,
    product_ids: &[i64],
) -> Result<Vec<VariantStock>, AppError> {
    let mut out: Vec<VariantStock> = Vec::new();
    let mut variants = conn
        .prepare("SELECT id, product_id, title, sku, price_cents FROM variants WHERE product_id = ?1 ORDER BY position, id")
        .map_err(db)?;
    let mut stock = conn
        .prepare(
            "SELECT l.name, l.in_shop, COALESCE(s.available, 0) FROM locations l
             JOIN variants v ON v.store_id = l.store_id AND v.id = ?1
             LEFT JOIN stock_levels s ON s.location_id = l.id AND s.variant_id = v.id
             ORDER BY l.in_shop DESC, l.id",
        )
        .map_err(db)?;
    for product in product_ids {
        let rows: Vec<(i64, i64, String, String, Option<i64>)> = variants
            .query_map([product], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        for (id, product_id, title, sku, price_cents) in rows {
            let levels = stock
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            out.push(VariantStock {
                product_id,
                title,
                sku,
                price_cents,
                stock: levels,
            });
        }
    }
    Ok(out)
}

pub struct OrderRow {
    pub name: String,
    pub created_at: String,
    pub customer: String,
    pub financial_status: String,
    pub fulfillment_status: String,
    pub total_cents: Option<i64>,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    pub items: i64,
}

pub fn recent_orders(
    conn: &Connection,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrderRow>, AppError> {
    let pattern = like_pattern(search);
    let mut stmt = conn
        .prepare(
            "SELECT o.name, o.created_at,
                    COALESCE(NULLIF(trim(c.first_name || ' ' || c.last_name), ''), o.email, ''),
                    o.financial_status, o.fulfillment_status, o.total_cents, o.carrier, o.tracking_number,
                    o.tracking_url, (SELECT COALESCE(sum(quantity), 0) FROM order_lines WHERE order_id = o.id)
             FROM orders o
             LEFT JOIN customers c ON c.store_id = o.store_id AND c.external_id = o.customer_external_id
             WHERE ?1 = '%%' OR o.name LIKE ?1 ESCAPE '\\' OR o.email LIKE ?1 ESCAPE '\\'
                OR o.tracking_number LIKE ?1 ESCAPE '\\'
                OR (c.first_name || ' ' || c.last_name) LIKE ?1 ESCAPE '\\'
             ORDER BY o.created_at DESC LIMIT ?2 OFFSET ?3",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![pattern, limit, offset], |r| {
            Ok(OrderRow {
                name: r.get(0)?,
                created_at: r.get(1)?,
                customer: r.get(2)?,
                financial_status: r.get(3)?,
                fulfillment_status: r.get(4)?,
                total_cents: r.get(5)?,
                carrier: r.get(6)?,
                tracking_number: r.get(7)?,
                tracking_url: r.get(8)?,
                items: r.get(9)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

/// Orders created since `since` (UTC RFC 3339), for the "orders 30 days" figure.
pub fn orders_since(conn: &Connection, store: StoreId, since: &str) -> Result<i64, AppError> {
    conn.query_row(
        "SELECT count(*) FROM orders WHERE store_id = ?1 AND created_at >= ?2",
        params![store, since],
        |r| r.get(0),
    )
    .map_err(db)
}

/// The catalogue of a store in the CSV export's shape: location names, then lines.
pub fn export_lines(
    conn: &Connection,
    store: StoreId,
) -> Result<(Vec<String>, Vec<crate::stores::manual::csv::ExportLine>), AppError> {
    let locations = locations(conn, store)?;
    let mut stmt = conn
        .prepare(
            "SELECT p.title, p.handle, p.product_type, p.option_names, v.id, v.option1, v.option2, v.option3,
                    v.sku, v.barcode, v.price_cents
             FROM variants v JOIN products p ON p.id = v.product_id
             WHERE v.store_id = ?1 ORDER BY p.title COLLATE NOCASE, p.id, v.position, v.id",
        )
        .map_err(db)?;
    let mut stock = conn
        .prepare("SELECT available FROM stock_levels WHERE variant_id = ?1 AND location_id = ?2")
        .map_err(db)?;
    let mut rows = stmt.query([store]).map_err(db)?;
    let mut lines = Vec::new();
    while let Some(r) = rows.next().map_err(db)? {
        let names: String = r.get(3).map_err(db)?;
        let variant: i64 = r.get(4).map_err(db)?;
        let values: Vec<String> = [r.get::<_, Option<String>>(5), r.get(6), r.get(7)]
            .into_iter()
            .filter_map(|v| v.ok().flatten())
            .collect();
        let mut quantities = Vec::new();
        for l in &locations {
            let q: Option<i64> = stock
                .query_row(params![variant, l.id], |r| r.get(0))
                .optional()
                .map_err(db)?;
            quantities.push(q.unwrap_or(0));
        }
        lines.push(crate::stores::manual::csv::ExportLine {
            title: r.get(0).map_err(db)?,
            handle: r.get(1).map_err(db)?,
            product_type: r.get(2).map_err(db)?,
            option_names: serde_json::from_str(&names).unwrap_or_default(),
            values,
            sku: r.get(8).map_err(db)?,
            barcode: r.get(9).map_err(db)?,
            price_cents: r.get(10).map_err(db)?,
            stock: quantities,
        });
    }
    Ok((locations.into_iter().map(|l| l.name).collect(), lines))
}

pub fn delete_product(
    conn: &Connection,
    store: StoreId,
    external_id: &str,
) -> Result<bool, AppError> {
    Ok(conn
        .execute(
            "DELETE FROM products WHERE store_id = ?1 AND external_id = ?2",
            params![store, external_id],
        )
        .map_err(db)?
        > 0)
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
) -> Result<(), AppError> {
    conn.execute(
        "DELETE FROM oauth_states WHERE created_at < ?1",
        [unix(now) - 3600],
    )
    .map_err(db)?;
    conn.execute(
        "INSERT INTO oauth_states (state_hash, shop, user_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![state_hash, shop, user, unix(now)],
    )
    .map_err(db)?;
    Ok(())
}

/// Uses a `state` once: the shop it was issued for, when it is fresh (10 minutes) and
/// was issued to this member.
pub fn take_oauth_state(
    conn: &Connection,
    state_hash: &str,
    user: crate::db::ids::UserId,
    now: Timestamp,
) -> Result<Option<String>, AppError> {
    conn.query_row(
        "DELETE FROM oauth_states WHERE state_hash = ?1 AND user_id = ?2 AND created_at >= ?3 RETURNING shop",
        params![state_hash, user, unix(now) - 600],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
}
