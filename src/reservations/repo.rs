//! Reservations as staff see them: active holds to fulfil or cancel, recent ones for the
//! record, and expiry of holds whose time is up.

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::db::ids::{ConversationId, HoldId, UserId};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub id: HoldId,
    pub item_key: String,
    pub product_title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub contact: String,
    /// The store customer's name, else the one the channel gave; may be empty.
    pub name: String,
    pub conversation_id: Option<ConversationId>,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
}

/// What the list holds: active holds, and the others of the last 30 days.
const LISTED: &str = "r.status = 'active' OR r.created_at > ?1";

/// How many holds are active, and how many others the last 30 days had.
pub fn counts(conn: &Connection, now: Timestamp) -> Result<(i64, i64), AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT COALESCE(sum(r.status = 'active'), 0), COALESCE(sum(r.status <> 'active'), 0)
             FROM reservations r WHERE {LISTED}"
        ))?
        .query_row([now.as_second() - 30 * 86_400], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?)
}

/// A page of holds: active ones first (soonest to expire first), then the last 30
/// days' others, newest first.
pub fn list(
    conn: &Connection,
    now: Timestamp,
    limit: i64,
    offset: i64,
) -> Result<Vec<Reservation>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT r.id, r.item_key, r.product_title, r.variant_title, r.quantity, r.contact,
                r.conversation_id, r.status, r.created_at, r.expires_at, r.closed_at, u.display_name,
                COALESCE(NULLIF(trim(cu.first_name || ' ' || cu.last_name), ''), k.display_name, '')
         FROM reservations r LEFT JOIN users u ON u.id = r.closed_by
         LEFT JOIN conversations c ON c.id = r.conversation_id
         LEFT JOIN contacts k ON k.id = c.contact_id
         LEFT JOIN customers cu ON cu.id = k.customer_id
         WHERE {LISTED}
         ORDER BY r.status != 'active', CASE WHEN r.status = 'active' THEN r.expires_at END,
                  r.created_at DESC, r.id DESC
         LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(params![now.as_second() - 30 * 86_400, limit, offset], |r| {
            Ok(Reservation {
                id: r.get(0)?,
                item_key: r.get(1)?,
                product_title: r.get(2)?,
                variant_title: r.get(3)?,
                quantity: r.get(4)?,
                contact: r.get(5)?,
                conversation_id: r.get(6)?,
                status: r.get(7)?,
                created_at: r.get(8)?,
                expires_at: r.get(9)?,
                closed_at: r.get(10)?,
                closed_by: r.get(11)?,
                name: r.get(12)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Closes an active hold as `fulfilled` or `cancelled`; false when it was no longer active.
pub fn close(
    conn: &Connection,
    id: HoldId,
    status: &str,
    by: UserId,
    now: Timestamp,
) -> Result<bool, AppError> {
    debug_assert!(matches!(status, "fulfilled" | "cancelled"));
    let changed = conn.execute(
        "UPDATE reservations SET status = ?2, closed_at = ?3, closed_by = ?4
         WHERE id = ?1 AND status = 'active'",
        params![id, status, now.as_second(), by],
    )?;
    Ok(changed == 1)
}

/// Marks holds whose time is up as expired; their stock is free again. Returns how many.
pub fn expire_due(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    Ok(conn.execute(
        "UPDATE reservations SET status = 'expired', closed_at = expires_at
         WHERE status = 'active' AND expires_at <= ?1",
        [now.as_second()],
    )?)
}

pub fn active_count(conn: &Connection, now: Timestamp) -> Result<i64, AppError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM reservations WHERE status = 'active' AND expires_at > ?1",
        [now.as_second()],
        |r| r.get(0),
    )?)
}
