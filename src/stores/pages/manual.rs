//! The manual store: CSV catalogue and orders imports, templates, export, and the form
//! for one article.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

use super::forms::Forms;
use super::integrations::{connected, integrations_page, refused};
use super::shop_timezone;
use crate::db::{self, ids::StoreId};
use crate::error::AppError;
use crate::stores::manual::csv::{self, LineError};
use crate::stores::model::Platform;
use crate::stores::repo::{self, NewStore};
use crate::stores::sync;
use crate::web::auth::Staff;
use crate::web::csrf::CsrfForm;
use crate::web::respond;
use crate::web::roles::Perm;
use crate::web::{AppState, Flow, paths, upload};

pub(super) fn csv_response(bytes: Vec<u8>, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes)
}

pub(super) async fn orders_template(_staff: Staff) -> HttpResponse {
    csv_response(
        csv::ORDERS_TEMPLATE.as_bytes().to_vec(),
        "comptoir-modele-commandes.csv",
    )
}

pub(super) async fn csv_template(_staff: Staff) -> HttpResponse {
    csv_response(
        csv::TEMPLATE.as_bytes().to_vec(),
        "comptoir-modele-catalogue.csv",
    )
}

pub(super) async fn export_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<StoreId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (locations, lines) = db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)?;
        repo::export_lines(conn, id)
    })
    .await?;
    let bytes = csv::export(&locations, &lines).map_err(AppError::Internal)?;
    Ok(csv_response(bytes, &format!("catalogue-{id}.csv")))
}

/// What a CSV upload holds.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Import {
    /// The whole catalogue: replaces what was there.
    Catalogue,
    /// Orders: added or updated.
    Orders,
    /// Catalogue lines added or updated, nothing removed (the product form).
    Additions,
}

/// Where an accepted upload stands when the page answers.
pub(super) enum Imported {
    /// Merged: the store's card shows the final counts.
    Done,
    /// Still being written: the store's card shows it progressing.
    Running,
}

impl Imported {
    /// The notice Intégrations shows for it.
    pub(super) fn flash(&self) -> &'static str {
        match self {
            Imported::Done => "imported",
            Imported::Running => "importing",
        }
    }
}

/// What a checked file holds: a catalogue's variants (its records are read again as they
/// are imported), or the orders' records.
enum Lines {
    Catalogue(usize),
    Orders(Vec<crate::stores::model::Record>),
}

impl Lines {
    fn count(&self) -> usize {
        match self {
            Lines::Catalogue(n) => *n,
            Lines::Orders(records) => records.len(),
        }
    }
}

/// From how many lines an import goes on after the page answers, which then shows it
/// progressing; a smaller file (a second or less) is answered done.
const LONG_IMPORT: usize = 5_000;

/// Checks a CSV upload line by line and, when every line is right, imports it into a
/// manual store (created first when `create` names it). The file is read off the
/// request's thread; a long import runs on its own and goes on if the browser leaves.
/// Returns the line errors when the file is refused, and then nothing is written.
pub(super) async fn import_file(
    state: &AppState,
    store: Option<StoreId>,
    create: Option<String>,
    file: &[u8],
    kind: Import,
) -> Result<Result<Imported, Vec<LineError>>, AppError> {
    let tz = shop_timezone(state).await?;
    let empty_new_store = file.is_empty() && create.is_some();
    let bytes = std::sync::Arc::new(file.to_vec());
    let checking = bytes.clone();
    // A catalogue is checked first and read again as it is imported (memory stays flat);
    // orders files are small and kept as records.
    let checked = web::block(move || match (empty_new_store, kind) {
        (true, _) => Ok(Lines::Catalogue(0)),
        (_, Import::Catalogue | Import::Additions) => {
            csv::check_catalogue(&checking).map(Lines::Catalogue)
        }
        (_, Import::Orders) => csv::parse_orders(&checking, &tz).map(Lines::Orders),
    })
    .await
    .map_err(|e| AppError::Internal(format!("reading a CSV: {e}")))?;
    let lines = match checked {
        Ok(lines) => lines,
        Err(errors) => return Ok(Err(errors)),
    };
    let replace = kind == Import::Catalogue;
    let now = state.clock.now();
    let (id, run) = db::call(&state.db, move |conn| {
        let id = match (store, &create) {
            (Some(id), _) => {
                let found = repo::store(conn, id)?.ok_or(AppError::NotFound)?;
                if found.platform != Platform::Manual {
                    return Err(AppError::BadRequest(
                        "Seule une boutique manuelle s'importe depuis un CSV.".into(),
                    ));
                }
                id
            }
            (None, Some(name)) => db::write(conn, |tx| {
                repo::create_store(
                    tx,
                    &NewStore {
                        platform: Platform::Manual,
                        name,
                        domain: "",
                        api_url: None,
                        credentials: None,
                        sync_minutes: 60,
                    },
                    now,
                )
            })?,
            (None, None) => return Err(AppError::NotFound),
        };
        if lines.count() == 0 {
            return Ok((id, None));
        }
        repo::close_orphaned_runs(conn, now)?;
        let run = repo::begin_run(conn, id, replace, now)?;
        Ok((id, Some((run, lines))))
    })
    .await?;
    let Some((run, lines)) = run else {
        return Ok(Ok(Imported::Done));
    };
    let long = lines.count() >= LONG_IMPORT;
    let config = state.config.clone();
    let pool = state.db.clone();
    let import = async move {
        db::call(&pool, move |conn| match lines {
            Lines::Catalogue(_) => sync::import_run(
                conn,
                &config,
                id,
                run,
                sync::catalogue_feed(&bytes),
                replace,
                now,
            ),
            Lines::Orders(records) => sync::import_run(
                conn,
                &config,
                id,
                run,
                |put| records.into_iter().for_each(put),
                replace,
                now,
            ),
        })
        .await
    };
    // Stock or prices may have changed: alerts may be due.
    let notices = state.notices_wanted.clone();
    if !long {
        import.await?;
        notices.notify_one();
        return Ok(Ok(Imported::Done));
    }
    // Its outcome is recorded on the run, which the store's card shows.
    actix_web::rt::spawn(async move {
        match import.await {
            Ok(_) => notices.notify_one(),
            Err(e) => tracing::error!(store = id.0, error = %e, "import did not run"),
        }
    });
    Ok(Ok(Imported::Running))
}

pub(super) async fn create_manual(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let flow = Flow::of(&req);
    let fields = upload::read_form(&req, multipart).await?;
    staff.require(Perm::ManageShop)?;
    let name = fields
        .get("name")
        .map(|n| String::from_utf8_lossy(n).trim().to_string())
        .unwrap_or_default();
    let file = fields.get("file").cloned().unwrap_or_default();
    let mut forms = Forms {
        manual_name: name.clone(),
        flow,
        ..Default::default()
    };
    if name.is_empty() {
        forms.manual_error = Some("Donnez un nom à la boutique.".into());
    } else {
        match import_file(&state, None, Some(name), &file, Import::Catalogue).await? {
            Ok(imported) => return connected(&state, flow, imported.flash()).await,
            Err(errors) => forms.manual_import_errors = errors,
        }
    }
    refused(&state, &staff, forms).await
}

pub(super) async fn import_csv(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
    path: web::Path<StoreId>,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let fields = upload::read_form(&req, multipart).await?;
    staff.require(Perm::ManageShop)?;
    let file = fields.get("file").cloned().unwrap_or_default();
    if file.is_empty() {
        return Err(AppError::BadRequest(
            "Choisissez un fichier CSV à importer.".into(),
        ));
    }
    let kind = if req.path().ends_with("/import-orders") {
        Import::Orders
    } else {
        Import::Catalogue
    };
    match import_file(&state, Some(path.into_inner()), None, &file, kind).await? {
        Ok(imported) => Ok(respond::redirect(format!(
            "{}?ok={}",
            paths::INTEGRATIONS,
            imported.flash()
        ))),
        Err(errors) => {
            let forms = Forms {
                import_errors: errors,
                ..Default::default()
            };
            let page = integrations_page(&state, &staff, &forms, None).await?;
            Ok(respond::html(StatusCode::BAD_REQUEST, page))
        }
    }
}

/// One product line typed in the manual store's form, checked by the import's rules.
pub(super) async fn save_product(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<StoreId>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let locations = db::call(&state.db, move |conn| {
        let store = repo::store(conn, id)?.ok_or(AppError::NotFound)?;
        if store.platform != Platform::Manual {
            return Err(AppError::BadRequest(
                "Seule une boutique manuelle se modifie ici.".into(),
            ));
        }
        repo::locations(conn, id)
    })
    .await?;
    let value = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    };
    // Stock inputs come in the order of the store's locations.
    let quantities: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "stock")
        .map(|(_, v)| v.as_str())
        .collect();
    let places: Vec<String> = if locations.is_empty() {
        vec!["Boutique".into()]
    } else {
        locations.iter().map(|l| l.name.clone()).collect()
    };
    let stock: Vec<(String, String)> = places
        .into_iter()
        .zip(
            quantities
                .into_iter()
                .map(str::to_string)
                .chain(std::iter::repeat(String::new())),
        )
        .collect();
    let fields = ["produit", "type", "options", "variante", "sku", "prix"].map(|k| (k, value(k)));
    let file = csv::single_line(&fields, &stock).map_err(AppError::Internal)?;
    match import_file(&state, Some(id), None, &file, Import::Additions).await? {
        Ok(imported) => Ok(respond::redirect(format!(
            "{}?ok={}#store-{id}",
            paths::INTEGRATIONS,
            imported.flash()
        ))),
        Err(errors) => {
            // One line: the reasons are what matter, not its number.
            let reasons = errors
                .into_iter()
                .map(|e| e.reason)
                .collect::<Vec<_>>()
                .join(" ; ");
            Err(AppError::BadRequest(format!(
                "L'article n'a pas été enregistré : {reasons}."
            )))
        }
    }
}
