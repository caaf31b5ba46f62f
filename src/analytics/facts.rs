//! One row of figures per conversation (`conversation_facts`), recomputed from its
//! messages, holds and survey whenever a trigger marks it changed. Reports read these
//! rows by date instead of walking a million messages.

use std::collections::BTreeMap;
use std::future::Future;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::SharedClock;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::jobs::{Job, Round};

/// Conversations recomputed per transaction: a round stays short for the writers.
const BATCH: usize = 1000;

/// Whether some conversation waits to be recomputed (a read, so an idle round takes no
/// write lock).
pub fn any_pending(conn: &Connection) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM analytics_dirty)")?
        .query_row([], |r| r.get(0))?)
}

/// Recomputes up to `max` changed conversations; returns how many were left waiting.
pub fn refresh(conn: &Connection, now: Timestamp, max: usize) -> Result<usize, AppError> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT conversation_id FROM analytics_dirty LIMIT ?1")?
        .query_map([max as i64], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for id in &ids {
        compute(conn, *id, now)?;
        conn.prepare_cached("DELETE FROM analytics_dirty WHERE conversation_id = ?1")?
            .execute([id])?;
    }
    Ok(conn
        .prepare_cached("SELECT count(*) FROM analytics_dirty")?
        .query_row([], |r| r.get::<_, i64>(0))? as usize)
}

/// Everything up to date now (tests, the CLI, the bench).
pub fn refresh_all(conn: &mut Connection, now: Timestamp) -> Result<(), AppError> {
    while any_pending(conn)? && db::write(conn, |tx| refresh(tx, now, BATCH))? > 0 {}
    Ok(())
}

struct Conversation {
    channel: String,
    contact: String,
    handoff_at: Option<i64>,
    handoff_reason: Option<String>,
    closed_at: Option<i64>,
    assignee: Option<i64>,
    department: Option<i64>,
    csat: Option<i64>,
    test: bool,
    created_at: i64,
}

fn compute(conn: &Connection, id: i64, now: Timestamp) -> Result<(), AppError> {
    let found = conn
        .prepare_cached(
            "SELECT channel, contact, handoff_at, handoff_reason, closed_at, assignee_id,
                    department_id, survey_score, test OR excluded, created_at
             FROM conversations WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Conversation {
                channel: r.get(0)?,
                contact: r.get(1)?,
                handoff_at: r.get(2)?,
                handoff_reason: r.get(3)?,
                closed_at: r.get(4)?,
                assignee: r.get(5)?,
                department: r.get(6)?,
                csat: r.get(7)?,
                test: r.get(8)?,
                created_at: r.get(9)?,
            })
        })
        .optional()?;
    let Some(c) = found else {
        conn.prepare_cached("DELETE FROM conversation_facts WHERE conversation_id = ?1")?
            .execute([id])?;
        return Ok(());
    };
    let mut started: Option<i64> = None;
    let (mut first_intent, mut first_bot, mut first_team) = (None::<String>, None, None);
    let (mut inbound, mut bot, mut team) = (0i64, 0i64, 0i64);
    let mut replies: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    let mut products: BTreeMap<String, [i64; 2]> = BTreeMap::new();
    // The intent of the bot's last reply, until the next message says who spoke next.
    let mut last_reply: Option<String> = None;
    {
        let mut stmt = conn.prepare_cached(
            "SELECT author, intent, created_at, action, confidence, product, in_stock
             FROM messages WHERE conversation_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(r) = rows.next()? {
            let author: String = r.get(0)?;
            let at: i64 = r.get(2)?;
            // A saved reply an automation rule sent is not the team answering.
            if author == "staff" && r.get::<_, Option<String>>(3)?.as_deref() == Some("automation")
            {
                continue;
            }
            if let Some(intent) = last_reply.take()
                && author == "staff"
            {
                replies.entry(intent).or_default()[1] += 1;
            }
            match author.as_str() {
                "shopper" => {
                    inbound += 1;
                    started.get_or_insert(at);
                }
                "bot" => {
                    // What the shop sends on its own (alerts, reminders) is not an answer.
                    let action: Option<String> = r.get(3)?;
                    let notice = action.as_deref().is_some_and(|a| {
                        matches!(
                            a,
                            "alert"
                                | "alert_confirmation"
                                | "invitation"
                                | "reminder"
                                | "appointment_change"
                                | "alerts_stopped"
                        )
                    });
                    if notice {
                        continue;
                    }
                    bot += 1;
                    if let Some(intent) = r.get::<_, Option<String>>(1)? {
                        let confidence: f64 = r.get::<_, Option<f64>>(4)?.unwrap_or(1.0);
                        let slot = replies.entry(intent.clone()).or_default();
                        slot[0] += 1;
                        slot[match confidence {
                            c if c < 0.5 => 2,
                            c if c < 0.8 => 3,
                            _ => 4,
                        }] += 1;
                        last_reply = Some(intent);
                    }
                    if let Some(product) = r.get::<_, Option<String>>(5)? {
                        let slot = products.entry(product).or_default();
                        slot[0] += 1;
                        if r.get::<_, Option<bool>>(6)? == Some(false) {
                            slot[1] += 1;
                        }
                    }
                    if let Some(s) = started
                        && first_bot.is_none()
                    {
                        first_bot = Some(at - s);
                        first_intent = r.get(1)?;
                    }
                }
                _ => {
                    team += 1;
                    if let Some(s) = started
                        && first_team.is_none()
                    {
                        // From the handover when there was one, else from the message.
                        let from = c.handoff_at.filter(|h| *h <= at).unwrap_or(s);
                        first_team = Some((at - from).max(0));
                    }
                }
            }
        }
    }
    let (holds, fulfilled, fulfilled_cents): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), COALESCE(SUM(r.status = 'fulfilled'), 0),
                    COALESCE(SUM(CASE WHEN r.status = 'fulfilled' THEN r.quantity * COALESCE(
                        (SELECT v.price_cents FROM variants v WHERE v.sku = r.item_key AND v.sku <> ''
                         ORDER BY v.id LIMIT 1), 0) ELSE 0 END), 0)
             FROM reservations r WHERE r.conversation_id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let started_at = started.unwrap_or(c.created_at);
    let resolution = c.closed_at.map(|closed| (closed - started_at).max(0));
    conn.prepare_cached(
        "INSERT INTO conversation_facts (conversation_id, started_at, channel, contact,
            first_intent, department_id, assignee_id, messages_in, bot_replies, team_replies,
            handed_over, handoff_reason, first_bot_secs, first_team_secs, closed_at,
            resolution_secs, csat, holds, holds_fulfilled, fulfilled_cents, test, updated_at,
            replies, products)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24)
         ON CONFLICT (conversation_id) DO UPDATE SET started_at = excluded.started_at,
            channel = excluded.channel, contact = excluded.contact,
            first_intent = excluded.first_intent, department_id = excluded.department_id,
            assignee_id = excluded.assignee_id, messages_in = excluded.messages_in,
            bot_replies = excluded.bot_replies, team_replies = excluded.team_replies,
            handed_over = excluded.handed_over, handoff_reason = excluded.handoff_reason,
            first_bot_secs = excluded.first_bot_secs, first_team_secs = excluded.first_team_secs,
            closed_at = excluded.closed_at, resolution_secs = excluded.resolution_secs,
            csat = excluded.csat, holds = excluded.holds,
            holds_fulfilled = excluded.holds_fulfilled,
            fulfilled_cents = excluded.fulfilled_cents, test = excluded.test,
            updated_at = excluded.updated_at, replies = excluded.replies,
            products = excluded.products",
    )?
    .execute(params![
        id,
        started_at,
        c.channel,
        c.contact,
        first_intent,
        c.department,
        c.assignee,
        inbound,
        bot,
        team,
        c.handoff_at.is_some() || team > 0,
        c.handoff_reason,
        first_bot,
        first_team,
        c.closed_at,
        resolution,
        c.csat,
        holds,
        fulfilled,
        fulfilled_cents,
        c.test,
        now.as_second(),
        serde_json::to_string(&replies).unwrap_or_else(|_| "{}".into()),
        serde_json::to_string(&products).unwrap_or_else(|_| "{}".into()),
    ])?;
    Ok(())
}

/// The background job: keeps the figures current, a batch per transaction.
pub struct Refresher {
    pub db: Pool,
    pub clock: SharedClock,
}

impl Job for Refresher {
    fn tick(&mut self) -> impl Future<Output = Round> + Send {
        let (pool, now) = (self.db.clone(), self.clock.now());
        async move {
            match db::call(&pool, move |conn| {
                db::write(conn, |tx| refresh(tx, now, BATCH))
            })
            .await
            {
                Ok(0) => Round::Idle,
                Ok(_) => Round::More,
                Err(e) => {
                    tracing::warn!(error = %e, "analytics could not be brought up to date");
                    Round::Idle
                }
            }
        }
    }
}
