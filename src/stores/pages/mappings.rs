//! Correspondances (Intégrations › a marketplace's card): the marketplace references
//! with no match in the catalogue, mapped one by one or by CSV, and the mappings saved.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;

use super::forms::import_errors;
use crate::db;
use crate::error::AppError;
use crate::stores::manual::csv::LineError;
use crate::stores::mappings;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, csrf_input, table};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond, upload};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::MAPPINGS, web::get().to(page))
        .route(paths::MAPPINGS, web::post().to(save))
        .route(paths::MAPPINGS_DELETE, web::post().to(delete))
        .route(paths::MAPPINGS_IMPORT, web::post().to(import))
        .route(paths::MAPPINGS_TEMPLATE, web::get().to(template));
}

/// A search of the catalogue for one marketplace reference (`?store=…&ref=…&q=…`).
#[derive(Default, serde::Deserialize)]
struct Find {
    #[serde(default)]
    store: Option<i64>,
    #[serde(default, rename = "ref")]
    reference: String,
    #[serde(default)]
    q: String,
}

async fn render(
    state: &AppState,
    staff: &Staff,
    message: Option<(Tone, String)>,
    errors: &[LineError],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_with(state, staff, message, errors, status, Find::default()).await
}

async fn render_with(
    state: &AppState,
    staff: &Staff,
    message: Option<(Tone, String)>,
    errors: &[LineError],
    status: StatusCode,
    find: Find,
) -> Result<HttpResponse, AppError> {
    let q = find.q.clone();
    let (missing, saved, candidates) = db::call(&state.db, move |conn| -> Result<_, AppError> {
        Ok((
            mappings::unmapped(conn, None, 200)?,
            mappings::list(conn)?,
            mappings::candidates(conn, &q, 12)?,
        ))
    })
    .await?;
    let admin = staff.user.role.can(Perm::ManageShop);
    // The reference being searched for, when it is still without correspondence.
    let searching = find.store.and_then(|store| {
        missing
            .iter()
            .find(|u| u.store_id == store && u.sku == find.reference)
    });
    let body = html! {
        @if let Some((tone, m)) = &message { (alert(*tone, m)) }
        (import_errors(errors))
        @if let (Some(u), true) = (searching, admin) {
            section.card #chercher {
                h2 { "Associer « " (u.sku) " » (" (u.store) ")" }
                @if !u.title.is_empty() { p.muted { "Vendu sous le nom : " (u.title) } }
                form.search role="search" method="get" action={ (paths::MAPPINGS) "#chercher" } {
                    input type="hidden" name="store" value=(u.store_id);
                    input type="hidden" name="ref" value=(u.sku);
                    label.visually-hidden for="find-q" { "Chercher dans le catalogue" }
                    input #find-q type="search" name="q" value=(find.q) placeholder="Nom, type ou SKU du catalogue";
                    button.btn type="submit" { "Chercher" }
                }
                @if find.q.trim().is_empty() {
                    p.muted { "Tapez le nom de l'article ou son SKU." }
                } @else if candidates.is_empty() {
                    p.muted { "Aucun article du catalogue ne correspond à « " (find.q) " ». Essayez avec moins de mots." }
                } @else {
                    (table(&["Article du catalogue", "SKU", ""], candidates.iter().map(|c| html! {
                        tr {
                            td { (c.title) }
                            td { code { (c.sku) } }
                            td {
                                form.inline method="post" action=(paths::MAPPINGS) {
                                    (csrf_input(&staff.csrf))
                                    input type="hidden" name="store" value=(u.store_id);
                                    input type="hidden" name="external" value=(u.sku);
                                    input type="hidden" name="sku" value=(c.sku);
                                    button.btn.small type="submit" { "Associer" }
                                }
                            }
                        }
                    })))
                }
            }
        }
        p.muted { "Quand une marketplace vend un article sous une autre référence que votre catalogue, associez-la ici au SKU du catalogue : ses commandes parlent alors du même article. Une à une, ou toutes d'un coup avec un fichier CSV." }
        section.card {
            h2 { "Références sans correspondance" }
            @if missing.is_empty() {
                p.muted { "Aucune : chaque article vendu sur vos marketplaces a son SKU dans le catalogue, ou une correspondance." }
            } @else {
                (table(&["Marketplace", "Référence", "Article", "Lignes de commande", "SKU du catalogue"], missing.iter().map(|u| html! {
                    tr {
                        td { (u.store) }
                        td { code { (u.sku) } }
                        td { (u.title) }
                        td { (u.lines) }
                        td {
                            @if admin {
                                form.inline method="post" action=(paths::MAPPINGS) {
                                    (csrf_input(&staff.csrf))
                                    input type="hidden" name="store" value=(u.store_id);
                                    input type="hidden" name="external" value=(u.sku);
                                    input type="text" name="sku" required maxlength="100" placeholder="EP-001-38" aria-label={ "SKU du catalogue pour " (u.sku) };
                                    " " button.btn.small type="submit" { "Associer" }
                                }
                                a href=(search_link(u)) { "Chercher dans le catalogue" }
                            }
                        }
                    }
                })))
            }
        }
        @if admin {
            section.card {
                h2 { "Importer des correspondances" }
                p.muted { "Un fichier CSV aux colonnes « marketplace ; reference_marketplace ; sku_catalogue ». Le modèle contient déjà les références sans correspondance : complétez la dernière colonne. Le fichier est refusé en entier s'il contient une erreur, avec chaque ligne à corriger." }
                form.stack method="post" action=(paths::MAPPINGS_IMPORT) enctype="multipart/form-data" {
                    (csrf_input(&staff.csrf))
                    div.field {
                        label for="mappings-file" { "Fichier CSV" }
                        input #mappings-file type="file" name="file" accept=".csv,text/csv" required;
                    }
                    div.actions {
                        button.btn type="submit" { "Importer" }
                        a href=(paths::MAPPINGS_TEMPLATE) download { "Télécharger le modèle" }
                    }
                }
            }
        }
        section.card {
            h2 { "Correspondances enregistrées" }
            @if saved.is_empty() { p.muted { "Aucune pour l'instant." } }
            @else {
                (table(&["Marketplace", "Référence", "SKU du catalogue", "Article", ""], saved.iter().map(|m| html! {
                    tr {
                        td { (m.store) }
                        td { code { (m.external_sku) } }
                        td { code { (m.sku) } }
                        td { (m.title) }
                        td {
                            @if admin {
                                form.inline method="post" action=(paths::MAPPINGS_DELETE) {
                                    (csrf_input(&staff.csrf))
                                    input type="hidden" name="store" value=(m.store_id);
                                    input type="hidden" name="external" value=(m.external_sku);
                                    button.btn.small.danger type="submit" { "Retirer" }
                                }
                            }
                        }
                    }
                })))
            }
        }
    };
    Ok(respond::html(
        status,
        layout::page(staff, Nav::Integrations, "Correspondances", body),
    ))
}

async fn page(
    state: web::Data<AppState>,
    staff: Staff,
    find: web::Query<Find>,
) -> Result<HttpResponse, AppError> {
    render_with(&state, &staff, None, &[], StatusCode::OK, find.into_inner()).await
}

/// The search of the catalogue for one reference, starting from its marketplace title.
fn search_link(u: &mappings::Unmapped) -> String {
    let query = serde_urlencoded::to_string([
        ("store", u.store_id.to_string()),
        ("ref", u.sku.clone()),
        ("q", u.title.clone()),
    ])
    .unwrap_or_default();
    format!("{}?{query}#chercher", paths::MAPPINGS)
}

#[derive(serde::Deserialize)]
struct One {
    store: i64,
    external: String,
    #[serde(default)]
    sku: String,
}

async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<One>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let now = state.clock.now();
    let external = form.external.clone();
    let saved = db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            mappings::save(tx, form.store, &form.external, &form.sku, now)
        })
    })
    .await?;
    match saved {
        Ok(()) => Ok(respond::redirect(format!("{}?ok=1", paths::MAPPINGS))),
        Err(why) => {
            let message = format!("{external} n'est pas associée : {why}.");
            render(
                &state,
                &staff,
                Some((Tone::Danger, message)),
                &[],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn delete(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<One>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| mappings::delete(tx, form.store, &form.external))
    })
    .await?;
    Ok(respond::redirect(paths::MAPPINGS))
}

async fn import(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let fields = upload::read_form(&req, multipart).await?;
    staff.require(Perm::ManageShop)?;
    let file = fields.get("file").cloned().unwrap_or_default();
    let now = state.clock.now();
    let done = db::call(&state.db, move |conn| {
        db::write(conn, |tx| mappings::import(tx, &file, now))
    })
    .await?;
    match done {
        Ok(n) => {
            let message = format!("{n} correspondance(s) enregistrée(s).");
            render(
                &state,
                &staff,
                Some((Tone::Success, message)),
                &[],
                StatusCode::OK,
            )
            .await
        }
        Err(errors) => {
            render(
                &state,
                &staff,
                None,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn template(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let text = db::call(&state.db, |conn| mappings::template(conn)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"modele-correspondances.csv\"",
        ))
        .body(text))
}
