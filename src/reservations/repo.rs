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
    pub conversation_id: Option<ConversationId>,
    pub status: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<String>,
}

/// Active holds first (soonest to expire first), then the last 30 days' others.
pub fn list(conn: &Connection, now: Timestamp) -> Result<Vec<Reservation>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT r.id, r.item_key, r.product_title, r.variant_title, r.quantity, r.contact,
                r.conversation_id, r.status, r.created_at, r.expires_at, r.closed_at, u.display_name
         FROM reservations r LEFT JOIN users u ON u.id = r.closed_by
         WHERE r.status = 'active' OR r.created_at > ?1
         ORDER BY r.status != 'active', CASE WHEN r.status = 'active' THEN r.expires_at END,
                  r.created_at DESC
         LIMIT 500",
    )?;
    let rows = stmt
        .query_map([now.as_second() - 30 * 86_400], |r| {
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
