//! REST API v1: JSON over `/api/v1`, a key per caller with scopes, cursor pagination
//! (`next_cursor`), one error shape, and `Idempotency-Key` on POST. `ROUTES` lists every
//! endpoint once: the router and the OpenAPI document are both built from it, so they
//! cannot drift.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::{ApiError, unreadable};
use super::keys;
use crate::db;
use crate::engine::data::{NewHold, ShopData};
use crate::web::AppState;

/// One endpoint: method, path (OpenAPI style), scope, summary (the OpenAPI document's)
/// and label (the Documentation page's, in French).
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub scope: &'static str,
    pub summary: &'static str,
    pub label: &'static str,
}

pub const ROUTES: [Route; 21] = [
    Route {
        method: "get",
        path: "/conversations",
        scope: "conversations:read",
        summary: "List conversations, newest activity first",
        label: "Lister les conversations, la plus récente activité d'abord (filtres : canal, statut)",
    },
    Route {
        method: "get",
        path: "/conversations/{id}",
        scope: "conversations:read",
        summary: "Read one conversation",
        label: "Lire une conversation",
    },
    Route {
        method: "get",
        path: "/conversations/{id}/messages",
        scope: "conversations:read",
        summary: "List a conversation's messages, oldest first",
        label: "Lire les messages d'une conversation, du plus ancien au plus récent",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/reply",
        scope: "conversations:write",
        summary: "Reply to the shopper as the team (the assistant stays silent)",
        label: "Répondre au client au nom de l'équipe (l'assistant se tait ensuite)",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/handover",
        scope: "conversations:write",
        summary: "Hand the conversation to the team",
        label: "Passer la conversation à l'équipe",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/handback",
        scope: "conversations:write",
        summary: "Give the conversation back to the assistant",
        label: "Rendre la conversation à l'assistant",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/close",
        scope: "conversations:write",
        summary: "Close the conversation",
        label: "Fermer la conversation",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/assign",
        scope: "conversations:write",
        summary: "Assign a member and/or a department",
        label: "Attribuer à un membre et/ou un département",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/priority",
        scope: "conversations:write",
        summary: "Set or clear the priority flag",
        label: "Marquer ou retirer la priorité",
    },
    Route {
        method: "post",
        path: "/conversations/{id}/notes",
        scope: "conversations:write",
        summary: "Add an internal note",
        label: "Ajouter une note interne",
    },
    Route {
        method: "get",
        path: "/contacts",
        scope: "contacts:read",
        summary: "List contacts",
        label: "Lister les contacts",
    },
    Route {
        method: "get",
        path: "/products",
        scope: "catalogue:read",
        summary: "List products with their variants and stock per location",
        label: "Lister les produits, leurs variantes et le stock par emplacement",
    },
    Route {
        method: "get",
        path: "/orders",
        scope: "orders:read",
        summary: "List orders, newest first",
        label: "Lister les commandes, la plus récente d'abord",
    },
    Route {
        method: "get",
        path: "/holds",
        scope: "holds:read",
        summary: "List holds, newest first",
        label: "Lister les mises de côté, la plus récente d'abord",
    },
    Route {
        method: "post",
        path: "/holds",
        scope: "holds:write",
        summary: "Put a variant aside for a shopper",
        label: "Mettre une variante de côté pour un client",
    },
    Route {
        method: "post",
        path: "/holds/{id}/close",
        scope: "holds:write",
        summary: "Mark a hold handed over or cancel it",
        label: "Marquer une mise de côté remise au client, ou l'annuler",
    },
    Route {
        method: "post",
        path: "/catalogue/items",
        scope: "catalogue:write",
        summary: "Add or update the manual store's variants by SKU (product, options, price, stock per location)",
        label: "Ajouter ou mettre à jour des articles de la boutique manuelle par SKU (produit, options, prix, stock par emplacement)",
    },
    Route {
        method: "post",
        path: "/catalogue/stock",
        scope: "catalogue:write",
        summary: "Set the manual store's stock levels by SKU and location",
        label: "Fixer le stock de la boutique manuelle par SKU et emplacement",
    },
    Route {
        method: "get",
        path: "/alerts",
        scope: "alerts:read",
        summary: "List back-in-stock and price-drop alerts, newest first",
        label: "Lister les alertes de retour en stock et de baisse de prix",
    },
    Route {
        method: "get",
        path: "/appointments",
        scope: "appointments:read",
        summary: "List appointments by start time",
        label: "Lister les rendez-vous par heure de début",
    },
    Route {
        method: "post",
        path: "/appointments/{id}/cancel",
        scope: "appointments:write",
        summary: "Cancel an appointment (the shopper is told)",
        label: "Annuler un rendez-vous (le client est prévenu)",
    },
];

pub const PREFIX: &str = "/api/v1";

pub fn configure(cfg: &mut web::ServiceConfig) {
    let json = web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|e, _| unreadable(&e.to_string()).into());
    let query = web::QueryConfig::default().error_handler(|e, _| unreadable(&e.to_string()).into());
    cfg.service(
        web::scope(PREFIX)
            .app_data(json)
            .app_data(query)
            .wrap(actix_web::middleware::from_fn(super::auth::audit))
            .route("/openapi.json", web::get().to(openapi))
            .route("/conversations", web::get().to(conversations))
            .route("/conversations/{id}", web::get().to(conversation))
            .route("/conversations/{id}/messages", web::get().to(messages))
            .route(
                "/conversations/{id}/reply",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::Reply)),
            )
            .route(
                "/conversations/{id}/handover",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::HandOver)),
            )
            .route(
                "/conversations/{id}/handback",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::HandBack)),
            )
            .route(
                "/conversations/{id}/close",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::Close)),
            )
            .route(
                "/conversations/{id}/assign",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::Assign)),
            )
            .route(
                "/conversations/{id}/priority",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::Priority)),
            )
            .route(
                "/conversations/{id}/notes",
                web::post().to(|s, r, c, p, b| act(s, r, c, p, b, Act::Note)),
            )
            .route("/contacts", web::get().to(contacts))
            .route("/products", web::get().to(products))
            .route("/orders", web::get().to(orders))
            .route("/holds", web::get().to(holds))
            .route("/holds", web::post().to(create_hold))
            .route("/holds/{id}/close", web::post().to(close_hold))
            .route("/catalogue/items", web::post().to(super::catalogue::upsert))
            .route("/catalogue/stock", web::post().to(super::catalogue::stock))
            .route("/alerts", web::get().to(super::bookings::alerts))
            .route(
                "/appointments",
                web::get().to(super::bookings::appointments),
            )
            .route(
                "/appointments/{id}/cancel",
                web::post().to(super::bookings::cancel_appointment),
            )
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::not_found("endpoint (see /api/v1/openapi.json)"))
            })),
    );
}

const MAX_LIMIT: i64 = 100;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Page {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    pub(super) status: Option<String>,
}

impl Page {
    pub(super) fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::invalid(
                "limit",
                format!("`limit` is 1 to {MAX_LIMIT}."),
            )),
        }
    }

    /// The cursor: an opaque position ("sort key.id") from the previous page.
    pub(super) fn after(&self) -> Result<Option<(i64, i64)>, ApiError> {
        let Some(c) = self.cursor.as_deref() else {
            return Ok(None);
        };
        let bad = || {
            ApiError::invalid(
                "cursor",
                "Use the `next_cursor` of the previous page as is.",
            )
        };
        let (a, b) = c.split_once('.').ok_or_else(bad)?;
        Ok(Some((
            a.parse().map_err(|_| bad())?,
            b.parse().map_err(|_| bad())?,
        )))
    }
}

/// A page of items and the cursor to the next one (`null` at the end).
pub(super) fn page(items: Vec<Value>, limit: i64, next: Option<(i64, i64)>) -> HttpResponse {
    let next_cursor = (items.len() as i64 == limit)
        .then_some(next)
        .flatten()
        .map(|(a, b)| format!("{a}.{b}"));
    HttpResponse::Ok().json(json!({"data": items, "next_cursor": next_cursor}))
}

/// A page's items, and the position (sort key, id) of its last one.
type Rows = (Vec<Value>, Option<(i64, i64)>);

/// The rows of one page as JSON, with the cursor of the last one.
pub(super) fn rows_page(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(Value, (i64, i64))>,
) -> Result<Rows, crate::error::AppError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    let (mut items, mut next) = (Vec::new(), None);
    while let Some(r) = rows.next()? {
        let (item, cursor) = row(r)?;
        next = Some(cursor);
        items.push(item);
    }
    Ok((items, next))
}

pub(super) fn iso(secs: Option<i64>) -> Value {
    secs.and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or(Value::Null, |t| json!(t.to_string()))
}

fn conversation_json(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let closed: Option<i64> = r.get(6)?;
    let handoff: Option<i64> = r.get(4)?;
    let status = match (closed, handoff, r.get::<_, bool>(5)?) {
        (Some(_), ..) => "closed",
        (None, Some(_), _) | (None, None, true) => "with_team",
        _ => "with_assistant",
    };
    Ok(json!({
        "id": r.get::<_, i64>(0)?,
        "channel": r.get::<_, String>(1)?,
        "contact": r.get::<_, String>(2)?,
        "status": status,
        "handoff_reason": r.get::<_, Option<String>>(7)?,
        "assignee_id": r.get::<_, Option<i64>>(8)?,
        "department_id": r.get::<_, Option<i64>>(9)?,
        "priority": r.get::<_, i64>(10)?,
        "created_at": iso(r.get(11)?),
        "last_message_at": iso(Some(r.get(3)?)),
        "closed_at": iso(closed),
    }))
}

const CONVERSATION_COLUMNS: &str = "id, channel, contact, last_message_at, handoff_at, bot_paused,
    closed_at, handoff_reason, assignee_id, department_id, priority, created_at";

async fn conversations(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("conversations:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    if let Some(c) = &q.channel
        && !["sms", "whatsapp", "email", "webchat"].contains(&c.as_str())
    {
        return Err(ApiError::invalid(
            "channel",
            "`channel` is sms, whatsapp, email or webchat.",
        ));
    }
    let status = match q.status.as_deref() {
        None => None,
        Some(s @ ("open" | "closed")) => Some(s.to_string()),
        Some(_) => return Err(ApiError::invalid("status", "`status` is open or closed.")),
    };
    let channel = q.channel.clone();
    let (items, next) = db::call(&state.db, move |conn| -> Result<_, crate::error::AppError> {
        // Newest activity first; the cursor is (last_message_at, id) of the last item, so
        // a conversation that moves up while paging is not seen twice on later pages.
        let (t, id) = after.unwrap_or((i64::MAX, i64::MAX));
        rows_page(
            conn,
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations
             WHERE test = 0 AND (last_message_at, id) < (?1, ?2)
               AND (?3 IS NULL OR channel = ?3)
               AND (?4 IS NULL OR (?4 = 'open' AND closed_at IS NULL) OR (?4 = 'closed' AND closed_at IS NOT NULL))
             ORDER BY last_message_at DESC, id DESC LIMIT ?5"
            ),
            params![t, id, channel, status, limit],
            |r| Ok((conversation_json(r)?, (r.get(3)?, r.get(0)?))),
        )
    })
    .await?;
    Ok(page(items, limit, next))
}

async fn conversation(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require("conversations:read")?;
    let id = path.into_inner();
    let found = db::call(
        &state.db,
        move |conn| -> Result<_, crate::error::AppError> {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1 AND test = 0"
                ))?
                .query_row([id], conversation_json)
                .optional()?)
        },
    )
    .await?;
    found
        .map(|c| HttpResponse::Ok().json(json!({"data": c})))
        .ok_or_else(|| ApiError::not_found("conversation"))
}

async fn messages(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<i64>,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("conversations:read")?;
    let id = path.into_inner();
    let (limit, after) = (q.limit()?, q.after()?);
    let found = db::call(
        &state.db,
        move |conn| -> Result<_, crate::error::AppError> {
            let exists: bool = conn.query_row(
                "SELECT count(*) > 0 FROM conversations WHERE id = ?1 AND test = 0",
                [id],
                |r| r.get(0),
            )?;
            if !exists {
                return Ok(None);
            }
            let from = after.map_or(0, |(_, m)| m);
            let page = rows_page(
                conn,
                "SELECT id, author, body, intent, created_at FROM messages
                 WHERE conversation_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
                params![id, from, limit],
                |r| {
                    Ok((
                        json!({
                            "id": r.get::<_, i64>(0)?,
                            "author": r.get::<_, String>(1)?,
                            "body": r.get::<_, String>(2)?,
                            "intent": r.get::<_, Option<String>>(3)?,
                            "created_at": iso(Some(r.get(4)?)),
                        }),
                        (0, r.get(0)?),
                    ))
                },
            )?;
            Ok(Some(page))
        },
    )
    .await?;
    let (items, next) = found.ok_or_else(|| ApiError::not_found("conversation"))?;
    Ok(page(items, limit, next))
}

async fn products(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("catalogue:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    let (items, next) = db::call(
        &state.db,
        move |conn| -> Result<_, crate::error::AppError> {
            let from = after.map_or(0, |(_, p)| p);
            let mut stmt = conn.prepare_cached(
                "SELECT id, store_id, handle, title, product_type, status FROM products
             WHERE id > ?1 ORDER BY id LIMIT ?2",
            )?;
            let list: Vec<(i64, i64, String, String, String, String)> = stmt
                .query_map(params![from, limit], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })?
                .collect::<Result<_, _>>()?;
            let mut items = Vec::with_capacity(list.len());
            let mut next = None;
            for (id, store, handle, title, kind, status) in list {
                next = Some((0, id));
                items.push(json!({
                    "id": id, "store_id": store, "handle": handle, "title": title,
                    "type": kind, "status": status, "variants": variants(conn, id)?,
                }));
            }
            Ok((items, next))
        },
    )
    .await?;
    Ok(page(items, limit, next))
}

fn variants(conn: &Connection, product: i64) -> Result<Vec<Value>, crate::error::AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.title, v.sku, v.price_cents FROM variants v WHERE v.product_id = ?1
         ORDER BY v.position, v.id",
    )?;
    let mut stock = conn.prepare_cached(
        "SELECT l.id, l.name, l.in_shop, s.available FROM stock_levels s
         JOIN locations l ON l.id = s.location_id WHERE s.variant_id = ?1 ORDER BY l.id",
    )?;
    let list: Vec<(i64, String, String, Option<i64>)> = stmt
        .query_map([product], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(list.len());
    for (id, title, sku, price) in list {
        let levels: Vec<Value> = stock
            .query_map([id], |r| {
                Ok(
                    json!({"location_id": r.get::<_, i64>(0)?, "location": r.get::<_, String>(1)?,
                          "in_shop": r.get::<_, bool>(2)?, "available": r.get::<_, i64>(3)?}),
                )
            })?
            .collect::<Result<_, _>>()?;
        out.push(
            json!({"id": id, "title": title, "sku": sku, "price_cents": price, "stock": levels}),
        );
    }
    Ok(out)
}

async fn orders(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("orders:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    let (items, next) = db::call(&state.db, move |conn| -> Result<_, crate::error::AppError> {
        let from = after.map_or(i64::MAX, |(_, o)| o);
        rows_page(
            conn,
            "SELECT id, store_id, name, email, phone, created_at, financial_status,
                    fulfillment_status, total_cents, currency, carrier, tracking_number, cancelled_at
             FROM orders WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
            params![from, limit],
            |r| Ok((json!({
                "id": r.get::<_, i64>(0)?, "store_id": r.get::<_, i64>(1)?, "name": r.get::<_, String>(2)?,
                "email": r.get::<_, String>(3)?, "phone": r.get::<_, String>(4)?,
                "created_at": r.get::<_, String>(5)?, "financial_status": r.get::<_, String>(6)?,
                "fulfillment_status": r.get::<_, String>(7)?, "total_cents": r.get::<_, Option<i64>>(8)?,
                "currency": r.get::<_, String>(9)?, "carrier": r.get::<_, String>(10)?,
                "tracking_number": r.get::<_, String>(11)?, "cancelled_at": r.get::<_, Option<String>>(12)?,
            }), (0, r.get(0)?))),
        )
    })
    .await?;
    Ok(page(items, limit, next))
}

fn hold_json(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, i64>(0)?, "sku": r.get::<_, String>(1)?,
        "product": r.get::<_, String>(2)?, "variant": r.get::<_, String>(3)?,
        "quantity": r.get::<_, i64>(4)?, "contact": r.get::<_, String>(5)?,
        "status": r.get::<_, String>(6)?, "conversation_id": r.get::<_, Option<i64>>(7)?,
        "created_at": iso(Some(r.get(8)?)), "expires_at": iso(Some(r.get(9)?)),
    }))
}

const HOLD_COLUMNS: &str = "id, item_key, product_title, variant_title, quantity, contact, status,
    conversation_id, created_at, expires_at";

async fn holds(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("holds:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    let (items, next) = db::call(
        &state.db,
        move |conn| -> Result<_, crate::error::AppError> {
            let from = after.map_or(i64::MAX, |(_, h)| h);
            rows_page(
                conn,
                &format!("SELECT {HOLD_COLUMNS} FROM reservations WHERE id < ?1 ORDER BY id DESC LIMIT ?2"),
                params![from, limit],
                |r| Ok((hold_json(r)?, (0, r.get(0)?))),
            )
        },
    )
    .await?;
    Ok(page(items, limit, next))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewHoldBody {
    sku: String,
    /// Who it is for: +33…, an e-mail address.
    contact: String,
    #[serde(default)]
    quantity: Option<i64>,
}

/// The answer stored for a repeated Idempotency-Key, or what `run` answers (stored).
pub(super) async fn idempotent(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    route: &'static str,
    run: impl AsyncFnOnce() -> Result<(StatusCode, Value), ApiError>,
) -> Result<HttpResponse, ApiError> {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty());
    if let Some(k) = &key {
        if k.len() > 200 {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "An Idempotency-Key is 200 characters at most.",
            ));
        }
        let (id, kk) = (caller.key, k.clone());
        if let Some((seen_route, status, body)) =
            db::call(&state.db, move |conn| keys::replayed(conn, id, &kk)).await?
        {
            if seen_route != route {
                return Err(ApiError::conflict(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request.",
                ));
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            return Ok(HttpResponse::build(status)
                .insert_header(("Idempotent-Replayed", "true"))
                .content_type("application/json")
                .body(body));
        }
    }
    let (status, body) = run().await?;
    let text = body.to_string();
    if let Some(k) = key {
        let (id, t, now) = (caller.key, text.clone(), state.clock.now());
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| {
                keys::remember(tx, id, &k, route, status.as_u16(), &t, now)
            })
        })
        .await?;
    }
    Ok(HttpResponse::build(status)
        .content_type("application/json")
        .body(text))
}

async fn create_hold(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<NewHoldBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require("holds:write")?;
    let body = body.into_inner();
    let quantity = body.quantity.unwrap_or(1);
    if !(1..=20).contains(&quantity) {
        return Err(ApiError::invalid("quantity", "`quantity` is 1 to 20."));
    }
    if body.contact.trim().is_empty() || body.contact.len() > 200 {
        return Err(ApiError::invalid(
            "contact",
            "`contact` is the shopper's phone number or e-mail address.",
        ));
    }
    let st = state.clone();
    idempotent(&state, &req, &caller, "POST /holds", async move || {
        let now = st.clock.now();
        let made = db::call(
            &st.db,
            move |conn| -> Result<Result<Value, ApiError>, crate::error::AppError> {
                let shop = crate::assistant::settings::shop(conn)?;
                db::write(conn, |tx| {
                    let found: Option<(i64, i64, String, String)> = tx
                        .prepare_cached(
                            "SELECT v.id, v.store_id, p.title, v.title FROM variants v
                         JOIN products p ON p.id = v.product_id WHERE v.sku = ?1 AND v.sku <> ''
                         ORDER BY v.id LIMIT 1",
                        )?
                        .query_row([body.sku.trim()], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                        })
                        .optional()?;
                    let Some((variant, store, product, title)) = found else {
                        return Ok(Err(ApiError::invalid("sku", "No variant has this SKU.")));
                    };
                    let mut data = crate::assistant::shop_data::DbShopData {
                        conn: tx,
                        conversation: None,
                        channel: crate::engine::Channel::Console,
                        contact: body.contact.trim(),
                        now,
                        by: None,
                    };
                    let item = crate::engine::catalogue::Variant {
                        id: variant,
                        title: title.clone(),
                        item_key: body.sku.trim().to_string(),
                        price_cents: None,
                        options: [None, None, None],
                    };
                    let available = data.stock(&[&item])?.first().map_or(0, |s| s.shop);
                    if available < quantity {
                        return Ok(Err(ApiError::conflict(
                            "out_of_stock",
                            format!("Only {available} available at the shop (holds counted)."),
                        )));
                    }
                    let hold = data.reserve(&NewHold {
                        store_id: store,
                        item_key: item.item_key.clone(),
                        product_title: product,
                        variant_title: title,
                        quantity,
                        until: shop.hold_end(store, now),
                    })?;
                    let row = tx
                        .prepare_cached(&format!(
                            "SELECT {HOLD_COLUMNS} FROM reservations WHERE id = ?1"
                        ))?
                        .query_row([hold.id], hold_json)?;
                    Ok(Ok(row))
                })
            },
        )
        .await??;
        Ok((StatusCode::CREATED, json!({"data": made})))
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseBody {
    /// "fulfilled" (handed over) or "cancelled".
    status: String,
}

async fn close_hold(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<i64>,
    body: web::Json<CloseBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require("holds:write")?;
    let id = path.into_inner();
    let status = match body.status.as_str() {
        "fulfilled" => "fulfilled",
        "cancelled" => "cancelled",
        _ => {
            return Err(ApiError::invalid(
                "status",
                "`status` is fulfilled or cancelled.",
            ));
        }
    };
    let st = state.clone();
    idempotent(
        &state,
        &req,
        &caller,
        "POST /holds/{id}/close",
        async move || {
            let now = st.clock.now();
            let closed = db::call(
                &st.db,
                move |conn| -> Result<Option<Value>, crate::error::AppError> {
                    db::write(conn, |tx| {
                        let changed = tx.execute(
                            "UPDATE reservations SET status = ?2, closed_at = ?3
                     WHERE id = ?1 AND status = 'active'",
                            params![id, status, now.as_second()],
                        )?;
                        if changed == 0 {
                            return Ok(None);
                        }
                        Ok(Some(
                            tx.prepare_cached(&format!(
                                "SELECT {HOLD_COLUMNS} FROM reservations WHERE id = ?1"
                            ))?
                            .query_row([id], hold_json)?,
                        ))
                    })
                },
            )
            .await?;
            match closed {
                Some(h) => Ok((StatusCode::OK, json!({"data": h}))),
                None => Err(ApiError::conflict(
                    "not_active",
                    "This hold is not active (or does not exist).",
                )),
            }
        },
    )
    .await
}

/// What a POST on a conversation does.
#[derive(Clone, Copy, PartialEq)]
enum Act {
    Reply,
    HandOver,
    HandBack,
    Close,
    Assign,
    Priority,
    Note,
}

/// The body of a conversation action: the fields each action reads (others refused).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActBody {
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    member_id: Option<i64>,
    #[serde(default)]
    department_id: Option<i64>,
    #[serde(default)]
    priority: Option<bool>,
}

async fn act(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<i64>,
    body: web::Bytes,
    what: Act,
) -> Result<HttpResponse, ApiError> {
    caller.require("conversations:write")?;
    let id = crate::db::ids::ConversationId(path.into_inner());
    // An action without a body is fine; a body must be this JSON, no unknown field.
    let b: ActBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| unreadable(&e.to_string()))?
    };
    let text = b.body.as_deref().map(str::trim).unwrap_or("").to_string();
    if matches!(what, Act::Reply | Act::Note) && (text.is_empty() || text.chars().count() > 4000) {
        return Err(ApiError::invalid(
            "body",
            "`body` is the text, 1 to 4,000 characters.",
        ));
    }
    if what == Act::Priority && b.priority.is_none() {
        return Err(ApiError::invalid(
            "priority",
            "`priority` is true or false.",
        ));
    }
    let member = caller.member;
    if matches!(what, Act::Reply | Act::Note) && member.is_none() {
        return Err(ApiError::forbidden(
            "conversations:write (the key's creator was removed: create a new key)",
        ));
    }
    let route = match what {
        Act::Reply => "POST /conversations/{id}/reply",
        Act::HandOver => "POST /conversations/{id}/handover",
        Act::HandBack => "POST /conversations/{id}/handback",
        Act::Close => "POST /conversations/{id}/close",
        Act::Assign => "POST /conversations/{id}/assign",
        Act::Priority => "POST /conversations/{id}/priority",
        Act::Note => "POST /conversations/{id}/notes",
    };
    let st = state.clone();
    let answer = idempotent(&state, &req, &caller, route, async move || {
        let now = st.clock.now();
        let done = db::call(
            &st.db,
            move |conn| -> Result<Option<(Value, bool)>, crate::error::AppError> {
                db::write(conn, |tx| {
                    use crate::assistant::{conversations, outbox};
                    use crate::inbox::repo as inbox;
                    if conversations::get(tx, id)?.is_none() {
                        return Ok(None);
                    }
                    let mut wake = false;
                    match what {
                        Act::Reply => {
                            let user = crate::db::ids::UserId(member.unwrap_or_default());
                            let message = conversations::staff_reply(tx, id, user, &text, now)?;
                            wake = outbox::follow_up(tx, id, message, &text, now)?;
                        }
                        Act::HandOver => conversations::hand_over(tx, id, "api", now)?,
                        Act::HandBack => conversations::hand_back(tx, id)?,
                        Act::Close => {
                            inbox::close(tx, id, now.as_second())?;
                        }
                        Act::Assign => inbox::assign(tx, id, b.member_id, b.department_id)?,
                        Act::Priority => inbox::set_priority(tx, id, b.priority.unwrap_or(false))?,
                        Act::Note => {
                            let user = crate::db::ids::UserId(member.unwrap_or_default());
                            inbox::add_note(tx, id, user, &text, now.as_second())?;
                        }
                    }
                    let c = tx
                        .prepare_cached(&format!(
                            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1"
                        ))?
                        .query_row([id], conversation_json)?;
                    Ok(Some((c, wake)))
                })
            },
        )
        .await?;
        let Some((c, wake)) = done else {
            return Err(ApiError::not_found("conversation"));
        };
        st.events.changed(id);
        if wake {
            st.outbox_ready.notify_one();
        }
        Ok((StatusCode::OK, json!({"data": c})))
    })
    .await?;
    Ok(answer)
}

async fn contacts(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("contacts:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    let (items, next) = db::call(
        &state.db,
        move |conn| -> Result<_, crate::error::AppError> {
            let from = after.map_or(0, |(_, c)| c);
            rows_page(
                conn,
                "SELECT id, channel, identity, display_name, customer_id, blocked, created_at
             FROM contacts WHERE id > ?1 ORDER BY id LIMIT ?2",
                params![from, limit],
                |r| Ok((json!({
                    "id": r.get::<_, i64>(0)?, "channel": r.get::<_, String>(1)?, "identity": r.get::<_, String>(2)?,
                    "name": r.get::<_, String>(3)?, "customer_id": r.get::<_, Option<i64>>(4)?,
                    "blocked": r.get::<_, bool>(5)?, "created_at": iso(Some(r.get(6)?)),
                }), (0, r.get(0)?))),
            )
        },
    )
    .await?;
    Ok(page(items, limit, next))
}

impl From<crate::engine::data::DataError> for ApiError {
    fn from(e: crate::engine::data::DataError) -> Self {
        ApiError::from(crate::error::AppError::from(e))
    }
}

/// The OpenAPI 3.1 document, built from `ROUTES`.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in &ROUTES {
        let entry = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        let mut params: Vec<Value> = Vec::new();
        if r.path.contains("{id}") {
            params.push(json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}));
        }
        if r.method == "get" && !r.path.contains("{id}") {
            params.push(json!({"name": "cursor", "in": "query", "required": false, "schema": {"type": "string"},
                "description": "The `next_cursor` of the previous page."}));
            params.push(json!({"name": "limit", "in": "query", "required": false,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}));
        }
        if r.method == "post" {
            params.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 200},
                "description": "The same key gives the first answer again."}));
        }
        let mut op = json!({
            "summary": r.summary,
            "operationId": format!("{}{}", r.method, r.path.replace(['/', '{', '}'], "_")),
            "security": [{"bearer": [r.scope]}],
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"},
            },
        });
        if r.method == "post" {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}});
            op["responses"]["201"] = json!({"description": "Created", "content": {"application/json": {"schema": {"type": "object"}}}});
            op["responses"]["409"] = json!({"$ref": "#/components/responses/Error"});
        }
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Comptoir API",
            "version": "1",
            "description": "The shop's conversations, catalogue (and the manual store's, written), orders, holds, alerts and appointments. Send a key created in Paramètres › API et accès as `Authorization: Bearer ck_…`. Lists are paged with `next_cursor`. Errors: `{\"error\": {\"code\", \"message\", \"field\"}}`. At most 120 calls per minute per key (429 with Retry-After).",
        },
        "servers": [{"url": PREFIX}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Error": {"description": "An error", "content": {"application/json": {"schema": {
                "type": "object", "required": ["error"],
                "properties": {"error": {"type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "field": {"type": ["string", "null"]}}}}
            }}}}},
        },
    })
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
