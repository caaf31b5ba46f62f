//! SQL for users, login links and the shop profile (sessions are `web::sessions`).

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::profile::{BusinessType, ShopProfile};
use crate::clock::{from_unix, unix};
use crate::db::DbError;
use crate::db::ids::UserId;
use crate::error::AppError;
use crate::web::roles::Role;

#[derive(Debug, Clone)]
pub struct Member {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub disabled: bool,
    pub has_password: bool,
    /// Away: the automation rules give them no conversation.
    pub away: bool,
}

fn db(e: rusqlite::Error) -> AppError {
    AppError::Db(DbError::Sqlite(e))
}

pub fn create_user(
    conn: &Connection,
    email: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
    now: Timestamp,
) -> Result<UserId, AppError> {
    let inserted = conn.execute(
        "INSERT INTO users (email, display_name, password_hash, role, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (email) DO NOTHING",
        params![
            email.trim(),
            display_name.trim(),
            password_hash,
            role,
            unix(now)
        ],
    );
    match inserted.map_err(db)? {
        0 => Err(AppError::BadRequest(format!(
            "Un compte existe déjà avec l'adresse {}.",
            email.trim()
        ))),
        _ => Ok(UserId(conn.last_insert_rowid())),
    }
}

/// The enabled account with this e-mail and its password hash.
pub fn find_login(conn: &Connection, email: &str) -> Result<Option<(UserId, String)>, AppError> {
    conn.query_row(
        "SELECT id, password_hash FROM users WHERE email = ?1 AND disabled_at IS NULL",
        [email.trim()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(db)
}

pub fn find_by_email(conn: &Connection, email: &str) -> Result<Option<UserId>, AppError> {
    conn.query_row(
        "SELECT id FROM users WHERE email = ?1",
        [email.trim()],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
}

pub fn password_hash(conn: &Connection, id: UserId) -> Result<String, AppError> {
    conn.query_row("SELECT password_hash FROM users WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .map_err(db)
}

/// Sets a new password and ends every session of that account but `keep`.
pub fn set_password(
    conn: &Connection,
    id: UserId,
    hash: &str,
    keep: Option<&str>,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2",
        params![hash, id],
    )
    .map_err(db)?;
    conn.execute(
        "DELETE FROM sessions WHERE user_id = ?1 AND token_hash IS NOT ?2",
        params![id, keep],
    )
    .map_err(db)?;
    Ok(())
}

pub fn list_members(conn: &Connection) -> Result<Vec<Member>, AppError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, email, display_name, role, created_at, disabled_at IS NOT NULL,
                    password_hash <> '', away
             FROM users ORDER BY disabled_at IS NOT NULL, email",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Member {
                id: r.get(0)?,
                email: r.get(1)?,
                display_name: r.get(2)?,
                role: r.get(3)?,
                created_at: from_unix(r.get(4)?),
                disabled: r.get(5)?,
                has_password: r.get(6)?,
                away: r.get(7)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<_, _>>().map_err(db)
}

pub fn member(conn: &Connection, id: UserId) -> Result<Option<Member>, AppError> {
    Ok(list_members(conn)?.into_iter().find(|m| m.id == id))
}

pub fn active_admins(conn: &Connection) -> Result<i64, AppError> {
    conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL",
        [],
        |r| r.get(0),
    )
    .map_err(db)
}

pub fn set_role(conn: &Connection, id: UserId, role: Role) -> Result<(), AppError> {
    conn.execute(
        "UPDATE users SET role = ?1 WHERE id = ?2",
        params![role, id],
    )
    .map_err(db)?;
    Ok(())
}

/// Disabling an account also ends its sessions at once.
pub fn set_disabled(
    conn: &Connection,
    id: UserId,
    disabled: bool,
    now: Timestamp,
) -> Result<(), AppError> {
    let at = disabled.then(|| unix(now));
    conn.execute(
        "UPDATE users SET disabled_at = ?1 WHERE id = ?2",
        params![at, id],
    )
    .map_err(db)?;
    if disabled {
        conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])
            .map_err(db)?;
    }
    Ok(())
}

pub fn purge_expired(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    let sessions = conn
        .execute("DELETE FROM sessions WHERE expires_at <= ?1", [unix(now)])
        .map_err(db)?;
    let links = conn
        .execute(
            "DELETE FROM login_links WHERE expires_at <= ?1",
            [unix(now)],
        )
        .map_err(db)?;
    Ok(sessions + links)
}

pub fn create_login_link(
    conn: &Connection,
    user: UserId,
    token_hash: &str,
    now: Timestamp,
    valid_for: SignedDuration,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO login_links (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, user, unix(now), unix(now + valid_for)],
    )
    .map_err(db)?;
    Ok(())
}

/// Marks a link used and returns its account, once; an expired or used link gives None.
pub fn consume_login_link(
    conn: &Connection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<UserId>, AppError> {
    conn.query_row(
        "UPDATE login_links SET used_at = ?2
         WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
           AND user_id IN (SELECT id FROM users WHERE disabled_at IS NULL)
         RETURNING user_id",
        params![token_hash, unix(now)],
        |r| r.get(0),
    )
    .optional()
    .map_err(db)
}

pub fn profile(conn: &Connection) -> Result<Option<ShopProfile>, AppError> {
    conn.query_row(
        "SELECT business_name, business_type, phone, email, address, timezone, language
         FROM shop_profile WHERE id = 1",
        [],
        |r| {
            Ok(ShopProfile {
                business_name: r.get(0)?,
                business_type: r.get(1)?,
                phone: r.get(2)?,
                email: r.get(3)?,
                address: r.get(4)?,
                timezone: r.get(5)?,
                language: r.get(6)?,
            })
        },
    )
    .optional()
    .map_err(db)
}

/// The shop's time zone (Europe/Paris until the profile says otherwise).
pub fn shop_timezone(conn: &Connection) -> jiff::tz::TimeZone {
    let name = profile(conn)
        .ok()
        .flatten()
        .map_or_else(|| "Europe/Paris".to_string(), |p| p.timezone);
    jiff::tz::TimeZone::get(&name).unwrap_or(jiff::tz::TimeZone::UTC)
}

pub fn save_profile(conn: &Connection, p: &ShopProfile, now: Timestamp) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO shop_profile
            (id, business_name, business_type, phone, email, address, timezone, language, created_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (id) DO UPDATE SET
            business_name = excluded.business_name, business_type = excluded.business_type,
            phone = excluded.phone, email = excluded.email, address = excluded.address,
            timezone = excluded.timezone, language = excluded.language,
            updated_at = excluded.updated_at",
        params![
            p.business_name,
            p.business_type,
            p.phone,
            p.email,
            p.address,
            p.timezone,
            p.language,
            unix(now)
        ],
    )
    .map_err(db)?;
    Ok(())
}

/// `BusinessType` is stored by its code.
impl rusqlite::types::ToSql for BusinessType {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.code().into())
    }
}

impl rusqlite::types::FromSql for BusinessType {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let code = v.as_str()?;
        BusinessType::from_code(code).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown business type {code}").into())
        })
    }
}
