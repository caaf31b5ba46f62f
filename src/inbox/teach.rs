//! "Apprendre à l'assistant": staff label a shopper's message with the intent it
//! really asked, in one click from the conversation. The example is kept as the shop's
//! own training data (`assistant::training`), the model is retrained in the background,
//! and Paramètres › Assistant lists the examples, each removable.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::assistant;
use crate::assistant::training::{self, Taught};
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::db::ids::{ConversationId, MessageId};
use crate::engine::intent::Intent;
use crate::engine::{self, Channel};
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::csrf_input;
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::CONVERSATION_TEACH, web::post().to(teach))
        .route(paths::SETTINGS_EXAMPLE_DELETE, web::post().to(forget));
}

/// The intents staff can choose from, in the order a shop thinks of them.
const CHOICES: [Intent; 18] = [
    Intent::ProductAvailability,
    Intent::ProductSearch,
    Intent::Price,
    Intent::Reservation,
    Intent::CancelReservation,
    Intent::OrderStatus,
    Intent::ShopHours,
    Intent::ShopAddress,
    Intent::ShopContact,
    Intent::ReturnsPolicy,
    Intent::ShippingInfo,
    Intent::Appointment,
    Intent::CancelAppointment,
    Intent::Greeting,
    Intent::Thanks,
    Intent::HumanHandoff,
    Intent::Complaint,
    Intent::Unknown,
];

/// What the assistant understood, for people: "Suivi de commande (92 %)".
pub fn understood(intent: &str, confidence: Option<f64>) -> String {
    let label = Intent::from_code(intent).map_or("—", Intent::label_fr);
    match confidence {
        Some(c) => format!("{label} ({} %)", (c * 100.0).round() as i64),
        None => label.to_string(),
    }
}

/// The one-click form under a shopper's message; `read` is what the assistant made of it.
pub fn form(
    csrf: &str,
    conversation: ConversationId,
    message: MessageId,
    read: Option<&str>,
) -> Markup {
    html! {
        details.teach id={ "apprendre-" (message) } {
            summary { "🎓 Apprendre à l'assistant" }
            form.row method="post" action=(paths::with_id(paths::CONVERSATION_TEACH, conversation)) {
                (csrf_input(csrf))
                input type="hidden" name="message" value=(message);
                label {
                    "Ce message demandait :"
                    select name="intent" {
                        @for i in CHOICES {
                            option value=(i.code()) selected[read == Some(i.code())] { (i.label_fr()) }
                        }
                    }
                }
                button.btn type="submit" { "Apprendre" }
            }
        }
    }
}

#[derive(Deserialize)]
struct TeachForm {
    message: MessageId,
    intent: String,
}

async fn teach(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<TeachForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let Some(intent) = Intent::from_code(&form.intent) else {
        return Err(AppError::BadRequest(
            "Choisissez dans la liste ce que demandait le message.".into(),
        ));
    };
    let (user, now, assistant) = (staff.user.id, state.clock.now(), bot.assistant.clone());
    db::call(&state.db, move |conn| {
        let (channel, body): (String, String) = conn
            .query_row(
                "SELECT c.channel, m.body FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.id = ?1 AND m.conversation_id = ?2 AND m.author = 'shopper'",
                rusqlite::params![form.message, id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => AppError::NotFound,
                e => e.into(),
            })?;
        // What the engine reads of it, and what the catalogue matcher finds there now.
        let input = engine::Input {
            text: &body,
            channel: Channel::from_code(&channel).unwrap_or(Channel::Console),
            contact: "",
            now,
        };
        let text = engine::own_text(&input);
        let index = assistant.catalogue.get(conn)?;
        let hint = engine::signals(&index.find(&text), &engine::facts::extract(&text)).hint;
        db::write(conn, |tx| {
            training::teach(tx, &text, intent, hint, Some(form.message), Some(user), now)
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!(
                "{}?ok=taught#m-{}",
                paths::with_id(paths::CONVERSATION, id),
                form.message
            ),
        ))
        .finish())
}

async fn forget(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let gone = db::call(&state.db, move |conn| {
        db::write(conn, |tx| training::forget(tx, id))
    })
    .await?;
    if !gone {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok=forgotten#exemples", paths::SETTINGS_ASSISTANT),
        ))
        .finish())
}

/// Paramètres › Assistant: what the shop taught, newest first.
pub fn examples_section(staff: &Staff, taught: &[Taught], now: jiff::Timestamp) -> Markup {
    let editable = staff.user.role.can(Perm::ManageShop);
    html! {
        section.card #exemples {
            h2 { "Ce que vous avez appris à l'assistant" }
            @if taught.is_empty() {
                p.muted {
                    "Aucun exemple pour l'instant. Dans la boîte de réception, sous un message que l'assistant a mal compris, "
                    "choisissez « Apprendre à l'assistant » et indiquez ce que demandait le client : il s'en souviendra."
                }
            } @else {
                p.muted { (taught.len()) " exemple(s). L'assistant les apprend en plus de ce qu'il sait déjà." }
                ul.list {
                    @for t in taught {
                        li.row {
                            div {
                                q { (t.text) }
                                br;
                                span.muted {
                                    "→ " strong { (t.intent.label_fr()) }
                                    " · " (relative_fr(from_unix(t.created_at), now))
                                    @if let Some(a) = &t.author { " · " (a) }
                                }
                            }
                            @if editable {
                                form method="post" action=(paths::with_id(paths::SETTINGS_EXAMPLE_DELETE, t.id)) {
                                    (csrf_input(&staff.csrf))
                                    button.btn.small type="submit" { "Retirer" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_read_labels_not_codes() {
        assert_eq!(
            understood("order_status", Some(0.916)),
            "Suivi de commande (92 %)"
        );
        assert_eq!(understood("unknown", None), "Question non comprise");
        assert_eq!(understood("nonsense", Some(0.5)), "— (50 %)");
    }

    #[test]
    fn every_intent_can_be_taught() {
        for i in Intent::ALL {
            assert!(CHOICES.contains(&i), "{}", i.code());
        }
    }
}
