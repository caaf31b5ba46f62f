//! The wizard's test box: the owner writes as a shopper would, the real engine answers
//! on the real synced catalogue through the web chat's path, and each reply shows what
//! the assistant did. The conversation is marked as a test: counted in no figure.

use crate::web::respond;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};
use rusqlite::params;
use serde::Deserialize;

use super::Step;
use crate::assistant::{self, Incoming};
use crate::db;
use crate::engine::Channel;
use crate::engine::intent::Intent;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::csrf_input;
use crate::web::csrf::CsrfForm;
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

mod text {
    pub const LEAD: &str = "Écrivez comme un client. L'assistant répond avec votre vrai catalogue et votre vrai stock ; ce test n'entre dans aucune statistique.";
    pub const EXAMPLE: &str = "Bonjour, vous avez la robe fleurie bleue en 38 ?";
    pub const MESSAGE: &str = "Votre message";
    pub const SEND: &str = "Envoyer";
    pub const EMPTY: &str = "Aucun message pour l'instant : posez une question sur un produit, vos horaires ou une commande.";
    pub const HOLD_NOTE: &str = "Une mise de côté faite ici est réelle : retrouvez-la dans Réservations pour l'annuler si besoin.";
}

/// The test shopper of this member, on the web chat.
fn contact(staff: &Staff) -> String {
    format!("visitor:test-{}", staff.user.id)
}

struct Line {
    author: String,
    body: String,
    intent: Option<String>,
    action: Option<String>,
    product: Option<String>,
    in_stock: Option<bool>,
    latency_us: Option<i64>,
}

fn load(conn: &rusqlite::Connection, contact: &str) -> Result<Vec<Line>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT m.author, m.body, m.intent, m.action,
                (SELECT title FROM products WHERE handle = m.product LIMIT 1), m.in_stock, m.latency_us
         FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE c.channel = 'webchat' AND c.contact = ?1 AND c.test = 1
         ORDER BY m.id DESC LIMIT 40",
    )?;
    let mut lines = stmt
        .query_map(params![contact], |r| {
            Ok(Line {
                author: r.get(0)?,
                body: r.get(1)?,
                intent: r.get(2)?,
                action: r.get(3)?,
                product: r.get(4)?,
                in_stock: r.get(5)?,
                latency_us: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    lines.reverse();
    Ok(lines)
}

/// "0,42 ms"
pub(super) fn millis(us: i64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0).replace('.', ",")
}

/// What the assistant did for one reply.
fn did(line: &Line) -> Markup {
    let intent = line
        .intent
        .as_deref()
        .and_then(Intent::from_code)
        .map(Intent::label_fr);
    let action = line.action.as_deref().unwrap_or("");
    html! {
        ul.did aria-label="Ce que l'assistant a fait" {
            @if let Some(i) = intent { li { "🧭 Demande comprise : " (i) } }
            @if let Some(p) = &line.product { li { "🔎 Produit identifié : " strong { (p) } } }
            @match line.in_stock {
                Some(true) => li { "📦 Stock vérifié : disponible" },
                Some(false) => li { "📦 Stock vérifié : indisponible" },
                None => {},
            }
            @if action == "reserve" { li { "🔖 Réservation créée" } }
            @if action == "handoff" { li { "🙋 Passage à l'équipe" } }
            @if let Some(us) = line.latency_us { li { "⏱️ Réponse en " (millis(us)) } }
        }
    }
}

fn thread(lines: &[Line]) -> Markup {
    html! {
        div #test-thread.test-thread aria-live="polite" data-stick-bottom {
            @if lines.is_empty() { p.muted { (text::EMPTY) } }
            @for line in lines {
                @if line.author == "shopper" {
                    div.bubble.shopper { (line.body) }
                } @else {
                    div.bubble.bot { (line.body) }
                    (did(line))
                }
            }
            @if lines.iter().any(|l| l.action.as_deref() == Some("reserve")) {
                p.muted { (text::HOLD_NOTE) " " a href=(paths::RESERVATIONS) { "Réservations" } }
            }
        }
    }
}

pub(super) async fn body(state: &AppState, staff: &Staff) -> Result<Markup, AppError> {
    let who = contact(staff);
    let lines = db::call(&state.db, move |conn| load(conn, &who)).await?;
    Ok(html! {
        p.lead { (text::LEAD) }
        section.test-chat {
            (thread(&lines))
            form.test-form method="post" action=(paths::ONBOARDING_TEST_MESSAGE)
                hx-post=(paths::ONBOARDING_TEST_MESSAGE) hx-target="#test-thread" hx-swap="outerHTML"
                data-reset-after-send {
                (csrf_input(&staff.csrf))
                label for="test-message" { (text::MESSAGE) }
                div.inline-form {
                    input #test-message type="text" name="message" required maxlength="2000" autocomplete="off" placeholder=(text::EXAMPLE);
                    button.btn.primary type="submit" { (text::SEND) }
                }
            }
        }
    })
}

#[derive(Deserialize)]
pub(super) struct Message {
    #[serde(default)]
    message: String,
}

pub(super) async fn send(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    staff: Staff,
    req: HttpRequest,
    CsrfForm(form): CsrfForm<Message>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let text = form.message.trim().to_string();
    if text.is_empty() {
        return Err(AppError::BadRequest(
            "Écrivez un message, par exemple : « vous avez la robe fleurie bleue en 38 ? »".into(),
        ));
    }
    if text.chars().count() > 2000 {
        return Err(AppError::BadRequest(
            "Un message fait au plus 2000 caractères.".into(),
        ));
    }
    let (assistant, llm, now, who) = (
        bot.assistant.clone(),
        bot.llm.clone(),
        state.clock.now(),
        contact(&staff),
    );
    let lines = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let outcome = assistant.handle(
            conn,
            &Incoming {
                channel: Channel::Webchat,
                contact: &who,
                text: &text,
                provider_id: None,
                email: None,
                test: true,
            },
            now,
            llm.as_deref(),
        )?;
        Ok((outcome.conversation, load(conn, &who)?))
    })
    .await;
    let (conversation, lines) = lines?;
    state.events.changed(conversation);
    if req.headers().contains_key("HX-Request") {
        return Ok(HttpResponse::Ok()
            .content_type(respond::HTML)
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(thread(&lines).into_string()));
    }
    Ok(respond::redirect(Step::Test.path()))
}
