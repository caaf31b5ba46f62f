//! Boîte de réception: the conversations with shoppers, the bot's and the team's, by
//! tab (Nouvelles, En cours, Chatbot, Fermées), and one conversation's thread where a
//! teammate replies (which silences the bot there), hands back to the bot, or closes.

mod repo;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use self::repo::{Tab, Thread};
use crate::accounts::roles::Perm;
use crate::assistant::conversations;
use crate::channels::outbox::{self, NewReply};
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::engine::Channel;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, badge, csrf_input, empty_state};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Boîte de réception";
    pub const EMPTY: &str = "Aucune conversation ici";
    pub const EMPTY_TEXT: &str = "Les messages de vos clients (SMS, WhatsApp, e-mail, chat du site) et les réponses de l'assistant apparaîtront ici.";
    pub const MORE: &str = "Conversations plus anciennes →";
    pub const BOT: &str = "L'assistant répond";
    pub const HUMAN: &str = "Un humain est demandé";
    pub const PAUSED: &str = "L'équipe a pris la main : l'assistant se tait ici.";
    pub const REPLY: &str = "Répondre";
    pub const REPLY_HINT: &str = "Votre réponse part sur le canal du client. Répondre met l'assistant en pause dans cette conversation.";
    pub const HAND_BACK: &str = "Rendre au bot";
    pub const CLOSE: &str = "Fermer la conversation";
    pub const CLOSED: &str = "Conversation fermée.";
    pub const EMPTY_REPLY: &str = "Écrivez un message avant d'envoyer.";
    pub const READ_ONLY: &str = "Votre rôle permet de lire les conversations, pas d'y répondre.";
}

const PAGE: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::INBOX, web::get().to(inbox))
        .route(paths::CONVERSATION, web::get().to(conversation))
        .route(paths::CONVERSATION_REPLY, web::post().to(reply))
        .route(paths::CONVERSATION_HAND_BACK, web::post().to(hand_back))
        .route(paths::CONVERSATION_CLOSE, web::post().to(close));
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "sms" => "SMS",
        "whatsapp" => "WhatsApp",
        "email" => "E-mail",
        "webchat" => "Chat du site",
        _ => "Console",
    }
}

fn who(name: &str, contact: &str) -> String {
    if name.is_empty() {
        contact.to_string()
    } else {
        format!("{name} ({contact})")
    }
}

#[derive(Deserialize)]
struct ListQuery {
    tab: Option<String>,
    /// "time.id" of the last row of the previous page.
    before: Option<String>,
}

async fn inbox(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let tab = q
        .tab
        .as_deref()
        .and_then(Tab::from_code)
        .unwrap_or(Tab::New);
    let before = q.before.as_deref().and_then(|b| {
        let (at, id) = b.split_once('.')?;
        Some((at.parse().ok()?, id.parse().ok()?))
    });
    let (rows, counts) = db::call(&state.db, move |conn| {
        let rows = repo::list(conn, tab, before, PAGE)?;
        let counts = Tab::ALL
            .iter()
            .map(|t| repo::count(conn, *t).map(|n| (*t, n)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, counts))
    })
    .await?;
    let now = state.clock.now();
    let next = (rows.len() == PAGE)
        .then(|| rows.last().map(|r| format!("{}.{}", r.last_at, r.id)))
        .flatten();
    let body = html! {
        nav.tabs aria-label="Onglets" {
            @for (t, n) in &counts {
                a href={ (paths::INBOX) "?tab=" (t.code()) } aria-current=[(*t == tab).then_some("page")] {
                    (t.label()) " " span.count { (n) }
                }
            }
        }
        @if rows.is_empty() {
            (empty_state(text::EMPTY, text::EMPTY_TEXT, None))
        } @else {
            ul.conversations {
                @for r in &rows {
                    li {
                        a href=(paths::with_id(paths::CONVERSATION, r.id)) {
                            span.who { (who(&r.name, &r.contact)) }
                            " " (badge(channel_label(&r.channel), Tone::Neutral))
                            @if r.handed_over && !r.bot_paused { " " span title=(text::HUMAN) { "💬" } }
                            @if !r.handed_over && !r.bot_paused { " " span title=(text::BOT) { "🤖" } }
                            span.muted.when { (relative_fr(from_unix(r.last_at), now)) }
                            br;
                            span.last { (r.last_message.chars().take(140).collect::<String>()) }
                        }
                    }
                }
            }
            @if let Some(next) = next {
                p { a href={ (paths::INBOX) "?tab=" (tab.code()) "&before=" (next) } { (text::MORE) } }
            }
        }
    };
    Ok(page(&staff, text::TITLE, body))
}

fn page(staff: &Staff, title: &str, body: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(layout::page(staff, Nav::Inbox, title, body).into_string())
}

/// Why the bot handed over, in the team's words.
fn reason(code: Option<&str>) -> &'static str {
    match code {
        Some("human_handoff") => "à la demande du client",
        Some("complaint") => "client mécontent",
        Some("order_status") => "vérification de commande échouée",
        _ => "question que l'assistant n'a pas comprise",
    }
}

fn delivery(status: &str, error: Option<&str>) -> Markup {
    match status {
        "delivered" => badge("Remis", Tone::Success),
        "sent" => badge("Envoyé", Tone::Neutral),
        "failed" => {
            html! { (badge("Échec", Tone::Danger)) @if let Some(e) = error { " " span.muted { (e) } } }
        }
        _ => badge("En attente d'envoi", Tone::Warning),
    }
}

fn thread_view(
    staff: &Staff,
    t: &Thread,
    now: jiff::Timestamp,
    notice: Option<(Tone, &str)>,
) -> Markup {
    let can = staff.user.role.can(Perm::WorkConversations);
    html! {
        @if let Some((tone, n)) = notice { (alert(tone, n)) }
        p {
            (badge(channel_label(&t.channel), Tone::Neutral))
            @if let Some(email) = &t.contact_email { " · e-mail laissé : " a href={ "mailto:" (email) } { (email) } }
        }
        @if t.bot_paused { (alert(Tone::Info, text::PAUSED)) }
        @else if t.handed_over {
            (alert(Tone::Warning, &format!("{} ({})", text::HUMAN, reason(t.handoff_reason.as_deref()))))
        }
        @if t.closed { (alert(Tone::Neutral, text::CLOSED)) }
        ol.thread {
            @for m in &t.messages {
                li class={ "msg " (m.author) } id={ "m-" (m.id) } {
                    div.meta {
                        @match m.author.as_str() {
                            "shopper" => strong { "Client" },
                            "bot" => strong { "🤖 Assistant" },
                            _ => strong { (m.staff_name.clone().unwrap_or_else(|| "Équipe".into())) },
                        }
                        " · " span.muted { (relative_fr(from_unix(m.created_at), now)) }
                        @if let Some(intent) = &m.intent { " · " span.muted { (intent) } }
                        @if let Some((status, error)) = &m.delivery { " · " (delivery(status, error.as_deref())) }
                    }
                    div.body { (m.body) }
                }
            }
        }
        @if !can { (alert(Tone::Info, text::READ_ONLY)) }
        @if can && t.channel != "console" {
            form.stack method="post" action=(paths::with_id(paths::CONVERSATION_REPLY, t.id)) {
                (csrf_input(&staff.csrf))
                label { (text::REPLY) textarea name="body" rows="3" maxlength="4000" required {} }
                p.muted { (text::REPLY_HINT) }
                div.actions { button.btn.primary type="submit" { (text::REPLY) } }
            }
        }
        @if can {
            div.actions {
                @if t.bot_paused || t.handed_over {
                    form.inline method="post" action=(paths::with_id(paths::CONVERSATION_HAND_BACK, t.id)) {
                        (csrf_input(&staff.csrf))
                        button.btn type="submit" { (text::HAND_BACK) }
                    }
                }
                @if !t.closed {
                    " "
                    form.inline method="post" action=(paths::with_id(paths::CONVERSATION_CLOSE, t.id)) {
                        (csrf_input(&staff.csrf))
                        button.btn type="submit" { (text::CLOSE) }
                    }
                }
            }
        }
    }
}

async fn load(state: &AppState, id: i64) -> Result<Thread, AppError> {
    db::call(&state.db, move |conn| repo::thread(conn, id))
        .await?
        .ok_or(AppError::NotFound)
}

async fn conversation(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let t = load(&state, path.into_inner()).await?;
    let title = who(&t.name, &t.contact);
    Ok(page(
        &staff,
        &title,
        thread_view(&staff, &t, state.clock.now(), None),
    ))
}

fn back_to(id: i64) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, paths::with_id(paths::CONVERSATION, id)))
        .finish()
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: String,
}

/// A teammate's reply: stored, the bot silenced here, and sent on the shopper's channel
/// (through the outbox, or the web chat's stream).
async fn reply(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let body = form.body.trim().to_string();
    if body.is_empty() {
        let t = load(&state, id).await?;
        let view = thread_view(
            &staff,
            &t,
            state.clock.now(),
            Some((Tone::Danger, text::EMPTY_REPLY)),
        );
        return Ok(HttpResponse::BadRequest()
            .content_type("text/html; charset=utf-8")
            .body(
                layout::page(&staff, Nav::Inbox, &who(&t.name, &t.contact), view).into_string(),
            ));
    }
    let (user, now) = (staff.user.id, state.clock.now());
    let channel = db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            let t = conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            let channel = Channel::from_code(&t.channel).unwrap_or(Channel::Console);
            let message = conversations::staff_reply(tx, id, user, &body, now)?;
            if matches!(channel, Channel::Sms | Channel::Whatsapp | Channel::Email) {
                let (subject, in_reply_to) = repo::email_thread(tx, id)?;
                outbox::enqueue(
                    tx,
                    &NewReply {
                        message_id: message,
                        channel,
                        recipient: &t.contact,
                        body: &body,
                        subject: &subject,
                        in_reply_to: &in_reply_to,
                        not_before: now,
                    },
                    now,
                )?;
            }
            Ok(channel)
        })
    })
    .await?;
    match channel {
        Channel::Webchat => state.webchat.announce(id),
        _ => state.outbox_ready.notify_one(),
    }
    Ok(back_to(id))
}

async fn hand_back(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<crate::web::csrf::NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    load(&state, id).await?;
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| conversations::hand_back(tx, id))
    })
    .await?;
    Ok(back_to(id))
}

async fn close(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<crate::web::csrf::NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    load(&state, id).await?;
    let now = state.clock.now().as_second();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::close(tx, id, now))
    })
    .await?;
    Ok(back_to(id))
}
