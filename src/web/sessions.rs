//! Sessions: the cookie's token (stored hashed) → the member behind it. The web edge
//! owns them, since every page asks who is there; the login page creates them.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::{from_unix, unix};
use crate::db::DbError;
use crate::db::ids::UserId;
use crate::web::roles::Role;

/// The member behind a live session, with what every page needs.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub business_name: String,
}

impl SessionUser {
    pub fn display(&self) -> &str {
        if self.display_name.is_empty() {
            &self.email
        } else {
            &self.display_name
        }
    }
}

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token_hash: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub ip: String,
    pub user_agent: String,
}

/// Whether anyone has an account yet (the first-run setup is offered until then).
pub fn count_users(conn: &Connection) -> Result<i64, DbError> {
    conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .map_err(DbError::from)
}

pub fn create_session(
    conn: &Connection,
    user: UserId,
    token_hash: &str,
    now: Timestamp,
    ttl: SignedDuration,
    ip: &str,
    user_agent: &str,
) -> Result<(), DbError> {
    let user_agent: String = user_agent.chars().take(200).collect();
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6)",
        params![token_hash, user, unix(now), unix(now + ttl), ip, user_agent],
    )
    .map_err(DbError::from)?;
    Ok(())
}

/// Looks a session up; a session in use has its expiry pushed back (at most once a
/// minute, to keep page views from writing every time).
pub fn session_user(
    conn: &Connection,
    token_hash: &str,
    now: Timestamp,
    ttl: SignedDuration,
) -> Result<Option<SessionUser>, DbError> {
    let found = conn
        .query_row(
            "SELECT u.id, u.email, u.display_name, u.role, COALESCE(p.business_name, ''),
                    s.last_seen_at
             FROM sessions s
             JOIN users u ON u.id = s.user_id
             LEFT JOIN shop_profile p ON p.id = 1
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.disabled_at IS NULL",
            params![token_hash, unix(now)],
            |r| {
                Ok((
                    SessionUser {
                        id: r.get(0)?,
                        email: r.get(1)?,
                        display_name: r.get(2)?,
                        role: r.get(3)?,
                        business_name: r.get(4)?,
                    },
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()
        .map_err(DbError::from)?;
    let Some((user, last_seen)) = found else {
        return Ok(None);
    };
    if unix(now) - last_seen >= 60 {
        conn.execute(
            "UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE token_hash = ?3",
            params![unix(now), unix(now + ttl), token_hash],
        )
        .map_err(DbError::from)?;
    }
    Ok(Some(user))
}

pub fn delete_session(conn: &Connection, token_hash: &str) -> Result<(), DbError> {
    conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])
        .map_err(DbError::from)?;
    Ok(())
}

pub fn delete_other_sessions(
    conn: &Connection,
    user: UserId,
    keep: &str,
) -> Result<usize, DbError> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash <> ?2",
        params![user, keep],
    )
    .map_err(DbError::from)
}

pub fn list_sessions(
    conn: &Connection,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<SessionInfo>, DbError> {
    let mut stmt = conn
        .prepare(
            "SELECT token_hash, created_at, last_seen_at, ip, user_agent FROM sessions
             WHERE user_id = ?1 AND expires_at > ?2 ORDER BY last_seen_at DESC",
        )
        .map_err(DbError::from)?;
    let rows = stmt
        .query_map(params![user, unix(now)], |r| {
            Ok(SessionInfo {
                token_hash: r.get(0)?,
                created_at: from_unix(r.get(1)?),
                last_seen_at: from_unix(r.get(2)?),
                ip: r.get(3)?,
                user_agent: r.get(4)?,
            })
        })
        .map_err(DbError::from)?;
    rows.collect::<Result<_, _>>().map_err(DbError::from)
}
