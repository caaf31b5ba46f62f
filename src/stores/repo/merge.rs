//! A sync's data: pages staged as they arrive, merged into the live tables in one
//! transaction, and the counts and progress shown while it runs.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::db;
use crate::db::ids::{RunId, StoreId};
use crate::error::AppError;
use crate::stores::model::{OrderRec, Record};

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
    /// Orders received again (a re-poll, a webhook after a poll): updated in place, never
    /// added twice.
    pub orders_known: i64,
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
            let known = tx
                .prepare_cached("SELECT 1 FROM orders WHERE store_id = ?1 AND external_id = ?2")
                .map_err(db)?
                .exists(params![store, o.external_id])
                .map_err(db)?;
            upsert_order(tx, store, o)?;
            counts.orders += 1;
            counts.orders_known += i64::from(known);
        }
    }
    Ok(())
}

fn upsert_order(tx: &Connection, store: StoreId, o: &OrderRec) -> Result<(), AppError> {
    let id: i64 = tx
        .query_row(
            "INSERT INTO orders (store_id, external_id, name, email, phone, customer_external_id, created_at, updated_at,
                                 financial_status, fulfillment_status, cancelled_at, total_cents, currency,
                                 carrier, tracking_number, tracking_url, shipment_status,
                                 marketplace, fulfillment_channel, ship_name, ship_postcode)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21)
             ON CONFLICT (store_id, external_id) DO UPDATE SET
               name = excluded.name, email = excluded.email, phone = excluded.phone,
               customer_external_id = excluded.customer_external_id, created_at = excluded.created_at,
               updated_at = excluded.updated_at, financial_status = excluded.financial_status,
               fulfillment_status = excluded.fulfillment_status, cancelled_at = excluded.cancelled_at,
               total_cents = excluded.total_cents, currency = excluded.currency, carrier = excluded.carrier,
               tracking_number = excluded.tracking_number, tracking_url = excluded.tracking_url,
               shipment_status = excluded.shipment_status, marketplace = excluded.marketplace,
               fulfillment_channel = excluded.fulfillment_channel, ship_name = excluded.ship_name,
               ship_postcode = excluded.ship_postcode
             RETURNING id",
            params![
                store, o.external_id, o.name, o.email, o.phone, o.customer_external_id, o.created_at,
                o.updated_at, o.financial_status, o.fulfillment_status, o.cancelled_at, o.total_cents,
                o.currency, o.carrier, o.tracking_number, o.tracking_url, o.shipment_status,
                o.sale.marketplace, o.sale.fulfillment_channel, o.sale.ship_name, o.sale.ship_postcode
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
                orders_known: 0,
            })
        },
    )
    .map_err(db)
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
