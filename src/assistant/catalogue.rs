//! The engine's catalogue index, built from the database and swapped whole when the
//! catalogue changes. Triggers bump `catalogue_version` on every product or variant
//! change, so a sync in this process, a webhook, or `comptoir sync` in another process
//! are all noticed on the next message; messages never wait on a scan of all variants.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use rusqlite::Connection;

use crate::engine::catalogue::{Index, Product, Variant};
use crate::error::AppError;

/// Builds the index of active products from the database.
pub fn load(conn: &Connection) -> Result<Index, AppError> {
    let mut products: Vec<Product> = Vec::new();
    let mut at: HashMap<i64, usize> = HashMap::new();
    let mut stmt = conn.prepare(
        "SELECT id, store_id, handle, title, product_type, option_names, tags
         FROM products WHERE status = 'active' ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let options: String = r.get(5)?;
        at.insert(r.get(0)?, products.len());
        products.push(Product {
            id: r.get(0)?,
            store_id: r.get(1)?,
            handle: r.get(2)?,
            title: r.get(3)?,
            product_type: r.get(4)?,
            tags: r
                .get::<_, String>(6)?
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            option_names: serde_json::from_str(&options).unwrap_or_default(),
            variants: Vec::new(),
        });
    }
    let mut stmt = conn.prepare(
        "SELECT id, product_id, store_id, external_id, title, sku, price_cents, option1, option2, option3
         FROM variants ORDER BY product_id, position, id",
    )?;
    // (Products come in id order: the store connected first keeps the shared SKUs.)
    let mut rows = stmt.query([])?;
    // Stores sharing SKUs (Shopify and a manual shop, two Shopify stores) sell one
    // product: its first copy is indexed, and its stock is read across all of them.
    let mut seen_skus: std::collections::HashSet<String> = std::collections::HashSet::new();
    while let Some(r) = rows.next()? {
        let Some(&p) = at.get(&r.get::<_, i64>(1)?) else {
            continue;
        };
        let sku: String = r.get(5)?;
        if !sku.trim().is_empty() && !seen_skus.insert(sku.trim().to_string()) {
            continue;
        }
        let item_key = if sku.trim().is_empty() {
            format!("variant:{}:{}", r.get::<_, i64>(2)?, r.get::<_, String>(3)?)
        } else {
            sku.trim().to_string()
        };
        products[p].variants.push(Variant {
            id: r.get(0)?,
            title: r.get(4)?,
            item_key,
            price_cents: r.get(6)?,
            options: [r.get(7)?, r.get(8)?, r.get(9)?],
        });
    }
    products.retain(|p| !p.variants.is_empty());
    Ok(Index::new(products))
}

pub fn version(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT version FROM catalogue_version WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// The current index, shared by every conversation; rebuilt when the catalogue changed.
#[derive(Default)]
pub struct Catalogue {
    current: RwLock<Option<(i64, Arc<Index>)>>,
    /// One rebuild at a time; others keep using the previous index meanwhile.
    rebuilding: Mutex<()>,
}

impl Catalogue {
    pub fn get(&self, conn: &Connection) -> Result<Arc<Index>, AppError> {
        let version = version(conn)?;
        let cached = self.current.read().ok().and_then(|c| c.clone());
        if let Some((v, index)) = &cached
            && *v == version
        {
            return Ok(index.clone());
        }
        let Ok(_guard) = self.rebuilding.try_lock() else {
            // Another thread is rebuilding: answer from the previous index, if it will do.
            if let Some(index) = meanwhile(cached) {
                return Ok(index);
            }
            drop(self.rebuilding.lock());
            return self.get(conn);
        };
        let index = Arc::new(load(conn)?);
        tracing::debug!(products = index.len(), version, "catalogue index rebuilt");
        if let Ok(mut current) = self.current.write() {
            *current = Some((version, index.clone()));
        }
        Ok(index)
    }
}

/// The index to answer from while another thread rebuilds it: the previous one when it
/// has products. An empty one (before a store's first sync) would answer "I don't know
/// that product" to a question the rebuild is about to answer: better to wait.
fn meanwhile(cached: Option<(i64, Arc<Index>)>) -> Option<Arc<Index>> {
    cached
        .map(|(_, index)| index)
        .filter(|index| !index.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebuild_is_awaited_rather_than_answering_from_an_empty_index() {
        let empty = Arc::new(Index::new(Vec::new()));
        assert!(meanwhile(Some((1, empty))).is_none());
        assert!(meanwhile(None).is_none());
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        conn.execute_batch(
            "INSERT INTO stores (id, platform, name, connected_at, next_sync_at)
                 VALUES (1, 'manual', 'A', 0, 0);
             INSERT INTO products (id, store_id, external_id, handle, title)
                 VALUES (1, 1, '1', 'robe', 'Robe');
             INSERT INTO variants (store_id, product_id, external_id, title, sku)
                 VALUES (1, 1, '1', '38', 'R-38');",
        )
        .unwrap();
        let full = Arc::new(load(&conn).unwrap());
        assert!(meanwhile(Some((1, full))).is_some());
    }

    #[test]
    fn a_sku_sold_by_two_stores_is_one_product() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        conn.execute_batch(
            "INSERT INTO stores (platform, name, connected_at, next_sync_at) VALUES
                 ('shopify', 'Boutique', 0, 0), ('manual', 'Atelier', 0, 0);
             INSERT INTO products (store_id, external_id, handle, title) VALUES
                 (1, 'p1', 'robe', 'Robe Fleurie Bleue'), (2, 'robe', 'robe', 'Robe Fleurie Bleue'),
                 (2, 'jupe', 'jupe', 'Jupe Plissée');
             INSERT INTO variants (store_id, product_id, external_id, title, sku) VALUES
                 (1, 1, 'v1', '40', 'EP-001-40'), (2, 2, 'robe/40', '40', 'EP-001-40'),
                 (2, 3, 'jupe/38', '38', 'JP-38');",
        )
        .unwrap();
        let index = load(&conn).unwrap();
        let titles: Vec<&str> = index.products().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["Robe Fleurie Bleue", "Jupe Plissée"]);
        assert_eq!(
            index.products().next().unwrap().store_id,
            1,
            "the first store keeps it"
        );
    }
}
