//! Réservations: what the assistant (or the team) put aside, for staff to hand over
//! ("Remis au client") or release ("Annuler"). Expired holds are marked on each visit
//! and by the background job, so the list never shows a hold whose time is up as active.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use maud::html;
use serde::Deserialize;

use crate::accounts::repo::shop_timezone;
use crate::assistant::contacts::best_name;
use crate::clock::{deadline_fr, from_unix, relative_fr};
use crate::db;
use crate::db::ids::HoldId;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{
    Tone, alert, badge, count, csrf_input, empty_state, page_of, pager, table,
};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond};

pub mod repo;

use repo::Reservation;

mod text {
    pub const TITLE: &str = "Réservations";
    pub const EMPTY: &str = "Aucune réservation";
    pub const EMPTY_TEXT: &str = "Quand un client demande un article en stock, l'assistant le met de côté et la réservation apparaît ici. Réglez la durée des mises de côté dans Paramètres › Assistant.";
    pub const SETTINGS: &str = "Régler les mises de côté";
    pub const ARTICLE: &str = "Article";
    pub const CLIENT: &str = "Client";
    pub const UNTIL: &str = "Jusqu'à";
    pub const STATUS: &str = "Statut";
    pub const ACTIONS: &str = "Actions";
    pub const FULFIL: &str = "Remis au client";
    pub const CANCEL: &str = "Annuler";
    pub const DONE_FULFILLED: &str = "Réservation marquée comme remise au client.";
    pub const DONE_CANCELLED: &str = "Réservation annulée : l'article est de nouveau disponible.";
    pub const GONE: &str = "Cette réservation n'est plus active (expirée, annulée ou déjà remise).";
    pub const READ_ONLY: &str =
        "Votre rôle permet de consulter les réservations, pas de les modifier.";
    pub const CONVERSATION: &str = "voir la conversation";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::RESERVATIONS, web::get().to(list))
        .route(paths::RESERVATION_CLOSE, web::post().to(close));
}

fn status(r: &Reservation) -> maud::Markup {
    match r.status.as_str() {
        "active" => badge("Active", Tone::Success),
        "fulfilled" => badge("Remise", Tone::Neutral),
        "cancelled" => badge("Annulée", Tone::Warning),
        _ => badge("Expirée", Tone::Neutral),
    }
}

/// Holds on one page.
const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
    #[serde(default)]
    page: i64,
}

async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let asked = notice.page;
    let (rows, (active, others), (page, pages), tz) =
        db::call(&state.db, move |conn| -> Result<_, AppError> {
            repo::expire_due(conn, now)?;
            let counts = repo::counts(conn, now)?;
            let (page, pages) = page_of(asked, counts.0 + counts.1, PAGE_SIZE);
            let rows = repo::list(conn, now, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
            Ok((rows, counts, (page, pages), shop_timezone(conn)))
        })
        .await?;
    let can_edit = staff.user.role.can(Perm::ManageOrders);
    let message = match notice.done.as_deref() {
        Some("fulfilled") => Some((Tone::Success, text::DONE_FULFILLED)),
        Some("cancelled") => Some((Tone::Success, text::DONE_CANCELLED)),
        Some("gone") => Some((Tone::Warning, text::GONE)),
        _ => None,
    };
    let body = html! {
        @if let Some((tone, m)) = message { (alert(tone, m)) }
        @if !can_edit { (alert(Tone::Info, text::READ_ONLY)) }
        @if rows.is_empty() {
            (empty_state(text::EMPTY, text::EMPTY_TEXT, Some((text::SETTINGS, paths::SETTINGS_ASSISTANT))))
        } @else {
            @let summary = format!(
                "{} · {} ces 30 derniers jours",
                count(active, "active", "actives"),
                count(others, "terminée", "terminées")
            );
            @let link = |p: i64| format!("{}?page={p}", paths::RESERVATIONS);
            (pager(&summary, page, pages, link))
            (table(&[text::ARTICLE, text::CLIENT, text::UNTIL, text::STATUS, text::ACTIONS], rows.iter().map(|r| html! {
                tr {
                    td {
                        strong { (r.product_title) }
                        @if r.variant_title != "Default Title" { " — " (r.variant_title) }
                        @if r.quantity > 1 { " × " (r.quantity) }
                        br; span.muted { (r.item_key) }
                    }
                    td {
                        (best_name(&r.name, &r.contact))
                        @if let Some(c) = r.conversation_id {
                            br; a.muted href=(paths::with_id(paths::CONVERSATION, c)) { (text::CONVERSATION) }
                        }
                    }
                    td {
                        @if r.status == "active" {
                            (deadline_fr(from_unix(r.expires_at), now, &tz))
                        } @else if let Some(at) = r.closed_at {
                            (relative_fr(from_unix(at), now))
                            @if let Some(by) = &r.closed_by { br; span.muted { (by) } }
                        }
                    }
                    td { (status(r)) }
                    td {
                        @if r.status == "active" && can_edit {
                            form.inline method="post" action=(paths::with_id(paths::RESERVATION_CLOSE, r.id)) {
                                (csrf_input(&staff.csrf))
                                button.btn.small type="submit" name="action" value="fulfilled" { (text::FULFIL) }
                                " "
                                button.btn.small.danger type="submit" name="action" value="cancelled" { (text::CANCEL) }
                            }
                        }
                    }
                }
            })))
            @if pages > 1 { (pager(&summary, page, pages, link)) }
        }
    };
    Ok(respond::html(
        actix_web::http::StatusCode::OK,
        layout::page(&staff, Nav::Reservations, text::TITLE, body),
    ))
}

#[derive(Deserialize)]
struct CloseForm {
    action: String,
}

async fn close(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<HoldId>,
    CsrfForm(form): CsrfForm<CloseForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageOrders)?;
    let status = match form.action.as_str() {
        "fulfilled" => "fulfilled",
        "cancelled" => "cancelled",
        _ => return Err(AppError::BadRequest("Action inconnue.".into())),
    };
    let id = path.into_inner();
    let now = state.clock.now();
    let user = staff.user.id;
    let closed = db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::close(tx, id, status, user, now))
    })
    .await?;
    let done = if closed { status } else { "gone" };
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?done={done}", paths::RESERVATIONS),
        ))
        .finish())
}
