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
    /// The other stores selling the same SKU.
    pub also: Vec<String>,
}

/// Products that are another store's copy, kept until the catalogue changes (its
/// version, bumped by triggers on every product or variant change): finding them reads
/// every variant (0.4 s at 2 × 250,000), too slow for each page.
#[derive(Default)]
pub struct Copies(std::sync::Mutex<Option<(i64, std::sync::Arc<Vec<i64>>)>>);

impl Copies {
    pub fn get(&self, conn: &Connection) -> Result<std::sync::Arc<Vec<i64>>, AppError> {
        let version: i64 = conn
            .prepare_cached("SELECT version FROM catalogue_version WHERE id = 1")
            .map_err(db)?
            .query_row([], |r| r.get(0))
            .map_err(db)?;
        let mut kept = self
            .0
            .lock()
            .map_err(|_| AppError::Internal("copies cache poisoned".into()))?;
        if let Some((v, ids)) = kept.as_ref()
            && *v == version
        {
            return Ok(ids.clone());
        }
        let ids = std::sync::Arc::new(copies(conn)?);
        *kept = Some((version, ids.clone()));
        Ok(ids)
    }
}

/// Products that are another store's copy: every variant's SKU is also sold by an
/// earlier product of another store (Shopify and a manual shop, two Shopify stores).
/// The catalogue shows the first copy once, with stock at every store's locations; the
/// assistant indexes the same one. At once when one store holds every product.
pub fn copies(conn: &Connection) -> Result<Vec<i64>, AppError> {
    let several: bool = conn
        .prepare_cached("SELECT COALESCE(min(store_id) <> max(store_id), 0) FROM products")
        .map_err(db)?
        .query_row([], |r| r.get(0))
        .map_err(db)?;
    if !several {
        return Ok(Vec::new());
    }
    conn.prepare_cached(
        "SELECT v.product_id FROM variants v
         GROUP BY v.product_id
         HAVING count(*) = sum(v.sku <> '' AND EXISTS (
             SELECT 1 FROM variants o INDEXED BY variants_by_sku
             WHERE o.sku = v.sku AND o.sku <> '' AND o.store_id <> v.store_id
               AND o.product_id < v.product_id))",
    )
    .map_err(db)?
    .query_map([], |r| r.get(0))
    .map_err(db)?
    .collect::<Result<_, _>>()
    .map_err(db)
}

/// How many products, and variants of them, `search` finds (see [`search_products`]),
/// leaving out the `hidden` ones.
pub fn count_products(
    conn: &Connection,
    search: &str,
    hidden: &[i64],
) -> Result<(i64, i64), AppError> {
    let counts = |r: &rusqlite::Row| Ok((r.get(0)?, r.get(1)?));
    let hidden = ids_json(hidden);
    match crate::db::fts::queries(search) {
        None => conn
            .prepare_cached(
                "SELECT (SELECT count(*) FROM products) - json_array_length(?1),
                        (SELECT count(*) FROM variants)
                        - (SELECT count(*) FROM variants
                           WHERE product_id IN (SELECT value FROM json_each(?1)))",
            )
            .map_err(db)?
            .query_row([hidden], counts),
        Some((_, prefixes)) => conn
            .prepare_cached(
                "SELECT count(*), COALESCE(sum((SELECT count(*) FROM variants v WHERE v.product_id = f.rowid)), 0)
                 FROM products_fts f WHERE products_fts MATCH ?1
                   AND f.rowid NOT IN (SELECT value FROM json_each(?2))",
            )
            .map_err(db)?
            .query_row(params![prefixes, hidden], counts),
    }
    .map_err(db)
}

fn ids_json(ids: &[i64]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

/// A page of products in name order, matching every word of `search` in any order as
/// a word or the start of one, in the title, handle, type, tags or a variant's SKU
/// ("robe bleue" finds "Robe Fleurie Bleue"), through the full-text index.
pub fn search_products(
    conn: &Connection,
    search: &str,
    hidden: &[i64],
    limit: i64,
    offset: i64,
) -> Result<Vec<ProductRow>, AppError> {
    let hidden = ids_json(hidden);
    const COLUMNS: &str = "p.id, p.title, p.handle, p.product_type, s.name, p.status";
    const ORDER: &str = "ORDER BY p.title COLLATE NOCASE, p.id";
    let row = |r: &rusqlite::Row| {
        Ok(ProductRow {
            id: r.get(0)?,
            title: r.get(1)?,
            handle: r.get(2)?,
            product_type: r.get(3)?,
            store_name: r.get(4)?,
            status: r.get(5)?,
        })
    };
    let rows = match crate::db::fts::queries(search) {
        None => conn
            .prepare_cached(&format!(
                // The page's ids from the name index alone (a deep page skips index
                // entries, not rows), then their rows.
                "SELECT {COLUMNS} FROM products p JOIN stores s ON s.id = p.store_id
                 WHERE p.id IN (SELECT id FROM products INDEXED BY products_by_title
                                WHERE id NOT IN (SELECT value FROM json_each(?3))
                                ORDER BY title COLLATE NOCASE, id LIMIT ?1 OFFSET ?2)
                 {ORDER}"
            ))
            .map_err(db)?
            .query_map(params![limit, offset, hidden], row)
            .map_err(db)?
            .collect::<Result<_, _>>(),
        Some((_, prefixes)) => conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM products_fts f JOIN products p ON p.id = f.rowid
                 JOIN stores s ON s.id = p.store_id WHERE products_fts MATCH ?1
                   AND f.rowid NOT IN (SELECT value FROM json_each(?4))
                 {ORDER} LIMIT ?2 OFFSET ?3"
            ))
            .map_err(db)?
            .query_map(params![prefixes, limit, offset, hidden], row)
            .map_err(db)?
            .collect::<Result<_, _>>(),
    };
    rows.map_err(db)
}

pub fn variants_with_stock(
    conn: &Connection,
    product_ids: &[i64],
) -> Result<Vec<VariantStock>, AppError> {
    let mut out: Vec<VariantStock> = Vec::new();
    let mut variants = conn
        .prepare("SELECT id, product_id, title, sku, price_cents FROM variants WHERE product_id = ?1 ORDER BY position, id")
        .map_err(db)?;
    // The variant's own store's locations, then those of any other store selling the
    // same SKU (named with their store): one stock per location across them.
    let mut stock = conn
        .prepare(
            "SELECT name, in_shop, available, store FROM (
                 SELECT l.name AS name, l.in_shop AS in_shop, COALESCE(s.available, 0) AS available,
                        0 AS other, l.id AS place, NULL AS store
                 FROM locations l
                 JOIN variants v ON v.store_id = l.store_id AND v.id = ?1
                 LEFT JOIN stock_levels s ON s.location_id = l.id AND s.variant_id = v.id
                 UNION ALL
                 SELECT l.name || ' (' || st.name || ')', l.in_shop, s.available, 1, l.id, st.name
                 FROM variants v
                 JOIN variants o ON o.sku = v.sku AND o.sku <> '' AND o.id <> v.id
                 JOIN stores st ON st.id = o.store_id
                 JOIN stock_levels s ON s.variant_id = o.id
                 JOIN locations l ON l.id = s.location_id
                 WHERE v.id = ?1)
             ORDER BY other, in_shop DESC, place",
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
            let levels: Vec<(String, bool, i64, Option<String>)> = stock
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .map_err(db)?
                .collect::<Result<_, _>>()
                .map_err(db)?;
            let mut also: Vec<String> = Vec::new();
            for store in levels.iter().filter_map(|l| l.3.clone()) {
                if !also.contains(&store) {
                    also.push(store);
                }
            }
            out.push(VariantStock {
                product_id,
                title,
                sku,
                price_cents,
                stock: levels.into_iter().map(|(n, s, a, _)| (n, s, a)).collect(),
                also,
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
    /// Where it comes from: the store's or marketplace account's name and platform,
    /// the storefront (Amazon.fr…) and who ships it (FBA, FBM).
    pub source: String,
    pub platform: String,
    pub marketplace: String,
    pub fulfillment_channel: String,
    pub lines: Vec<OrderLineRow>,
}

/// An order's line, named by the catalogue where its SKU (or the marketplace's SKU
/// through Correspondances) is found.
pub struct OrderLineRow {
    pub quantity: i64,
    pub title: String,
    pub sku: String,
    /// "Robe Fleurie Bleue · 38": the catalogue's product and variant.
    pub catalogue: Option<String>,
}

/// Orders of `source` (a store's id; 0 for all) whose number, e-mail, tracking number or
/// customer name contains `search`.
const ORDERS_MATCHING: &str = "FROM orders o
     JOIN stores s ON s.id = o.store_id
     LEFT JOIN customers c ON c.store_id = o.store_id AND c.external_id = o.customer_external_id
     WHERE (?1 = '%%' OR o.name LIKE ?1 ESCAPE '\\' OR o.email LIKE ?1 ESCAPE '\\'
        OR o.tracking_number LIKE ?1 ESCAPE '\\'
        OR (c.first_name || ' ' || c.last_name) LIKE ?1 ESCAPE '\\')
       AND (?2 = 0 OR o.store_id = ?2)";

/// How many orders `search` finds in `source` (see [`recent_orders`]).
pub fn count_orders(conn: &Connection, search: &str, source: i64) -> Result<i64, AppError> {
    conn.prepare_cached(&format!("SELECT count(*) {ORDERS_MATCHING}"))
        .map_err(db)?
        .query_row(params![like_pattern(search), source], |r| r.get(0))
        .map_err(db)
}

/// A page of the orders `search` finds in `source`, newest first.
pub fn recent_orders(
    conn: &Connection,
    search: &str,
    source: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<OrderRow>, AppError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT o.name, o.created_at,
                    COALESCE(NULLIF(trim(c.first_name || ' ' || c.last_name), ''), o.email, ''),
                    o.financial_status, o.fulfillment_status, o.total_cents, o.carrier, o.tracking_number,
                    o.tracking_url, (SELECT COALESCE(sum(quantity), 0) FROM order_lines WHERE order_id = o.id),
                    o.cancelled_at IS NOT NULL, s.name, s.platform, o.marketplace,
                    o.fulfillment_channel, o.id
             {ORDERS_MATCHING} ORDER BY o.created_at DESC LIMIT ?3 OFFSET ?4"
        ))
        .map_err(db)?;
    let mut lines = conn
        .prepare_cached(
            "SELECT l.quantity, l.title, l.sku,
                    (SELECT p.title || CASE WHEN v.title IN ('', 'Default Title') THEN ''
                                            ELSE ' · ' || v.title END
                     FROM variants v JOIN products p ON p.id = v.product_id
                     WHERE v.sku = COALESCE(m.sku, l.sku) AND v.sku <> ''
                     ORDER BY v.product_id LIMIT 1)
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             LEFT JOIN sku_mappings m ON m.store_id = o.store_id AND m.external_sku = l.sku
             WHERE l.order_id = ?1 ORDER BY l.id",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(params![like_pattern(search), source, limit, offset], |r| {
            let row = OrderRow {
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
                source: r.get(11)?,
                platform: r.get(12)?,
                marketplace: r.get(13)?,
                fulfillment_channel: r.get(14)?,
                lines: Vec::new(),
            };
            Ok((r.get::<_, i64>(15)?, row))
        })
        .map_err(db)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, mut row) = row.map_err(db)?;
        row.lines = lines
            .query_map([id], |r| {
                Ok(OrderLineRow {
                    quantity: r.get(0)?,
                    title: r.get(1)?,
                    sku: r.get(2)?,
                    catalogue: r.get(3)?,
                })
            })
            .map_err(db)?
            .collect::<Result<_, _>>()
            .map_err(db)?;
        out.push(row);
    }
    Ok(out)
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
