//! Running the rules: the job reads what triggers wrote in `automation_events` (and
//! looks for conversations the team left unanswered), checks each enabled rule's
//! conditions in order, applies its actions and records the run on the conversation,
//! all in one transaction. What the actions themselves cause (a close, a hand-back) is
//! dropped in that transaction, so a rule never triggers a rule; a rule that keeps
//! being triggered from outside (a tool answering its webhook) stops after
//! `MAX_RUNS_PER_HOUR` runs on one conversation.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Notify;

use super::rules::{self, Action, Condition, Rule, Trigger};
use crate::assistant::conversations::{self, Author};
use crate::assistant::outbox;
use crate::clock::SharedClock;
use crate::db::ids::ConversationId;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::events::Events;
use crate::jobs::{Job, Round};

/// A rule runs at most this often on one conversation in an hour.
pub const MAX_RUNS_PER_HOUR: i64 = 5;
const BATCH: i64 = 200;

/// What the conversation looks like to the conditions, read once per cause.
struct Facts {
    channel: String,
    lang: String,
    priority: bool,
    department: Option<i64>,
    closed: bool,
    test: bool,
    /// The shopper's last message and what the assistant understood of it.
    text: String,
    intent: Option<String>,
    customer: bool,
    open_order: bool,
    open_now: bool,
    card: crate::inbox::card::Card,
    display_name: String,
}

/// Which of the shopper's messages a rule's conditions read: the one its cause came
/// with, and not one that arrived while the round was waiting.
#[derive(Debug, Clone, Copy)]
enum Seen {
    /// A conversation starts: its first message.
    First,
    UpTo(i64),
    /// Causes recorded before the events said (an upgrade's leftovers).
    Latest,
}

fn facts(
    conn: &Connection,
    id: ConversationId,
    seen: Seen,
    now: Timestamp,
) -> Result<Option<Facts>, AppError> {
    let Some(thread) = crate::inbox::repo::thread(conn, id, false)? else {
        return Ok(None);
    };
    let (lang, test): (String, bool) = conn.query_row(
        "SELECT lang, test FROM conversations WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let shopper = |m: &&crate::inbox::repo::Message| m.author == "shopper";
    let at = match seen {
        Seen::First => thread.messages.iter().position(|m| shopper(&m)),
        Seen::UpTo(last) => thread
            .messages
            .iter()
            .rposition(|m| shopper(&m) && m.id.0 <= last),
        Seen::Latest => thread.messages.iter().rposition(|m| shopper(&m)),
    };
    let last = at.map(|i| &thread.messages[i]);
    // The assistant's reading is stored on its reply to the message (none when the
    // team had taken over and the assistant kept silent).
    let intent = at.and_then(|i| {
        thread.messages[i + 1..]
            .iter()
            .find(|m| m.author == "bot")
            .and_then(|m| m.intent.clone())
    });
    let card = crate::inbox::card::load(conn, &thread, now.as_second())?;
    let open_order = card.orders.iter().any(|o| {
        !o.cancelled
            && o.shipment_status != "delivered"
            && !matches!(o.financial_status.as_str(), "refunded" | "voided")
    });
    Ok(Some(Facts {
        channel: thread.channel.clone(),
        lang,
        priority: thread.priority,
        department: thread.department_id,
        closed: thread.closed,
        test,
        text: last.map(|m| m.body.clone()).unwrap_or_default(),
        intent,
        customer: card.customer.is_some(),
        open_order,
        open_now: crate::assistant::settings::shop(conn)?
            .hours
            .is_open_at(now),
        display_name: thread.name.clone(),
        card,
    }))
}

/// Whether `phrase` appears in `text` at the start of a word, case and accents ignored:
/// "abîmé" finds "abîmée", "rembours" finds "remboursement", "or" does not find "fort".
fn has_words(text: &str, phrase: &str) -> bool {
    let words = |s: &str| {
        crate::engine::text::fold(s)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (text, phrase) = (words(text), words(phrase));
    !phrase.is_empty() && format!(" {text}").contains(&format!(" {phrase}"))
}

fn holds(c: &Condition, f: &Facts) -> bool {
    match c {
        Condition::Channel { any_of } => any_of.contains(&f.channel),
        Condition::Intent { any_of } => f.intent.as_ref().is_some_and(|i| any_of.contains(i)),
        Condition::Words { any_of } => any_of.iter().any(|w| has_words(&f.text, w)),
        // Checked when saved; one that no longer compiles matches nothing.
        Condition::Pattern { regex } => rules::compile(regex).is_ok_and(|r| r.is_match(&f.text)),
        Condition::Language { any_of } => any_of.contains(&f.lang),
        Condition::StoreCustomer { is } => f.customer == *is,
        Condition::OpenOrder { is } => f.open_order == *is,
        Condition::BusinessHours { open } => f.open_now == *open,
        Condition::Priority { is } => f.priority == *is,
        Condition::Department { id } => f.department == *id,
    }
}

/// What one round did, for the job to tell the pages and wake the senders.
#[derive(Debug, Default)]
pub struct Done {
    pub runs: usize,
    pub changed: Vec<ConversationId>,
    pub replies: bool,
    pub hooks: bool,
    pub more: bool,
}

/// One round: pending events first, then unanswered conversations.
pub fn round(conn: &Connection, now: Timestamp) -> Result<Done, AppError> {
    let mut done = Done::default();
    let rules: Vec<Rule> = rules::list(conn)?
        .into_iter()
        .filter(|r| r.enabled)
        .collect();
    // Everything written before the actions below: what comes after is theirs.
    let before: i64 = conn.query_row(
        "SELECT COALESCE(max(id), 0) FROM automation_events",
        [],
        |r| r.get(0),
    )?;
    let events: Vec<(i64, String, i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT id, trigger, conversation_id, message_id FROM automation_events
             ORDER BY id LIMIT ?1",
        )?
        .query_map([BATCH], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    done.more = events.len() as i64 == BATCH;
    for (id, trigger, conversation, message) in &events {
        let Some(trigger) = Trigger::from_code(trigger) else {
            continue;
        };
        let due: Vec<&Rule> = rules.iter().filter(|r| r.trigger == trigger).collect();
        let seen = match (trigger, message) {
            (_, Some(m)) => Seen::UpTo(*m),
            (Trigger::ConversationCreated, None) => Seen::First,
            _ => Seen::Latest,
        };
        run_rules(
            conn,
            &due,
            ConversationId(*conversation),
            seen,
            &format!("e{id}"),
            now,
            &mut done,
        )?;
    }
    let last = events.last().map_or(0, |e| e.0);
    conn.execute("DELETE FROM automation_events WHERE id <= ?1", [last])?;

    // No reply from the team: conversations handed to it whose shopper's last message
    // waited the rule's delay with no team message after it; once per such message.
    let mut stopped: HashSet<(i64, i64)> = HashSet::new();
    for rule in rules.iter().filter(|r| r.trigger == Trigger::NoReply) {
        let Some(delay) = rule.delay_minutes else {
            continue;
        };
        let waiting = unanswered(conn, rule.id, delay, now, BATCH)?;
        for (conversation, message) in waiting {
            if stopped.contains(&(conversation, message)) {
                continue;
            }
            let cause = format!("c{conversation}m{message}");
            let ran = run_rules(
                conn,
                &[rule],
                ConversationId(conversation),
                Seen::UpTo(message),
                &cause,
                now,
                &mut done,
            )?;
            if ran && rule.stop {
                stopped.insert((conversation, message));
            }
            // A rule whose conditions do not hold is not asked again for this message.
            conn.execute(
                "INSERT OR IGNORE INTO automation_runs (rule_id, conversation_id, cause, summary, at)
                 VALUES (?1, ?2, ?3, '', ?4)",
                params![rule.id, conversation, cause, now.as_second()],
            )?;
        }
    }
    // What the actions caused is theirs: it triggers nothing.
    conn.execute("DELETE FROM automation_events WHERE id > ?1", [before])?;
    done.changed.sort_by_key(|c| c.0);
    done.changed.dedup();
    Ok(done)
}

/// Conversations handed to the team whose shopper's last message has waited `delay`
/// minutes with no team message after it, not yet seen by `rule`: (conversation,
/// message).
fn unanswered(
    conn: &Connection,
    rule: i64,
    delay: i64,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, m.id FROM conversations c
             JOIN messages m ON m.id = (SELECT max(id) FROM messages
                                        WHERE conversation_id = c.id AND author = 'shopper')
             WHERE c.closed_at IS NULL AND c.test = 0
               AND (c.handoff_at IS NOT NULL OR c.bot_paused = 1)
               AND m.created_at <= ?1
               AND NOT EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = c.id
                               AND s.author = 'staff' AND s.id > m.id
                               AND COALESCE(s.action, '') <> 'automation')
               AND NOT EXISTS (SELECT 1 FROM automation_runs WHERE rule_id = ?2
                               AND cause = 'c' || c.id || 'm' || m.id)
             LIMIT ?3",
        )?
        .query_map(params![now.as_second() - delay * 60, rule, limit], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?)
}

/// Whether a round has anything to do: an event waits, or a delay ran out. Reads only,
/// so an idle round takes no write lock.
pub fn wanted(conn: &Connection, now: Timestamp) -> Result<bool, AppError> {
    let events: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM automation_events)")?
        .query_row([], |r| r.get(0))?;
    if events {
        return Ok(true);
    }
    for rule in rules::list(conn)?
        .iter()
        .filter(|r| r.enabled && r.trigger == Trigger::NoReply)
    {
        if let Some(delay) = rule.delay_minutes
            && !unanswered(conn, rule.id, delay, now, 1)?.is_empty()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Runs `due` (in order) on one conversation for one cause; whether any ran.
fn run_rules(
    conn: &Connection,
    due: &[&Rule],
    id: ConversationId,
    seen: Seen,
    cause: &str,
    now: Timestamp,
    done: &mut Done,
) -> Result<bool, AppError> {
    if due.is_empty() {
        return Ok(false);
    }
    let Some(mut f) = facts(conn, id, seen, now)? else {
        return Ok(false);
    };
    if f.test {
        return Ok(false);
    }
    let mut any = false;
    for rule in due {
        if !rule.conditions.iter().all(|c| holds(c, &f)) {
            continue;
        }
        let recent: i64 = conn.query_row(
            "SELECT count(*) FROM automation_runs WHERE rule_id = ?1 AND conversation_id = ?2
               AND at > ?3 AND summary <> ''",
            params![rule.id, id, now.as_second() - 3600],
            |r| r.get(0),
        )?;
        if recent >= MAX_RUNS_PER_HOUR {
            if recent == MAX_RUNS_PER_HOUR {
                let why = format!(
                    "Règle « {} » : déjà appliquée {MAX_RUNS_PER_HOUR} fois en une heure ici, elle attend (une boucle avec un autre outil ?).",
                    rule.name
                );
                record(
                    conn,
                    rule,
                    id,
                    cause,
                    "suspendue (trop de déclenchements)",
                    now,
                )?;
                note(conn, id, &rule.name, &why, now)?;
                tracing::warn!(
                    rule = rule.id,
                    conversation = id.0,
                    "an automation rule keeps being triggered: held for an hour"
                );
                done.changed.push(id);
            }
            continue;
        }
        // Once per cause, even if a round is run again after a crash.
        let fresh = conn.execute(
            "INSERT OR IGNORE INTO automation_runs (rule_id, conversation_id, cause, summary, at)
             VALUES (?1, ?2, ?3, '…', ?4)",
            params![rule.id, id, cause, now.as_second()],
        )? > 0;
        if !fresh {
            continue;
        }
        let mut said = Vec::new();
        for a in &rule.actions {
            said.push(apply(conn, rule, a, id, &mut f, now, done)?);
        }
        let summary = said.join(", ");
        conn.execute(
            "UPDATE automation_runs SET summary = ?3 WHERE rule_id = ?1 AND cause = ?2",
            params![rule.id, cause, summary],
        )?;
        note(
            conn,
            id,
            &rule.name,
            &format!("Règle « {} » : {summary}", rule.name),
            now,
        )?;
        done.runs += 1;
        done.changed.push(id);
        any = true;
        if rule.stop {
            break;
        }
    }
    Ok(any)
}

fn record(
    conn: &Connection,
    rule: &Rule,
    id: ConversationId,
    cause: &str,
    summary: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT OR IGNORE INTO automation_runs (rule_id, conversation_id, cause, summary, at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![rule.id, id, cause, summary, now.as_second()],
    )?;
    Ok(())
}

/// The run written on the conversation, as a note signed with the rule's name.
fn note(
    conn: &Connection,
    id: ConversationId,
    rule: &str,
    body: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO notes (conversation_id, user_id, body, created_at, rule)
         VALUES (?1, NULL, ?2, ?3, ?4)",
        params![id, body, now.as_second(), rule],
    )?;
    Ok(())
}

fn member_name(conn: &Connection, id: i64) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row(
            "SELECT COALESCE(NULLIF(display_name, ''), email) FROM users
             WHERE id = ?1 AND disabled_at IS NULL AND role IN ('admin', 'agent')",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Applies one action; what it did, in words for the run's note.
fn apply(
    conn: &Connection,
    rule: &Rule,
    action: &Action,
    id: ConversationId,
    f: &mut Facts,
    now: Timestamp,
    done: &mut Done,
) -> Result<String, AppError> {
    use crate::inbox::repo as inbox;
    Ok(match action {
        Action::AssignMember { member_id } => match member_name(conn, *member_id)? {
            Some(name) => {
                inbox::assign(conn, id, Some(*member_id), f.department)?;
                format!("attribuée à {name}")
            }
            None => "personne à qui l'attribuer (membre désactivé ou supprimé)".into(),
        },
        Action::AssignDepartment { department_id } => {
            let Some(department) = conn
                .query_row(
                    "SELECT name FROM departments WHERE id = ?1",
                    [department_id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
            else {
                return Ok("département supprimé, rien attribué".into());
            };
            // Round-robin: the available member whose turn is oldest.
            let member: Option<(i64, String)> = conn
                .query_row(
                    "SELECT u.id, COALESCE(NULLIF(u.display_name, ''), u.email)
                     FROM department_members d JOIN users u ON u.id = d.user_id
                     WHERE d.department_id = ?1 AND u.disabled_at IS NULL AND u.away = 0
                       AND u.role IN ('admin', 'agent')
                     ORDER BY d.turn, u.id LIMIT 1",
                    [department_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            f.department = Some(*department_id);
            match member {
                Some((member, name)) => {
                    conn.execute(
                        "UPDATE department_members SET turn = (SELECT max(turn) + 1
                            FROM department_members WHERE department_id = ?1)
                         WHERE department_id = ?1 AND user_id = ?2",
                        params![department_id, member],
                    )?;
                    inbox::assign(conn, id, Some(member), Some(*department_id))?;
                    format!("attribuée au département {department} ({name}, à tour de rôle)")
                }
                None => {
                    inbox::assign(conn, id, None, Some(*department_id))?;
                    format!("attribuée au département {department} (personne de disponible)")
                }
            }
        }
        Action::Priority { on } => {
            inbox::set_priority(conn, id, *on)?;
            f.priority = *on;
            if *on {
                "marquée prioritaire".into()
            } else {
                "priorité retirée".into()
            }
        }
        Action::Note { text } => {
            conn.execute(
                "INSERT INTO notes (conversation_id, user_id, body, created_at, rule)
                 VALUES (?1, NULL, ?2, ?3, ?4)",
                params![id, text.trim(), now.as_second(), rule.name],
            )?;
            "note ajoutée".into()
        }
        Action::SavedReply { reply_id } => {
            let reply: Option<(String, String)> = conn
                .query_row(
                    "SELECT title, body FROM saved_replies WHERE id = ?1",
                    [reply_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((title, body)) = reply else {
                return Ok("réponse enregistrée supprimée, rien envoyé".into());
            };
            if f.closed {
                return Ok(format!(
                    "réponse « {title} » non envoyée (conversation fermée)"
                ));
            }
            let text = f.card.fill(&body, &f.display_name);
            if let Some(missing) = crate::inbox::card::unfilled(&text) {
                return Ok(format!(
                    "réponse « {title} » non envoyée ({{{missing}}} sans valeur pour ce client)"
                ));
            }
            // Sent as the team's words, without silencing the assistant: an automatic
            // reply is not a teammate taking over.
            // Marked so the reports do not count it as the team's answer.
            let message = conversations::add_message(
                conn,
                id,
                Author::Staff,
                None,
                &text,
                None,
                Some("automation"),
                now,
            )?;
            done.replies |= outbox::follow_up(conn, id, message, &text, now)?;
            format!("réponse « {title} » envoyée")
        }
        Action::Webhook { endpoint_id } => {
            if crate::api::webhooks::queue_rule(conn, *endpoint_id, &rule.name, id.0, now)? {
                done.hooks = true;
                "webhook envoyé".into()
            } else {
                "webhook non envoyé (point d'envoi en pause ou supprimé)".into()
            }
        }
        Action::HandBack => {
            conversations::hand_back(conn, id)?;
            "rendue à l'assistant".into()
        }
        Action::Close => {
            inbox::close(conn, id, now.as_second())?;
            f.closed = true;
            "fermée".into()
        }
    })
}

/// The job: woken whenever a conversation changes, and every few seconds for the
/// delays (a read, unless one ran out).
pub struct Runner {
    pub db: Pool,
    pub clock: SharedClock,
    pub events: Arc<Events>,
    pub outbox_ready: Arc<Notify>,
    pub hooks_wanted: Arc<Notify>,
}

impl Job for Runner {
    async fn tick(&mut self) -> Round {
        let now = self.clock.now();
        let result = db::call(&self.db, move |conn| {
            let busy = wanted(conn, now)?;
            if !busy {
                return Ok(Done::default());
            }
            db::write(conn, |tx| round(tx, now))
        })
        .await;
        match result {
            Ok(done) => {
                for id in &done.changed {
                    self.events.changed(*id);
                }
                if done.replies {
                    self.outbox_ready.notify_one();
                }
                if done.hooks {
                    self.hooks_wanted.notify_one();
                }
                if done.runs > 0 {
                    tracing::info!(runs = done.runs, "automation rules applied");
                }
                if done.more { Round::More } else { Round::Idle }
            }
            Err(e) => {
                tracing::warn!(error = %e, "automation rules could not run");
                Round::Idle
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two messages arrive before a round reads their events: each event's conditions
    /// read its own message, so the goodbye rule runs for the goodbye only.
    #[test]
    fn each_event_reads_the_message_it_came_with() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        conn.execute_batch(
            r#"INSERT INTO automation_rules (name, position, trigger, conditions, actions,
                   created_at, updated_at)
               VALUES ('Au revoir', 1, 'message_received',
                   '[{"field":"words","any_of":["au revoir"]}]',
                   '[{"do":"priority","on":true}]', 0, 0);
               INSERT INTO conversations (channel, contact, created_at, last_message_at)
               VALUES ('webchat', 'visitor:v-race-01', 0, 0);
               INSERT INTO messages (conversation_id, author, body, created_at)
               VALUES (1, 'shopper', 'Où en est ma commande ?', 0),
                      (1, 'shopper', 'Au revoir', 1);"#,
        )
        .unwrap();
        let done = round(&conn, Timestamp::from_second(1_800_000_000).unwrap()).unwrap();
        assert_eq!(done.runs, 1, "{done:?}");
        let causes: Vec<String> = conn
            .prepare("SELECT cause FROM automation_runs WHERE summary <> ''")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // e1: the conversation started; e2: the order question; e3: the goodbye.
        assert_eq!(causes, ["e3"]);
    }

    #[test]
    fn words_match_at_word_starts_without_case_or_accents() {
        assert!(has_words("Je veux être REMBOURSÉE svp", "remboursee"));
        assert!(has_words("colis pas reçu !", "pas recu"));
        assert!(has_words("ma robe est abîmée", "abîmé"));
        assert!(!has_words("c'est fort", "or"));
        assert!(!has_words("rien", ""));
    }
}
