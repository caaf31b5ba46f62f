//! Alerts in SQLite: subscriptions (from the conversation or the team), their consent
//! (double opt-in by e-mail, STOP), the shop's sending rules, and which alerts are due.
//! Sending them (a message in the conversation and an outbox row, in one transaction)
//! is the notices job's.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::ids::ConversationId;
use crate::engine::Channel;
use crate::engine::data::{AlertKind, NewAlert, Subscribed};
use crate::engine::lang::Lang;
use crate::error::AppError;
use crate::token;

/// How long a confirmation link works.
pub const CONFIRM_HOURS: i64 = 48;

/// The shop's rules for sending alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Offer alerts in the conversation.
    pub enabled: bool,
    /// Send nothing for now.
    pub paused: bool,
    /// Shoppers told per unit back in stock, per batch.
    pub per_unit: i64,
    /// Minutes between two batches for the same item while stock remains.
    pub batch_minutes: i64,
    /// Units available at the shop (net of holds) before anyone is told.
    pub min_stock: i64,
    /// A price alert goes on a drop of at least this many percent.
    pub price_drop_percent: i64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            enabled: true,
            paused: false,
            per_unit: 3,
            batch_minutes: 60,
            min_stock: 1,
            price_drop_percent: 10,
        }
    }
}

pub fn rules(conn: &Connection) -> Result<Rules, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT enabled, paused, per_unit, batch_minutes, min_stock, price_drop_percent
             FROM alert_settings WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok(Rules {
                enabled: r.get(0)?,
                paused: r.get(1)?,
                per_unit: r.get(2)?,
                batch_minutes: r.get(3)?,
                min_stock: r.get(4)?,
                price_drop_percent: r.get(5)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

pub fn save_rules(conn: &Connection, r: &Rules, now: Timestamp) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO alert_settings (id, enabled, paused, per_unit, batch_minutes, min_stock,
            price_drop_percent, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET enabled = excluded.enabled, paused = excluded.paused,
            per_unit = excluded.per_unit, batch_minutes = excluded.batch_minutes,
            min_stock = excluded.min_stock, price_drop_percent = excluded.price_drop_percent,
            updated_at = excluded.updated_at",
        params![
            r.enabled,
            r.paused,
            r.per_unit,
            r.batch_minutes,
            r.min_stock,
            r.price_drop_percent,
            now.as_second()
        ],
    )?;
    Ok(())
}

/// Who is subscribing, and where the alert will reach them.
#[derive(Debug, Clone)]
pub struct Subscriber<'a> {
    /// SMS, WhatsApp, or e-mail (also for the web chat, with the address given).
    pub channel: Channel,
    pub recipient: &'a str,
    pub conversation: Option<ConversationId>,
    pub lang: Lang,
    /// The team member who subscribed them, if not the shopper.
    pub by: Option<i64>,
}

/// Subscribes, under the channel's consent rule: SMS and WhatsApp are active at once
/// (asked in the conversation, STOP honoured); an e-mail address must confirm first.
pub fn subscribe(
    conn: &Connection,
    alert: &NewAlert,
    who: &Subscriber<'_>,
    now: Timestamp,
) -> Result<Subscribed, AppError> {
    if !matches!(
        who.channel,
        Channel::Sms | Channel::Whatsapp | Channel::Email
    ) || (alert.kind == AlertKind::Price && alert.price_cents.is_none())
    {
        return Ok(Subscribed::Off);
    }
    let email = who.channel == Channel::Email;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO alerts (kind, store_id, item_key, product_title, variant_title,
                price_cents, channel, recipient, conversation_id, lang, status, confirm_by,
                created_by, created_at, confirmed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (kind, store_id, item_key, recipient)
                WHERE status IN ('unconfirmed', 'active') DO NOTHING",
        )?
        .execute(params![
            alert.kind.code(),
            alert.store_id,
            alert.item_key,
            alert.product_title,
            alert.variant_title,
            alert.price_cents,
            who.channel.code(),
            who.recipient,
            who.conversation,
            who.lang.code(),
            if email { "unconfirmed" } else { "active" },
            email.then(|| (now + SignedDuration::from_hours(CONFIRM_HOURS)).as_second()),
            who.by,
            now.as_second(),
            (!email).then(|| now.as_second()),
        ])?;
    Ok(match (inserted, email) {
        (0, _) => Subscribed::Already,
        (_, true) => Subscribed::Confirm {
            email: who.recipient.to_string(),
        },
        (_, false) => Subscribed::Active,
    })
}

/// What a confirmation link did.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirmed {
    /// Confirmed now: the product and variant, for the page.
    Done { product: String, variant: String },
    /// Used already, expired, or never issued: one answer for all, so a link tells
    /// nothing about others.
    Invalid,
}

/// Confirms an e-mail alert. The link works once, until it expires.
pub fn confirm(conn: &Connection, token: &str, now: Timestamp) -> Result<Confirmed, AppError> {
    let hash = token::hash_token(token.trim());
    let found: Option<(i64, String, String)> = conn
        .prepare_cached(
            "UPDATE alerts SET status = 'active', confirmed_at = ?2, confirm_hash = NULL
             WHERE confirm_hash = ?1 AND status = 'unconfirmed' AND confirm_by > ?2
             RETURNING id, product_title, variant_title",
        )?
        .query_row(params![hash, now.as_second()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    Ok(match found {
        Some((_, product, variant)) => Confirmed::Done { product, variant },
        None => Confirmed::Invalid,
    })
}

/// The unsubscribe link: ends every alert waiting for that address. Returns how many.
pub fn unsubscribe(conn: &Connection, token: &str, now: Timestamp) -> Result<usize, AppError> {
    let hash = token::hash_token(token.trim());
    let recipient: Option<String> = conn
        .prepare_cached("SELECT recipient FROM alerts WHERE unsubscribe_hash = ?1")?
        .query_row([hash], |r| r.get(0))
        .optional()?;
    match recipient {
        Some(r) => stop(conn, Channel::Email, &r, now),
        None => Ok(0),
    }
}

/// STOP (or the unsubscribe link): every alert waiting for this recipient ends.
pub fn stop(
    conn: &Connection,
    channel: Channel,
    recipient: &str,
    now: Timestamp,
) -> Result<usize, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE alerts SET status = 'unsubscribed', ended_at = ?3
             WHERE channel = ?1 AND recipient = ?2 AND status IN ('unconfirmed', 'active')",
        )?
        .execute(params![channel.code(), recipient, now.as_second()])?)
}

/// Whether a message is a request to stop alerts (the carriers' keywords).
pub fn is_stop(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['.', '!']).to_uppercase();
    matches!(
        t.as_str(),
        "STOP"
            | "STOPALL"
            | "ARRET"
            | "ARRÊT"
            | "UNSUBSCRIBE"
            | "CANCEL"
            | "END"
            | "QUIT"
            | "STOP ALERTES"
    )
}

/// The variant an alert waits for, as it is now: its id, product, price, and units at
/// the shop net of holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub variant_id: i64,
    pub product_id: i64,
    pub handle: String,
    pub price_cents: Option<i64>,
    pub available: i64,
}

/// The item behind an alert's key, if it is still in the catalogue.
pub fn item(
    conn: &Connection,
    store: i64,
    item_key: &str,
    now: Timestamp,
) -> Result<Option<Item>, AppError> {
    let by_id = item_key
        .strip_prefix("variant:")
        .and_then(|rest| rest.split_once(':'))
        .map(|(_, external)| external.to_string());
    let sql = "SELECT v.id, p.id, p.handle, v.price_cents FROM variants v
               JOIN products p ON p.id = v.product_id
               WHERE v.store_id = ?1 AND p.status = 'active' AND ";
    let found: Option<(i64, i64, String, Option<i64>)> = match &by_id {
        Some(external) => conn
            .prepare_cached(&format!("{sql} v.external_id = ?2"))?
            .query_row(params![store, external], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?,
        None => conn
            .prepare_cached(&format!(
                "{sql} v.sku = ?2 AND v.sku <> '' ORDER BY v.id LIMIT 1"
            ))?
            .query_row(params![store, item_key], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?,
    };
    let Some((variant_id, product_id, handle, price_cents)) = found else {
        return Ok(None);
    };
    let shelf: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(MAX(s.available, 0)), 0) FROM stock_levels s
             JOIN locations l ON l.id = s.location_id
             WHERE s.variant_id = ?1 AND l.active = 1 AND l.in_shop = 1",
        )?
        .query_row([variant_id], |r| r.get(0))?;
    let held: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(quantity), 0) FROM reservations
             WHERE item_key = ?1 AND status = 'active' AND expires_at > ?2",
        )?
        .query_row(params![item_key, now.as_second()], |r| r.get(0))?;
    Ok(Some(Item {
        variant_id,
        product_id,
        handle,
        price_cents,
        available: (shelf - held).max(0),
    }))
}

/// An alert to send now.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub id: i64,
    pub kind: AlertKind,
    pub store_id: i64,
    pub product_title: String,
    pub variant_title: String,
    pub price_then: Option<i64>,
    pub channel: Channel,
    pub recipient: String,
    pub conversation: Option<ConversationId>,
    pub lang: Lang,
    pub item: Item,
}

fn due_row(r: &rusqlite::Row<'_>, item: &Item) -> rusqlite::Result<Due> {
    Ok(Due {
        id: r.get(0)?,
        kind: AlertKind::from_code(&r.get::<_, String>(1)?).unwrap_or(AlertKind::Stock),
        store_id: r.get(2)?,
        product_title: r.get(3)?,
        variant_title: r.get(4)?,
        price_then: r.get(5)?,
        channel: Channel::from_code(&r.get::<_, String>(6)?).unwrap_or(Channel::Email),
        recipient: r.get(7)?,
        conversation: r.get(8)?,
        lang: Lang::from_code(&r.get::<_, String>(9)?).unwrap_or(Lang::Fr),
        item: item.clone(),
    })
}

const DUE_COLUMNS: &str = "id, kind, store_id, product_title, variant_title, price_cents, channel,
    recipient, conversation_id, lang";

/// The alerts due now under the shop's rules, and the alerts closed because their item
/// left the catalogue (alerts whose store was disconnected wait for one selling the same
/// SKU: see [`reattach`]). Back in stock: at most `per_unit` shoppers per unit available
/// (net of holds), oldest subscribers first, once `min_stock` is reached, and the next
/// batch only `batch_minutes` after the last while stock remains. Price: every
/// subscriber once the price fell by `price_drop_percent` from theirs.
pub fn due(conn: &Connection, rules: &Rules, now: Timestamp) -> Result<Vec<Due>, AppError> {
    if rules.paused {
        return Ok(Vec::new());
    }
    let items: Vec<(i64, String)> = conn
        .prepare_cached(
            "SELECT DISTINCT store_id, item_key FROM alerts
             WHERE status = 'active' AND store_id IS NOT NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for (store, key) in items {
        let Some(item) = item(conn, store, &key, now)? else {
            conn.prepare_cached(
                "UPDATE alerts SET status = 'closed', ended_at = ?3
                 WHERE store_id = ?1 AND item_key = ?2 AND status IN ('unconfirmed', 'active')",
            )?
            .execute(params![store, key, now.as_second()])?;
            continue;
        };
        if item.available >= rules.min_stock.max(1) {
            let last: Option<i64> = conn
                .prepare_cached(
                    "SELECT MAX(sent_at) FROM alerts
                     WHERE store_id = ?1 AND item_key = ?2 AND kind = 'stock' AND status = 'sent'",
                )?
                .query_row(params![store, key], |r| r.get(0))?;
            let rested = last.is_none_or(|t| now.as_second() - t >= rules.batch_minutes * 60);
            if rested {
                let batch = item.available.saturating_mul(rules.per_unit.max(1));
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {DUE_COLUMNS} FROM alerts
                     WHERE store_id = ?1 AND item_key = ?2 AND kind = 'stock' AND status = 'active'
                     ORDER BY created_at, id LIMIT ?3"
                ))?;
                let rows = stmt.query_map(params![store, key, batch], |r| due_row(r, &item))?;
                for d in rows {
                    out.push(d?);
                }
            }
        }
        if let Some(now_cents) = item.price_cents {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {DUE_COLUMNS} FROM alerts
                 WHERE store_id = ?1 AND item_key = ?2 AND kind = 'price' AND status = 'active'
                   AND price_cents IS NOT NULL AND ?3 * 100 <= price_cents * (100 - ?4)
                 ORDER BY created_at, id"
            ))?;
            let rows = stmt.query_map(
                params![store, key, now_cents, rules.price_drop_percent],
                |r| due_row(r, &item),
            )?;
            for d in rows {
                out.push(d?);
            }
        }
    }
    Ok(out)
}

/// Marks an alert sent; false when it was no longer waiting (sent, stopped meanwhile).
pub fn mark_sent(conn: &Connection, id: i64, now: Timestamp) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE alerts SET status = 'sent', sent_at = ?2 WHERE id = ?1 AND status = 'active'",
        )?
        .execute(params![id, now.as_second()])?
        == 1)
}

/// A fresh unsubscribe link's token for an e-mail alert (the hash is kept).
pub fn new_unsubscribe_token(conn: &Connection, id: i64) -> Result<String, AppError> {
    let t = token::random_token();
    conn.prepare_cached("UPDATE alerts SET unsubscribe_hash = ?2 WHERE id = ?1")?
        .execute(params![id, token::hash_token(&t)])?;
    Ok(t)
}

/// An e-mail alert waiting for its confirmation e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct ToConfirm {
    pub id: i64,
    pub store_id: i64,
    pub item_key: String,
    pub recipient: String,
    pub product_title: String,
    pub variant_title: String,
    pub lang: Lang,
    /// The link's token, in clear only here (the hash is stored).
    pub token: String,
}

/// Issues the confirmation links not sent yet, and closes the unconfirmed alerts whose
/// link expired.
pub fn to_confirm(conn: &Connection, now: Timestamp) -> Result<Vec<ToConfirm>, AppError> {
    conn.prepare_cached(
        "UPDATE alerts SET status = 'closed', ended_at = ?1, confirm_hash = NULL
         WHERE status = 'unconfirmed' AND confirm_by <= ?1",
    )?
    .execute([now.as_second()])?;
    type Row = (i64, i64, String, String, String, String, String);
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT id, COALESCE(store_id, 0), item_key, recipient, product_title, variant_title, lang
             FROM alerts WHERE status = 'unconfirmed' AND confirm_sent_at IS NULL
             ORDER BY id LIMIT 500",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, store_id, item_key, recipient, product_title, variant_title, lang) in rows {
        let t = token::random_token();
        conn.prepare_cached(
            "UPDATE alerts SET confirm_hash = ?2, confirm_sent_at = ?3 WHERE id = ?1",
        )?
        .execute(params![id, token::hash_token(&t), now.as_second()])?;
        out.push(ToConfirm {
            id,
            store_id,
            item_key,
            recipient,
            product_title,
            variant_title,
            lang: Lang::from_code(&lang).unwrap_or(Lang::Fr),
            token: t,
        });
    }
    Ok(out)
}

/// Counts of one variant's subscriptions, for the Alertes page and the dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariantCounts {
    pub store_id: i64,
    pub item_key: String,
    pub product_title: String,
    pub variant_title: String,
    pub waiting: i64,
    pub unconfirmed: i64,
    pub sent: i64,
    pub unsubscribed: i64,
    pub closed: i64,
    /// Of the waiting ones, price alerts.
    pub price: i64,
}

/// Every status counted over all alerts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub waiting: i64,
    pub unconfirmed: i64,
    pub sent: i64,
    pub unsubscribed: i64,
    pub closed: i64,
    pub variants: i64,
}

pub fn totals(conn: &Connection) -> Result<Totals, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT COALESCE(SUM(status = 'active'), 0), COALESCE(SUM(status = 'unconfirmed'), 0),
                    COALESCE(SUM(status = 'sent'), 0), COALESCE(SUM(status = 'unsubscribed'), 0),
                    COALESCE(SUM(status = 'closed'), 0),
                    COUNT(DISTINCT COALESCE(store_id, 0) || ' ' || item_key)
             FROM alerts",
        )?
        .query_row([], |r| {
            Ok(Totals {
                waiting: r.get(0)?,
                unconfirmed: r.get(1)?,
                sent: r.get(2)?,
                unsubscribed: r.get(3)?,
                closed: r.get(4)?,
                variants: r.get(5)?,
            })
        })?)
}

/// Variants with subscriptions, most shoppers waiting first; `search` filters by
/// product or variant; a page of `per_page` from `offset`.
pub fn by_variant(
    conn: &Connection,
    search: &str,
    per_page: i64,
    offset: i64,
) -> Result<Vec<VariantCounts>, AppError> {
    let like = format!("%{}%", search.trim().replace(['%', '_'], ""));
    let rows = conn
        .prepare_cached(
            "SELECT COALESCE(store_id, 0), item_key, MAX(product_title), MAX(variant_title),
                    SUM(status = 'active'), SUM(status = 'unconfirmed'), SUM(status = 'sent'),
                    SUM(status = 'unsubscribed'), SUM(status = 'closed'),
                    SUM(status = 'active' AND kind = 'price')
             FROM alerts
             WHERE ?1 = '%%' OR product_title LIKE ?1 OR variant_title LIKE ?1 OR item_key LIKE ?1
             GROUP BY COALESCE(store_id, 0), item_key
             ORDER BY SUM(status = 'active') DESC, MAX(created_at) DESC
             LIMIT ?2 OFFSET ?3",
        )?
        .query_map(params![like, per_page, offset], |r| {
            Ok(VariantCounts {
                store_id: r.get(0)?,
                item_key: r.get(1)?,
                product_title: r.get(2)?,
                variant_title: r.get(3)?,
                waiting: r.get(4)?,
                unconfirmed: r.get(5)?,
                sent: r.get(6)?,
                unsubscribed: r.get(7)?,
                closed: r.get(8)?,
                price: r.get(9)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn variants_matching(conn: &Connection, search: &str) -> Result<i64, AppError> {
    let like = format!("%{}%", search.trim().replace(['%', '_'], ""));
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(DISTINCT COALESCE(store_id, 0) || ' ' || item_key) FROM alerts
             WHERE ?1 = '%%' OR product_title LIKE ?1 OR variant_title LIKE ?1 OR item_key LIKE ?1",
        )?
        .query_row([like], |r| r.get(0))?)
}

/// One subscription, for the CSV export.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: i64,
    pub kind: String,
    pub product_title: String,
    pub variant_title: String,
    pub item_key: String,
    pub channel: String,
    pub recipient: String,
    pub status: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub conversation: Option<i64>,
}

/// Every subscription, oldest first, handed to `each` one at a time (the export streams).
pub fn each_subscription(
    conn: &Connection,
    mut each: impl FnMut(Subscription) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, product_title, variant_title, item_key, channel, recipient, status,
                created_at, sent_at, ended_at, conversation_id
         FROM alerts ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        each(Subscription {
            id: r.get(0)?,
            kind: r.get(1)?,
            product_title: r.get(2)?,
            variant_title: r.get(3)?,
            item_key: r.get(4)?,
            channel: r.get(5)?,
            recipient: r.get(6)?,
            status: r.get(7)?,
            created_at: r.get(8)?,
            sent_at: r.get(9)?,
            ended_at: r.get(10)?,
            conversation: r.get(11)?,
        })?;
    }
    Ok(())
}

/// Shoppers waiting per variant, most first (the dashboard's out-of-stock demand).
pub fn most_awaited(conn: &Connection, limit: i64) -> Result<Vec<VariantCounts>, AppError> {
    Ok(by_variant(conn, "", limit, 0)?
        .into_iter()
        .filter(|v| v.waiting + v.unconfirmed > 0)
        .collect())
}

/// The language of the alert behind a link's token, to speak the shopper's language on
/// the page (`confirm`: a confirmation link, else an unsubscribe link).
pub fn link_lang(conn: &Connection, token: &str, confirm: bool) -> Result<Option<Lang>, AppError> {
    let sql = if confirm {
        "SELECT lang FROM alerts WHERE confirm_hash = ?1"
    } else {
        "SELECT lang FROM alerts WHERE unsubscribe_hash = ?1"
    };
    let lang: Option<String> = conn
        .prepare_cached(sql)?
        .query_row([token::hash_token(token.trim())], |r| r.get(0))
        .optional()?;
    Ok(lang.and_then(|l| Lang::from_code(&l)))
}

/// Alerts whose store was disconnected (a change of platform) go to the store that now
/// sells the same SKU, among the shop's own stores; a shopper already waiting there
/// keeps that one. How many moved.
pub fn reattach(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    let moved = conn.execute(
        "UPDATE OR IGNORE alerts SET store_id = (
             SELECT v.store_id FROM variants v JOIN stores s ON s.id = v.store_id
             WHERE v.sku = alerts.item_key AND s.platform IN ('shopify', 'woocommerce',
                 'prestashop', 'manual')
             ORDER BY v.store_id LIMIT 1)
         WHERE store_id IS NULL AND status IN ('unconfirmed', 'active')
           AND EXISTS (SELECT 1 FROM variants v JOIN stores s ON s.id = v.store_id
                       WHERE v.sku = alerts.item_key AND s.platform IN ('shopify',
                           'woocommerce', 'prestashop', 'manual'))",
        [],
    )?;
    // Those left behind had the same alert in the new store already.
    conn.execute(
        "UPDATE alerts SET status = 'closed', ended_at = ?1
         WHERE store_id IS NULL AND status IN ('unconfirmed', 'active')
           AND EXISTS (SELECT 1 FROM alerts a WHERE a.store_id IS NOT NULL
                       AND a.kind = alerts.kind AND a.item_key = alerts.item_key
                       AND a.recipient = alerts.recipient
                       AND a.status IN ('unconfirmed', 'active'))",
        [now.as_second()],
    )?;
    Ok(moved)
}
