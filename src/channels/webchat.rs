//! The web chat widget's API, called from the shop's own site (`assets/widget.js`):
//! post a message (the assistant's reply comes back at once), follow the conversation
//! live over Server-Sent Events (or by long-polling), and leave an e-mail address when
//! the team takes over. Only the shop's configured origins may call it (CORS); messages
//! are size-limited and rate-limited per visitor and per IP.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use crate::events::Heard;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::profile::looks_like_email;
use crate::assistant::{self, Incoming, conversations};
use crate::db;
use crate::engine::lang::Lang;
use crate::engine::{Action, Channel};
use crate::error::AppError;
use crate::web::AppState;

pub const MESSAGES_PATH: &str = "/widget/messages";
pub const STREAM_PATH: &str = "/widget/stream";
pub const CONTACT_PATH: &str = "/widget/contact";
/// The longest message a visitor may send.
pub const MAX_CHARS: usize = 1000;
const PER_VISITOR_PER_MINUTE: usize = 20;
const PER_IP_PER_MINUTE: usize = 60;
/// How long a long-poll waits for news before answering with none.
const LONG_POLL: Duration = Duration::from_secs(20);
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Shared by the widget's requests: who posted when.
#[derive(Default)]
pub struct Hub {
    recent: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Hub {
    /// Counts a post by `key`; false when over `limit` in the last minute.
    fn allow(&self, key: &str, limit: usize, now: i64) -> bool {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() > 10_000 {
            recent.retain(|_, hits| hits.back().is_some_and(|t| now - t < 60));
        }
        let hits = recent.entry(key.to_string()).or_default();
        while hits.front().is_some_and(|t| now - t >= 60) {
            hits.pop_front();
        }
        if hits.len() >= limit {
            return false;
        }
        hits.push_back(now);
        true
    }
}

/// A body or query the widget API cannot read: its JSON error in the visitor's
/// language, never the parser's words.
fn unreadable(req: &HttpRequest) -> actix_web::Error {
    let response = refuse(
        req,
        400,
        (
            "Message illisible : rechargez la page et réessayez.",
            "Unreadable message: reload the page and try again.",
        ),
        None,
    );
    actix_web::error::InternalError::from_response("unreadable widget request", response).into()
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    let json = web::JsonConfig::default()
        .limit(16 * 1024)
        .error_handler(|_, req| unreadable(req));
    let query = web::QueryConfig::default().error_handler(|_, req| unreadable(req));
    let as_json = || actix_web::middleware::from_fn(crate::web::errors::as_json);
    cfg.service(
        web::resource(MESSAGES_PATH)
            .app_data(json.clone())
            .app_data(query.clone())
            .wrap(as_json())
            .route(web::post().to(post_message))
            .route(web::get().to(poll))
            .route(web::method(actix_web::http::Method::OPTIONS).to(preflight)),
    )
    .service(
        web::resource(STREAM_PATH)
            .app_data(query)
            .wrap(as_json())
            .route(web::get().to(stream)),
    )
    .service(
        web::resource(CONTACT_PATH)
            .app_data(json)
            .wrap(as_json())
            .route(web::post().to(leave_email))
            .route(web::method(actix_web::http::Method::OPTIONS).to(preflight)),
    );
}

/// The request's origin when it may call the widget API: an allowed origin, or none
/// (the appliance's own pages, or a client that is not a browser).
async fn origin(state: &AppState, req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let channels = super::settings::current(state).await?;
    let allowed = &channels.webchat.allowed_origins;
    let same = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|p| p.trim_end_matches('/') == origin);
    if same || allowed.iter().any(|a| a.trim_end_matches('/') == origin) {
        Ok(Some(origin.to_string()))
    } else {
        tracing::info!(origin, "web chat call from an origin not allowed");
        Err(AppError::Forbidden)
    }
}

fn with_cors(mut response: HttpResponse, origin: Option<&str>) -> HttpResponse {
    if let Some(origin) = origin
        && let Ok(value) = header::HeaderValue::from_str(origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::VARY, header::HeaderValue::from_static("Origin"));
    }
    response
}

async fn preflight(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let origin = origin(&state, &req).await?;
    let response = HttpResponse::NoContent()
        .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type"))
        .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
        .finish();
    Ok(with_cors(response, origin.as_deref()))
}

/// A visitor id as the widget makes them: 8 to 64 letters, digits or dashes.
fn visitor_ok(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The visitor's language, from what their browser asks for: French for French, English
/// for everyone else.
fn visitor_lang(req: &HttpRequest) -> Lang {
    let asked = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("fr");
    if asked.trim_start().to_ascii_lowercase().starts_with("fr") {
        Lang::Fr
    } else {
        Lang::En
    }
}

/// A refusal the widget shows as it is: in the visitor's language.
fn refuse(
    req: &HttpRequest,
    status: u16,
    (fr, en): (&str, &str),
    origin: Option<&str>,
) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or_default();
    let message = match visitor_lang(req) {
        Lang::Fr => fr,
        Lang::En => en,
    };
    with_cors(
        HttpResponse::build(status).json(json!({"error": message})),
        origin,
    )
}

#[derive(Deserialize)]
struct Post {
    visitor: String,
    text: String,
    /// The widget's id for this message: a resent message is recognised.
    id: String,
}

async fn post_message(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    hub: web::Data<Hub>,
    req: HttpRequest,
    body: web::Json<Post>,
) -> Result<HttpResponse, AppError> {
    let origin = origin(&state, &req).await?;
    let origin = origin.as_deref();
    let Post { visitor, text, id } = body.into_inner();
    if !visitor_ok(&visitor) || id.is_empty() || id.len() > 64 {
        return Ok(refuse(
            &req,
            400,
            ("Identifiants du message invalides.", "Invalid message ids."),
            origin,
        ));
    }
    let text = text.trim().to_string();
    if text.is_empty() {
        return Ok(refuse(
            &req,
            400,
            ("Le message est vide.", "The message is empty."),
            origin,
        ));
    }
    if text.chars().count() > MAX_CHARS {
        return Ok(refuse(
            &req,
            413,
            (
                &format!("Un message fait au plus {MAX_CHARS} caractères."),
                &format!("A message is at most {MAX_CHARS} characters long."),
            ),
            origin,
        ));
    }
    let now = state.clock.now();
    let ip = crate::accounts::client_ip(&state, &req)
        .map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    if !hub.allow(
        &format!("v:{visitor}"),
        PER_VISITOR_PER_MINUTE,
        now.as_second(),
    ) || !hub.allow(&format!("ip:{ip}"), PER_IP_PER_MINUTE, now.as_second())
    {
        let mut response = refuse(
            &req,
            429,
            (
                "Trop de messages : réessayez dans une minute.",
                "Too many messages: please try again in a minute.",
            ),
            origin,
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        return Ok(response);
    }
    let (assistant, llm) = (bot.assistant.clone(), bot.llm.clone());
    let contact = format!("visitor:{visitor}");
    let provider_id = format!("web:{visitor}:{id}");
    let outcome = db::call(&state.db, move |conn| {
        assistant.handle(
            conn,
            &Incoming {
                channel: Channel::Webchat,
                contact: &contact,
                text: &text,
                provider_id: Some(&provider_id),
                email: None,
                test: false,
            },
            now,
            llm.as_deref(),
        )
    })
    .await?;
    state.events.changed(outcome.conversation);
    if outcome.wants_notices() {
        state.notices_wanted.notify_one();
    }
    // The shop's own staff trying the chat are counted nowhere.
    if let Some(ip) = crate::accounts::client_ip(&state, &req) {
        let conversation = outcome.conversation;
        db::call(&state.db, move |conn| {
            crate::assistant::conversations::exclude_if_own(conn, conversation, ip)
        })
        .await?;
    }
    let decision = outcome.decision.as_ref();
    Ok(with_cors(
        HttpResponse::Ok().json(json!({
            "reply": decision.map(|d| d.reply.clone()),
            "handoff": decision.is_some_and(|d| d.action == Action::Handoff),
            // The conversation's language, for the widget's own words (the e-mail prompt).
            "lang": decision.map(|d| d.lang.code()),
            "duplicate": outcome.duplicate,
        })),
        origin,
    ))
}

/// The visitor's latest conversation and its messages after `after`: the visitor's own
/// too, so a reloaded page shows the whole exchange (the widget skips the ones it has
/// just shown as they were sent). A team reply among them is now with the visitor: the
/// inbox shows it "Remis".
fn news(
    conn: &mut rusqlite::Connection,
    visitor: &str,
    after: i64,
) -> Result<Vec<serde_json::Value>, AppError> {
    let contact = format!("visitor:{visitor}");
    let Some(conversation) = conversations::latest(conn, Channel::Webchat, &contact)? else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, author, body FROM messages
         WHERE conversation_id = ?1 AND id > ?2 ORDER BY id LIMIT 100",
    )?;
    let rows = stmt
        .query_map(rusqlite::params![conversation, after], |r| {
            Ok(json!({"id": r.get::<_, i64>(0)?, "author": r.get::<_, String>(1)?, "body": r.get::<_, String>(2)?}))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    drop(stmt);
    let newest_reply = rows
        .iter()
        .filter(|r| r["author"] == "staff")
        .filter_map(|r| r["id"].as_i64())
        .max();
    if let Some(newest) = newest_reply {
        db::write(conn, |tx| -> Result<_, AppError> {
            Ok(tx
                .prepare_cached(
                    "UPDATE conversations SET webchat_delivered_id = ?2
                     WHERE id = ?1 AND webchat_delivered_id < ?2",
                )?
                .execute(rusqlite::params![conversation, newest])?)
        })?;
    }
    Ok(rows)
}

#[derive(Deserialize)]
struct Follow {
    visitor: String,
    #[serde(default)]
    after: i64,
}

/// Long-poll: the news after `after`, at once if there is some, else within 20 s.
async fn poll(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<Follow>,
) -> Result<HttpResponse, AppError> {
    let origin = origin(&state, &req).await?;
    if !visitor_ok(&q.visitor) {
        return Ok(refuse(
            &req,
            400,
            ("Visiteur inconnu.", "Unknown visitor."),
            origin.as_deref(),
        ));
    }
    let mut follower = state.events.follow();
    let deadline = tokio::time::Instant::now() + LONG_POLL;
    loop {
        let (visitor, after) = (q.visitor.clone(), q.after);
        let rows = db::call(&state.db, move |conn| news(conn, &visitor, after)).await?;
        if !rows.is_empty() {
            return Ok(with_cors(
                HttpResponse::Ok().json(json!({"messages": rows})),
                origin.as_deref(),
            ));
        }
        if let Err(_) | Ok(Heard::Closing) =
            tokio::time::timeout_at(deadline, follower.next()).await
        {
            return Ok(with_cors(
                HttpResponse::Ok().json(json!({"messages": []})),
                origin.as_deref(),
            ));
        }
    }
}

/// Server-Sent Events: each new bot or team message as a `message` event.
async fn stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<Follow>,
) -> Result<HttpResponse, AppError> {
    let origin = origin(&state, &req).await?;
    if !visitor_ok(&q.visitor) {
        return Ok(refuse(
            &req,
            400,
            ("Visiteur inconnu.", "Unknown visitor."),
            origin.as_deref(),
        ));
    }
    let rx = state.events.follow();
    let start = (
        state.clone(),
        q.visitor.clone(),
        q.after,
        rx,
        VecDeque::<Bytes>::new(),
    );
    let events = futures_util::stream::unfold(
        start,
        |(state, visitor, mut after, mut rx, mut queue)| async move {
            loop {
                if let Some(event) = queue.pop_front() {
                    return Some((
                        Ok::<_, actix_web::Error>(event),
                        (state, visitor, after, rx, queue),
                    ));
                }
                let (v, a) = (visitor.clone(), after);
                let rows = match db::call(&state.db, move |conn| news(conn, &v, a)).await {
                    Ok(rows) => rows,
                    Err(_) => return None,
                };
                for row in rows {
                    after = row["id"].as_i64().unwrap_or(after);
                    queue.push_back(Bytes::from(format!(
                        "id: {after}\nevent: message\ndata: {row}\n\n"
                    )));
                }
                if !queue.is_empty() {
                    continue;
                }
                match tokio::time::timeout(HEARTBEAT, rx.next()).await {
                    Err(_) => queue.push_back(Bytes::from_static(b": ping\n\n")),
                    Ok(Heard::Closing) => return None,
                    Ok(_) => {}
                }
            }
        },
    );
    let response = HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Compression would hold events back until a buffer fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(events);
    Ok(with_cors(response, origin.as_deref()))
}

#[derive(Deserialize)]
struct LeaveEmail {
    visitor: String,
    email: String,
}

/// The visitor leaves an address so the team can answer later.
async fn leave_email(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LeaveEmail>,
) -> Result<HttpResponse, AppError> {
    let origin = origin(&state, &req).await?;
    let origin = origin.as_deref();
    let email = body.email.trim().to_lowercase();
    if !visitor_ok(&body.visitor) || !looks_like_email(&email) {
        return Ok(refuse(
            &req,
            400,
            (
                "Cette adresse e-mail n'est pas valide : vérifiez-la (par exemple marie@exemple.fr).",
                "This e-mail address is not valid: please check it (for example mary@example.com).",
            ),
            origin,
        ));
    }
    let contact = format!("visitor:{}", body.visitor);
    let updated = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            let found = conversations::current(tx, Channel::Webchat, &contact)?;
            if let Some(id) = found {
                conversations::set_contact_email(tx, id, &email)?;
            }
            Ok(found.is_some())
        })
    })
    .await?;
    if !updated {
        return Ok(refuse(
            &req,
            404,
            (
                "Aucune conversation en cours : écrivez d'abord votre message.",
                "No conversation yet: please write your message first.",
            ),
            origin,
        ));
    }
    Ok(with_cors(
        HttpResponse::Ok().json(json!({"ok": true})),
        origin,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_limited_per_key_over_a_sliding_minute() {
        let hub = Hub::default();
        for _ in 0..3 {
            assert!(hub.allow("v:a", 3, 1000));
        }
        assert!(!hub.allow("v:a", 3, 1030), "fourth within the minute");
        assert!(hub.allow("v:b", 3, 1030), "others are not affected");
        assert!(hub.allow("v:a", 3, 1060), "a minute later");
    }

    #[test]
    fn visitor_ids_are_checked() {
        assert!(visitor_ok("7f3a9c1e-2b4d"));
        assert!(!visitor_ok("short"));
        assert!(!visitor_ok("7f3a9c1e 2b4d"));
        assert!(!visitor_ok(&"a".repeat(65)));
    }
}
