//! The one-question satisfaction survey a teammate may send when closing a
//! conversation: asked in the shop's words, answered with a score from 1 to 5.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::conversations::{self, Author};
use super::outbox;
use super::settings;
use crate::db::ids::ConversationId;
use crate::engine::Channel;
use crate::engine::lang::Lang;
use crate::error::AppError;

/// The score in a shopper's answer: "4", "5/5", "3 sur 5", "⭐⭐⭐⭐"; None for anything
/// else (which is a new message, not an answer).
pub fn score(text: &str) -> Option<i64> {
    let t = text.trim().to_lowercase();
    let stars = t.chars().filter(|c| *c == '⭐').count();
    if stars > 0 {
        let only_stars = t.chars().all(|c| c == '⭐' || c.is_whitespace());
        return (only_stars && stars <= 5).then_some(stars as i64);
    }
    let mut chars = t.chars();
    let first = chars.next()?.to_digit(10)? as i64;
    let rest: String = chars.filter(|c| !c.is_whitespace()).collect();
    let rest = rest.trim_end_matches(['.', '!']);
    let known = [
        "", "/5", "sur5", "étoiles", "étoile", "etoiles", "etoile", "stars", "star",
    ];
    ((1..=5).contains(&first) && known.contains(&rest)).then_some(first)
}

/// Asks the survey in a conversation being closed; true when the sender should be woken.
pub fn ask(
    conn: &Connection,
    conversation: ConversationId,
    now: Timestamp,
) -> Result<bool, AppError> {
    conn.prepare_cached(
        "UPDATE conversations SET survey_sent_at = ?2, survey_score = NULL WHERE id = ?1",
    )?
    .execute(params![conversation, now.as_second()])?;
    say(conn, conversation, "survey", now)
}

/// The bot says one of the survey's lines, in the conversation's language.
fn say(
    conn: &Connection,
    conversation: ConversationId,
    key: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let shop = settings::shop(conn)?;
    let templates = settings::templates(conn)?;
    let lang: String = conn
        .prepare_cached("SELECT lang FROM conversations WHERE id = ?1")?
        .query_row([conversation], |r| r.get(0))?;
    let lang = Lang::from_code(&lang).unwrap_or(shop.lang);
    let text = templates.render(key, lang, shop.tone, &[("shop", &shop.name)]);
    let message = conversations::add_message(
        conn,
        conversation,
        Author::Bot,
        None,
        &text,
        None,
        Some("survey"),
        now,
    )?;
    outbox::follow_up(conn, conversation, message, &text, now)
}

/// The shopper's closed conversation on this channel still waiting for a survey answer.
pub fn awaiting(
    conn: &Connection,
    channel: Channel,
    contact: &str,
) -> Result<Option<ConversationId>, AppError> {
    let Some(id) = conversations::latest(conn, channel, contact)? else {
        return Ok(None);
    };
    Ok(conn
        .query_row(
            "SELECT id FROM conversations WHERE id = ?1 AND closed_at IS NOT NULL
               AND survey_sent_at IS NOT NULL AND survey_score IS NULL",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records the answer and thanks the shopper; true when the sender should be woken.
pub fn record(
    conn: &Connection,
    conversation: ConversationId,
    score: i64,
    now: Timestamp,
) -> Result<bool, AppError> {
    conn.prepare_cached("UPDATE conversations SET survey_score = ?2 WHERE id = ?1")?
        .execute(params![conversation, score])?;
    say(conn, conversation, "survey_thanks", now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_read_from_short_answers_only() {
        for (text, want) in [
            ("4", Some(4)),
            (" 5/5 ", Some(5)),
            ("3 sur 5", Some(3)),
            ("2 étoiles !", Some(2)),
            ("⭐⭐⭐⭐", Some(4)),
            ("6", None),
            ("0", None),
            ("4 robes en 38 ?", None),
            ("merci", None),
            ("", None),
        ] {
            assert_eq!(score(text), want, "{text}");
        }
    }
}
