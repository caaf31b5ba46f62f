//! The manual store's catalogue through the API: the "API générique" a custom system
//! feeds instead of a CSV. Lines are upserted by SKU and stock levels set; both become
//! a small file in the import format, so they pass the CSV import's own checks and are
//! merged the same way (`stores::manual::add_lines`). A SKU already in the store keeps
//! its product, options and price unless the call changes them; stock not named keeps
//! its level.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::ApiError;
use super::v1::idempotent;
use crate::db;
use crate::db::ids::StoreId;
use crate::error::AppError;
use crate::stores::manual;
use crate::stores::model::Platform;
use crate::web::AppState;

const MAX_ITEMS: usize = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ItemsBody {
    #[serde(default)]
    store_id: Option<i64>,
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    sku: String,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    product_type: Option<String>,
    /// Option names ("Taille", "Couleur") and this variant's values ("38", "Bleu").
    #[serde(default)]
    options: Option<Vec<String>>,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    price_cents: Option<i64>,
    /// Units per location name.
    #[serde(default)]
    stock: BTreeMap<String, i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StockBody {
    #[serde(default)]
    store_id: Option<i64>,
    levels: Vec<Level>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Level {
    sku: String,
    location: String,
    available: i64,
}

/// A variant of the store as the import format writes it, with its stock per location.
#[derive(Clone)]
struct Line {
    handle: String,
    product: String,
    product_type: String,
    options: Vec<String>,
    values: Vec<String>,
    sku: String,
    price_cents: Option<i64>,
    stock: BTreeMap<String, i64>,
}

/// The manual store asked for (or the only one), and its locations' names.
fn manual_store(conn: &Connection, asked: Option<i64>) -> Result<(StoreId, Vec<String>), ApiError> {
    let manual: Vec<StoreId> = crate::stores::repo::stores(conn)?
        .into_iter()
        .filter(|s| s.platform == Platform::Manual)
        .map(|s| s.id)
        .collect();
    let store = match asked {
        Some(id) => *manual.iter().find(|s| s.0 == id).ok_or_else(|| {
            ApiError::invalid(
                "store_id",
                "No manual store has this id (the other platforms keep their own catalogue).",
            )
        })?,
        None => match manual.as_slice() {
            [one] => *one,
            [] => {
                return Err(ApiError::conflict(
                    "no_manual_store",
                    "There is no manual store: create one in Intégrations › Autre système, then send its catalogue here.",
                ));
            }
            _ => {
                return Err(ApiError::invalid(
                    "store_id",
                    "Several manual stores exist: say which with `store_id`.",
                ));
            }
        },
    };
    let places = crate::stores::repo::locations(conn, store)?
        .into_iter()
        .map(|l| l.name)
        .collect();
    Ok((store, places))
}

/// The store's variant with this SKU, as a line.
fn existing(conn: &Connection, store: StoreId, sku: &str) -> Result<Option<Line>, AppError> {
    let found = conn
        .prepare_cached(
            "SELECT v.id, p.handle, p.title, p.product_type, p.option_names, v.option1, v.option2,
                    v.option3, v.price_cents
             FROM variants v JOIN products p ON p.id = v.product_id
             WHERE v.store_id = ?1 AND v.sku = ?2 LIMIT 1",
        )?
        .query_row(rusqlite::params![store, sku], |r| {
            let names: String = r.get(4)?;
            let values: Vec<String> = [r.get::<_, Option<String>>(5)?, r.get(6)?, r.get(7)?]
                .into_iter()
                .flatten()
                .collect();
            Ok((
                r.get::<_, i64>(0)?,
                Line {
                    handle: r.get(1)?,
                    product: r.get(2)?,
                    product_type: r.get(3)?,
                    options: serde_json::from_str(&names).unwrap_or_default(),
                    values,
                    sku: sku.to_string(),
                    price_cents: r.get(8)?,
                    stock: BTreeMap::new(),
                },
            ))
        })
        .optional()?;
    let Some((variant, mut line)) = found else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT l.name, s.available FROM stock_levels s JOIN locations l ON l.id = s.location_id
         WHERE s.variant_id = ?1",
    )?;
    for row in stmt.query_map([variant], |r| Ok((r.get(0)?, r.get(1)?)))? {
        let (place, n): (String, i64) = row?;
        line.stock.insert(place, n);
    }
    Ok(Some(line))
}

fn price_text(cents: Option<i64>) -> String {
    cents.map_or(String::new(), |c| format!("{}.{:02}", c / 100, c % 100))
}

/// The lines as one file in the import format, with a stock column per location.
fn file(lines: &[Line], places: &[String]) -> Result<Vec<u8>, AppError> {
    let mut w = ::csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let mut header: Vec<String> = [
        "identifiant",
        "produit",
        "type",
        "options",
        "variante",
        "sku",
        "prix",
    ]
    .map(String::from)
    .to_vec();
    header.extend(places.iter().map(|p| format!("stock:{p}")));
    let fail = |e: ::csv::Error| AppError::Internal(e.to_string());
    w.write_record(&header).map_err(fail)?;
    for l in lines {
        let mut row = vec![
            l.handle.clone(),
            l.product.clone(),
            l.product_type.clone(),
            l.options.join(" / "),
            l.values.join(" / "),
            l.sku.clone(),
            price_text(l.price_cents),
        ];
        row.extend(
            places
                .iter()
                .map(|p| l.stock.get(p).map_or(String::new(), i64::to_string)),
        );
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Writes `lines` (already checked against the store) and answers with them.
fn write(
    conn: &mut Connection,
    state: &AppState,
    store: StoreId,
    places: &[String],
    lines: &[Line],
    field: &str,
) -> Result<Result<(), ApiError>, AppError> {
    let bytes = file(lines, places)?;
    match manual::add_lines(conn, &state.config, store, &bytes, state.clock.now())? {
        Ok(()) => Ok(Ok(())),
        // Line 1 is the header; line n + 2 is line n.
        Err(errors) => {
            let first = &errors[0];
            let at = first.line.saturating_sub(2);
            let sku = lines.get(at as usize).map_or("", |l| l.sku.as_str());
            Ok(Err(ApiError::invalid(
                &format!("{field}[{at}]"),
                format!("SKU {sku}: {}", first.reason),
            )))
        }
    }
}

fn out(lines: &[Line]) -> Value {
    json!(
        lines
            .iter()
            .map(
                |l| json!({"sku": l.sku, "product": l.product, "options": l.options,
            "values": l.values, "price_cents": l.price_cents, "stock": l.stock})
            )
            .collect::<Vec<_>>()
    )
}

fn check_places(
    places: &[String],
    names: impl Iterator<Item = String>,
    field: impl Fn(usize) -> String,
) -> Result<(), ApiError> {
    for (i, name) in names.enumerate() {
        if !places.is_empty() && !places.contains(&name) {
            return Err(ApiError::invalid(
                &field(i),
                format!(
                    "Unknown location `{name}`; this store has: {}.",
                    places.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

pub(super) async fn upsert(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<ItemsBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require("catalogue:write")?;
    let body = body.into_inner();
    if body.items.is_empty() || body.items.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            "items",
            format!("Send 1 to {MAX_ITEMS} items."),
        ));
    }
    for (i, it) in body.items.iter().enumerate() {
        let sku = it.sku.trim();
        if sku.is_empty() || sku.len() > 100 {
            return Err(ApiError::invalid(
                &format!("items[{i}].sku"),
                "`sku` is 1 to 100 characters.",
            ));
        }
        if it.price_cents.is_some_and(|p| p < 0) {
            return Err(ApiError::invalid(
                &format!("items[{i}].price_cents"),
                "`price_cents` is 0 or more.",
            ));
        }
        if let Some((place, _)) = it.stock.iter().find(|(_, n)| **n < 0) {
            return Err(ApiError::invalid(
                &format!("items[{i}].stock"),
                format!("The stock at `{place}` is 0 or more."),
            ));
        }
    }
    let st = state.clone();
    idempotent(
        &state,
        &req,
        &caller,
        "POST /catalogue/items",
        async move || {
            let s = st.clone();
            let lines = db::call(
                &st.db,
                move |conn| -> Result<Result<Vec<Line>, ApiError>, AppError> {
                    let (store, mut places) = match manual_store(conn, body.store_id) {
                        Ok(found) => found,
                        Err(e) => return Ok(Err(e)),
                    };
                    if let Err(e) = check_places(
                        &places,
                        body.items.iter().flat_map(|i| i.stock.keys().cloned()),
                        |_| "items[].stock".to_string(),
                    ) {
                        return Ok(Err(e));
                    }
                    let mut lines = Vec::with_capacity(body.items.len());
                    for (i, it) in body.items.into_iter().enumerate() {
                        let sku = it.sku.trim().to_string();
                        let line = match existing(conn, store, &sku)? {
                            Some(mut l) => {
                                if let Some(p) = it.product {
                                    l.product = p;
                                }
                                if let Some(t) = it.product_type {
                                    l.product_type = t;
                                }
                                if let Some(o) = it.options {
                                    l.options = o;
                                }
                                if let Some(v) = it.values {
                                    l.values = v;
                                }
                                if it.price_cents.is_some() {
                                    l.price_cents = it.price_cents;
                                }
                                l.stock.extend(it.stock);
                                l
                            }
                            None => {
                                let (Some(product), Some(price)) = (it.product, it.price_cents)
                                else {
                                    return Ok(Err(ApiError::invalid(
                                        &format!("items[{i}]"),
                                        "A new SKU needs `product` and `price_cents`.",
                                    )));
                                };
                                // A new size of a product the store has joins it.
                                let same: Option<(String, String, String)> = conn
                                    .query_row(
                                        "SELECT handle, option_names, product_type FROM products
                                     WHERE store_id = ?1 AND title = ?2 COLLATE NOCASE LIMIT 1",
                                        rusqlite::params![store, product],
                                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                                    )
                                    .optional()?;
                                let (handle, names, kind) = match same {
                                    Some((h, names, kind)) => {
                                        (h, serde_json::from_str(&names).unwrap_or_default(), kind)
                                    }
                                    None => {
                                        (manual::csv::slug(&product), Vec::new(), String::new())
                                    }
                                };
                                Line {
                                    handle,
                                    product,
                                    product_type: it.product_type.unwrap_or(kind),
                                    options: it.options.unwrap_or(names),
                                    values: it.values.unwrap_or_default(),
                                    sku,
                                    price_cents: Some(price),
                                    stock: it.stock,
                                }
                            }
                        };
                        lines.push(line);
                    }
                    if places.is_empty() {
                        places = lines
                            .iter()
                            .flat_map(|l| l.stock.keys().cloned())
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter()
                            .collect();
                        if places.is_empty() {
                            places.push("Boutique".into());
                        }
                    }
                    Ok(write(conn, &s, store, &places, &lines, "items")?.map(|()| lines))
                },
            )
            .await??;
            st.notices_wanted.notify_one();
            Ok((StatusCode::OK, json!({"data": out(&lines)})))
        },
    )
    .await
}

pub(super) async fn stock(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<StockBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require("catalogue:write")?;
    let body = body.into_inner();
    if body.levels.is_empty() || body.levels.len() > 1000 {
        return Err(ApiError::invalid("levels", "Send 1 to 1,000 levels."));
    }
    if let Some(i) = body.levels.iter().position(|l| l.available < 0) {
        return Err(ApiError::invalid(
            &format!("levels[{i}].available"),
            "`available` is 0 or more.",
        ));
    }
    let st = state.clone();
    idempotent(&state, &req, &caller, "POST /catalogue/stock", async move || {
        let s = st.clone();
        let lines = db::call(
            &st.db,
            move |conn| -> Result<Result<Vec<Line>, ApiError>, AppError> {
                let (store, places) = match manual_store(conn, body.store_id) {
                    Ok(found) => found,
                    Err(e) => return Ok(Err(e)),
                };
                if let Err(e) = check_places(
                    &places,
                    body.levels.iter().map(|l| l.location.clone()),
                    |i| format!("levels[{i}].location"),
                ) {
                    return Ok(Err(e));
                }
                let mut by_sku: BTreeMap<String, Line> = BTreeMap::new();
                for (i, level) in body.levels.into_iter().enumerate() {
                    let sku = level.sku.trim().to_string();
                    if !by_sku.contains_key(&sku) {
                        let Some(line) = existing(conn, store, &sku)? else {
                            return Ok(Err(ApiError::invalid(
                                &format!("levels[{i}].sku"),
                                "No variant of this store has this SKU (add it with POST /catalogue/items).",
                            )));
                        };
                        by_sku.insert(sku.clone(), line);
                    }
                    if let Some(line) = by_sku.get_mut(&sku) {
                        line.stock.insert(level.location, level.available);
                    }
                }
                let lines: Vec<Line> = by_sku.into_values().collect();
                Ok(write(conn, &s, store, &places, &lines, "skus")?.map(|()| lines))
            },
        )
        .await??;
        st.notices_wanted.notify_one();
        Ok((StatusCode::OK, json!({"data": out(&lines)})))
    })
    .await
}
