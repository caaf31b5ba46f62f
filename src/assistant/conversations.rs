//! Conversations and their messages as stored: one open conversation per shopper and
//! channel, its dialogue state, whether it was handed to a human, and whether a human
//! replied (then the bot stays silent there until handed back).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::ids::{ContactId, ConversationId, MessageId, UserId};
use crate::engine::Channel;
use crate::engine::dialogue::Dialogue;
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: ConversationId,
    pub channel: String,
    pub contact: String,
    pub state: Dialogue,
    pub handed_over: bool,
    pub bot_paused: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Shopper,
    Bot,
    Staff,
}

impl Author {
    fn code(self) -> &'static str {
        match self {
            Author::Shopper => "shopper",
            Author::Bot => "bot",
            Author::Staff => "staff",
        }
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        channel: r.get(1)?,
        contact: r.get(2)?,
        state: Dialogue::from_json(&r.get::<_, String>(3)?),
        handed_over: r.get::<_, Option<i64>>(4)?.is_some(),
        bot_paused: r.get(5)?,
    })
}

const COLUMNS: &str = "id, channel, contact, state, handoff_at, bot_paused";

pub fn get(conn: &Connection, id: ConversationId) -> Result<Option<Conversation>, AppError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM conversations WHERE id = ?1"),
            [id],
            row,
        )
        .optional()?)
}

/// The shopper's open conversation on this channel, if any.
pub fn current(
    conn: &Connection,
    channel: Channel,
    contact: &str,
) -> Result<Option<ConversationId>, AppError> {
    Ok(conn
        .query_row(
            "SELECT id FROM conversations WHERE channel = ?1 AND contact = ?2 AND closed_at IS NULL
             ORDER BY last_message_at DESC LIMIT 1",
            params![channel.code(), contact],
            |r| r.get(0),
        )
        .optional()?)
}

/// How long after closing a shopper's new message reopens the conversation rather
/// than starting another.
pub const REOPEN_WITHIN_SECS: i64 = 7 * 24 * 3600;

/// The shopper's open conversation on this channel; else the one closed within
/// `REOPEN_WITHIN_SECS`, reopened for the bot to answer afresh; else a new one.
pub fn open(
    conn: &Connection,
    channel: Channel,
    contact: &str,
    now: Timestamp,
) -> Result<Conversation, AppError> {
    let latest: Option<(ConversationId, Option<i64>)> = conn
        .query_row(
            "SELECT id, closed_at FROM conversations WHERE channel = ?1 AND contact = ?2
             ORDER BY last_message_at DESC, id DESC LIMIT 1",
            params![channel.code(), contact],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match latest {
        Some((id, None)) => {
            if let Some(c) = get(conn, id)? {
                return Ok(c);
            }
        }
        Some((id, Some(closed))) if now.as_second() - closed < REOPEN_WITHIN_SECS => {
            conn.prepare_cached(
                "UPDATE conversations SET closed_at = NULL, bot_paused = 0, handoff_at = NULL,
                    handoff_reason = NULL WHERE id = ?1",
            )?
            .execute([id])?;
            if let Some(c) = get(conn, id)? {
                return Ok(c);
            }
        }
        _ => {}
    }
    let id = conn
        .prepare_cached(
            "INSERT INTO conversations (channel, contact, created_at, last_message_at)
         VALUES (?1, ?2, ?3, ?3) RETURNING id",
        )?
        .query_row(params![channel.code(), contact, now.as_second()], |r| {
            r.get(0)
        })?;
    get(conn, id)?.ok_or(AppError::NotFound)
}

/// The shopper's latest conversation on this channel, open or closed (the web chat
/// shows it, closing survey included).
pub fn latest(
    conn: &Connection,
    channel: Channel,
    contact: &str,
) -> Result<Option<ConversationId>, AppError> {
    Ok(conn
        .query_row(
            "SELECT id FROM conversations WHERE channel = ?1 AND contact = ?2
             ORDER BY last_message_at DESC, id DESC LIMIT 1",
            params![channel.code(), contact],
            |r| r.get(0),
        )
        .optional()?)
}

#[allow(clippy::too_many_arguments)]
pub fn add_message(
    conn: &Connection,
    conversation: ConversationId,
    author: Author,
    user: Option<UserId>,
    body: &str,
    intent: Option<&str>,
    action: Option<&str>,
    now: Timestamp,
) -> Result<MessageId, AppError> {
    let id = conn.prepare_cached("INSERT INTO messages (conversation_id, author, user_id, body, intent, action, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id")?
        .query_row(
        params![
            conversation,
            author.code(),
            user,
            body,
            intent,
            action,
            now.as_second()
        ],
        |r| r.get(0),
    )?;
    conn.prepare_cached("UPDATE conversations SET last_message_at = ?2 WHERE id = ?1")?
        .execute(params![conversation, now.as_second()])?;
    Ok(id)
}

pub fn save_state(
    conn: &Connection,
    conversation: ConversationId,
    state: &Dialogue,
) -> Result<(), AppError> {
    let lang = state.lang.map_or("fr", |l| l.code());
    conn.prepare_cached("UPDATE conversations SET state = ?2, lang = ?3 WHERE id = ?1")?
        .execute(params![conversation, state.to_json(), lang])?;
    Ok(())
}

/// The conversation holding the message a provider gave this id, if already received.
pub fn with_provider_id(
    conn: &Connection,
    provider_id: &str,
) -> Result<Option<ConversationId>, AppError> {
    Ok(conn
        .query_row(
            "SELECT conversation_id FROM messages WHERE provider_id = ?1",
            [provider_id],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn set_provider_id(
    conn: &Connection,
    message: MessageId,
    provider_id: &str,
) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE messages SET provider_id = ?2 WHERE id = ?1")?
        .execute(params![message, provider_id])?;
    Ok(())
}

pub fn set_contact(
    conn: &Connection,
    conversation: ConversationId,
    contact: ContactId,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE conversations SET contact_id = ?2 WHERE id = ?1 AND contact_id IS NOT ?2",
    )?
    .execute(params![conversation, contact])?;
    Ok(())
}

/// An address the shopper left so the team can answer later.
pub fn set_contact_email(
    conn: &Connection,
    conversation: ConversationId,
    email: &str,
) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE conversations SET contact_email = ?2 WHERE id = ?1")?
        .execute(params![conversation, email])?;
    Ok(())
}

/// Leaves a web chat visit out of the analytics when it comes from one of the shop's
/// own addresses (Analytiques › Réglages des rapports). Returns whether it did.
pub fn exclude_if_own(
    conn: &Connection,
    conversation: ConversationId,
    ip: std::net::IpAddr,
) -> Result<bool, AppError> {
    let listed: Option<String> = conn
        .prepare_cached("SELECT excluded_ips FROM analytics_settings WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    let ranges: Vec<String> = listed
        .and_then(|l| serde_json::from_str(&l).ok())
        .unwrap_or_default();
    let own = ranges.iter().any(|r| {
        crate::config::ip_range(r).is_some_and(|(net, bits)| crate::config::in_range(ip, net, bits))
    });
    if own {
        conn.prepare_cached(
            "UPDATE conversations SET excluded = 1 WHERE id = ?1 AND excluded = 0",
        )?
        .execute([conversation])?;
    }
    Ok(own)
}

/// The e-mail address a web chat visitor left, if any.
pub fn contact_email(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<Option<String>, AppError> {
    let email: Option<String> = conn
        .prepare_cached("SELECT contact_email FROM conversations WHERE id = ?1")?
        .query_row([conversation], |r| r.get(0))
        .optional()?
        .flatten();
    Ok(email.filter(|e| !e.trim().is_empty()))
}

pub fn set_body(conn: &Connection, message: MessageId, body: &str) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE messages SET body = ?2 WHERE id = ?1")?
        .execute(params![message, body])?;
    Ok(())
}

/// Flags the conversation for a human (kept from the first handover).
pub fn hand_over(
    conn: &Connection,
    conversation: ConversationId,
    reason: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE conversations SET handoff_at = COALESCE(handoff_at, ?2),
            handoff_reason = COALESCE(handoff_reason, ?3) WHERE id = ?1",
    )?
    .execute(params![conversation, now.as_second(), reason])?;
    Ok(())
}

/// A team member's reply: stored, and the bot stops answering in this conversation.
pub fn staff_reply(
    conn: &Connection,
    conversation: ConversationId,
    user: UserId,
    body: &str,
    now: Timestamp,
) -> Result<MessageId, AppError> {
    let id = add_message(
        conn,
        conversation,
        Author::Staff,
        Some(user),
        body,
        None,
        None,
        now,
    )?;
    conn.prepare_cached("UPDATE conversations SET bot_paused = 1 WHERE id = ?1")?
        .execute([conversation])?;
    Ok(id)
}

/// Gives the conversation back to the bot.
pub fn hand_back(conn: &Connection, conversation: ConversationId) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE conversations SET bot_paused = 0, handoff_at = NULL, handoff_reason = NULL
         WHERE id = ?1",
    )?
    .execute([conversation])?;
    Ok(())
}

/// The last messages of a conversation, oldest first: (author, body).
pub fn messages(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<Vec<(String, String)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT author, body FROM messages WHERE conversation_id = ?1 ORDER BY id",
    )?;
    let out = stmt
        .query_map([conversation], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(out)
}

/// Keeps a conversation out of the inbox and the figures (the setup wizard's test box).
pub fn mark_test(conn: &Connection, id: ConversationId) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE conversations SET test = 1 WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// What a bot reply was about: the product, whether it was in stock (for the dashboard's
/// out-of-stock demand), and the engine's time in microseconds.
pub fn describe_reply(
    conn: &Connection,
    message: MessageId,
    product: Option<&str>,
    in_stock: Option<bool>,
    latency_us: u64,
    confidence: f32,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE messages SET product = ?2, in_stock = ?3, latency_us = ?4, confidence = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        message,
        product,
        in_stock,
        latency_us as i64,
        f64::from(confidence)
    ])?;
    Ok(())
}
