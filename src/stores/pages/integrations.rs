//! Intégrations: a card per store (status, counts, live sync progress, settings) and
//! the actions on a store (resync, disconnect, new credentials).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use jiff::SignedDuration;
use maud::{Markup, html};
use serde::Deserialize;

use super::connect::{check_shopify, oauth_app};
use super::forms::{
    Forms, amazon_form, cdiscount_form, ebay_form, etsy_form, import_errors, manual_form,
    mirakl_form, presta_form, shopify_form, woo_form,
};
use super::{request_sync, text};
use crate::clock::{from_unix, relative_fr};
use crate::db::{self, ids::StoreId};
use crate::error::AppError;
use crate::stores::model::Platform;
use crate::stores::repo::{self, Progress, Store};
use crate::stores::sync::{self, Credentials};
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, badge, count, csrf_input};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::layout::{self, Nav};
use crate::web::respond;
use crate::web::roles::Perm;
use crate::web::wizard::Part;
use crate::web::{AppState, Flow, paths};

/// Everything the Integrations page shows about one store.
pub(super) struct StoreCard {
    pub(super) store: Store,
    /// Where the platform should send webhooks, and the secret, for admins to copy.
    pub(super) webhook_url: Option<String>,
    pub(super) webhook_secret: Option<String>,
    pub(super) counts: repo::Counts,
    pub(super) orders_30: i64,
    /// Orders first imported today, and references with no catalogue match (a
    /// marketplace's card).
    pub(super) imported_today: i64,
    pub(super) unmapped: i64,
    /// Orders received again and updated in place over 30 days: doubles prevented.
    pub(super) doubles_prevented: i64,
    pub(super) locations: Vec<repo::LocationRow>,
    pub(super) progress: Option<Progress>,
}

pub(super) fn status_badge(store: &Store) -> Markup {
    match store.status.as_str() {
        "connected" => badge(text::CONNECTED, Tone::Success),
        "disconnected" => badge(text::RECONNECT, Tone::Danger),
        _ => badge(text::ERROR, Tone::Warning),
    }
}

/// Where the store's last sync or import stands; polled while it runs. `manual` stores
/// import files rather than sync.
pub(super) fn progress_fragment(
    id: StoreId,
    manual: bool,
    p: Option<&Progress>,
    now: jiff::Timestamp,
) -> Markup {
    let url = paths::with_id(paths::STORE_PROGRESS, id);
    html! {
        @match p {
            Some(p) if p.running => {
                div.progress role="status" aria-live="polite" hx-get=(url) hx-trigger="every 1s" hx-swap="outerHTML" {
                    @if manual { "⏳ Import en cours… " } @else { "⏳ Synchronisation en cours… " }
                    (count(p.products, "produit", "produits")) ", " (count(p.variants, "variante", "variantes")) ", "
                    (count(p.stock_levels, "niveau de stock", "niveaux de stock")) ", "
                    (count(p.orders, "commande", "commandes")) ", " (count(p.customers, "client", "clients"))
                    @if manual { " lus" } @else { " reçus" }
                }
            }
            Some(p) if p.error.is_some() => {
                div.progress role="status" {
                    @if manual { "⚠️ Dernier import échoué " } @else { "⚠️ Dernière synchronisation échouée " }
                    @if let Some(at) = p.finished_at { "(" (relative_fr(from_unix(at), now)) ")" }
                    // An import's reason is written for the shop; a sync's is on the card.
                    @if let (true, Some(error)) = (manual, &p.error) { " : " (error) }
                }
            }
            Some(p) => {
                div.progress role="status" {
                    "✅ " (count(p.products, "produit", "produits")) " · " (count(p.variants, "variante", "variantes")) " · "
                    (count(p.stock_levels, "niveau de stock", "niveaux de stock")) " · "
                    (count(p.orders, "commande", "commandes")) " · " (count(p.customers, "client", "clients"))
                    @if let Some(at) = p.finished_at { " — " (relative_fr(from_unix(at), now)) }
                }
            }
            None => {
                div.progress role="status" {
                    @if manual { "Aucun import pour l'instant." } @else { "Pas encore synchronisée." }
                }
            }
        }
    }
}

pub(super) fn store_card(
    staff: &Staff,
    c: &StoreCard,
    public_url: bool,
    now: jiff::Timestamp,
) -> Markup {
    let s = &c.store;
    let admin = staff.user.role.can(Perm::ManageShop);
    let last = s.last_sync_at.map_or_else(
        || text::NEVER.to_string(),
        |t| relative_fr(from_unix(t), now),
    );
    html! {
        section.card.store id={ "store-" (s.id) } {
            h2 { (s.platform.label()) " " (status_badge(s)) }
            dl.facts {
                @if !s.domain.is_empty() { dt { "Domaine" } dd { (s.domain) } } @else { dt { "Nom" } dd { (s.name) } }
                dt { (text::SINCE) } dd { (from_unix(s.connected_at).strftime("%d/%m/%Y")) }
                dt { (text::LAST_SYNC) } dd { (last) }
                @if s.platform.is_marketplace() {
                    dt { "Commandes" } dd {
                        (c.imported_today) " importée(s) aujourd'hui · " (c.orders_30) " passées sur 30 jours · "
                        a href={ (paths::ORDERS) "?source=" (s.id) } { "les voir" }
                    }
                    dt { "Doublons évités" } dd { (c.doubles_prevented) " sur 30 jours (commandes reçues à nouveau, mises à jour sans être ajoutées deux fois)" }
                    dt { "Correspondances" } dd {
                        @if c.unmapped == 0 { "chaque référence vendue est reliée au catalogue" }
                        @else { (c.unmapped) " référence(s) sans correspondance · " }
                        a href=(paths::MAPPINGS) { "Correspondances" }
                    }
                } @else {
                    dt { "Catalogue" } dd {
                        (c.counts.products) " produits · " (c.counts.variants) " variantes · "
                        (c.orders_30) " commandes (30 jours) · " (c.counts.customers) " clients"
                    }
                }
            }
            @if let Some(error) = &s.last_error { (alert(if s.status == "disconnected" { Tone::Danger } else { Tone::Warning }, error)) }
            @if s.platform.is_marketplace() {
                p.muted { "Les commandes sont relevées à la fréquence choisie ; une commande déjà connue est mise à jour, jamais ajoutée deux fois." }
                (progress_fragment(s.id, false, c.progress.as_ref(), now))
            } @else if s.platform != Platform::Manual {
                @if !public_url {
                    p.muted { (text::WEBHOOKS_OFF) }
                } @else if s.platform == Platform::WooCommerce && admin {
                    @if let (Some(url), Some(secret)) = (&c.webhook_url, &c.webhook_secret) {
                        p.muted { (text::WOO_WEBHOOKS) }
                        dl.facts { dt { "URL de livraison" } dd { code { (url) } } dt { "Secret" } dd { code { (secret) } } }
                    }
                } @else if s.webhook_secret.is_some() {
                    p.muted { (text::WEBHOOKS_ON) }
                } @else {
                    p.muted { (text::WEBHOOKS_NEED_SECRET) }
                }
                (progress_fragment(s.id, s.platform == Platform::Manual, c.progress.as_ref(), now))
            }
            @if admin {
                form.stack method="post" action=(paths::with_id(paths::STORE_SETTINGS, s.id)) {
                    (csrf_input(&staff.csrf))
                    div.row {
                        @if s.platform != Platform::Manual {
                            div.field {
                                label for={ "freq-" (s.id) } { (text::FREQUENCY) }
                                select id={ "freq-" (s.id) } name="sync_minutes" {
                                    @for m in [5, 15, 30, 60] {
                                        option value=(m) selected[s.sync_minutes == m] { "Toutes les " (m) " minutes" }
                                    }
                                }
                            }
                        }
                        @if s.platform.is_marketplace() {
                            input type="hidden" name="reservation_hours" value=(s.reservation_hours);
                        } @else {
                            (Field::new(text::RESERVATION, "reservation_hours").kind("number").value(&s.reservation_hours.to_string()).render())
                        }
                    }
                    @if !c.locations.is_empty() {
                        fieldset {
                            legend { (text::LOCATIONS) }
                            div.choices {
                                @for l in &c.locations {
                                    label { input type="checkbox" name="in_shop" value=(l.id) checked[l.in_shop]; (l.name) }
                                }
                            }
                        }
                        fieldset {
                            legend { (text::PLACES) }
                            p.hint { (text::PLACES_HINT) }
                            @for l in &c.locations {
                                div.place {
                                    label.checkbox { input type="checkbox" name="public" value=(l.id) checked[l.public]; " " strong { (l.name) } }
                                    @if !l.address.is_empty() { p.muted { (l.address) } }
                                    div.field {
                                        label for={ "hours-" (l.id) } { (text::PLACE_HOURS) }
                                        input id={ "hours-" (l.id) } type="text" maxlength="120" name={ "hours-" (l.id) } value=(l.opening_hours) placeholder="du mardi au samedi de 10h à 19h";
                                    }
                                }
                            }
                        }
                    }
                    div.actions { button.btn type="submit" { (text::SAVE) } }
                }
                div.actions {
                    @if s.platform != Platform::Manual {
                        form method="post" action=(paths::with_id(paths::STORE_SYNC, s.id)) {
                            (csrf_input(&staff.csrf))
                            button.btn.primary type="submit" { (text::RESYNC) }
                        }
                    }
                    form method="post" action=(paths::with_id(paths::STORE_REMOVE, s.id)) {
                        (csrf_input(&staff.csrf))
                        button.btn.danger type="submit" data-confirm=(text::DISCONNECT_CONFIRM) { (text::DISCONNECT) }
                    }
                }
                @if s.platform == Platform::Manual {
                form.stack method="post" action=(paths::with_id(paths::STORE_IMPORT, s.id)) enctype="multipart/form-data" {
                    (csrf_input(&staff.csrf))
                    div.field {
                        label for={ "import-" (s.id) } { (text::IMPORT) }
                        input id={ "import-" (s.id) } type="file" name="file" accept=".csv,text/csv" required;
                    }
                    div.actions {
                        button.btn type="submit" { "Importer" }
                        a href=(paths::with_id(paths::STORE_EXPORT, s.id)) download { (text::EXPORT) }
                        a href=(paths::CSV_TEMPLATE) download { (text::TEMPLATE) }
                    }
                }
                details {
                    summary { (text::ADD_PRODUCT) }
                    p.muted { (text::ADD_PRODUCT_HOW) }
                    form.stack method="post" action=(paths::with_id(paths::STORE_PRODUCT, s.id)) {
                        (csrf_input(&staff.csrf))
                        div.row {
                            (Field::new("Produit", "produit").required().render())
                            (Field::new("Type", "type").render())
                        }
                        div.row {
                            (Field::new("Options", "options").hint("Par exemple : Taille, ou Couleur / Taille").render())
                            (Field::new("Variante", "variante").hint("Par exemple : 38, ou Beige / M").render())
                        }
                        div.row {
                            (Field::new("SKU", "sku").render())
                            (Field::new("Prix", "prix").required().hint("Par exemple : 89,00").render())
                        }
                        div.row {
                            @for l in &c.locations {
                                (Field { id: Some(format!("stock-{}-{}", s.id, l.id)), ..Field::new(&l.name, "stock") }.kind("number").value("0").render())
                            }
                            @if c.locations.is_empty() {
                                (Field::new("Stock en boutique", "stock").kind("number").value("0").render())
                            }
                        }
                        div.actions { button.btn type="submit" { "Enregistrer l'article" } }
                    }
                }
                form.stack method="post" action=(paths::with_id(paths::STORE_IMPORT_ORDERS, s.id)) enctype="multipart/form-data" {
                    (csrf_input(&staff.csrf))
                    div.field {
                        label for={ "orders-" (s.id) } { (text::IMPORT_ORDERS) }
                        input id={ "orders-" (s.id) } type="file" name="file" accept=".csv,text/csv" required;
                    }
                    div.actions {
                        button.btn type="submit" { "Importer" }
                        a href=(paths::ORDERS_TEMPLATE) download { (text::ORDERS_TEMPLATE) }
                    }
                }
            }
            @if s.status == "disconnected" && s.platform == Platform::Shopify {
                    form.stack method="post" action=(paths::with_id(paths::STORE_CREDENTIALS, s.id)) {
                        (csrf_input(&staff.csrf))
                        (Field::new("Nouveau jeton d'accès", "token").kind("password").required().render())
                        div.actions { button.btn.primary type="submit" { "Reconnecter" } }
                    }
                }
            @if s.status == "disconnected" && s.platform == Platform::Mirakl {
                    form.stack method="post" action=(paths::with_id(paths::STORE_CREDENTIALS, s.id)) {
                        (csrf_input(&staff.csrf))
                        (Field { id: Some(format!("mirakl-key-{}", s.id)), ..Field::new("Nouvelle clé d'API de la boutique", "token") }.kind("password").required().render())
                        div.actions { button.btn.primary type="submit" { "Reconnecter" } }
                    }
                }
            @if s.status == "disconnected" && s.platform == Platform::Cdiscount {
                    form.stack method="post" action=(paths::with_id(paths::STORE_CREDENTIALS, s.id)) {
                        (csrf_input(&staff.csrf))
                        p.muted { "Dans votre espace vendeur Cdiscount (Octopia) : Mon compte › API, créez un nouveau secret pour l'identifiant d'API, puis collez-le ici." }
                        (Field { id: Some(format!("cdiscount-secret-{}", s.id)), ..Field::new("Nouveau secret client de l'API", "token") }.kind("password").required().render())
                        div.actions { button.btn.primary type="submit" { "Reconnecter" } }
                    }
                }
            @if s.status == "disconnected" && matches!(s.platform, Platform::Etsy | Platform::Ebay) {
                    @let etsy = s.platform == Platform::Etsy;
                    form.stack method="post" action=(paths::with_id(paths::STORE_REAUTHORIZE, s.id)) {
                        (csrf_input(&staff.csrf))
                        p.muted { @if etsy { "Autorisez à nouveau Comptoir sur Etsy : la lecture des commandes reprendra aussitôt." } @else { "Autorisez à nouveau Comptoir sur eBay : la lecture des commandes reprendra aussitôt." } }
                        @if !etsy { (Field { id: Some(format!("ebay-runame-{}", s.id)), ..Field::new("RuName de l'application (s'il a changé)", "runame") }.render()) }
                        div.actions { button.btn.primary type="submit" { @if etsy { "Autoriser à nouveau sur Etsy" } @else { "Autoriser à nouveau sur eBay" } } }
                    }
                    details {
                        summary { "J'ai un nouveau jeton d'actualisation" }
                        form.stack method="post" action=(paths::with_id(paths::STORE_CREDENTIALS, s.id)) {
                            (csrf_input(&staff.csrf))
                            (Field { id: Some(format!("refresh-token-{}", s.id)), ..Field::new("Nouveau jeton d'actualisation", "token") }.kind("password").required().render())
                            div.actions { button.btn type="submit" { "Reconnecter" } }
                        }
                    }
                }
            @if s.status == "disconnected" && s.platform == Platform::Amazon {
                    form.stack method="post" action=(paths::with_id(paths::STORE_CREDENTIALS, s.id)) {
                        (csrf_input(&staff.csrf))
                        p.muted { "Autorisez à nouveau l'application dans Seller Central, puis collez le nouveau jeton d'actualisation." }
                        (Field { id: Some(format!("refresh-{}", s.id)), ..Field::new("Nouveau jeton d'actualisation (Atzr|…)", "token") }.kind("password").required().render())
                        div.actions { button.btn.primary type="submit" { "Reconnecter" } }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct Flash {
    pub(super) ok: Option<String>,
}

pub(super) fn flash(ok: Option<&str>) -> Option<&'static str> {
    match ok? {
        "saved" => Some(text::SAVED),
        "sync" => Some(text::SYNC_STARTED),
        "removed" => Some(text::REMOVED),
        "connected" => Some(text::CONNECTED_OK),
        "imported" => Some(text::IMPORTED),
        "importing" => Some(text::IMPORTING),
        "connected_no_webhooks" => Some(text::CONNECTED_NO_WEBHOOKS),
        _ => None,
    }
}

pub(super) async fn load_cards(state: &AppState) -> Result<Vec<StoreCard>, AppError> {
    let secrets = state.secrets.clone();
    let public_url = state.config.public_url.clone();
    let since = (state.clock.now() - SignedDuration::from_hours(24 * 30))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let tz = super::shop_timezone(state).await?;
    let thirty_days_ago = (state.clock.now() - SignedDuration::from_hours(24 * 30)).as_second();
    let midnight = state
        .clock
        .now()
        .to_zoned(tz)
        .start_of_day()
        .map(|d| d.timestamp().as_second())
        .unwrap_or(thirty_days_ago);
    db::call(&state.db, move |conn| {
        repo::stores(conn)?
            .into_iter()
            .map(|store| {
                let webhook_secret = store
                    .webhook_secret
                    .as_deref()
                    .filter(|_| store.platform == Platform::WooCommerce)
                    .and_then(|sealed| secrets.open(sealed).ok())
                    .map(|plain| String::from_utf8_lossy(&plain).into_owned());
                let webhook_url = public_url.as_ref().map(|base| {
                    format!(
                        "{base}{}",
                        paths::with_id(crate::stores::webhooks::WOOCOMMERCE_PATH, store.id)
                    )
                });
                Ok(StoreCard {
                    webhook_url,
                    webhook_secret,
                    counts: repo::counts(conn, store.id)?,
                    orders_30: repo::orders_since(conn, store.id, &since)?,
                    // New to the order book today: what the runs brought, less what
                    // they found already there.
                    imported_today: conn.query_row(
                        "SELECT COALESCE(sum(orders - orders_known), 0) FROM sync_runs
                         WHERE store_id = ?1 AND started_at >= ?2",
                        rusqlite::params![store.id, midnight],
                        |r| r.get(0),
                    )?,
                    unmapped: if store.platform.is_marketplace() {
                        crate::stores::mappings::unmapped_count(conn, store.id.0)?
                    } else {
                        0
                    },
                    doubles_prevented: conn.query_row(
                        "SELECT COALESCE(sum(orders_known), 0) FROM sync_runs
                         WHERE store_id = ?1 AND started_at >= ?2",
                        rusqlite::params![store.id, thirty_days_ago],
                        |r| r.get(0),
                    )?,
                    locations: repo::locations(conn, store.id)?,
                    progress: repo::progress(conn, store.id)?,
                    store,
                })
            })
            .collect()
    })
    .await
}

pub(super) async fn integrations_page(
    state: &AppState,
    staff: &Staff,
    forms: &Forms,
    notice: Option<&str>,
) -> Result<Markup, AppError> {
    let cards = load_cards(state).await?;
    let now = state.clock.now();
    let public_url = state.config.public_url.is_some();
    let admin = staff.user.role.can(Perm::ManageShop);
    let body = html! {
        @if let Some(n) = notice { (alert(Tone::Success, n)) }
        (import_errors(&forms.import_errors))
        p.lead { (text::LEAD) }
        @if !admin { (alert(Tone::Info, text::READ_ONLY)) }
        @for c in &cards { (store_card(staff, c, public_url, now)) }
        @if admin {
            h2.section { (text::CONNECT_TITLE) }
            (connect_forms(state, staff, forms))
        }
    };
    Ok(layout::page(
        staff,
        Nav::Integrations,
        text::INTEGRATIONS,
        body,
    ))
}

/// The four ways to connect a store, each form coming back to `forms.flow`.
pub(super) fn connect_forms(state: &AppState, staff: &Staff, forms: &Forms) -> Markup {
    html! {
        div.grid.connect {
            (shopify_form(staff, &forms.shopify, &forms.shopify_errors, oauth_app(state).is_some(), forms.flow))
            (woo_form(staff, forms))
            (presta_form(staff, forms))
            (manual_form(staff, forms))
            (amazon_form(staff, forms))
            (ebay_form(staff, forms, &super::consent::shown_return(state, paths::EBAY_CALLBACK)))
            (etsy_form(staff, forms, &super::consent::shown_return(state, paths::ETSY_CALLBACK)))
            (cdiscount_form(staff, forms))
            (mirakl_form(staff, forms))
        }
    }
}

/// The connect forms for the setup wizard's store step.
pub fn wizard_connect_forms(state: &AppState, staff: &Staff) -> Markup {
    connect_forms(
        state,
        staff,
        &Forms {
            flow: Flow::Wizard,
            ..Default::default()
        },
    )
}

/// A connect form sent with a mistake: shown again, with what is wrong, where it came from.
pub(super) async fn refused(
    state: &AppState,
    staff: &Staff,
    forms: Forms,
) -> Result<HttpResponse, AppError> {
    let page = match forms.flow {
        Flow::Settings => integrations_page(state, staff, &forms, None).await?,
        Flow::Wizard => {
            let body = connect_forms(state, staff, &forms);
            state.wizard.page(state, staff, Part::Store, body).await?
        }
    };
    Ok(respond::html(StatusCode::BAD_REQUEST, page))
}

/// Where a newly connected store sends the browser: Intégrations with a notice, or the
/// wizard's sync step.
pub(super) async fn connected(
    state: &AppState,
    flow: Flow,
    flash: &str,
) -> Result<HttpResponse, AppError> {
    match flow {
        Flow::Settings => Ok(respond::redirect(format!(
            "{}?ok={flash}",
            paths::INTEGRATIONS
        ))),
        Flow::Wizard => state.wizard.saved(state, Part::Store).await,
    }
}

pub(super) async fn integrations(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let page = integrations_page(
        &state,
        &staff,
        &Forms::default(),
        flash(query.ok.as_deref()),
    )
    .await?;
    Ok(respond::html(StatusCode::OK, page))
}

pub(super) async fn save_settings(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<StoreId>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let value = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let minutes: i64 = value("sync_minutes")
        .map_or(Ok(15), str::parse)
        .unwrap_or(0);
    if ![5, 15, 30, 60].contains(&minutes) {
        return Err(AppError::BadRequest(
            "Choisissez une fréquence de 5, 15, 30 ou 60 minutes.".into(),
        ));
    }
    let hours: i64 = value("reservation_hours")
        .unwrap_or("")
        .trim()
        .parse()
        .unwrap_or(0);
    if !(1..=168).contains(&hours) {
        return Err(AppError::BadRequest(
            "La durée de réservation doit être entre 1 et 168 heures.".into(),
        ));
    }
    let in_shop: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "in_shop")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let public: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "public")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let mut place_hours: Vec<(i64, String)> = Vec::new();
    for (k, v) in form.iter() {
        let Some(location) = k.strip_prefix("hours-").and_then(|l| l.parse::<i64>().ok()) else {
            continue;
        };
        let v = v.trim();
        if v.chars().count() > 120 || v.chars().any(char::is_control) {
            return Err(AppError::BadRequest(
                "Les horaires d'une boutique tiennent en 120 caractères sur une ligne, par exemple « du mardi au samedi de 10h à 19h ».".into(),
            ));
        }
        place_hours.push((location, v.to_string()));
    }
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            repo::store(tx, id)?.ok_or(AppError::NotFound)?;
            repo::save_settings(tx, id, minutes, hours, &in_shop)?;
            repo::save_places(tx, id, &public, &place_hours)
        })
    })
    .await?;
    Ok(respond::redirect(format!(
        "{}?ok=saved",
        paths::INTEGRATIONS
    )))
}

pub(super) async fn resync(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<StoreId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    request_sync(&state, id).await?;
    Ok(respond::redirect(format!(
        "{}?ok=sync#store-{id}",
        paths::INTEGRATIONS
    )))
}

pub(super) async fn progress(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<StoreId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (store, p) = db::call(&state.db, move |conn| {
        Ok::<_, AppError>((repo::store(conn, id)?, repo::progress(conn, id)?))
    })
    .await?;
    let manual = store.ok_or(AppError::NotFound)?.platform == Platform::Manual;
    Ok(respond::html(
        StatusCode::OK,
        progress_fragment(id, manual, p.as_ref(), state.clock.now()),
    ))
}

pub(super) async fn remove(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<StoreId>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let removed = db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::remove_store(tx, id))
    })
    .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    Ok(respond::redirect(format!(
        "{}?ok=removed",
        paths::INTEGRATIONS
    )))
}

#[derive(Deserialize)]
pub(super) struct TokenForm {
    #[serde(default)]
    pub(super) token: String,
}

pub(super) async fn update_credentials(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<StoreId>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let store = db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let token = form.token.trim().to_string();
    if token.is_empty() {
        return Err(AppError::BadRequest("Collez le nouveau jeton.".into()));
    }
    if store.platform.is_marketplace() {
        // The account stays the same: only the secret the form gives is replaced.
        let Some(stored) = store
            .credentials
            .as_deref()
            .and_then(|sealed| state.secrets.open(sealed).ok())
            .and_then(|plain| serde_json::from_slice::<Credentials>(&plain).ok())
        else {
            return Err(AppError::BadRequest(
                "Les identifiants de ce compte sont illisibles : déconnectez-le puis connectez-le à nouveau.".into(),
            ));
        };
        super::consent::renew(&state, id, stored.renewed(token))
            .await?
            .map_err(|e| AppError::BadRequest(e.shown()))?;
    } else {
        if let Err(message) =
            check_shopify(&state, &store.domain, &token, store.api_url.clone()).await
        {
            return Err(AppError::BadRequest(message));
        }
        let sealed = sync::seal_credentials(&state.secrets, &Credentials::ShopifyToken { token })?;
        let now = state.clock.now();
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| {
                repo::set_credentials(tx, id, &sealed)?;
                repo::sync_soon(tx, id, now)
            })
        })
        .await?;
        // Made due in the same transaction: the poller only needs waking.
        state.sync_wanted.notify_one();
    }
    Ok(respond::redirect(format!(
        "{}?ok=connected",
        paths::INTEGRATIONS
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_in_progress_counts_what_it_read_and_keeps_polling() {
        let running = Progress {
            running: true,
            products: 1_200,
            variants: 6_000,
            ..Default::default()
        };
        let now = jiff::Timestamp::UNIX_EPOCH;
        let html = progress_fragment(StoreId(3), true, Some(&running), now).into_string();
        assert!(
            html.contains("Import en cours… 1\u{202f}200 produits, 6\u{202f}000 variantes"),
            "{html}"
        );
        assert!(html.contains("hx-trigger=\"every 1s\""), "{html}");
        let sync = progress_fragment(StoreId(3), false, Some(&running), now).into_string();
        assert!(sync.contains("Synchronisation en cours"), "{sync}");
        let failed = Progress {
            error: Some("L'import n'a pas pu être enregistré".into()),
            finished_at: Some(0),
            ..Default::default()
        };
        let html = progress_fragment(StoreId(3), true, Some(&failed), now).into_string();
        assert!(html.contains("Dernier import échoué") && html.contains("pas pu être"));
        assert!(!html.contains("hx-trigger"), "a finished run is not polled");
    }
}
