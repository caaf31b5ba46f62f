//! The figures the conversations' facts do not hold: the messages the assistant did not
//! understand, the products' titles, holds and ratings of the period.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use super::report::{Fact, Period};
use crate::engine::text::words;
use crate::error::AppError;

/// Messages the assistant did not understand, grouped by their first meaningful words.
#[derive(Debug, Clone, PartialEq)]
pub struct Unclear {
    pub example: String,
    pub count: i64,
    /// The latest conversation with this wording, and the message (to teach from).
    pub conversation: i64,
    pub message: i64,
}

/// How much of the period's not-understood messages are read (the most recent).
const UNCLEAR_READ: i64 = 2000;

pub fn unclear(conn: &Connection, p: &Period) -> Result<Vec<Unclear>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.conversation_id, s.body, s.id
         FROM messages m JOIN messages s ON s.id = (SELECT x.id FROM messages x
                 WHERE x.conversation_id = m.conversation_id AND x.id < m.id AND x.author = 'shopper'
                 ORDER BY x.id DESC LIMIT 1)
         JOIN conversations c ON c.id = m.conversation_id AND c.test = 0
         WHERE m.author = 'bot' AND m.created_at >= ?1 AND m.created_at < ?2 AND m.intent = 'unknown'
         ORDER BY m.created_at DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(
        rusqlite::params![p.start.as_second(), p.end.as_second(), UNCLEAR_READ],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )?;
    let mut groups: Vec<(String, Unclear)> = Vec::new();
    for row in rows {
        let (conversation, body, message) = row?;
        // Similar wording: the same first three words of four letters or more.
        let mut key: Vec<String> = words(&body)
            .into_iter()
            .filter(|w| w.len() >= 4)
            .take(3)
            .collect();
        key.sort();
        let key = key.join(" ");
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.count += 1,
            None => groups.push((
                key,
                Unclear {
                    example: body.chars().take(160).collect(),
                    count: 1,
                    conversation,
                    message,
                },
            )),
        }
    }
    let mut out: Vec<Unclear> = groups.into_iter().map(|(_, g)| g).collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.count));
    out.truncate(30);
    Ok(out)
}

/// A product the assistant answered about.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub handle: String,
    pub title: String,
    pub asked: i64,
    pub out_of_stock: i64,
}

/// The products asked for (handle, replies, out of stock) with their titles, at most 50.
pub fn titled(conn: &Connection, asked: Vec<(String, i64, i64)>) -> Result<Vec<Asked>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT title FROM products WHERE handle = ?1 LIMIT 1")?;
    let mut out = Vec::new();
    for (handle, n, oos) in asked.into_iter().take(50) {
        let title: Option<String> = stmt.query_row([&handle], |r| r.get(0)).optional()?;
        out.push(Asked {
            title: title.unwrap_or_else(|| handle.clone()),
            handle,
            asked: n,
            out_of_stock: oos,
        });
    }
    Ok(out)
}

/// Holds of the period by what became of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holds {
    pub created: i64,
    pub fulfilled: i64,
    pub cancelled: i64,
    pub expired: i64,
}

pub fn holds(conn: &Connection, p: &Period) -> Result<Holds, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), COALESCE(SUM(status = 'fulfilled'), 0),
                    COALESCE(SUM(status = 'cancelled'), 0), COALESCE(SUM(status = 'expired'), 0)
             FROM reservations WHERE created_at >= ?1 AND created_at < ?2",
        )?
        .query_row([p.start.as_second(), p.end.as_second()], |r| {
            Ok(Holds {
                created: r.get(0)?,
                fulfilled: r.get(1)?,
                cancelled: r.get(2)?,
                expired: r.get(3)?,
            })
        })?)
}

/// A survey answer, with who it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    pub conversation: i64,
    pub score: i64,
    /// What the shopper wrote after their rating, if anything.
    pub comment: String,
    pub member: Option<i64>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub at: Timestamp,
}

pub fn ratings(conn: &Connection, rated: &[Fact]) -> Result<Vec<Rating>, AppError> {
    let mut out = Vec::with_capacity(rated.len());
    for f in rated {
        let (name, contact, left, answered): (String, String, String, Option<i64>) = conn
            .prepare_cached(
                "SELECT COALESCE(k.display_name, ''), c.contact, COALESCE(c.contact_email, ''),
                        (SELECT max(m.created_at) FROM messages m
                          WHERE m.conversation_id = c.id AND m.author = 'shopper' AND m.intent = 'survey')
                 FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id WHERE c.id = ?1",
            )?
            .query_row([f.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?
            .unwrap_or_default();
        let bare = contact.trim_start_matches("whatsapp:");
        let (email, phone) = if bare.contains('@') {
            (bare.to_string(), String::new())
        } else if bare.starts_with('+') {
            (left, bare.to_string())
        } else {
            (left, String::new())
        };
        let comment: Option<String> = conn
            .prepare_cached(
                "SELECT body FROM messages WHERE conversation_id = ?1 AND author = 'shopper'
                   AND intent IS NULL AND created_at >= ?2 ORDER BY id LIMIT 1",
            )?
            .query_row([f.id, answered.unwrap_or(i64::MAX)], |r| r.get(0))
            .optional()?;
        out.push(Rating {
            conversation: f.id,
            score: f.csat.unwrap_or(0),
            comment: comment.unwrap_or_default().chars().take(300).collect(),
            member: f.assignee,
            name: if name.is_empty() {
                f.contact.clone()
            } else {
                name
            },
            email,
            phone,
            at: Timestamp::from_second(answered.or(f.closed_at).unwrap_or(f.started_at))
                .unwrap_or(Timestamp::UNIX_EPOCH),
        });
    }
    Ok(out)
}
