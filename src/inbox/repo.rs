//! The inbox's reads: conversation lists by tab, one conversation's thread with each
//! reply's delivery status.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::AppError;

/// The tabs of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// A human was asked for and nobody on the team has answered yet.
    New,
    /// A teammate has answered; not closed.
    Ongoing,
    /// Handled by the bot alone.
    Bot,
    Closed,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::New, Tab::Ongoing, Tab::Bot, Tab::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Tab::New => "nouvelles",
            Tab::Ongoing => "en-cours",
            Tab::Bot => "chatbot",
            Tab::Closed => "fermees",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::New => "Nouvelles",
            Tab::Ongoing => "En cours",
            Tab::Bot => "Chatbot",
            Tab::Closed => "Fermées",
        }
    }

    pub fn from_code(code: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.code() == code)
    }

    fn condition(self) -> &'static str {
        match self {
            Tab::New => "c.closed_at IS NULL AND c.handoff_at IS NOT NULL AND c.bot_paused = 0",
            Tab::Ongoing => "c.closed_at IS NULL AND c.bot_paused = 1",
            Tab::Bot => "c.closed_at IS NULL AND c.handoff_at IS NULL AND c.bot_paused = 0",
            Tab::Closed => "c.closed_at IS NOT NULL",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub channel: String,
    pub contact: String,
    pub name: String,
    pub last_message: String,
    pub last_at: i64,
    pub handed_over: bool,
    pub bot_paused: bool,
}

/// A page of a tab, newest first; `before` continues after the last row shown
/// (its time and id), so deep pages cost what the first does.
pub fn list(
    conn: &Connection,
    tab: Tab,
    before: Option<(i64, i64)>,
    limit: usize,
) -> Result<Vec<Row>, AppError> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let sql = format!(
        "SELECT c.id, c.channel, c.contact, COALESCE(k.display_name, ''), c.last_message_at,
                c.handoff_at IS NOT NULL, c.bot_paused,
                (SELECT body FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1)
         FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id
         WHERE {} AND (c.last_message_at, c.id) < (?1, ?2)
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?3",
        tab.condition()
    );
    let rows = conn
        .prepare(&sql)?
        .query_map(params![at, id, limit as i64], |r| {
            Ok(Row {
                id: r.get(0)?,
                channel: r.get(1)?,
                contact: r.get(2)?,
                name: r.get(3)?,
                last_at: r.get(4)?,
                handed_over: r.get(5)?,
                bot_paused: r.get(6)?,
                last_message: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn count(conn: &Connection, tab: Tab) -> Result<i64, AppError> {
    Ok(conn.query_row(
        &format!(
            "SELECT count(*) FROM conversations c WHERE {}",
            tab.condition()
        ),
        [],
        |r| r.get(0),
    )?)
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub author: String,
    pub staff_name: Option<String>,
    pub body: String,
    pub intent: Option<String>,
    pub created_at: i64,
    /// For replies sent through a provider: pending, sent, delivered or failed, and why.
    pub delivery: Option<(String, Option<String>)>,
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: i64,
    pub channel: String,
    pub contact: String,
    pub name: String,
    pub contact_email: Option<String>,
    pub handed_over: bool,
    pub handoff_reason: Option<String>,
    pub bot_paused: bool,
    pub closed: bool,
    pub messages: Vec<Message>,
}

pub fn thread(conn: &Connection, id: i64) -> Result<Option<Thread>, AppError> {
    let head = conn
        .query_row(
            "SELECT c.id, c.channel, c.contact, COALESCE(k.display_name, ''), c.contact_email,
                    c.handoff_at IS NOT NULL, c.handoff_reason, c.bot_paused, c.closed_at IS NOT NULL
             FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id WHERE c.id = ?1",
            [id],
            |r| {
                Ok(Thread {
                    id: r.get(0)?,
                    channel: r.get(1)?,
                    contact: r.get(2)?,
                    name: r.get(3)?,
                    contact_email: r.get(4)?,
                    handed_over: r.get(5)?,
                    handoff_reason: r.get(6)?,
                    bot_paused: r.get(7)?,
                    closed: r.get(8)?,
                    messages: Vec::new(),
                })
            },
        )
        .optional()?;
    let Some(mut thread) = head else {
        return Ok(None);
    };
    let mut stmt = conn.prepare(
        "SELECT m.id, m.author, u.display_name, m.body, m.intent, m.created_at, o.status, o.error
         FROM messages m LEFT JOIN users u ON u.id = m.user_id LEFT JOIN outbox o ON o.message_id = m.id
         WHERE m.conversation_id = ?1 ORDER BY m.id DESC LIMIT 500",
    )?;
    let mut messages: Vec<Message> = stmt
        .query_map([id], |r| {
            let status: Option<String> = r.get(6)?;
            Ok(Message {
                id: r.get(0)?,
                author: r.get(1)?,
                staff_name: r.get(2)?,
                body: r.get(3)?,
                intent: r.get(4)?,
                created_at: r.get(5)?,
                delivery: status.map(|s| (s, r.get(7).ok().flatten())),
            })
        })?
        .collect::<Result<_, _>>()?;
    messages.reverse();
    thread.messages = messages;
    Ok(Some(thread))
}

/// The subject and Message-ID the conversation's e-mail replies thread under.
pub fn email_thread(conn: &Connection, conversation: i64) -> Result<(String, String), AppError> {
    Ok(conn
        .query_row(
            "SELECT o.subject, o.in_reply_to FROM outbox o JOIN messages m ON m.id = o.message_id
             WHERE m.conversation_id = ?1 ORDER BY o.id DESC LIMIT 1",
            [conversation],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_else(|| ("Re: votre message".into(), String::new())))
}

pub fn close(conn: &Connection, conversation: i64, now: i64) -> Result<(), AppError> {
    conn.execute(
        "UPDATE conversations SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
        params![conversation, now],
    )?;
    Ok(())
}
