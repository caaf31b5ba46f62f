//! API keys: created by an admin with a name, scopes and an optional expiry; shown
//! once (`ck_` + a public prefix + a secret), stored as a hash, found by their prefix
//! and compared in constant time; revocable; their calls logged.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::AppError;
use crate::token;

/// What a key may do, per area.
pub const SCOPES: [(&str, &str); 11] = [
    (
        "conversations:read",
        "Lire les conversations et leurs messages",
    ),
    ("conversations:write", "Répondre dans les conversations"),
    ("contacts:read", "Lire les contacts"),
    ("catalogue:read", "Lire les produits et le stock"),
    (
        "catalogue:write",
        "Mettre à jour le catalogue de la boutique manuelle",
    ),
    ("orders:read", "Lire les commandes"),
    ("holds:read", "Lire les mises de côté"),
    (
        "holds:write",
        "Créer, remettre et annuler des mises de côté",
    ),
    (
        "alerts:read",
        "Lire les alertes de retour en stock et de prix",
    ),
    ("appointments:read", "Lire les rendez-vous"),
    ("appointments:write", "Annuler des rendez-vous"),
];

/// A key as listed (never its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub id: i64,
    /// The admin who created it: the team member its replies and notes are signed by.
    pub created_by: Option<i64>,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn key(r: &rusqlite::Row<'_>) -> rusqlite::Result<Key> {
    Ok(Key {
        created_by: r.get(8)?,
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        scopes: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        last_used_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

const COLUMNS: &str = "id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at,
    created_by FROM api_keys";

/// Creates a key; returns it with the one copy of its secret.
pub fn create(
    conn: &Connection,
    name: &str,
    scopes: &[String],
    expires_at: Option<Timestamp>,
    by: i64,
    now: Timestamp,
) -> Result<(Key, String), AppError> {
    let secret = token::random_token();
    let prefix = format!("ck_{}", &token::hash_token(&secret)[..10]);
    let full = format!("{prefix}_{secret}");
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO api_keys (name, prefix, hash, scopes, created_by, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )?
        .query_row(
            params![
                name,
                prefix,
                token::hash_token(&full),
                serde_json::to_string(scopes).unwrap_or_else(|_| "[]".into()),
                by,
                now.as_second(),
                expires_at.map(|t| t.as_second())
            ],
            |r| r.get(0),
        )?;
    let k = conn
        .prepare_cached(&format!("SELECT {COLUMNS} WHERE id = ?1"))?
        .query_row([id], key)?;
    Ok((k, full))
}

pub fn list(conn: &Connection) -> Result<Vec<Key>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} ORDER BY revoked_at IS NOT NULL, id DESC"
        ))?
        .query_map([], key)?
        .collect::<Result<_, _>>()?)
}

pub fn revoke(conn: &Connection, id: i64, now: Timestamp) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(params![id, now.as_second()])?
        == 1)
}

/// Why a presented key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    Revoked,
    Expired,
}

/// The live key a presented secret belongs to.
pub fn check(
    conn: &Connection,
    presented: &str,
    now: Timestamp,
) -> Result<Result<Key, Refused>, AppError> {
    let presented = presented.trim();
    // ck_ + 10 hex, then _ and the secret.
    let Some(prefix) = presented.get(..13).filter(|p| p.starts_with("ck_")) else {
        return Ok(Err(Refused::Unknown));
    };
    let found: Option<(Key, String)> = conn
        .prepare_cached(
            "SELECT id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at,
                    created_by, hash
             FROM api_keys WHERE prefix = ?1",
        )?
        .query_row([prefix], |r| Ok((key(r)?, r.get(9)?)))
        .optional()?;
    let Some((k, hash)) = found else {
        return Ok(Err(Refused::Unknown));
    };
    if !token::constant_time_eq(token::hash_token(presented).as_bytes(), hash.as_bytes()) {
        return Ok(Err(Refused::Unknown));
    }
    if k.revoked_at.is_some() {
        return Ok(Err(Refused::Revoked));
    }
    if k.expires_at.is_some_and(|e| e <= now.as_second()) {
        return Ok(Err(Refused::Expired));
    }
    Ok(Ok(k))
}

/// Logs a call and the key's last use.
pub fn log_call(
    conn: &Connection,
    key: i64,
    method: &str,
    route: &str,
    status: u16,
    now: Timestamp,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO api_calls (key_id, method, route, status, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![key, method, route, status, now.as_second()])?;
    conn.prepare_cached("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![key, now.as_second()])?;
    Ok(())
}

/// A logged call, for the audit page.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub key: String,
    pub method: String,
    pub route: String,
    pub status: i64,
    pub at: i64,
}

pub fn recent_calls(conn: &Connection, limit: i64) -> Result<Vec<Call>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT k.name || ' (' || k.prefix || ')', c.method, c.route, c.status, c.at
             FROM api_calls c JOIN api_keys k ON k.id = c.key_id ORDER BY c.id DESC LIMIT ?1",
        )?
        .query_map([limit], |r| {
            Ok(Call {
                key: r.get(0)?,
                method: r.get(1)?,
                route: r.get(2)?,
                status: r.get(3)?,
                at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// The answer stored for a POST's Idempotency-Key, if it was seen.
pub fn replayed(
    conn: &Connection,
    key: i64,
    idempotency: &str,
) -> Result<Option<(String, u16, String)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT route, status, body FROM api_idempotency
             WHERE key_id = ?1 AND idempotency_key = ?2",
        )?
        .query_row(params![key, idempotency], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

pub fn remember(
    conn: &Connection,
    key: i64,
    idempotency: &str,
    route: &str,
    status: u16,
    body: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO api_idempotency (key_id, idempotency_key, route, status, body, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        key,
        idempotency,
        route,
        status,
        body,
        now.as_second()
    ])?;
    Ok(())
}

/// Forgets what only served for a while: API calls after 90 days, idempotency records
/// after a day, webhook deliveries settled for 30 days, rules' runs after 90 days.
pub fn purge_old(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    let t = now.as_second();
    let (day, month, quarter) = (t - 86_400, t - 30 * 86_400, t - 90 * 86_400);
    let mut n = conn.execute("DELETE FROM api_calls WHERE at < ?1", [quarter])?;
    n += conn.execute("DELETE FROM api_idempotency WHERE at < ?1", [day])?;
    n += conn.execute(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ?1",
        [month],
    )?;
    n += conn.execute("DELETE FROM automation_runs WHERE at < ?1", [quarter])?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_calls_and_settled_deliveries_are_purged_pending_ones_kept() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let old = now.as_second() - 100 * 86_400;
        conn.execute_batch(&format!(
            "INSERT INTO api_keys (name, prefix, hash, scopes, created_at)
                 VALUES ('k', 'ck_1', 'h', '[]', 0);
             INSERT INTO api_calls (key_id, method, route, status, at) VALUES
                 (1, 'GET', '/a', 200, {old}), (1, 'GET', '/b', 200, {now});
             INSERT INTO webhook_endpoints (url, secret, created_at) VALUES ('https://x', x'00', 0);
             INSERT INTO webhook_deliveries (endpoint_id, kind, payload, status, next_attempt_at, created_at)
                 VALUES (1, 'k', '{{}}', 'delivered', 0, {old}), (1, 'k', '{{}}', 'pending', 0, {old});",
            now = now.as_second()
        ))
        .unwrap();
        assert_eq!(purge_old(&conn, now).unwrap(), 2);
        let left: (i64, String) = conn
            .query_row(
                "SELECT (SELECT count(*) FROM api_calls), (SELECT status FROM webhook_deliveries)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(left, (1, "pending".to_string()));
    }
}
