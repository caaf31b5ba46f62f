//! The outbox: replies to send through a provider, written in the same transaction as
//! the message they carry, then delivered by the sender with retries, in order within a
//! conversation. A claimed row is leased for a minute and marked as being sent before
//! the provider is called, so a crash mid-send retries it, and the retry first asks the
//! provider whether the message went out: a reply reaches the shopper once.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::ids::{ConversationId, MessageId};
use crate::engine::Channel;
use crate::error::AppError;

/// Attempts before a reply is marked failed: with `retry_wait`, about two hours.
pub const MAX_ATTEMPTS: i64 = 12;
/// How long a claimed row stays out of other claims.
const LEASE_SECS: i64 = 60;

/// The most a channel carries in one message (Twilio's body limit for SMS, WhatsApp's).
pub fn limit(channel: Channel) -> Option<usize> {
    match channel {
        Channel::Sms => Some(1600),
        Channel::Whatsapp => Some(4096),
        _ => None,
    }
}

/// `body` cut to the channel's limit, with an ellipsis when cut.
pub fn trimmed(channel: Channel, body: &str) -> String {
    match limit(channel) {
        Some(max) if body.chars().count() > max => {
            let mut cut: String = body.chars().take(max - 1).collect();
            cut.push('…');
            cut
        }
        _ => body.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub id: i64,
    pub channel: Channel,
    pub recipient: String,
    pub body: String,
    pub subject: String,
    pub in_reply_to: String,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
    /// When an earlier attempt started whose outcome is unknown (the provider may have
    /// the message): it is looked up before any new send.
    pub unsure_since: Option<i64>,
    /// A calendar invitation (RFC 5545) to attach to an e-mail, or empty.
    pub attachment: String,
}

pub struct NewReply<'a> {
    pub message_id: MessageId,
    pub channel: Channel,
    pub recipient: &'a str,
    pub body: &'a str,
    pub subject: &'a str,
    pub in_reply_to: &'a str,
    /// Not sent before (a rewording may still replace the body until then).
    pub not_before: Timestamp,
}

pub fn enqueue(conn: &Connection, r: &NewReply<'_>, now: Timestamp) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO outbox (message_id, channel, recipient, body, subject, in_reply_to,
            next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
        )?
        .query_row(
            params![
                r.message_id,
                r.channel.code(),
                r.recipient,
                trimmed(r.channel, r.body),
                r.subject,
                r.in_reply_to,
                r.not_before.as_second(),
                now.as_second()
            ],
            |row| row.get(0),
        )?)
}

/// Attaches a calendar invitation to a queued e-mail, before its first attempt.
pub fn attach(conn: &Connection, outbox_id: i64, ics: &str) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE outbox SET attachment = ?2 WHERE id = ?1 AND attempts = 0")?
        .execute(params![outbox_id, ics])?;
    Ok(())
}

/// Queues a message the team (or a closing survey) adds to a conversation, on the
/// shopper's channel: SMS, WhatsApp and e-mail go through the outbox (e-mail threaded
/// under the conversation's last reply); the web chat reads it from its stream. Returns
/// whether the sender should be woken.
pub fn follow_up(
    conn: &Connection,
    conversation: ConversationId,
    message_id: MessageId,
    body: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let (channel, recipient): (String, String) = conn
        .prepare_cached("SELECT channel, contact FROM conversations WHERE id = ?1")?
        .query_row([conversation], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let channel = Channel::from_code(&channel).unwrap_or(Channel::Console);
    if !matches!(channel, Channel::Sms | Channel::Whatsapp | Channel::Email) {
        return Ok(false);
    }
    let (subject, in_reply_to) = email_thread(conn, conversation)?;
    enqueue(
        conn,
        &NewReply {
            message_id,
            channel,
            recipient: &recipient,
            body,
            subject: &subject,
            in_reply_to: &in_reply_to,
            not_before: now,
        },
        now,
    )?;
    Ok(true)
}

/// The subject and Message-ID a conversation's e-mail replies thread under.
fn email_thread(
    conn: &Connection,
    conversation: ConversationId,
) -> Result<(String, String), AppError> {
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

/// Replaces a reply's text before its first attempt, and lets it go now.
pub fn reword(
    conn: &Connection,
    message_id: MessageId,
    body: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    let channel: Option<String> = conn
        .query_row(
            "SELECT channel FROM outbox WHERE message_id = ?1 AND attempts = 0 AND status = 'pending'",
            [message_id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(channel) = channel.as_deref().and_then(Channel::from_code) {
        conn.prepare_cached("UPDATE outbox SET body = ?2, next_attempt_at = ?3, updated_at = ?3 WHERE message_id = ?1")?
        .execute(
            params![message_id, trimmed(channel, body), now.as_second()],
        )?;
    }
    Ok(())
}

/// Takes up to `max` due replies for one attempt each, skipping the `paused` channels
/// and any reply with an earlier one of its conversation still to send (so a
/// conversation's replies go out in order). Each is marked as being sent, and its last
/// error cleared (an error on the row always belongs to the latest finished attempt).
pub fn claim(
    conn: &Connection,
    now: Timestamp,
    max: usize,
    paused: &[Channel],
) -> Result<Vec<Pending>, AppError> {
    let paused = serde_json::to_string(&paused.iter().map(|c| c.code()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into());
    // Each with when its last attempt started, if its outcome is unknown.
    let due: Vec<(i64, Option<i64>)> = conn
        .prepare_cached(
            "SELECT o.id, o.sending_since FROM outbox o JOIN messages m ON m.id = o.message_id
             WHERE o.status = 'pending' AND o.next_attempt_at <= ?1
               AND o.channel NOT IN (SELECT value FROM json_each(?3))
               AND NOT EXISTS (SELECT 1 FROM messages m2 JOIN outbox o2 ON o2.message_id = m2.id
                               WHERE m2.conversation_id = m.conversation_id AND m2.id < m.id
                                 AND o2.status = 'pending')
             ORDER BY o.next_attempt_at, o.id LIMIT ?2",
        )?
        .query_map(params![now.as_second(), max as i64, paused], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut claimed = Vec::with_capacity(due.len());
    let mut take = conn.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2 + ?3, error = NULL,
                           sending_since = ?2, updated_at = ?2
         WHERE id = ?1
         RETURNING id, channel, recipient, body, subject, in_reply_to, attempts, attachment",
    )?;
    for (id, unsure_since) in due {
        claimed.push(
            take.query_row(params![id, now.as_second(), LEASE_SECS], |r| {
                Ok(Pending {
                    id: r.get(0)?,
                    channel: Channel::from_code(&r.get::<_, String>(1)?).unwrap_or(Channel::Sms),
                    recipient: r.get(2)?,
                    body: r.get(3)?,
                    subject: r.get(4)?,
                    in_reply_to: r.get(5)?,
                    attempt: r.get(6)?,
                    unsure_since,
                    attachment: r.get(7)?,
                })
            })?,
        );
    }
    Ok(claimed)
}

/// How long a send cut short by a stop may still land at the provider (the request was
/// on its way): the reply is looked up only after that, so it is not sent twice.
const IN_FLIGHT_SECS: i64 = 10;

/// At start: replies a previous process had begun sending when it stopped are due soon
/// rather than when their lease runs out (only the server sends, one per data
/// directory): once a request then in flight can no longer land, they are looked up at
/// the provider, and sent only if it has not got them.
pub fn resume(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET next_attempt_at = MAX(?1, sending_since + ?2)
             WHERE status = 'pending' AND sending_since IS NOT NULL AND next_attempt_at > ?1",
        )?
        .execute(params![now.as_second(), IN_FLIGHT_SECS])?)
}

pub fn sent(conn: &Connection, id: i64, provider_id: &str, now: Timestamp) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE outbox SET status = 'sent', provider_id = ?2, error = NULL, sending_since = NULL,
                           updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, provider_id, now.as_second()])?;
    Ok(())
}

/// Another attempt at `at`, or failed for good after `MAX_ATTEMPTS`. `unsure`: the
/// provider may have taken this attempt's message (no answer, an unreadable one), so the
/// next attempt asks it first.
pub fn retry(
    conn: &Connection,
    p: &Pending,
    at: Timestamp,
    error: &str,
    unsure: bool,
    now: Timestamp,
) -> Result<(), AppError> {
    if p.attempt >= MAX_ATTEMPTS {
        return failed(
            conn,
            p.id,
            &format!("{error} (après {} tentatives)", p.attempt),
            now,
        );
    }
    // Whole seconds, rounded up: a wait of 0.9 s is never due at once.
    let at = at.as_second() + i64::from(at.subsec_nanosecond() > 0);
    conn.prepare_cached(
        "UPDATE outbox SET next_attempt_at = ?2, error = ?3, updated_at = ?4,
                           sending_since = CASE WHEN ?5 THEN COALESCE(?6, sending_since) END
         WHERE id = ?1",
    )?
    .execute(params![
        p.id,
        at,
        error,
        now.as_second(),
        unsure,
        p.unsure_since
    ])?;
    Ok(())
}

pub fn failed(conn: &Connection, id: i64, error: &str, now: Timestamp) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE outbox SET status = 'failed', error = ?2, sending_since = NULL, updated_at = ?3
         WHERE id = ?1",
    )?
    .execute(params![id, error, now.as_second()])?;
    Ok(())
}

/// A provider's delivery report: `delivered`, or `failed` with its reason.
pub fn report(
    conn: &Connection,
    provider_id: &str,
    delivered: bool,
    error: Option<&str>,
    now: Timestamp,
) -> Result<Option<ConversationId>, AppError> {
    let status = if delivered { "delivered" } else { "failed" };
    let message: Option<MessageId> = conn
        .query_row(
            "UPDATE outbox SET status = ?2, error = COALESCE(?3, error), updated_at = ?4
             WHERE provider_id = ?1 AND status IN ('sent', 'delivered') RETURNING message_id",
            params![provider_id, status, error, now.as_second()],
            |r| r.get(0),
        )
        .optional()?;
    message.map_or(Ok(None), |m| conversation_of(conn, m))
}

/// The conversation a message belongs to (for live updates of its delivery status).
pub fn conversation_of(
    conn: &Connection,
    message: MessageId,
) -> Result<Option<ConversationId>, AppError> {
    Ok(conn
        .query_row(
            "SELECT conversation_id FROM messages WHERE id = ?1",
            [message],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_the_channel() {
        let long = "é".repeat(2000);
        assert_eq!(trimmed(Channel::Sms, &long).chars().count(), 1600);
        assert!(trimmed(Channel::Sms, &long).ends_with('…'));
        assert_eq!(trimmed(Channel::Whatsapp, &long), long);
        assert_eq!(trimmed(Channel::Email, &long), long);
    }
}
