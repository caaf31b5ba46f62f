//! One conversation: its thread (shopper, bot, team and internal notes told apart, with
//! each reply's delivery status), the reply box with saved replies, the product panel,
//! the customer card, and the team's actions — take over by replying, hand back to the
//! bot, note, prioritise, assign, close (with an optional survey), reopen, block.

use crate::db::ids::ConversationId;
use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::card::{self, Card};
use super::products::{self, Found};
use super::repo::{self, Thread};
use super::settings::{self as inbox_settings, SavedReply};
use super::{channel_label, page, reason, teach, text};
use crate::accounts::repo::Member;
use crate::web::roles::Perm;
use std::sync::Arc;

use crate::assistant::shop_data::DbShopData;
use crate::assistant::{self, Assistant, contacts, conversations, outbox, settings, survey};
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::engine::Channel;
use crate::engine::data::{AlertKind, NewAlert, NewHold, ShopData, Subscribed};
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, badge, csrf_input};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::{AppState, paths};

/// Everything the page shows besides the thread.
struct Context {
    thread: Thread,
    card: Card,
    saved: Vec<SavedReply>,
    departments: Vec<(i64, String)>,
    members: Vec<Member>,
    found: Vec<Found>,
}

#[derive(Deserialize, Default)]
pub(super) struct View {
    /// A saved reply to put in the reply box.
    template: Option<i64>,
    /// Words to search the catalogue for.
    product: Option<String>,
    /// A variant whose availability line goes in the reply box.
    insert: Option<i64>,
    /// What happened, after an action.
    ok: Option<String>,
}

async fn context(
    state: &AppState,
    staff: &Staff,
    id: ConversationId,
    search: Option<(Arc<Assistant>, String)>,
) -> Result<Context, AppError> {
    let notes = staff.user.role.can(Perm::SeeNotes);
    let (user, now) = (staff.user.id, state.clock.now());
    db::call(&state.db, move |conn| {
        let thread = repo::thread(conn, id, notes)?.ok_or(AppError::NotFound)?;
        db::write(conn, |tx| repo::mark_read(tx, user, id))?;
        let card = card::load(conn, &thread, now.as_second())?;
        let found = match &search {
            Some((assistant, w)) if !w.trim().is_empty() => {
                let w = w.trim();
                let index = assistant.catalogue.get(conn)?;
                products::search(conn, &index, w, now)?
            }
            _ => Vec::new(),
        };
        let members = inbox_settings::assignable(conn)?;
        Ok(Context {
            thread,
            card,
            saved: inbox_settings::saved_replies(conn)?,
            departments: inbox_settings::departments(conn)?,
            members,
            found,
        })
    })
    .await
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

/// The parts that change live: status line and thread (the page swaps them in place).
/// What the assistant read in the shopper message at `i`: the intent of the bot reply
/// that follows it.
fn reading_of(messages: &[repo::Message], i: usize) -> Option<&str> {
    messages[i + 1..]
        .iter()
        .take_while(|m| m.author != "shopper")
        .find(|m| m.author == "bot")
        .and_then(|m| m.intent.as_deref())
}

fn live_parts(staff: &Staff, t: &Thread, now: jiff::Timestamp) -> Markup {
    let can_teach = staff.user.role.can(Perm::WorkConversations);
    let csrf = staff.csrf.as_str();
    html! {
        div #status data-live {
            p {
                (badge(channel_label(&t.channel), Tone::Neutral))
                @if t.priority { " " (badge("Priorité", Tone::Danger)) }
                @if t.closed { " " (badge("Fermée", Tone::Neutral)) }
                @if let Some(score) = t.survey_score { " " (badge(&format!("Satisfaction : {score}/5"), Tone::Info)) }
                @else if t.survey_sent { " " span.muted { "Enquête envoyée, sans réponse" } }
            }
            @if t.bot_paused { (alert(Tone::Info, text::PAUSED)) }
            @else if t.handed_over {
                (alert(Tone::Warning, &format!("{} ({})", text::HUMAN, reason(t.handoff_reason.as_deref()))))
            }
            @if t.blocked { (alert(Tone::Danger, "Contact bloqué : ses messages sont gardés, l'assistant n'y répond pas.")) }
        }
        ol.thread #thread data-live aria-live="polite" {
            @for (i, m) in t.messages.iter().enumerate() {
                li class={ "msg " (m.author) } id={ (if m.author == "note" { "n-" } else { "m-" }) (m.id) } {
                    div.meta {
                        @match m.author.as_str() {
                            "shopper" => strong { "Client" },
                            "bot" => strong { "🤖 Assistant" },
                            "note" => strong { "📝 Note interne · " (m.staff_name.clone().unwrap_or_else(|| "Équipe".into())) },
                            _ => strong { (m.staff_name.clone().unwrap_or_else(|| "Équipe".into())) },
                        }
                        " · " span.muted { (relative_fr(from_unix(m.created_at), now)) }
                        @if let Some(intent) = &m.intent { " · " span.muted title="Ce que l'assistant a compris" { "Compris : " (teach::understood(intent, m.confidence)) } }
                        @if let Some((status, error)) = &m.delivery { " · " (delivery(status, error.as_deref())) }
                    }
                    div.body { (m.body) }
                    @if m.author == "shopper" && can_teach {
                        (teach::form(csrf, t.id, m.id, reading_of(&t.messages, i)))
                    }
                }
            }
        }
    }
}

fn notice(ok: Option<&str>) -> Option<(Tone, &'static str)> {
    Some(match ok? {
        "sent" => (Tone::Success, "Réponse envoyée."),
        "note" => (Tone::Success, "Note ajoutée."),
        "assigned" => (Tone::Success, "Attribution enregistrée."),
        "saved" => (Tone::Success, "Modification enregistrée."),
        "taught" => (
            Tone::Success,
            "Merci ! L'assistant apprend cet exemple et le comprendra dans quelques secondes.",
        ),
        "closed" => (Tone::Success, "Conversation fermée."),
        "survey" => (
            Tone::Success,
            "Conversation fermée, enquête de satisfaction envoyée.",
        ),
        "reopened" => (Tone::Success, "Conversation rouverte."),
        "reserved" => (Tone::Success, "Article mis de côté pour ce client."),
        "alert" => (
            Tone::Success,
            "Alerte enregistrée : le client sera prévenu dès le retour de l'article en boutique.",
        ),
        "alert-confirm" => (
            Tone::Success,
            "Alerte enregistrée : le client reçoit un e-mail pour la confirmer (il n'est prévenu qu'après).",
        ),
        "handed-back" => (Tone::Success, "Conversation rendue à l'assistant."),
        _ => return None,
    })
}

fn body(
    staff: &Staff,
    c: &Context,
    now: jiff::Timestamp,
    notice: Option<(Tone, &str)>,
    draft: &str,
    words: &str,
) -> Markup {
    let t = &c.thread;
    let can = staff.user.role.can(Perm::WorkConversations);
    let here = paths::with_id(paths::CONVERSATION, t.id);
    let filled: Vec<(i64, &str, String)> = c
        .saved
        .iter()
        .map(|r| (r.id, r.title.as_str(), c.card.fill(&r.body, &t.name)))
        .collect();
    html! {
        @if let Some((tone, n)) = notice { (alert(tone, n)) }
        div.conversation-layout #conversation data-conversation=(t.id) {
            div.conversation-main {
                (live_parts(staff, t, now))
                @if !can { (alert(Tone::Info, text::READ_ONLY)) }
                @if can && t.channel != "console" {
                    @if !filled.is_empty() {
                        form.inline-form.saved-replies method="get" action=(here) {
                            label for="template" { "Réponse enregistrée" }
                            " "
                            select #template name="template" {
                                @for (id, title, text) in &filled {
                                    option value=(id) data-insert=(text) { (title) }
                                }
                            }
                            " " button.btn type="submit" data-insert-saved { "Insérer" }
                        }
                    }
                    form.stack #reponse method="post" action=(paths::with_id(paths::CONVERSATION_REPLY, t.id)) {
                        (csrf_input(&staff.csrf))
                        label { (text::REPLY) textarea #reply-body name="body" rows="4" maxlength="4000" required { (draft) } }
                        p.muted { (text::REPLY_HINT) }
                        div.actions { button.btn.primary type="submit" { "Envoyer" } }
                    }
                }
                @if can {
                    form.stack method="post" action=(paths::with_id(paths::CONVERSATION_NOTE, t.id)) {
                        (csrf_input(&staff.csrf))
                        label { "Note interne (jamais envoyée au client)" textarea name="body" rows="2" maxlength="4000" required {} }
                        div.actions { button.btn type="submit" { "Ajouter la note" } }
                    }
                }
            }
            div.conversation-side {
                @if can { (actions(staff, c)) }
                (card::view(&c.card, t, now))
                (products::view(t.id, &staff.csrf, words, &c.found, can && !t.closed))
            }
        }
    }
}

fn actions(staff: &Staff, c: &Context) -> Markup {
    let t = &c.thread;
    let post = |route: &str| paths::with_id(route, t.id);
    html! {
        section.card.conversation-actions aria-label="Actions" {
            h2 { "Actions" }
            div.actions {
                @if t.bot_paused || t.handed_over {
                    form.inline method="post" action=(post(paths::CONVERSATION_HAND_BACK)) {
                        (csrf_input(&staff.csrf))
                        button.btn type="submit" { (text::HAND_BACK) }
                    }
                }
                form.inline method="post" action=(post(paths::CONVERSATION_PRIORITY)) {
                    (csrf_input(&staff.csrf))
                    input type="hidden" name="on" value=(if t.priority { "0" } else { "1" });
                    button.btn type="submit" { (if t.priority { "Retirer la priorité" } else { "Marquer prioritaire" }) }
                }
                form.inline method="post" action=(post(paths::CONVERSATION_BLOCK)) {
                    (csrf_input(&staff.csrf))
                    input type="hidden" name="on" value=(if t.blocked { "0" } else { "1" });
                    button.btn.danger type="submit" { (if t.blocked { "Débloquer le contact" } else { "Bloquer le contact" }) }
                }
            }
            form.stack method="post" action=(post(paths::CONVERSATION_ASSIGN)) {
                (csrf_input(&staff.csrf))
                label {
                    "Attribuer à"
                    select name="assignee" {
                        option value="" { "Personne" }
                        @for m in &c.members {
                            option value=(m.id) selected[t.assignee_id == Some(m.id.0)] {
                                (if m.display_name.is_empty() { &m.email } else { &m.display_name })
                            }
                        }
                    }
                }
                label {
                    "Département"
                    select name="department" {
                        option value="" { "Aucun" }
                        @for (id, name) in &c.departments {
                            option value=(id) selected[t.department_id == Some(*id)] { (name) }
                        }
                    }
                }
                @if c.departments.is_empty() {
                    p.muted { "Créez des départements dans " a href=(paths::SETTINGS_INBOX) { "Paramètres › Boîte de réception" } "." }
                }
                div.actions { button.btn type="submit" { "Enregistrer" } }
            }
            @if t.closed {
                form.inline method="post" action=(post(paths::CONVERSATION_REOPEN)) {
                    (csrf_input(&staff.csrf))
                    button.btn type="submit" { "Rouvrir" }
                }
            } @else {
                form.stack method="post" action=(post(paths::CONVERSATION_CLOSE)) {
                    (csrf_input(&staff.csrf))
                    @if t.channel != "console" {
                        label.checkbox {
                            input type="checkbox" name="survey" value="1";
                            " Envoyer l'enquête de satisfaction (une question, de 1 à 5)"
                        }
                    }
                    div.actions { button.btn type="submit" { (text::CLOSE) } }
                }
            }
        }
    }
}

fn respond(staff: &Staff, status: StatusCode, title: &str, markup: Markup) -> HttpResponse {
    let mut response = page(staff, title, markup);
    *response.status_mut() = status;
    response
}

pub(super) async fn show(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    staff: Staff,
    path: web::Path<ConversationId>,
    q: web::Query<View>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let q = q.into_inner();
    let words = q.product.clone().unwrap_or_default();
    let search = q.product.clone().map(|w| (bot.assistant.clone(), w));
    let c = context(&state, &staff, id, search).await?;
    // The reply box starts with a saved reply or a product line when one was picked.
    let draft = if let Some(m) = q.template {
        c.saved
            .iter()
            .find(|r| r.id == m)
            .map(|r| c.card.fill(&r.body, &c.thread.name))
            .unwrap_or_default()
    } else if let Some(v) = q.insert {
        c.found
            .iter()
            .find_map(|p| {
                p.variants
                    .iter()
                    .find(|x| x.id == v)
                    .map(|x| x.sentence(&p.title))
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let title = contacts::best_name(&c.thread.name, &c.thread.contact);
    let markup = body(
        &staff,
        &c,
        state.clock.now(),
        notice(q.ok.as_deref()),
        &draft,
        &words,
    );
    Ok(page(&staff, &title, markup))
}

/// The thread and status alone, for the page's live updates.
pub(super) async fn live(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let notes = staff.user.role.can(Perm::SeeNotes);
    let user = staff.user.id;
    let t = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let t = repo::thread(conn, id, notes)?.ok_or(AppError::NotFound)?;
        db::write(conn, |tx| repo::mark_read(tx, user, id))?;
        Ok(t)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type(respond::HTML)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(live_parts(&staff, &t, state.clock.now()).into_string()))
}

fn back_to(id: ConversationId, ok: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok={ok}", paths::with_id(paths::CONVERSATION, id)),
        ))
        .finish()
}

/// Shows the page again with a problem, keeping what was typed.
async fn refuse(
    state: &AppState,
    staff: &Staff,
    id: ConversationId,
    problem: &str,
    draft: &str,
) -> Result<HttpResponse, AppError> {
    let c = context(state, staff, id, None).await?;
    let title = contacts::best_name(&c.thread.name, &c.thread.contact);
    let markup = body(
        staff,
        &c,
        state.clock.now(),
        Some((Tone::Danger, problem)),
        draft,
        "",
    );
    Ok(respond(staff, StatusCode::BAD_REQUEST, &title, markup))
}

#[derive(Deserialize)]
pub(super) struct TextForm {
    #[serde(default)]
    body: String,
}

/// A teammate's reply: stored, the bot silenced here, and sent on the shopper's channel.
/// Two teammates replying at once each add their own message; neither replaces the other.
pub(super) async fn reply(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let body = form.body.trim().to_string();
    if body.is_empty() {
        return refuse(&state, &staff, id, text::EMPTY_REPLY, "").await;
    }
    if body.chars().count() > 4000 {
        return refuse(
            &state,
            &staff,
            id,
            "Une réponse fait au plus 4 000 caractères.",
            &body,
        )
        .await;
    }
    if let Some(v) = card::unfilled(&body) {
        let problem = format!(
            "La réponse contient encore {{{v}}} : remplacez-le par la bonne information avant d'envoyer."
        );
        return refuse(&state, &staff, id, &problem, &body).await;
    }
    let (user, now) = (staff.user.id, state.clock.now());
    let wake = db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            let message = conversations::staff_reply(tx, id, user, &body, now)?;
            outbox::follow_up(tx, id, message, &body, now)
        })
    })
    .await?;
    state.events.changed(id);
    if wake {
        state.outbox_ready.notify_one();
    }
    Ok(back_to(id, "sent"))
}

pub(super) async fn note(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<TextForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let body = form.body.trim().to_string();
    if body.is_empty() || body.chars().count() > 4000 {
        return refuse(
            &state,
            &staff,
            id,
            "Une note fait de 1 à 4 000 caractères.",
            "",
        )
        .await;
    }
    let (user, now) = (staff.user.id, state.clock.now().as_second());
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            repo::add_note(tx, id, user, &body, now)
        })
    })
    .await?;
    state.events.changed(id);
    Ok(back_to(id, "note"))
}

/// Runs a change to an existing conversation, then tells the live pages.
async fn change(
    state: &AppState,
    id: ConversationId,
    work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), AppError> + Send + 'static,
) -> Result<(), AppError> {
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            work(tx)
        })
    })
    .await?;
    state.events.changed(id);
    Ok(())
}

pub(super) async fn hand_back(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    change(&state, id, move |tx| conversations::hand_back(tx, id)).await?;
    Ok(back_to(id, "handed-back"))
}

#[derive(Deserialize)]
pub(super) struct CloseForm {
    survey: Option<String>,
}

pub(super) async fn close(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let with_survey = form.survey.is_some();
    let wake = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            let c = conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            // Closing twice asks nothing twice.
            if !repo::close(tx, id, now.as_second())? {
                return Ok(false);
            }
            Ok(with_survey && c.channel != "console" && survey::ask(tx, id, now)?)
        })
    })
    .await?;
    state.events.changed(id);
    if wake {
        state.outbox_ready.notify_one();
    }
    Ok(back_to(id, if with_survey { "survey" } else { "closed" }))
}

pub(super) async fn reopen(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    change(&state, id, move |tx| repo::reopen(tx, id)).await?;
    Ok(back_to(id, "reopened"))
}

/// A switch: `on=1` sets it, anything else clears it.
#[derive(Deserialize)]
pub(super) struct FlagForm {
    #[serde(default)]
    on: String,
}

pub(super) async fn priority(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<FlagForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let on = form.on == "1";
    change(&state, id, move |tx| repo::set_priority(tx, id, on)).await?;
    Ok(back_to(id, "saved"))
}

pub(super) async fn block(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<FlagForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let on = form.on == "1";
    let now = state.clock.now();
    change(&state, id, move |tx| {
        let c = conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
        let channel = crate::engine::Channel::from_code(&c.channel)
            .unwrap_or(crate::engine::Channel::Console);
        let contact = contacts::find_or_create(tx, channel, &c.contact, now)?;
        conversations::set_contact(tx, id, contact.id)?;
        contacts::set_blocked(tx, contact.id, on)
    })
    .await?;
    Ok(back_to(id, "saved"))
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    department: String,
}

/// An empty choice is "nobody"; anything else must be a number.
fn choice(value: &str) -> Result<Option<i64>, ()> {
    match value.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| ()),
    }
}

pub(super) async fn assign(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let (Ok(assignee), Ok(department)) = (choice(&form.assignee), choice(&form.department)) else {
        return refuse(&state, &staff, id, "Choix d'attribution invalide.", "").await;
    };
    let valid = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let member_ok = match assignee {
            None => true,
            Some(a) => inbox_settings::assignable(conn)?
                .iter()
                .any(|m| m.id.0 == a),
        };
        let department_ok = match department {
            None => true,
            Some(d) => inbox_settings::department_exists(conn, d)?,
        };
        Ok(member_ok && department_ok)
    })
    .await?;
    if !valid {
        return refuse(
            &state,
            &staff,
            id,
            "Ce membre ou ce département n'existe plus (ou ce membre ne peut pas traiter les conversations). Choisissez-en un autre.",
            "",
        )
        .await;
    }
    change(&state, id, move |tx| {
        repo::assign(tx, id, assignee, department)
    })
    .await?;
    Ok(back_to(id, "assigned"))
}

#[derive(Deserialize)]
pub(super) struct ReserveForm {
    #[serde(default)]
    variant: String,
}

/// Puts one unit aside for the shopper, as the bot would: for the store's hold time,
/// ending at a closing time, only from stock the shop has net of other holds.
pub(super) async fn reserve(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<ReserveForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let Ok(variant) = form.variant.trim().parse::<i64>() else {
        return refuse(
            &state,
            &staff,
            id,
            "Choisissez un article à mettre de côté.",
            "",
        )
        .await;
    };
    let now = state.clock.now();
    let assistant = bot.assistant.clone();
    let result = db::call(&state.db, move |conn| {
        let index = assistant.catalogue.get(conn)?;
        let shop = settings::shop(conn)?;
        db::write(conn, |tx| -> Result<_, AppError> {
            let c = conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            let Some((product, v)) = products::variant(&index, variant) else {
                return Ok(Err("Cet article n'est plus au catalogue."));
            };
            let mut data = DbShopData {
                conn: tx,
                conversation: Some(id),
                channel: Channel::from_code(&c.channel).unwrap_or(Channel::Console),
                contact: &c.contact,
                now,
                by: Some(staff.user.id.0),
            };
            let stock = data.stock(&[v])?;
            if stock.first().is_none_or(|s| s.shop < 1) {
                return Ok(Err(
                    "Plus de stock disponible en boutique pour cet article (les mises de côté en cours sont déduites).",
                ));
            }
            data.reserve(&NewHold {
                store_id: product.store_id,
                item_key: v.item_key.clone(),
                product_title: product.title.clone(),
                variant_title: v.title.clone(),
                quantity: 1,
                until: shop.hold_end(product.store_id, now),
            })?;
            Ok(Ok(()))
        })
    })
    .await?;
    if let Err(problem) = result {
        return refuse(&state, &staff, id, problem, "").await;
    }
    state.events.changed(id);
    Ok(back_to(id, "reserved"))
}

/// Subscribes the shopper to a back-in-stock alert for a variant, as the assistant would
/// on their "oui": under the channel's consent rule (an e-mail address confirms first).
pub(super) async fn subscribe(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    staff: Staff,
    path: web::Path<ConversationId>,
    CsrfForm(form): CsrfForm<ReserveForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::WorkConversations)?;
    let id = path.into_inner();
    let Ok(variant) = form.variant.trim().parse::<i64>() else {
        return refuse(&state, &staff, id, "Choisissez un article.", "").await;
    };
    let now = state.clock.now();
    let assistant = bot.assistant.clone();
    let user = staff.user.id.0;
    let result = db::call(&state.db, move |conn| {
        let index = assistant.catalogue.get(conn)?;
        let shop = settings::shop(conn)?;
        db::write(conn, |tx| -> Result<_, AppError> {
            let c = conversations::get(tx, id)?.ok_or(AppError::NotFound)?;
            let Some((product, v)) = products::variant(&index, variant) else {
                return Ok(Err("Cet article n'est plus au catalogue."));
            };
            let mut data = DbShopData {
                conn: tx,
                conversation: Some(id),
                // The web chat's address left by the visitor is used when there is one.
                channel: Channel::from_code(&c.channel).unwrap_or(Channel::Console),
                contact: &c.contact,
                now,
                by: Some(user),
            };
            let alert = NewAlert {
                kind: AlertKind::Stock,
                store_id: product.store_id,
                item_key: v.item_key.clone(),
                product_title: product.title.clone(),
                variant_title: v.title.clone(),
                price_cents: v.price_cents,
                email: None,
                lang: c.state.lang.unwrap_or(shop.lang),
            };
            Ok(match data.subscribe(&alert)? {
                Subscribed::Active => Ok("alert"),
                Subscribed::Confirm { .. } => Ok("alert-confirm"),
                Subscribed::Already => Err("Ce client attend déjà le retour de cet article."),
                Subscribed::NeedEmail => Err(
                    "Ce client du chat n'a pas laissé d'adresse e-mail : demandez-la-lui, l'alerte lui sera envoyée par e-mail.",
                ),
                Subscribed::Off => Err(
                    "Les alertes sont désactivées (page Alertes), ou ce canal ne permet pas de prévenir le client plus tard.",
                ),
            })
        })
    })
    .await?;
    match result {
        Ok(done) => {
            state.events.changed(id);
            state.notices_wanted.notify_one();
            Ok(back_to(id, done))
        }
        Err(problem) => refuse(&state, &staff, id, problem, "").await,
    }
}
