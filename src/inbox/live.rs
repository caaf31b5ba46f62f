//! The team's live stream (Server-Sent Events, on every page of the app): how many
//! conversations wait for a human (the badge), and which conversation changed, with
//! whether a shopper now waits for the team (a notification). Pages showing that
//! conversation or the list fetch their fresh parts when told.

use std::collections::VecDeque;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{Value, json};

use super::repo;
use crate::db;
use crate::db::ids::ConversationId;
use crate::error::AppError;
use crate::events::Heard;
use crate::web::AppState;
use crate::web::auth::Staff;

const HEARTBEAT: Duration = Duration::from_secs(15);

/// What the team hears of a change: the waiting count, and a notification when the
/// conversation's newest message is a shopper's (or the bot's handover) in a
/// conversation needing a human. Bot-handled conversations raise none.
pub fn news(conn: &Connection, conversation: ConversationId) -> Result<Value, AppError> {
    let waiting = repo::waiting(conn)?;
    let found = conn
        .prepare_cached(
            "SELECT c.closed_at IS NULL AND (c.handoff_at IS NOT NULL OR c.bot_paused = 1),
                    COALESCE(NULLIF(k.display_name, ''), c.contact), m.id, m.author, m.body
             FROM conversations c LEFT JOIN contacts k ON k.id = c.contact_id
             LEFT JOIN messages m ON m.id = (SELECT max(id) FROM messages WHERE conversation_id = c.id)
             WHERE c.id = ?1",
        )?
        .query_row([conversation], |r| {
            Ok((
                r.get::<_, bool>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    let mut out = json!({"conversation": conversation, "waiting": waiting, "notify": false});
    if let Some((needs_human, name, Some(message), Some(author), Some(body))) = found
        && needs_human
        && author != "staff"
    {
        out["notify"] = json!(true);
        out["message"] = json!(message);
        out["title"] = json!(format!("{name} attend une réponse"));
        out["body"] = json!(body.chars().take(120).collect::<String>());
    }
    Ok(out)
}

pub(super) async fn events(
    state: web::Data<AppState>,
    _staff: Staff,
) -> Result<HttpResponse, AppError> {
    let follower = state.events.follow();
    let waiting = db::call(&state.db, |conn| repo::waiting(conn)).await?;
    let first = Bytes::from(format!(
        "retry: 3000\nevent: waiting\ndata: {}\n\n",
        json!({ "waiting": waiting })
    ));
    let start = (state.clone(), follower, VecDeque::from([first]));
    let stream =
        futures_util::stream::unfold(start, |(state, mut follower, mut queue)| async move {
            loop {
                if let Some(event) = queue.pop_front() {
                    return Some((Ok::<_, actix_web::Error>(event), (state, follower, queue)));
                }
                let conversation = match tokio::time::timeout(HEARTBEAT, follower.next()).await {
                    Err(_) => {
                        queue.push_back(Bytes::from_static(b": ping\n\n"));
                        continue;
                    }
                    Ok(Heard::Closing) => return None,
                    // Missed some: pages refresh what they show.
                    Ok(Heard::Lagged) => ConversationId(0),
                    Ok(Heard::Changed(id)) => id,
                };
                let news = db::call(&state.db, move |conn| news(conn, conversation)).await;
                match news {
                    Ok(data) => {
                        queue.push_back(Bytes::from(format!("event: changed\ndata: {data}\n\n")))
                    }
                    Err(_) => return None,
                }
            }
        });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Compression would hold events back until a buffer fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(stream))
}
