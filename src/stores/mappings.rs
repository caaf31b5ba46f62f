//! Correspondances: a marketplace sells an item under its own SKU (or listing id) where
//! the catalogue has another. Each is mapped to a catalogue SKU, one by one or by CSV
//! (checked whole: every bad line listed, nothing saved); SKUs of marketplace orders
//! that match neither the catalogue nor a mapping are listed as unmapped.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::error::AppError;
use crate::stores::manual::csv::LineError;

/// Platforms whose stores are marketplaces, as stored.
const MARKETPLACES: &str = "('amazon', 'ebay', 'etsy', 'cdiscount', 'mirakl')";

#[derive(Debug, Clone, PartialEq)]
pub struct Unmapped {
    pub store_id: i64,
    pub store: String,
    pub sku: String,
    pub title: String,
    pub lines: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub store_id: i64,
    pub store: String,
    pub external_sku: String,
    pub sku: String,
    pub title: String,
}

/// Marketplace order SKUs found in neither the catalogue nor the mappings, most sold
/// first; of one marketplace's orders when `store` is given.
pub fn unmapped(
    conn: &Connection,
    store: Option<i64>,
    limit: i64,
) -> Result<Vec<Unmapped>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT o.store_id, s.name, l.sku, max(l.title), count(*)
             FROM order_lines l JOIN orders o ON o.id = l.order_id
             JOIN stores s ON s.id = o.store_id
             WHERE s.platform IN {MARKETPLACES} AND l.sku <> '' AND (?2 IS NULL OR o.store_id = ?2)
               AND NOT EXISTS (SELECT 1 FROM variants v JOIN stores vs ON vs.id = v.store_id
                               WHERE v.sku = l.sku AND vs.platform NOT IN {MARKETPLACES})
               AND NOT EXISTS (SELECT 1 FROM sku_mappings m
                               WHERE m.store_id = o.store_id AND m.external_sku = l.sku)
             GROUP BY o.store_id, l.sku ORDER BY count(*) DESC, l.sku LIMIT ?1"
        ))?
        .query_map(params![limit, store], |r| {
            Ok(Unmapped {
                store_id: r.get(0)?,
                store: r.get(1)?,
                sku: r.get(2)?,
                title: r.get(3)?,
                lines: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// How many SKUs of a marketplace's orders are unmapped (its card).
pub fn unmapped_count(conn: &Connection, store: i64) -> Result<i64, AppError> {
    Ok(unmapped(conn, Some(store), 10_000)?.len() as i64)
}

pub fn list(conn: &Connection) -> Result<Vec<Mapping>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT m.store_id, s.name, m.external_sku, m.sku,
                    COALESCE((SELECT p.title || ' – ' || v.title FROM variants v
                              JOIN products p ON p.id = v.product_id WHERE v.sku = m.sku LIMIT 1), '')
             FROM sku_mappings m JOIN stores s ON s.id = m.store_id
             ORDER BY s.name, m.external_sku",
        )?
        .query_map([], |r| {
            Ok(Mapping {
                store_id: r.get(0)?,
                store: r.get(1)?,
                external_sku: r.get(2)?,
                sku: r.get(3)?,
                title: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// A catalogue variant a reference may be mapped to.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub sku: String,
    /// "Robe Fleurie Bleue – 38".
    pub title: String,
}

/// Catalogue variants with a SKU among the products `search` finds (every word, in any
/// order, in the title, type, tags or a SKU: the Produits search), at most `limit`.
/// A marketplace's title says more than the catalogue ("Robe fleurie bleue taille 38
/// femme"): when nothing matches every word, its first words are tried, fewer each time.
pub fn candidates(
    conn: &Connection,
    search: &str,
    limit: usize,
) -> Result<Vec<Candidate>, AppError> {
    let words: Vec<&str> = search.split_whitespace().take(8).collect();
    let mut products = Vec::new();
    for n in (1..=words.len()).rev() {
        products = crate::stores::repo::search_products(conn, &words[..n].join(" "), &[], 10, 0)?;
        if !products.is_empty() {
            break;
        }
    }
    let mut variants = conn.prepare_cached(
        "SELECT v.sku, p.title || CASE WHEN v.title IN ('', 'Default Title') THEN ''
                                       ELSE ' – ' || v.title END
         FROM variants v JOIN products p ON p.id = v.product_id
         WHERE v.product_id = ?1 AND v.sku <> '' ORDER BY v.position, v.id",
    )?;
    let mut out: Vec<Candidate> = Vec::new();
    for p in products {
        let found = variants
            .query_map([p.id], |r| {
                Ok(Candidate {
                    sku: r.get(0)?,
                    title: r.get(1)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        for c in found {
            if out.len() < limit && !out.iter().any(|o| o.sku == c.sku) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

/// Why one mapping cannot be saved, in words, if it cannot.
fn refusal(
    conn: &Connection,
    store: i64,
    external: &str,
    sku: &str,
) -> Result<Option<String>, AppError> {
    let marketplace = conn
        .prepare_cached(&format!(
            "SELECT 1 FROM stores WHERE id = ?1 AND platform IN {MARKETPLACES}"
        ))?
        .exists([store])?;
    if !marketplace {
        return Ok(Some("cette marketplace n'est pas connectée".into()));
    }
    if external.is_empty() || external.chars().count() > 100 {
        return Ok(Some(
            "la référence de la marketplace est vide ou trop longue".into(),
        ));
    }
    if sku.is_empty() {
        return Ok(Some("le SKU du catalogue est vide".into()));
    }
    let known = conn
        .prepare_cached(&format!(
            "SELECT 1 FROM variants v JOIN stores s ON s.id = v.store_id
             WHERE v.sku = ?1 AND s.platform NOT IN {MARKETPLACES}"
        ))?
        .exists([sku])?;
    if !known {
        return Ok(Some(format!(
            "le SKU « {sku} » n'existe pas dans le catalogue (Produits)"
        )));
    }
    Ok(None)
}

/// Saves one mapping (replacing the store's previous one for that reference).
pub fn save(
    conn: &Connection,
    store: i64,
    external: &str,
    sku: &str,
    now: Timestamp,
) -> Result<Result<(), String>, AppError> {
    let (external, sku) = (external.trim(), sku.trim());
    if let Some(why) = refusal(conn, store, external, sku)? {
        return Ok(Err(why));
    }
    conn.execute(
        "INSERT INTO sku_mappings (store_id, external_sku, sku, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (store_id, external_sku) DO UPDATE SET sku = excluded.sku",
        params![store, external, sku, now.as_second()],
    )?;
    Ok(Ok(()))
}

pub fn delete(conn: &Connection, store: i64, external: &str) -> Result<bool, AppError> {
    Ok(conn.execute(
        "DELETE FROM sku_mappings WHERE store_id = ?1 AND external_sku = ?2",
        params![store, external],
    )? > 0)
}

/// The CSV's header, and the template's.
pub const HEADER: [&str; 3] = ["marketplace", "reference_marketplace", "sku_catalogue"];

/// Imports a CSV of mappings (`;` or `,`): every line good and all are saved, or none is
/// and every bad line is listed. The marketplace is named as on the Intégrations page.
pub fn import(
    conn: &Connection,
    bytes: &[u8],
    now: Timestamp,
) -> Result<Result<usize, Vec<LineError>>, AppError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(_) => {
            return Ok(Err(vec![LineError {
                line: 1,
                reason: "le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 »".into(),
            }]));
        }
    };
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() >= first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(|c| c.trim().to_lowercase()).collect())
        .unwrap_or_default();
    if headers != HEADER {
        return Ok(Err(vec![LineError {
            line: 1,
            reason: format!(
                "l'en-tête doit être « {} » (téléchargez le modèle)",
                HEADER.join(";")
            ),
        }]));
    }
    let stores: Vec<(i64, String)> = conn
        .prepare(&format!(
            "SELECT id, name FROM stores WHERE platform IN {MARKETPLACES}"
        ))?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut good = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in reader.records() {
        let (line, row) = match row {
            Ok(r) => (r.position().map_or(0, |p| p.line()), r),
            Err(e) => {
                errors.push(LineError {
                    line: e.position().map_or(0, |p| p.line()),
                    reason: "ligne illisible : vérifiez les séparateurs et les guillemets".into(),
                });
                continue;
            }
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // A cell as exported: the spreadsheet's formula guard taken off.
        let cell = |i: usize| {
            let raw = row.get(i).unwrap_or("").trim();
            match raw.strip_prefix('\'') {
                Some(rest) if rest.starts_with(crate::web::spreadsheet::FORMULA_STARTS) => {
                    rest.to_string()
                }
                _ => raw.to_string(),
            }
        };
        let (market, external, sku) = (cell(0), cell(1), cell(2));
        let Some((store, _)) = stores
            .iter()
            .find(|(id, name)| name.eq_ignore_ascii_case(&market) || id.to_string() == market)
        else {
            errors.push(LineError {
                line,
                reason: format!("la marketplace « {market} » n'est pas connectée (son nom figure sur la page Intégrations)"),
            });
            continue;
        };
        if let Some(previous) = seen.insert((*store, external.clone()), line) {
            errors.push(LineError {
                line,
                reason: format!("la référence {external} est déjà associée ligne {previous}"),
            });
            continue;
        }
        match refusal(conn, *store, &external, &sku)? {
            Some(why) => errors.push(LineError { line, reason: why }),
            None => good.push((*store, external, sku)),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if good.is_empty() {
        return Ok(Err(vec![LineError {
            line: 2,
            reason: "le fichier ne contient aucune correspondance".into(),
        }]));
    }
    for (store, external, sku) in &good {
        save(conn, *store, external, sku, now)?.map_err(AppError::BadRequest)?;
    }
    Ok(Ok(good.len()))
}

/// The template: the header, then every unmapped reference to fill in.
pub fn template(conn: &Connection) -> Result<String, AppError> {
    let mut out = format!("{}\n", HEADER.join(";"));
    for u in unmapped(conn, None, 10_000)? {
        out.push_str(&format!(
            "{};{};\n",
            crate::web::spreadsheet::safe(&u.store),
            crate::web::spreadsheet::safe(&u.sku)
        ));
    }
    Ok(out)
}
