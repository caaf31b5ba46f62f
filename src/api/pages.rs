//! Paramètres › API et accès: the shop's API keys (name, scopes, expiry; the key shown
//! once), revoking them, and the log of their calls.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};

use super::keys::{self, SCOPES};
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
    cfg.route(paths::SETTINGS_API, web::get().to(page))
        .route(paths::SETTINGS_API, web::post().to(create))
        .route(paths::SETTINGS_API_REVOKE, web::post().to(revoke));
}

const TITLE: &str = "API et accès";

async fn render(
    state: &AppState,
    staff: &Staff,
    shown: Option<(&str, String)>,
    message: Option<(Tone, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (list, calls) = db::call(&state.db, |conn| -> Result<_, AppError> {
        Ok((keys::list(conn)?, keys::recent_calls(conn, 100)?))
    })
    .await?;
    let now = state.clock.now();
    let body: Markup = html! {
        @if let Some((tone, m)) = &message { (alert(*tone, m)) }
        @if let Some((name, key)) = &shown {
            div.alert.success role="status" {
                p { "Voici la clé « " (name) " ». Copiez-la maintenant : elle ne sera plus jamais affichée." }
                p { code.secret { (key) } }
            }
        }
        p.muted {
            "Vos autres outils (un logiciel de caisse, un tableur, Zapier…) lisent et écrivent vos conversations, votre catalogue, vos commandes et vos mises de côté avec une clé. "
            a href=(paths::SETTINGS_API_DOCS) { "Documentation de l'API" }
        }
        section.card {
            h2 { "Clés" }
            @if list.is_empty() { p.muted { "Aucune clé pour l'instant." } }
            @else {
                (table(&["Nom", "Début de la clé", "Droits", "Dernier usage", "État", ""], list.iter().map(|k| html! {
                    tr {
                        td { (k.name) }
                        td { code { (k.prefix) "…" } }
                        td { (k.scopes.join(", ")) }
                        td { (k.last_used_at.map_or("jamais".to_string(), |t| relative_fr(from_unix(t), now))) }
                        td {
                            @if k.revoked_at.is_some() { (badge("Révoquée", Tone::Neutral)) }
                            @else if k.expires_at.is_some_and(|e| e <= now.as_second()) { (badge("Expirée", Tone::Warning)) }
                            @else { (badge("Active", Tone::Success)) }
                        }
                        td {
                            @if k.revoked_at.is_none() && staff.user.role.can(Perm::ManageShop) {
                                form.inline method="post" action=(paths::with_id(paths::SETTINGS_API_REVOKE, k.id)) {
                                    (csrf_input(&staff.csrf))
                                    button.btn.small.danger type="submit" data-confirm="Révoquer cette clé ? Les outils qui l'utilisent n'auront plus accès." { "Révoquer" }
                                }
                            }
                        }
                    }
                })))
            }
        }
        @if staff.user.role.can(Perm::ManageShop) {
            section.card {
                h2 { "Nouvelle clé" }
                form method="post" action=(paths::SETTINGS_API) {
                    (csrf_input(&staff.csrf))
                    div.field {
                        label for="k-name" { "Nom (l'outil qui l'utilise)" }
                        input #k-name type="text" name="name" maxlength="60" required placeholder="Caisse du magasin";
                    }
                    fieldset {
                        legend { "Droits" }
                        @for (scope, label) in SCOPES {
                            label.checkbox { input type="checkbox" name="scope" value=(scope); " " (label) " " code { (scope) } }
                        }
                    }
                    div.field {
                        label for="k-days" { "Expire dans (jours, vide : jamais)" }
                        input #k-days type="number" inputmode="numeric" name="days" min="1" max="3650";
                    }
                    button.btn.primary type="submit" { "Créer la clé" }
                }
            }
        }
        section.card {
            h2 { "Journal des appels" }
            @if calls.is_empty() { p.muted { "Aucun appel pour l'instant." } }
            @else {
                (table(&["Clé", "Appel", "Réponse", "Quand"], calls.iter().map(|c| html! {
                    tr {
                        td { (c.key) }
                        td { code { (c.method) " " (c.route) } }
                        td { (c.status) }
                        td { (relative_fr(from_unix(c.at), now)) }
                    }
                })))
            }
        }
    };
    Ok(respond::html(
        status,
        layout::page(staff, Nav::Settings, TITLE, body),
    ))
}

async fn page(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    render(&state, &staff, None, None, StatusCode::OK).await
}

async fn create(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let value = |k: &str| {
        form.iter()
            .find(|(f, _)| f == k)
            .map_or("", |(_, v)| v.as_str())
    };
    let name = value("name").trim().to_string();
    let scopes: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .filter(|v| SCOPES.iter().any(|(s, _)| s == v))
        .collect();
    let days = value("days").trim();
    let problem = if name.is_empty() || name.chars().count() > 60 {
        Some("Donnez un nom à la clé (60 caractères au plus), celui de l'outil qui l'utilise.")
    } else if scopes.is_empty() {
        Some("Cochez au moins un droit.")
    } else if !days.is_empty() && !days.parse::<i64>().is_ok_and(|d| (1..=3650).contains(&d)) {
        Some("L'expiration se compte en jours, de 1 à 3 650 (ou vide pour jamais).")
    } else {
        None
    };
    if let Some(p) = problem {
        return render(
            &state,
            &staff,
            None,
            Some((Tone::Danger, p.into())),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let now = state.clock.now();
    let expires: Option<Timestamp> = days
        .parse::<i64>()
        .ok()
        .map(|d| now + SignedDuration::from_hours(24 * d));
    let by = staff.user.id.0;
    let n = name.clone();
    let (_, secret) = db::call(&state.db, move |conn| {
        db::write(conn, |tx| keys::create(tx, &n, &scopes, expires, by, now))
    })
    .await?;
    let mut response = render(&state, &staff, Some((&name, secret)), None, StatusCode::OK).await?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

async fn revoke(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| keys::revoke(tx, id, now))
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, paths::SETTINGS_API))
        .finish())
}
