//! The inbox's reads and the team's changes to a conversation: lists by tab and filter,
//! full-text search, one conversation's thread (messages, delivery status, notes), what
//! each teammate has read, assignment, priority, closing and reopening.

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::db::ids::UserId;
use crate::db::ids::{ContactId, ConversationId, MessageId};
use crate::error::AppError;

/// The tabs of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// A human was asked for and nobody on the team has answered yet.
    New,
    /// A teammate has answered; not closed.
    Ongoing,
    /// Open and assigned to the one looking.
    Mine,
    /// Open and marked priority.
    Priority,
    /// Handled by the bot alone.
    Bot,
    Closed,
    /// The setup wizard's test conversations, kept out of every other tab.
    Tests,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::New,
        Tab::Ongoing,
        Tab::Mine,
        Tab::Priority,
        Tab::Bot,
        Tab::Closed,
        Tab::Tests,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Tab::New => "nouvelles",
            Tab::Ongoing => "en-cours",
            Tab::Mine => "miennes",
            Tab::Priority => "priorite",
            Tab::Bot => "chatbot",
            Tab::Closed => "fermees",
            Tab::Tests => "tests",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tab::New => "Nouvelles",
            Tab::Ongoing => "En cours",
            Tab::Mine => "Mes conversations",
            Tab::Priority => "Priorité",
            Tab::Bot => "Chatbot",
            Tab::Closed => "Fermées",
            Tab::Tests => "Tests",
        }
    }

    pub fn from_code(code: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The tab's condition; `?1` is the user looking. Test conversations are in the
    /// Tests tab only.
    fn condition(self) -> &'static str {
        match self {
            Tab::New => {
                "c.test = 0 AND c.closed_at IS NULL AND c.handoff_at IS NOT NULL AND c.bot_paused = 0"
            }
            Tab::Ongoing => "c.test = 0 AND c.closed_at IS NULL AND c.bot_paused = 1",
            Tab::Mine => "c.test = 0 AND c.closed_at IS NULL AND c.assignee_id = ?1",
            Tab::Priority => "c.test = 0 AND c.closed_at IS NULL AND c.priority = 1",
            Tab::Bot => {
                "c.test = 0 AND c.closed_at IS NULL AND c.handoff_at IS NULL AND c.bot_paused = 0"
            }
            Tab::Closed => "c.test = 0 AND c.closed_at IS NOT NULL",
            Tab::Tests => "c.test = 1",
        }
    }
}

/// Who a conversation is assigned to, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Nobody,
    User(i64),
}

/// Open or closed, as a filter (the tabs already split them; this narrows a search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Open,
    Closed,
}

/// What the list shows: a tab, or the results of a search across every tab; then
/// narrowed by the filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tab: Option<Tab>,
    pub search: Option<String>,
    pub status: Option<Status>,
    pub channel: Option<String>,
    pub department: Option<i64>,
    pub assignee: Option<Assignee>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub id: ConversationId,
    pub channel: String,
    pub contact: String,
    pub name: String,
    pub last_message: String,
    pub last_at: i64,
    pub handed_over: bool,
    pub handoff_reason: Option<String>,
    pub bot_paused: bool,
    pub priority: bool,
    pub closed: bool,
    pub assignee: Option<String>,
    pub department: Option<String>,
    /// The shopper wrote since this teammate last opened the conversation.
    pub unread: bool,
}

/// Conversations whose contact or messages match `query`, most recent first, added to
/// `ids` up to `cap`.
fn matching(
    conn: &Connection,
    query: &str,
    cap: usize,
    ids: &mut Vec<i64>,
    seen: &mut std::collections::HashSet<i64>,
) -> Result<(), AppError> {
    let mut by_contact = conn.prepare_cached(
        "SELECT c.id FROM contacts_fts f JOIN conversations c ON c.contact_id = f.rowid
         WHERE contacts_fts MATCH ?1 ORDER BY c.last_message_at DESC LIMIT ?2",
    )?;
    for id in by_contact.query_map(params![query, cap as i64], |r| r.get::<_, i64>(0))? {
        let id = id?;
        if seen.insert(id) {
            ids.push(id);
        }
    }
    // Newest messages first, straight from the full-text index's rowid order; each
    // message then names its conversation by primary key.
    let mut by_message = conn.prepare_cached(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?2",
    )?;
    let mut conversation_of =
        conn.prepare_cached("SELECT conversation_id FROM messages WHERE id = ?1")?;
    let messages: Vec<i64> = by_message
        .query_map(params![query, (cap * 10) as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for message in messages {
        if ids.len() >= cap {
            break;
        }
        let id: i64 = conversation_of.query_row([message], |r| r.get(0))?;
        if seen.insert(id) {
            ids.push(id);
        }
    }
    Ok(())
}

/// Conversations a search finds: by whole words, then by prefixes when whole words
/// fill less than a page (a prefix costs more: FTS5 gathers every word it starts).
fn search_ids(conn: &Connection, search: &str, cap: usize) -> Result<Vec<i64>, AppError> {
    let Some((words, prefixes)) = crate::db::fts::queries(search) else {
        return Ok(Vec::new());
    };
    let (mut ids, mut seen) = (Vec::new(), std::collections::HashSet::new());
    matching(conn, &words, cap, &mut ids, &mut seen)?;
    if ids.len() < super::PAGE {
        matching(conn, &prefixes, cap, &mut ids, &mut seen)?;
    }
    Ok(ids)
}

/// How many conversations a search finds at most: the most recent matches.
const SEARCH_CAP: usize = 200;

/// A page of the list, newest first; `before` continues after the last row shown (its
/// time and id), so deep pages cost what the first does.
pub fn list(
    conn: &Connection,
    user: UserId,
    filter: &Filter,
    before: Option<(i64, i64)>,
    limit: usize,
) -> Result<Vec<Row>, AppError> {
    let (at, id) = before.unwrap_or((i64::MAX, i64::MAX));
    let mut values: Vec<rusqlite::types::Value> =
        vec![user.0.into(), at.into(), id.into(), (limit as i64).into()];
    let mut conditions: Vec<String> = Vec::new();
    match filter.tab {
        Some(tab) => conditions.push(tab.condition().to_string()),
        // A search looks in every tab but the tests.
        None => conditions.push("c.test = 0".into()),
    }
    if let Some(search) = &filter.search {
        let ids = search_ids(conn, search, SEARCH_CAP)?;
        let json = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
        values.push(json.into());
        conditions.push(format!(
            "c.id IN (SELECT value FROM json_each(?{}))",
            values.len()
        ));
    }
    match filter.status {
        Some(Status::Open) => conditions.push("c.closed_at IS NULL".into()),
        Some(Status::Closed) => conditions.push("c.closed_at IS NOT NULL".into()),
        None => {}
    }
    if let Some(channel) = &filter.channel {
        values.push(channel.clone().into());
        conditions.push(format!("c.channel = ?{}", values.len()));
    }
    if let Some(department) = filter.department {
        values.push(department.into());
        conditions.push(format!("c.department_id = ?{}", values.len()));
    }
    match filter.assignee {
        Some(Assignee::Nobody) => conditions.push("c.assignee_id IS NULL".into()),
        Some(Assignee::User(u)) => {
            values.push(u.into());
            conditions.push(format!("c.assignee_id = ?{}", values.len()));
        }
        None => {}
    }
    conditions.push("(c.last_message_at, c.id) < (?2, ?3)".into());
    // Search results are few: fetched by id and sorted, rather than found by walking
    // the whole time index for them (the unary `+` keeps SQLite off that index).
    let order = if filter.search.is_some() {
        "+c.last_message_at DESC, +c.id DESC"
    } else {
        "c.last_message_at DESC, c.id DESC"
    };
    let sql = format!(
        "SELECT c.id, c.channel, c.contact, COALESCE(NULLIF(trim(cu.first_name || ' ' || cu.last_name), ''), k.display_name, ''), c.last_message_at,
                c.handoff_at IS NOT NULL, c.handoff_reason, c.bot_paused, c.priority,
                c.closed_at IS NOT NULL, NULLIF(u.display_name, ''), u.email, d.name,
                COALESCE((SELECT body FROM messages m WHERE m.conversation_id = c.id
                           AND m.author = 'shopper' ORDER BY m.id DESC LIMIT 1),
                          (SELECT body FROM messages m WHERE m.conversation_id = c.id
                           ORDER BY m.id DESC LIMIT 1)),
                COALESCE((SELECT max(m.id) FROM messages m
                          WHERE m.conversation_id = c.id AND m.author = 'shopper'), 0)
                  > COALESCE((SELECT r.message_id FROM conversation_reads r
                              WHERE r.user_id = ?1 AND r.conversation_id = c.id), 0)
         FROM conversations c
         LEFT JOIN contacts k ON k.id = c.contact_id
         LEFT JOIN customers cu ON cu.id = k.customer_id
         LEFT JOIN users u ON u.id = c.assignee_id
         LEFT JOIN departments d ON d.id = c.department_id
         WHERE {}
         ORDER BY {order} LIMIT ?4",
        conditions.join(" AND ")
    );
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values), |r| {
            let assignee: Option<String> = r.get(10)?;
            let email: Option<String> = r.get(11)?;
            Ok(Row {
                id: r.get(0)?,
                channel: r.get(1)?,
                contact: r.get(2)?,
                name: r.get(3)?,
                last_at: r.get(4)?,
                handed_over: r.get(5)?,
                handoff_reason: r.get(6)?,
                bot_paused: r.get(7)?,
                priority: r.get(8)?,
                closed: r.get(9)?,
                assignee: assignee.or(email),
                department: r.get(12)?,
                last_message: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                unread: r.get(14)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many conversations each tab holds, in `Tab::ALL` order. Open conversations are
/// counted on their own index, tests on theirs; closed ones as all minus those.
pub fn counts(conn: &Connection, user: UserId) -> Result<Vec<(Tab, i64)>, AppError> {
    let open = conn
        .prepare_cached(
            "SELECT count(*),
                COALESCE(sum(handoff_at IS NOT NULL AND bot_paused = 0), 0),
                COALESCE(sum(bot_paused = 1), 0),
                COALESCE(sum(assignee_id = ?1), 0),
                COALESCE(sum(priority = 1), 0),
                COALESCE(sum(handoff_at IS NULL AND bot_paused = 0), 0)
         FROM conversations INDEXED BY conversations_open WHERE closed_at IS NULL AND test = 0",
        )?
        .query_row([user], |r| {
            Ok([
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ])
        })?;
    let all: i64 = conn.query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))?;
    let tests: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM conversations INDEXED BY conversations_tests WHERE test = 1",
        )?
        .query_row([], |r| r.get(0))?;
    let [total_open, new, ongoing, mine, priority, bot]: [i64; 6] = open;
    Ok(vec![
        (Tab::New, new),
        (Tab::Ongoing, ongoing),
        (Tab::Mine, mine),
        (Tab::Priority, priority),
        (Tab::Bot, bot),
        (Tab::Closed, all - tests - total_open),
        (Tab::Tests, tests),
    ])
}

/// Conversations waiting for a human (the team's badge).
pub fn waiting(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM conversations INDEXED BY conversations_open
             WHERE closed_at IS NULL AND handoff_at IS NOT NULL AND bot_paused = 0 AND test = 0",
        )?
        .query_row([], |r| r.get(0))?)
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: MessageId,
    /// shopper, bot, staff, or note (the team's internal notes).
    pub author: String,
    pub staff_name: Option<String>,
    pub body: String,
    pub intent: Option<String>,
    /// How sure the assistant was of `intent` (bot replies).
    pub confidence: Option<f64>,
    pub created_at: i64,
    /// For replies sent through a provider: pending, sent, delivered or failed, and why.
    pub delivery: Option<(String, Option<String>)>,
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: ConversationId,
    pub channel: String,
    pub contact: String,
    pub contact_id: Option<ContactId>,
    pub name: String,
    pub blocked: bool,
    pub contact_email: Option<String>,
    pub handed_over: bool,
    pub handoff_reason: Option<String>,
    pub bot_paused: bool,
    pub closed: bool,
    pub priority: bool,
    pub assignee_id: Option<i64>,
    pub department_id: Option<i64>,
    pub survey_sent: bool,
    pub survey_score: Option<i64>,
    /// The product the dialogue is about, if any (for `{produit}`).
    pub product_id: Option<i64>,
    pub messages: Vec<Message>,
}

/// How many messages a conversation page shows (the newest).
const THREAD_LIMIT: i64 = 300;

/// One conversation with its latest messages, oldest first; the team's notes are woven
/// in when `notes` (a role that may see them).
pub fn thread(
    conn: &Connection,
    id: ConversationId,
    notes: bool,
) -> Result<Option<Thread>, AppError> {
    let head = conn
        .prepare_cached(
            "SELECT c.id, c.channel, c.contact, c.contact_id,
                    COALESCE(NULLIF(trim(cu.first_name || ' ' || cu.last_name), ''), k.display_name, ''),
                    COALESCE(k.blocked, 0), c.contact_email, c.handoff_at IS NOT NULL,
                    c.handoff_reason, c.bot_paused, c.closed_at IS NOT NULL, c.priority,
                    c.assignee_id, c.department_id, c.survey_sent_at IS NOT NULL, c.survey_score,
                    json_extract(c.state, '$.product')
             FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id
             LEFT JOIN customers cu ON cu.id = k.customer_id WHERE c.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Thread {
                id: r.get(0)?,
                channel: r.get(1)?,
                contact: r.get(2)?,
                contact_id: r.get(3)?,
                name: r.get(4)?,
                blocked: r.get(5)?,
                contact_email: r.get(6)?,
                handed_over: r.get(7)?,
                handoff_reason: r.get(8)?,
                bot_paused: r.get(9)?,
                closed: r.get(10)?,
                priority: r.get(11)?,
                assignee_id: r.get(12)?,
                department_id: r.get(13)?,
                survey_sent: r.get(14)?,
                survey_score: r.get(15)?,
                product_id: r.get::<_, Option<i64>>(16).ok().flatten(),
                messages: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut thread) = head else {
        return Ok(None);
    };
    let mut messages: Vec<Message> = conn
        .prepare_cached(
            // A team reply on the web chat has no provider: it is delivered once the
            // visitor's chat has received it.
            "SELECT m.id, m.author,
                    CASE WHEN m.action = 'automation' THEN '⚙️ Automatisation'
                         ELSE NULLIF(u.display_name, '') END,
                    m.body, m.intent, m.created_at,
                    COALESCE(o.status, CASE WHEN c.channel = 'webchat' AND m.author = 'staff'
                        THEN CASE WHEN m.id <= c.webchat_delivered_id THEN 'delivered' ELSE 'sent' END
                    END),
                    o.error, m.confidence
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             LEFT JOIN users u ON u.id = m.user_id
             LEFT JOIN outbox o ON o.message_id = m.id
             WHERE m.conversation_id = ?1 ORDER BY m.id DESC LIMIT ?2",
        )?
        .query_map(params![id, THREAD_LIMIT], |r| {
            let status: Option<String> = r.get(6)?;
            Ok(Message {
                id: r.get(0)?,
                author: r.get(1)?,
                staff_name: r.get(2)?,
                body: r.get(3)?,
                intent: r.get(4)?,
                confidence: r.get(8)?,
                created_at: r.get(5)?,
                delivery: status.map(|s| (s, r.get(7).ok().flatten())),
            })
        })?
        .collect::<Result<_, _>>()?;
    if notes {
        let oldest = messages.last().map_or(0, |m| m.created_at);
        let found = conn
            .prepare_cached(
                "SELECT n.id, COALESCE('Règle « ' || n.rule || ' »', NULLIF(u.display_name, '')), u.email, n.body, n.created_at
                 FROM notes n LEFT JOIN users u ON u.id = n.user_id
                 WHERE n.conversation_id = ?1 AND n.created_at >= ?2 ORDER BY n.id DESC LIMIT ?3",
            )?
            .query_map(params![id, oldest, THREAD_LIMIT], |r| {
                let name: Option<String> = r.get(1)?;
                Ok(Message {
                    id: r.get(0)?,
                    author: "note".into(),
                    staff_name: name.or(r.get(2)?),
                    body: r.get(3)?,
                    intent: None,
                    confidence: None,
                    created_at: r.get(4)?,
                    delivery: None,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        messages.extend(found);
    }
    // Oldest first; a note written in the same second as a message comes after it.
    messages.sort_by_key(|m| (m.created_at, m.author == "note", m.id));
    thread.messages = messages;
    Ok(Some(thread))
}

/// Remembers that `user` has seen the conversation up to its newest message.
pub fn mark_read(
    conn: &Connection,
    user: UserId,
    conversation: ConversationId,
) -> Result<(), AppError> {
    let newest: Option<i64> = conn.query_row(
        "SELECT max(id) FROM messages WHERE conversation_id = ?1",
        [conversation],
        |r| r.get(0),
    )?;
    if let Some(newest) = newest {
        conn.execute(
            "INSERT INTO conversation_reads (user_id, conversation_id, message_id)
             VALUES (?1, ?2, ?3)
             ON CONFLICT (user_id, conversation_id) DO UPDATE SET message_id = excluded.message_id",
            params![user, conversation, newest],
        )?;
    }
    Ok(())
}

/// Closes the conversation (false when it already was); a later message from the
/// shopper reopens it for the bot.
pub fn close(conn: &Connection, conversation: ConversationId, now: i64) -> Result<bool, AppError> {
    Ok(conn.execute(
        "UPDATE conversations SET closed_at = ?2 WHERE id = ?1 AND closed_at IS NULL",
        params![conversation, now],
    )? > 0)
}

pub fn reopen(conn: &Connection, conversation: ConversationId) -> Result<(), AppError> {
    conn.execute(
        "UPDATE conversations SET closed_at = NULL WHERE id = ?1",
        [conversation],
    )?;
    Ok(())
}

pub fn set_priority(
    conn: &Connection,
    conversation: ConversationId,
    priority: bool,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE conversations SET priority = ?2 WHERE id = ?1",
        params![conversation, priority],
    )?;
    Ok(())
}

pub fn assign(
    conn: &Connection,
    conversation: ConversationId,
    assignee: Option<i64>,
    department: Option<i64>,
) -> Result<(), AppError> {
    conn.execute(
        "UPDATE conversations SET assignee_id = ?2, department_id = ?3 WHERE id = ?1",
        params![conversation, assignee, department],
    )?;
    Ok(())
}

pub fn add_note(
    conn: &Connection,
    conversation: ConversationId,
    user: UserId,
    body: &str,
    now: i64,
) -> Result<i64, AppError> {
    Ok(conn.query_row(
        "INSERT INTO notes (conversation_id, user_id, body, created_at) VALUES (?1, ?2, ?3, ?4)
         RETURNING id",
        params![conversation, user, body, now],
        |r| r.get(0),
    )?)
}
