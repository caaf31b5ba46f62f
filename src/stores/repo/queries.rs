//! Reading the local catalogue for pages and exports.

use rusqlite::{Connection, OptionalExtension, params};

use super::{db, locations};
use crate::db::ids::StoreId;
use crate::error::AppError;

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

/// A page of products matching every word of `search`, in any order, each in the
/// title, handle, type, tags or a variant's SKU ("robe bleue" finds "Robe Fleurie
/// Bleue"), with one more row than asked when there is a next page.
pub fn search_products(
    conn: &Connection,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<ProductRow>, AppError> {
    // At most eight words: enough for any product name, bounded for the query.
    let words: Vec<String> = search
        .split_whitespace()
        .take(8)
        .map(like_pattern)
        .collect();
    let mut sql = String::from(
        "SELECT p.id, p.title, p.handle, p.product_type, s.name, p.status FROM products p
         JOIN stores s ON s.id = p.store_id WHERE 1",
    );
    for n in 3..3 + words.len() {
        sql.push_str(&format!(
            " AND (p.title || ' ' || p.handle || ' ' || p.product_type || ' ' || p.tags
                   LIKE ?{n} ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM variants v WHERE v.product_id = p.id
                           AND v.sku LIKE ?{n} ESCAPE '\\'))"
        ));
    }
    sql.push_str(" ORDER BY p.title COLLATE NOCASE LIMIT ?1 OFFSET ?2");
    let mut values: Vec<rusqlite::types::Value> = vec![limit.into(), offset.into()];
    values.extend(words.into_iter().map(rusqlite::types::Value::from));
    let mut stmt = conn.prepare_cached(&sql).map_err(db)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(values), |r| {
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
    pub cancelled: bool,
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
                    o.tracking_url, (SELECT COALESCE(sum(quantity), 0) FROM order_lines WHERE order_id = o.id),
                    o.cancelled_at IS NOT NULL
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
                cancelled: r.get(10)?,
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
