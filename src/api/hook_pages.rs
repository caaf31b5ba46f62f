//! Paramètres › Webhooks: where the shop's events are sent (the signing secret shown
//! once), renewing a secret, pausing, deleting, and the log of deliveries with
//! "Renvoyer".

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::html;

use super::webhooks::{self, EVENTS};
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, badge, csrf_input, table};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETTINGS_WEBHOOKS, web::get().to(page))
        .route(paths::SETTINGS_WEBHOOKS, web::post().to(add))
        .route(paths::SETTINGS_WEBHOOK, web::post().to(change))
        .route(paths::SETTINGS_WEBHOOK_RESEND, web::post().to(resend));
}

async fn render(
    state: &AppState,
    staff: &Staff,
    secret: Option<String>,
    message: Option<(Tone, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (list, log) = db::call(&state.db, |conn| -> Result<_, AppError> {
        Ok((
            webhooks::endpoints(conn)?,
            webhooks::recent_deliveries(conn, 50)?,
        ))
    })
    .await?;
    let now = state.clock.now();
    let body = html! {
        @if let Some((tone, m)) = &message { (alert(*tone, m)) }
        @if let Some(s) = &secret {
            div.alert.success role="status" {
                p { "Le secret de signature de ce point d'envoi ; copiez-le maintenant, il ne sera plus affiché :" }
                p { code.secret { (s) } }
            }
        }
        p.muted {
            "Comptoir prévient vos autres outils de ce qui se passe (nouveau message, conversation passée à l'équipe, mise de côté…) par des requêtes signées selon la norme Standard Webhooks (en-têtes webhook-id, webhook-timestamp, webhook-signature). Un envoi qui échoue est retenté pendant environ trois jours."
        }
        section.card {
            h2 { "Points d'envoi" }
            @if list.is_empty() { p.muted { "Aucun pour l'instant." } }
            @for e in &list {
                div.endpoint {
                    p {
                        strong { (e.url) } " "
                        @if e.enabled { (badge("Actif", Tone::Success)) } @else { (badge("En pause", Tone::Warning)) }
                    }
                    @if let Some(why) = &e.paused_reason { (alert(Tone::Warning, why)) }
                    p.muted { (e.events.join(", ")) }
                    form.inline method="post" action=(paths::with_id(paths::SETTINGS_WEBHOOK, e.id)) {
                        (csrf_input(&staff.csrf))
                        @if e.enabled {
                            button.btn.small type="submit" name="action" value="pause" { "Mettre en pause" }
                        } @else {
                            button.btn.small type="submit" name="action" value="enable" { "Réactiver" }
                        }
                        " "
                        button.btn.small type="submit" name="action" value="renew" { "Renouveler le secret" }
                        " "
                        button.btn.small.danger type="submit" name="action" value="delete" data-confirm="Supprimer ce point d'envoi et son journal ?" { "Supprimer" }
                    }
                }
            }
        }
        section.card {
            h2 { "Nouveau point d'envoi" }
            form method="post" action=(paths::SETTINGS_WEBHOOKS) {
                (csrf_input(&staff.csrf))
                div.field {
                    label for="w-url" { "Adresse (https://…)" }
                    input #w-url type="url" name="url" required maxlength="500" placeholder="https://outil.exemple.fr/comptoir";
                }
                fieldset {
                    legend { "Événements" }
                    @for (kind, label) in EVENTS {
                        label.checkbox { input type="checkbox" name="event" value=(kind); " " (label) " " code { (kind) } }
                    }
                }
                label.checkbox { input type="checkbox" name="allow_private"; " Autoriser une adresse du réseau local (outil installé chez vous)" }
                button.btn.primary type="submit" { "Ajouter" }
            }
        }
        section.card {
            h2 { "Journal des envois" }
            @if log.is_empty() { p.muted { "Aucun envoi pour l'instant." } }
            @else {
                (table(&["Événement", "État", "Réponse", "Quand", ""], log.iter().map(|d| html! {
                    tr {
                        td { code { (d.kind) } details { summary { "Contenu" } pre.excerpt { (d.payload.chars().take(800).collect::<String>()) } } }
                        td {
                            (match d.status.as_str() {
                                "delivered" => badge("Remis", Tone::Success),
                                "pending" => badge("En attente", Tone::Info),
                                "cancelled" => badge("Annulé", Tone::Neutral),
                                _ => badge("Échec", Tone::Danger),
                            })
                            " " (d.attempts) " essai(s)"
                        }
                        td {
                            @if let Some(s) = d.last_status { (s) } @else { "—" }
                            @if let Some(e) = &d.last_error { br; span.muted { (e) } }
                            @if let Some(b) = d.last_body.as_ref().filter(|b| !b.is_empty()) { br; span.muted { (b.chars().take(120).collect::<String>()) } }
                        }
                        td { (relative_fr(from_unix(d.created_at), now)) }
                        td {
                            form.inline method="post" action=(paths::with_id(paths::SETTINGS_WEBHOOK_RESEND, d.id)) {
                                (csrf_input(&staff.csrf))
                                button.btn.small type="submit" { "Renvoyer" }
                            }
                        }
                    }
                })))
            }
        }
    };
    Ok(respond::html(
        status,
        layout::page(staff, Nav::Settings, "Webhooks", body),
    ))
}

async fn page(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    render(&state, &staff, None, None, StatusCode::OK).await
}

async fn add(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let url = form
        .iter()
        .find(|(k, _)| k == "url")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let events: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "event")
        .map(|(_, v)| v.clone())
        .filter(|v| EVENTS.iter().any(|(e, _)| e == v))
        .collect();
    let allow_private = form.iter().any(|(k, _)| k == "allow_private");
    let problem = if url.len() > 500 {
        Some("Cette adresse est trop longue.".to_string())
    } else if events.is_empty() {
        Some("Cochez au moins un événement.".to_string())
    } else {
        let u = url.clone();
        web::block(move || webhooks::check_url(&u, allow_private))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .err()
    };
    if let Some(p) = problem {
        return render(
            &state,
            &staff,
            None,
            Some((Tone::Danger, p)),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = state.clock.now();
    let secrets = state.secrets.clone();
    let secret = db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            webhooks::add_endpoint(tx, &secrets, &url, &events, allow_private, now)
        })
    })
    .await?;
    render(&state, &staff, Some(secret), None, StatusCode::OK).await
}

#[derive(serde::Deserialize)]
struct Change {
    action: String,
}

async fn change(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<Change>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let secrets = state.secrets.clone();
    let action = form.action.clone();
    let renewed = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<Option<String>, AppError> {
            match action.as_str() {
                "pause" => webhooks::set_enabled(tx, id, false)?,
                "enable" => webhooks::set_enabled(tx, id, true)?,
                "delete" => webhooks::delete_endpoint(tx, id)?,
                "renew" => return webhooks::renew_secret(tx, &secrets, id, now),
                _ => return Err(AppError::BadRequest("Action inconnue.".into())),
            }
            Ok(None)
        })
    })
    .await?;
    if let Some(secret) = renewed {
        let note = "Nouveau secret : l'ancien signe encore les envois pendant 24 heures, le temps de le changer chez le destinataire.";
        return render(
            &state,
            &staff,
            Some(secret),
            Some((Tone::Info, note.into())),
            StatusCode::OK,
        )
        .await;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, paths::SETTINGS_WEBHOOKS))
        .finish())
}

async fn resend(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| webhooks::resend(tx, id, now))
    })
    .await?;
    state.hooks_wanted.notify_one();
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, paths::SETTINGS_WEBHOOKS))
        .finish())
}
