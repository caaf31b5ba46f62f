//! Alertes: who waits for which variant (back in stock or a lower price), with counts
//! the shop can reorder from, the sending rules, and a CSV export; and the two pages a
//! shopper reaches from an alert e-mail (confirm, unsubscribe), in their language.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::repo::{self, Confirmed, Rules};
use crate::accounts::repo::shop_timezone;
use crate::db;
use crate::engine::lang::Lang;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{
    Tone, alert, count, csrf_input, empty_state, page_link, page_of, pager, table,
};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond, spreadsheet};

mod text {
    pub const TITLE: &str = "Alertes";
    pub const INTRO: &str = "Quand un article manque en boutique, l'assistant propose au client de le prévenir à son retour (ou si son prix baisse). Les clients en attente apparaissent ici, par article : de quoi savoir quoi recommander.";
    pub const EMPTY: &str = "Aucune alerte pour l'instant";
    pub const EMPTY_TEXT: &str = "Dès qu'un client demandera à être prévenu du retour d'un article épuisé, il apparaîtra ici. Vous pouvez aussi inscrire un client depuis la fiche produit d'une conversation.";
    pub const ARTICLE: &str = "Article";
    pub const WAITING: &str = "En attente";
    pub const SENT: &str = "Prévenus";
    pub const ENDED: &str = "Désinscrits ou clos";
    pub const RULES: &str = "Règles d'envoi";
    pub const SAVED: &str = "Règles enregistrées.";
    pub const EXPORT: &str = "Exporter toutes les alertes (CSV)";
    pub const SEARCH: &str = "Chercher un article";
    pub const READ_ONLY: &str =
        "Votre rôle permet de consulter les alertes, pas d'en changer les règles.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::ALERTS, web::get().to(list))
        .route(paths::ALERTS_RULES, web::post().to(save_rules))
        .route(paths::ALERTS_EXPORT, web::get().to(export))
        .route(paths::ALERT_CONFIRM, web::get().to(confirm_page))
        .route(paths::ALERT_CONFIRM, web::post().to(confirm))
        .route(paths::ALERT_UNSUBSCRIBE, web::get().to(unsubscribe_page))
        .route(paths::ALERT_UNSUBSCRIBE, web::post().to(unsubscribe));
}

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
    done: Option<String>,
}

/// The rules form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
struct RulesForm {
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    paused: Option<String>,
    #[serde(default)]
    per_unit: String,
    #[serde(default)]
    batch_minutes: String,
    #[serde(default)]
    min_stock: String,
    #[serde(default)]
    price_drop_percent: String,
}

/// A whole number within bounds, or the sentence saying what to type.
fn number(value: &str, min: i64, max: i64, what: &str) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{what} : indiquez un nombre entier entre {min} et {max}."
        )),
    }
}

impl RulesForm {
    fn of(r: &Rules) -> RulesForm {
        RulesForm {
            enabled: r.enabled.then(|| "on".into()),
            paused: r.paused.then(|| "on".into()),
            per_unit: r.per_unit.to_string(),
            batch_minutes: r.batch_minutes.to_string(),
            min_stock: r.min_stock.to_string(),
            price_drop_percent: r.price_drop_percent.to_string(),
        }
    }

    fn rules(&self) -> Result<Rules, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let mut take = |field: &'static str, r: Result<i64, String>| match r {
            Ok(n) => n,
            Err(e) => {
                errors.push((field, e));
                0
            }
        };
        let per_unit = take(
            "per_unit",
            number(
                &self.per_unit,
                1,
                100,
                "Clients prévenus par article revenu",
            ),
        );
        let batch_minutes = take(
            "batch_minutes",
            number(&self.batch_minutes, 1, 10_080, "Délai entre deux envois"),
        );
        let min_stock = take(
            "min_stock",
            number(&self.min_stock, 1, 1000, "Stock minimum avant d'envoyer"),
        );
        let price_drop_percent = take(
            "price_drop_percent",
            number(&self.price_drop_percent, 1, 90, "Baisse de prix minimum"),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Rules {
            enabled: self.enabled.is_some(),
            paused: self.paused.is_some(),
            per_unit,
            batch_minutes,
            min_stock,
            price_drop_percent,
        })
    }
}

fn rules_form(staff: &Staff, form: &RulesForm, errors: &[(&str, String)]) -> Markup {
    let error = |name: &str| {
        errors
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, e)| e.as_str())
    };
    let field = |label: &str, name: &str, value: &str, hint: &str| {
        let err = error(name);
        let id = format!("f-{name}");
        html! {
            div.field {
                label for=(id) { (label) }
                input #(id) type="number" inputmode="numeric" name=(name) value=(value)
                    aria-invalid=[err.map(|_| "true")]
                    aria-describedby={ (id) "-hint" };
                p.hint id={ (id) "-hint" } { (hint) }
                @if let Some(e) = err { p.error role="alert" { (e) } }
            }
        }
    };
    let can = staff.user.role.can(Perm::ManageShop);
    html! {
        details.card #rules open[!errors.is_empty()] {
            summary { h2 { (text::RULES) } }
            form method="post" action=(paths::ALERTS_RULES) {
                (csrf_input(&staff.csrf))
                fieldset.plain disabled[!can] {
                    label.checkbox { input type="checkbox" name="enabled" checked[form.enabled.is_some()]; " Proposer les alertes dans les conversations" }
                    label.checkbox { input type="checkbox" name="paused" checked[form.paused.is_some()]; " Mettre les envois en pause (les inscriptions continuent)" }
                    (field("Clients prévenus par article revenu", "per_unit", &form.per_unit, "Pour 2 articles revenus et 3 clients par article, les 6 premiers inscrits sont prévenus."))
                    (field("Délai avant le groupe suivant (minutes)", "batch_minutes", &form.batch_minutes, "S'il reste du stock après ce délai, les inscrits suivants sont prévenus."))
                    (field("Stock minimum avant d'envoyer", "min_stock", &form.min_stock, "Articles disponibles en boutique, réservations déduites."))
                    (field("Baisse de prix minimum (%)", "price_drop_percent", &form.price_drop_percent, "Une alerte de prix part quand le prix baisse d'au moins ce pourcentage."))
                    button.btn.primary type="submit" { "Enregistrer les règles" }
                }
            }
        }
    }
}

async fn list(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { q, page, done } = query.into_inner();
    let search = q.trim().chars().take(100).collect::<String>();
    let s = search.clone();
    let (rules, totals, rows, (page, pages)) =
        db::call(&state.db, move |conn| -> Result<_, AppError> {
            let matching = repo::variants_matching(conn, &s)?;
            let (page, pages) = page_of(page, matching, PAGE_SIZE);
            let rows = repo::by_variant(conn, &s, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
            Ok((repo::rules(conn)?, repo::totals(conn)?, rows, (page, pages)))
        })
        .await?;
    let body = render(
        &staff,
        &RulesForm::of(&rules),
        &[],
        &rules,
        &totals,
        &rows,
        (&search, page, pages),
        done.as_deref() == Some("rules"),
    );
    Ok(respond::html(
        StatusCode::OK,
        layout::page(&staff, Nav::Alerts, text::TITLE, body),
    ))
}

#[allow(clippy::too_many_arguments)]
fn render(
    staff: &Staff,
    form: &RulesForm,
    errors: &[(&str, String)],
    rules: &Rules,
    totals: &repo::Totals,
    rows: &[repo::VariantCounts],
    (search, page, pages): (&str, i64, i64),
    saved: bool,
) -> Markup {
    let summary = format!(
        "{} · {} · {}",
        count(
            totals.waiting + totals.unconfirmed,
            "client en attente",
            "clients en attente"
        ),
        count(totals.sent, "alerte envoyée", "alertes envoyées"),
        count(totals.variants, "article suivi", "articles suivis"),
    );
    html! {
        @if saved { (alert(Tone::Success, text::SAVED)) }
        @if !errors.is_empty() { (alert(Tone::Danger, "Les règles n'ont pas été enregistrées : corrigez les champs signalés.")) }
        @if rules.paused { (alert(Tone::Warning, "Les envois d'alertes sont en pause : aucun client n'est prévenu tant que la pause dure.")) }
        @if !rules.enabled { (alert(Tone::Info, "L'assistant ne propose plus d'alertes dans les conversations (les inscriptions existantes restent).")) }
        @if !staff.user.role.can(Perm::ManageShop) { (alert(Tone::Info, text::READ_ONLY)) }
        p.muted { (text::INTRO) }
        (rules_form(staff, form, errors))
        @if totals.waiting + totals.sent + totals.unconfirmed + totals.unsubscribed + totals.closed == 0 {
            (empty_state(text::EMPTY, text::EMPTY_TEXT, None))
        } @else {
            div.toolbar {
                form.search method="get" action=(paths::ALERTS) role="search" {
                    label.visually-hidden for="alert-q" { (text::SEARCH) }
                    input #alert-q type="search" name="q" value=(search) placeholder=(text::SEARCH);
                    button.btn type="submit" { "Chercher" }
                }
                @if staff.user.role.can(Perm::ManageOrders) {
                    a.btn href=(paths::ALERTS_EXPORT) download { (text::EXPORT) }
                }
            }
            (pager(&summary, page, pages, page_link(paths::ALERTS, search)))
            @if rows.is_empty() {
                p { "Aucun article ne correspond à « " (search) " »." }
            } @else {
                (table(&[text::ARTICLE, text::WAITING, text::SENT, text::ENDED], rows.iter().map(|r| html! {
                    tr {
                        td {
                            strong { (r.product_title) }
                            @if r.variant_title != "Default Title" { " — " (r.variant_title) }
                            br; span.muted { (r.item_key) }
                        }
                        td {
                            strong { (r.waiting + r.unconfirmed) }
                            @if r.price > 0 { br; span.muted { (count(r.price, "pour un prix plus bas", "pour un prix plus bas")) } }
                            @if r.unconfirmed > 0 { br; span.muted { "dont " (count(r.unconfirmed, "e-mail à confirmer", "e-mails à confirmer")) } }
                        }
                        td { (r.sent) }
                        td { (r.unsubscribed + r.closed) }
                    }
                })))
                @if pages > 1 { (pager(&summary, page, pages, page_link(paths::ALERTS, search))) }
            }
        }
    }
}

async fn save_rules(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<RulesForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let now = state.clock.now();
    match form.rules() {
        Ok(rules) => {
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| repo::save_rules(tx, &rules, now))
            })
            .await?;
            // The rules may let alerts go now (a pause lifted, a lower minimum).
            state.notices_wanted.notify_one();
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("{}?done=rules", paths::ALERTS)))
                .finish())
        }
        Err(errors) => {
            let (rules, totals, rows) = db::call(&state.db, |conn| -> Result<_, AppError> {
                Ok((
                    repo::rules(conn)?,
                    repo::totals(conn)?,
                    repo::by_variant(conn, "", PAGE_SIZE, 0)?,
                ))
            })
            .await?;
            let matching = totals.variants;
            let (page, pages) = page_of(1, matching, PAGE_SIZE);
            let body = render(
                &staff,
                &form,
                &errors,
                &rules,
                &totals,
                &rows,
                ("", page, pages),
                false,
            );
            Ok(respond::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                layout::page(&staff, Nav::Alerts, text::TITLE, body),
            ))
        }
    }
}

/// Every subscription, one line each, streamed from the database.
async fn export(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageOrders)?;
    let bytes = db::call(&state.db, |conn| -> Result<Vec<u8>, AppError> {
        let tz = shop_timezone(conn);
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| AppError::Internal(format!("alerts export: {e}"));
        w.write_record([
            "id",
            "type",
            "produit",
            "variante",
            "sku",
            "canal",
            "destinataire",
            "statut",
            "inscrit le",
            "prévenu le",
            "fin le",
            "conversation",
        ])
        .map_err(fail)?;
        let date = |secs: Option<i64>| {
            secs.and_then(|s| jiff::Timestamp::from_second(s).ok())
                .map(|t| {
                    t.to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_default()
        };
        repo::each_subscription(conn, |s| {
            let kind = if s.kind == "price" {
                "prix"
            } else {
                "retour en stock"
            };
            let status = match s.status.as_str() {
                "active" => "en attente",
                "unconfirmed" => "e-mail à confirmer",
                "sent" => "prévenu",
                "unsubscribed" => "désinscrit",
                _ => "clos",
            };
            w.write_record([
                s.id.to_string(),
                kind.to_string(),
                spreadsheet::safe(&s.product_title),
                spreadsheet::safe(&s.variant_title),
                spreadsheet::safe(&s.item_key),
                s.channel.clone(),
                spreadsheet::safe(&s.recipient),
                status.to_string(),
                date(Some(s.created_at)),
                date(s.sent_at),
                date(s.ended_at),
                s.conversation.map(|c| c.to_string()).unwrap_or_default(),
            ])
            .map_err(fail)
        })?;
        w.into_inner()
            .map_err(|e| AppError::Internal(format!("alerts export: {e}")))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"comptoir-alertes.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

/// Words of the shopper's pages, in their language.
fn shopper_page(lang: Lang, title_fr: &str, title_en: &str, body: Markup) -> HttpResponse {
    let title = match lang {
        Lang::Fr => title_fr,
        Lang::En => title_en,
    };
    let mut page = layout::bare_page(title, html! { h1 { (title) } (body) }).into_string();
    if lang == Lang::En {
        page = page.replacen("<html lang=\"fr\">", "<html lang=\"en\">", 1);
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(page)
}

fn invalid(lang: Lang) -> HttpResponse {
    let body = match lang {
        Lang::Fr => {
            html! { p { "Ce lien n'est plus valable : il a déjà servi ou il a expiré (48 heures). Redemandez l'alerte à la boutique si besoin." } }
        }
        Lang::En => {
            html! { p { "This link is no longer valid: it was already used or it expired (48 hours). Ask the shop for the alert again if needed." } }
        }
    };
    shopper_page(lang, "Lien expiré", "Link expired", body)
}

/// A link is only opened by a GET (mail scanners open links too): the page asks for a
/// click, and the POST does it.
async fn confirm_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let t = token.clone();
    let lang = db::call(&state.db, move |conn| repo::link_lang(conn, &t, true)).await?;
    let Some(lang) = lang else {
        return Ok(invalid(Lang::Fr));
    };
    let action = paths::with_id(paths::ALERT_CONFIRM, &token);
    let body = match lang {
        Lang::Fr => html! {
            p { "Confirmez pour recevoir l'alerte par e-mail." }
            form method="post" action=(action) { button.btn.primary type="submit" { "Confirmer mon alerte" } }
        },
        Lang::En => html! {
            p { "Confirm to get the alert by e-mail." }
            form method="post" action=(action) { button.btn.primary type="submit" { "Confirm my alert" } }
        },
    };
    Ok(shopper_page(
        lang,
        "Confirmer l'alerte",
        "Confirm the alert",
        body,
    ))
}

async fn confirm(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let now = state.clock.now();
    let (lang, done) = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let lang = repo::link_lang(conn, &token, true)?.unwrap_or(Lang::Fr);
        let done = db::write(conn, |tx| repo::confirm(tx, &token, now))?;
        Ok((lang, done))
    })
    .await?;
    match done {
        Confirmed::Done { product, variant } => {
            // The item may already be back: the next round sends it.
            state.notices_wanted.notify_one();
            let item = if variant == "Default Title" {
                product
            } else {
                format!("{product} ({variant})")
            };
            let body = match lang {
                Lang::Fr => {
                    html! { p { "C'est confirmé : vous recevrez un e-mail pour « " (item) " ». Merci !" } }
                }
                Lang::En => {
                    html! { p { "Confirmed: you'll get an e-mail about “" (item) "”. Thank you!" } }
                }
            };
            Ok(shopper_page(
                lang,
                "Alerte confirmée",
                "Alert confirmed",
                body,
            ))
        }
        Confirmed::Invalid => Ok(invalid(lang)),
    }
}

async fn unsubscribe_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let t = token.clone();
    let lang = db::call(&state.db, move |conn| repo::link_lang(conn, &t, false)).await?;
    let Some(lang) = lang else {
        return Ok(invalid(Lang::Fr));
    };
    let action = paths::with_id(paths::ALERT_UNSUBSCRIBE, &token);
    let body = match lang {
        Lang::Fr => html! {
            p { "Vous ne recevrez plus aucune alerte de la boutique à cette adresse." }
            form method="post" action=(action) { button.btn.primary type="submit" { "Me désinscrire" } }
        },
        Lang::En => html! {
            p { "You will no longer get any alert from the shop at this address." }
            form method="post" action=(action) { button.btn.primary type="submit" { "Unsubscribe" } }
        },
    };
    Ok(shopper_page(lang, "Se désinscrire", "Unsubscribe", body))
}

async fn unsubscribe(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let now = state.clock.now();
    let lang = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let lang = repo::link_lang(conn, &token, false)?;
        if lang.is_some() {
            db::write(conn, |tx| repo::unsubscribe(tx, &token, now))?;
        }
        Ok(lang)
    })
    .await?;
    let Some(lang) = lang else {
        return Ok(invalid(Lang::Fr));
    };
    let body = match lang {
        Lang::Fr => html! { p { "C'est fait : vous ne recevrez plus d'alertes de la boutique." } },
        Lang::En => html! { p { "Done: you won't get any more alerts from the shop." } },
    };
    Ok(shopper_page(
        lang,
        "Désinscription faite",
        "Unsubscribed",
        body,
    ))
}
