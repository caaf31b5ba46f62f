//! Pages of the stores feature: Intégrations (connect, settings, resync, disconnect),
//! Produits (catalogue with stock per location), Commandes (recent orders, tracking).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use jiff::SignedDuration;
use maud::{Markup, html};
use serde::Deserialize;

use crate::accounts::roles::Perm;
use crate::clock::{from_unix, relative_fr};
use crate::db::{self, ids::StoreId};
use crate::error::AppError;
use crate::stores::connector::SyncError;
use crate::stores::manual::csv::{self, LineError};
use crate::stores::model::{Platform, format_eur};
use crate::stores::prestashop::PrestaConnector;
use crate::stores::repo::{self, NewStore, Progress, Store};
use crate::stores::shopify::{ShopifyConnector, valid_shop_domain};
use crate::stores::woocommerce::WooConnector;
use crate::sync::{self, Credentials};
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, badge, card, csrf_input, empty_state, table};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::layout::{self, Nav};
use crate::web::{AppState, paths, upload};

mod text {
    pub const PRODUCTS: &str = "Produits";
    pub const ORDERS: &str = "Commandes";
    pub const INTEGRATIONS: &str = "Intégrations";
    pub const NO_STORE: &str = "Aucune boutique connectée";
    pub const PRODUCTS_EMPTY: &str = "Vos produits, leurs variantes et le stock par emplacement apparaîtront ici dès qu'une boutique sera connectée.";
    pub const ORDERS_EMPTY: &str = "Les commandes récentes, leur statut et leur suivi apparaîtront ici dès qu'une boutique sera connectée.";
    pub const NO_MATCH: &str = "Aucun résultat pour cette recherche.";
    pub const CONNECT: &str = "Connecter une boutique";
    pub const LEAD: &str = "Comptoir garde une copie locale de votre catalogue, de votre stock par emplacement et de vos commandes récentes pour répondre à vos clients.";
    pub const SEARCH: &str = "Rechercher";
    pub const SEARCH_PRODUCTS: &str = "Nom, référence (SKU), type…";
    pub const SEARCH_ORDERS: &str = "N° de commande, client, e-mail, n° de suivi…";
    pub const PREVIOUS: &str = "← Précédent";
    pub const NEXT: &str = "Suivant →";
    pub const CONNECTED: &str = "Connecté";
    pub const ERROR: &str = "Erreur";
    pub const RECONNECT: &str = "Reconnexion nécessaire";
    pub const NEVER: &str = "jamais";
    pub const RESYNC: &str = "Resynchroniser maintenant";
    pub const DISCONNECT: &str = "Déconnecter";
    pub const DISCONNECT_CONFIRM: &str = "Déconnecter cette boutique ? Son catalogue local sera supprimé ; les conversations sont conservées.";
    pub const SAVE: &str = "Enregistrer";
    pub const FREQUENCY: &str = "Fréquence de synchronisation";
    pub const RESERVATION: &str = "Durée de réservation (heures)";
    pub const LOCATIONS: &str = "Emplacements comptés comme « en boutique »";
    pub const SAVED: &str = "Réglages enregistrés.";
    pub const SYNC_STARTED: &str = "Synchronisation lancée.";
    pub const REMOVED: &str = "Boutique déconnectée et catalogue local supprimé.";
    pub const CONNECTED_OK: &str = "Boutique connectée : la première synchronisation est en cours.";
    pub const SHOPIFY_TITLE: &str = "Connecter Shopify";
    pub const SHOPIFY_HOW: &str = "Dans Shopify : Paramètres › Applications › Développer des applications › créez une application avec les accès en lecture aux produits, stocks, commandes, clients et emplacements, puis copiez le jeton d'accès Admin API (shpat_…).";
    pub const SHOP_DOMAIN: &str = "Domaine de la boutique";
    pub const SHOP_DOMAIN_HINT: &str = "Par exemple elegance-paris.myshopify.com";
    pub const TOKEN: &str = "Jeton d'accès Admin API";
    pub const CONNECT_BUTTON: &str = "Connecter";
    pub const OAUTH_HOW: &str =
        "Saisissez le domaine de votre boutique, puis acceptez l'accès en lecture dans Shopify.";
    pub const AUTHORIZE: &str = "Autoriser";
    pub const WITH_TOKEN: &str = "Avec un jeton d'accès Admin API";
    pub const WITH_CLIENT: &str =
        "Avec une application créée pour votre boutique (identifiant et secret client)";
    pub const CLIENT_HOW: &str = "Dans le Dev Dashboard de Shopify, créez une application avec les accès en lecture aux produits, stocks, commandes, clients et emplacements, installez-la sur votre boutique, puis copiez son identifiant client et son secret client.";
    pub const CLIENT_ID: &str = "Identifiant client";
    pub const CLIENT_SECRET: &str = "Secret client";
    pub const APP_SECRET: &str = "Clé secrète de l'application (facultatif)";
    pub const APP_SECRET_HINT: &str = "Pour recevoir les changements en quelques secondes par webhooks (nécessite une adresse publique) : la « clé secrète de l'API » de votre application Shopify.";
    pub const WEBHOOKS_ON: &str = "Webhooks : actifs — les changements arrivent en quelques secondes ; synchronisation de sécurité périodique.";
    pub const WEBHOOKS_NEED_SECRET: &str =
        "Webhooks : inactifs — ajoutez la clé secrète de l'application pour les activer.";
    pub const WOO_WEBHOOKS: &str = "Webhooks : dans WooCommerce › Réglages › Avancé › Webhooks, créez-en un par sujet (produit, commande, client) avec cette URL de livraison et ce secret :";
    pub const CONNECT_TITLE: &str = "Connecter une boutique";
    pub const WOO_TITLE: &str = "Connecter WooCommerce";
    pub const WOO_HOW: &str = "Dans WordPress : WooCommerce › Réglages › Avancé › API REST › Ajouter une clé, avec l'accès « Lecture ». Copiez la clé client (ck_…) et le secret client (cs_…).";
    pub const SITE_URL: &str = "Adresse du site";
    pub const SITE_URL_HINT: &str = "Par exemple https://boutique.example.com";
    pub const WOO_KEY: &str = "Clé client";
    pub const WOO_SECRET: &str = "Secret client";
    pub const MANUAL_TITLE: &str = "Boutique manuelle";
    pub const MANUAL_HOW: &str = "Pas de boutique en ligne, ou un autre système ? Importez vos produits, variantes et stocks depuis un fichier CSV (UTF-8, séparateur ; ou ,). Un fichier avec des erreurs est refusé en entier, avec la liste des lignes à corriger.";
    pub const MANUAL_NAME: &str = "Nom de la boutique";
    pub const CSV_FILE: &str = "Fichier CSV du catalogue";
    pub const TEMPLATE: &str = "Télécharger le modèle CSV";
    pub const CREATE: &str = "Créer la boutique";
    pub const IMPORT: &str = "Importer un CSV (remplace le catalogue)";
    pub const EXPORT: &str = "Exporter le catalogue (CSV)";
    pub const IMPORTED: &str = "Import terminé.";
    pub const ADD_PRODUCT: &str = "Ajouter ou modifier un article";
    pub const ADD_PRODUCT_HOW: &str =
        "Une variante par envoi. Même identifiant et même variante : l'article est mis à jour.";
    pub const IMPORT_ORDERS: &str = "Importer des commandes (CSV : ajoutées ou mises à jour)";
    pub const ORDERS_TEMPLATE: &str = "Modèle CSV des commandes";
    pub const CONNECTED_NO_WEBHOOKS: &str = "Boutique connectée, mais Shopify a refusé l'abonnement aux webhooks : la synchronisation périodique prend le relais. Vérifiez les autorisations de l'application.";
    pub const IMPORT_REFUSED: &str =
        "Le fichier n'a pas été importé (rien n'a changé). Corrigez ces lignes puis réessayez :";
    pub const BAD_SITE: &str =
        "Saisissez l'adresse complète du site, par exemple https://boutique.example.com.";
    pub const PRESTA_TITLE: &str = "Connecter PrestaShop";
    pub const PRESTA_HOW: &str = "Dans PrestaShop : Paramètres avancés › Webservice › activez le webservice, puis ajoutez une clé avec l'accès « Voir » (GET) sur products, combinations, stock_availables, product_options, product_option_values, customers, orders, order_carriers et carriers.";
    pub const PRESTA_KEY: &str = "Clé du webservice";
    pub const WEBHOOKS_OFF: &str =
        "Webhooks : inactifs (public_url non configurée) — synchronisation périodique";
    pub const SINCE: &str = "Connecté depuis";
    pub const LAST_SYNC: &str = "Dernière synchronisation";
    pub const ORDER_COLS: [&str; 7] = [
        "Commande", "Date", "Client", "Articles", "Total", "Statut", "Suivi",
    ];
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier les intégrations.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::PRODUCTS, web::get().to(products))
        .route(paths::ORDERS, web::get().to(orders))
        .route(paths::INTEGRATIONS, web::get().to(integrations))
        .route(paths::CONNECT_SHOPIFY, web::post().to(connect_shopify))
        .route(paths::SHOPIFY_AUTHORIZE, web::post().to(shopify_authorize))
        .route(paths::SHOPIFY_CALLBACK, web::get().to(shopify_callback))
        .route(paths::SHOPIFY_CLIENT, web::post().to(shopify_client))
        .route(
            paths::CONNECT_WOOCOMMERCE,
            web::post().to(connect_woocommerce),
        )
        .route(
            paths::CONNECT_PRESTASHOP,
            web::post().to(connect_prestashop),
        )
        .route(paths::CREATE_MANUAL, web::post().to(create_manual))
        .route(paths::CSV_TEMPLATE, web::get().to(csv_template))
        .route(paths::STORE_IMPORT, web::post().to(import_csv))
        .route(paths::STORE_PRODUCT, web::post().to(save_product))
        .route(paths::STORE_IMPORT_ORDERS, web::post().to(import_csv))
        .route(paths::ORDERS_TEMPLATE, web::get().to(orders_template))
        .route(paths::STORE_EXPORT, web::get().to(export_csv))
        .route(paths::STORE_SETTINGS, web::post().to(save_settings))
        .route(paths::STORE_SYNC, web::post().to(resync))
        .route(paths::STORE_PROGRESS, web::get().to(progress))
        .route(paths::STORE_REMOVE, web::post().to(remove))
        .route(paths::STORE_CREDENTIALS, web::post().to(update_credentials));
}

fn render(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

fn redirect(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

fn search_form(action: &str, q: &str, placeholder: &str) -> Markup {
    html! {
        form.search role="search" method="get" action=(action) {
            label.visually-hidden for="q" { (text::SEARCH) }
            input #q type="search" name="q" value=(q) placeholder=(placeholder);
            button.btn type="submit" { (text::SEARCH) }
        }
    }
}

fn pager(action: &str, q: &str, page: i64, has_next: bool) -> Markup {
    let link = |p: i64| {
        let query =
            serde_urlencoded::to_string([("q", q), ("page", &p.to_string())]).unwrap_or_default();
        format!("{action}?{query}")
    };
    html! {
        nav.pager aria-label="Pagination" {
            @if page > 0 { a.btn href=(link(page - 1)) { (text::PREVIOUS) } }
            @if has_next { a.btn href=(link(page + 1)) { (text::NEXT) } }
        }
    }
}

async fn products(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { q, page } = query.into_inner();
    let page = page.max(0);
    let search = q.clone();
    let (any_store, rows, variants) = db::call(&state.db, move |conn| {
        let any = !repo::stores(conn)?.is_empty();
        let mut rows = repo::search_products(conn, &search, PAGE_SIZE + 1, page * PAGE_SIZE)?;
        let has_next = rows.len() as i64 > PAGE_SIZE;
        rows.truncate(PAGE_SIZE as usize);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let variants = repo::variants_with_stock(conn, &ids)?;
        Ok((any, (rows, has_next), variants))
    })
    .await?;
    let (rows, has_next) = rows;
    let body = if !any_store {
        empty_state(
            text::NO_STORE,
            text::PRODUCTS_EMPTY,
            Some((text::CONNECT, paths::INTEGRATIONS)),
        )
    } else {
        html! {
            (search_form(paths::PRODUCTS, &q, text::SEARCH_PRODUCTS))
            @if rows.is_empty() { p.muted { (text::NO_MATCH) } }
            @for p in &rows {
                section.card.product {
                    h2 { (p.title) " " @if p.status != "active" { (badge(&p.status, Tone::Warning)) } }
                    p.muted { (p.product_type) " · " code { (p.handle) } " · " (p.store_name) }
                    (table(&["Variante", "SKU", "Prix", "Stock"], variants.iter().filter(|v| v.product_id == p.id).map(|v| html! {
                        tr {
                            td { (v.title) }
                            td { code { (v.sku) } }
                            td { (v.price_cents.map(format_eur).unwrap_or_default()) }
                            td {
                                @for (name, in_shop, available) in &v.stock {
                                    span.stock.in-shop[*in_shop] .out[*available <= 0] { (name) " : " strong { (available) } }
                                    " "
                                }
                            }
                        }
                    })))
                }
            }
            (pager(paths::PRODUCTS, &q, page, has_next))
        }
    };
    Ok(render(
        StatusCode::OK,
        layout::page(&staff, Nav::Products, text::PRODUCTS, body),
    ))
}

fn financial_fr(status: &str) -> (&'static str, Tone) {
    match status {
        "paid" => ("Payée", Tone::Success),
        "pending" => ("Paiement en attente", Tone::Warning),
        "authorized" => ("Autorisée", Tone::Info),
        "partially_paid" => ("Partiellement payée", Tone::Warning),
        "refunded" => ("Remboursée", Tone::Neutral),
        "partially_refunded" => ("Partiellement remboursée", Tone::Neutral),
        "voided" => ("Annulée", Tone::Danger),
        _ => ("—", Tone::Neutral),
    }
}

fn fulfillment_fr(status: &str) -> (&'static str, Tone) {
    match status {
        "fulfilled" => ("Expédiée", Tone::Success),
        "partial" | "partially_fulfilled" => ("Partiellement expédiée", Tone::Info),
        "unfulfilled" | "" => ("À préparer", Tone::Warning),
        "in_progress" => ("En préparation", Tone::Info),
        "on_hold" => ("En attente", Tone::Warning),
        _ => ("—", Tone::Neutral),
    }
}

async fn shop_timezone(state: &AppState) -> Result<jiff::tz::TimeZone, AppError> {
    db::call(&state.db, |conn| {
        Ok(crate::accounts::repo::shop_timezone(conn))
    })
    .await
}

async fn orders(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { q, page } = query.into_inner();
    let page = page.max(0);
    let tz = shop_timezone(&state).await?;
    let search = q.clone();
    let (any_store, mut rows) = db::call(&state.db, move |conn| {
        Ok((
            !repo::stores(conn)?.is_empty(),
            repo::recent_orders(conn, &search, PAGE_SIZE + 1, page * PAGE_SIZE)?,
        ))
    })
    .await?;
    let has_next = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let when = |ts: &str| {
        ts.parse::<jiff::Timestamp>()
            .map(|t| {
                t.to_zoned(tz.clone())
                    .strftime("%d/%m/%Y %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    let body = if !any_store {
        empty_state(
            text::NO_STORE,
            text::ORDERS_EMPTY,
            Some((text::CONNECT, paths::INTEGRATIONS)),
        )
    } else {
        html! {
            (search_form(paths::ORDERS, &q, text::SEARCH_ORDERS))
            @if rows.is_empty() { p.muted { (text::NO_MATCH) } }
            @else {
                (table(&text::ORDER_COLS, rows.iter().map(|o| {
                    let (paid, paid_tone) = financial_fr(&o.financial_status);
                    let (shipped, shipped_tone) = fulfillment_fr(&o.fulfillment_status);
                    html! {
                        tr {
                            td { strong { (o.name) } }
                            td { (when(&o.created_at)) }
                            td { (o.customer) }
                            td { (o.items) }
                            td { (o.total_cents.map(format_eur).unwrap_or_default()) }
                            td { (badge(paid, paid_tone)) " " (badge(shipped, shipped_tone)) }
                            td {
                                @if !o.tracking_number.is_empty() {
                                    (o.carrier) " "
                                    @if o.tracking_url.starts_with("https://") || o.tracking_url.starts_with("http://") {
                                        a href=(o.tracking_url) rel="noopener noreferrer" target="_blank" { (o.tracking_number) }
                                    } @else { code { (o.tracking_number) } }
                                }
                            }
                        }
                    }
                })))
            }
            (pager(paths::ORDERS, &q, page, has_next))
        }
    };
    Ok(render(
        StatusCode::OK,
        layout::page(&staff, Nav::Orders, text::ORDERS, body),
    ))
}

/// Everything the Integrations page shows about one store.
struct StoreCard {
    store: Store,
    /// Where the platform should send webhooks, and the secret, for admins to copy.
    webhook_url: Option<String>,
    webhook_secret: Option<String>,
    counts: repo::Counts,
    orders_30: i64,
    locations: Vec<repo::LocationRow>,
    progress: Option<Progress>,
}

fn status_badge(store: &Store) -> Markup {
    match store.status.as_str() {
        "connected" => badge(text::CONNECTED, Tone::Success),
        "disconnected" => badge(text::RECONNECT, Tone::Danger),
        _ => badge(text::ERROR, Tone::Warning),
    }
}

fn progress_fragment(id: StoreId, p: Option<&Progress>, now: jiff::Timestamp) -> Markup {
    let url = paths::with_id(paths::STORE_PROGRESS, id);
    html! {
        @match p {
            Some(p) if p.running => {
                div.progress role="status" aria-live="polite" hx-get=(url) hx-trigger="every 1s" hx-swap="outerHTML" {
                    "⏳ Synchronisation en cours… "
                    (p.products) " produits, " (p.variants) " variantes, " (p.stock_levels) " niveaux de stock, "
                    (p.orders) " commandes, " (p.customers) " clients reçus"
                }
            }
            Some(p) if p.error.is_some() => {
                div.progress role="status" {
                    "⚠️ Dernière synchronisation échouée "
                    @if let Some(at) = p.finished_at { "(" (relative_fr(from_unix(at), now)) ")" }
                }
            }
            Some(p) => {
                div.progress role="status" {
                    "✅ " (p.products) " produits · " (p.variants) " variantes · " (p.stock_levels) " niveaux de stock · "
                    (p.orders) " commandes · " (p.customers) " clients"
                    @if let Some(at) = p.finished_at { " — " (relative_fr(from_unix(at), now)) }
                }
            }
            None => { div.progress role="status" { "Pas encore synchronisée." } }
        }
    }
}

fn store_card(staff: &Staff, c: &StoreCard, public_url: bool, now: jiff::Timestamp) -> Markup {
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
                dt { "Catalogue" } dd {
                    (c.counts.products) " produits · " (c.counts.variants) " variantes · "
                    (c.orders_30) " commandes (30 jours) · " (c.counts.customers) " clients"
                }
            }
            @if let Some(error) = &s.last_error { (alert(if s.status == "disconnected" { Tone::Danger } else { Tone::Warning }, error)) }
            @if s.platform != Platform::Manual {
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
                (progress_fragment(s.id, c.progress.as_ref(), now))
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
                        (Field::new(text::RESERVATION, "reservation_hours").kind("number").value(&s.reservation_hours.to_string()).render())
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
            }
        }
    }
}

#[derive(Default, Deserialize)]
struct PrestaForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    key: String,
}

#[derive(Default, Deserialize)]
struct WooForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    secret: String,
}

/// What the connect forms were sent, and what was wrong with it.
#[derive(Default)]
struct Forms {
    shopify: ShopifyForm,
    shopify_errors: ConnectErrors,
    woo: WooForm,
    woo_url_error: Option<String>,
    woo_keys_error: Option<String>,
    presta: PrestaForm,
    presta_url_error: Option<String>,
    presta_key_error: Option<String>,
    manual_name: String,
    manual_error: Option<String>,
    import_errors: Vec<LineError>,
}

fn woo_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::WOO_TITLE,
        html! {
            p.muted { (text::WOO_HOW) }
            form.stack method="post" action=(paths::CONNECT_WOOCOMMERCE) novalidate {
                (csrf_input(&staff.csrf))
                (Field::new(text::SITE_URL, "url").kind("url").value(&f.woo.url).required().hint(text::SITE_URL_HINT).error(f.woo_url_error.as_deref()).render())
                (Field::new(text::WOO_KEY, "key").value(&f.woo.key).required().render())
                (Field::new(text::WOO_SECRET, "secret").kind("password").required().error(f.woo_keys_error.as_deref()).render())
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

fn presta_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::PRESTA_TITLE,
        html! {
            p.muted { (text::PRESTA_HOW) }
            form.stack method="post" action=(paths::CONNECT_PRESTASHOP) novalidate {
                (csrf_input(&staff.csrf))
                (Field { id: Some("presta-url".into()), ..Field::new(text::SITE_URL, "url") }.kind("url").value(&f.presta.url).required().hint(text::SITE_URL_HINT).error(f.presta_url_error.as_deref()).render())
                (Field::new(text::PRESTA_KEY, "key").kind("password").required().error(f.presta_key_error.as_deref()).render())
                div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
            }
        },
    )
}

fn manual_form(staff: &Staff, f: &Forms) -> Markup {
    card(
        text::MANUAL_TITLE,
        html! {
            p.muted { (text::MANUAL_HOW) }
            form.stack method="post" action=(paths::CREATE_MANUAL) enctype="multipart/form-data" {
                (csrf_input(&staff.csrf))
                (Field::new(text::MANUAL_NAME, "name").value(&f.manual_name).required().error(f.manual_error.as_deref()).render())
                div.field {
                    label for="f-file" { (text::CSV_FILE) }
                    input #f-file type="file" name="file" accept=".csv,text/csv";
                }
                div.actions {
                    button.btn.primary type="submit" { (text::CREATE) }
                    a href=(paths::CSV_TEMPLATE) download { (text::TEMPLATE) }
                }
            }
        },
    )
}

fn import_errors(errors: &[LineError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.alert.danger role="alert" {
                p { strong { (text::IMPORT_REFUSED) } }
                ul.line-errors { @for e in errors { li { "Ligne " (e.line) " : " (e.reason) } } }
            }
        }
    }
}

#[derive(Default, Deserialize)]
struct ShopifyForm {
    #[serde(default)]
    shop: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    webhook_secret: String,
}

#[derive(Default)]
struct ConnectErrors {
    shop: Option<String>,
    token: Option<String>,
}

fn shopify_form(staff: &Staff, form: &ShopifyForm, errors: &ConnectErrors, oauth: bool) -> Markup {
    let domain = |id: &str| {
        let mut field = Field::new(text::SHOP_DOMAIN, "shop")
            .value(&form.shop)
            .required()
            .hint(text::SHOP_DOMAIN_HINT)
            .error(errors.shop.as_deref());
        field.id = Some(id.to_string());
        field.render()
    };
    card(
        text::SHOPIFY_TITLE,
        html! {
            @if oauth {
                p.muted { (text::OAUTH_HOW) }
                form.stack method="post" action=(paths::SHOPIFY_AUTHORIZE) novalidate {
                    (csrf_input(&staff.csrf))
                    (domain("oauth-shop"))
                    div.actions { button.btn.primary type="submit" { (text::AUTHORIZE) } }
                }
            }
            details open[!oauth] {
                summary { (text::WITH_TOKEN) }
                p.muted { (text::SHOPIFY_HOW) }
                form.stack method="post" action=(paths::CONNECT_SHOPIFY) novalidate {
                    (csrf_input(&staff.csrf))
                    (domain("token-shop"))
                    (Field::new(text::TOKEN, "token").kind("password").required().error(errors.token.as_deref()).render())
                    (Field::new(text::APP_SECRET, "webhook_secret").kind("password").hint(text::APP_SECRET_HINT).render())
                    div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
                }
            }
            details {
                summary { (text::WITH_CLIENT) }
                p.muted { (text::CLIENT_HOW) }
                form.stack method="post" action=(paths::SHOPIFY_CLIENT) novalidate {
                    (csrf_input(&staff.csrf))
                    (domain("client-shop"))
                    (Field::new(text::CLIENT_ID, "client_id").required().render())
                    (Field::new(text::CLIENT_SECRET, "client_secret").kind("password").required().render())
                    div.actions { button.btn.primary type="submit" { (text::CONNECT_BUTTON) } }
                }
            }
        },
    )
}

#[derive(Deserialize)]
struct Flash {
    ok: Option<String>,
}

fn flash(ok: Option<&str>) -> Option<&'static str> {
    match ok? {
        "saved" => Some(text::SAVED),
        "sync" => Some(text::SYNC_STARTED),
        "removed" => Some(text::REMOVED),
        "connected" => Some(text::CONNECTED_OK),
        "imported" => Some(text::IMPORTED),
        "connected_no_webhooks" => Some(text::CONNECTED_NO_WEBHOOKS),
        _ => None,
    }
}

async fn load_cards(state: &AppState) -> Result<Vec<StoreCard>, AppError> {
    let secrets = state.secrets.clone();
    let public_url = state.config.public_url.clone();
    let since = (state.clock.now() - SignedDuration::from_hours(24 * 30))
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
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
                    locations: repo::locations(conn, store.id)?,
                    progress: repo::progress(conn, store.id)?,
                    store,
                })
            })
            .collect()
    })
    .await
}

async fn integrations_page(
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
            div.grid.connect {
                (shopify_form(staff, &forms.shopify, &forms.shopify_errors, oauth_app(state).is_some()))
                (woo_form(staff, forms))
                (presta_form(staff, forms))
                (manual_form(staff, forms))
            }
        }
    };
    Ok(layout::page(
        staff,
        Nav::Integrations,
        text::INTEGRATIONS,
        body,
    ))
}

async fn integrations(
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
    Ok(render(StatusCode::OK, page))
}

fn spawn_sync(state: &AppState, id: StoreId) {
    let ctx = state.sync_context();
    actix_web::rt::spawn(async move {
        let outcome = tokio::task::spawn_blocking(move || sync::sync_store(&ctx, id, false)).await;
        if let Ok(Err(e)) = outcome {
            tracing::info!(store = %id, error = %e, "sync requested from the page failed");
        }
    });
}

/// Checks a Shopify shop and token with one cheap query, off the executor.
async fn check_shopify(
    state: &AppState,
    shop: &str,
    token: &str,
    api_url: Option<String>,
) -> Result<(), String> {
    let base = api_url.unwrap_or_else(|| format!("https://{shop}"));
    let mut connector = ShopifyConnector::new(
        state.http.clone(),
        &base,
        &state.config.shopify.api_version,
        token.to_string(),
    );
    web::block(move || connector.check())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

async fn connect_shopify(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<ShopifyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let shop = form
        .shop
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let token = form.token.trim().to_string();
    let mut errors = ConnectErrors::default();
    if !valid_shop_domain(&shop) {
        errors.shop = Some(
            "Ce n'est pas un domaine Shopify : il ressemble à votre-boutique.myshopify.com.".into(),
        );
    }
    if token.is_empty() {
        errors.token =
            Some("Collez le jeton d'accès Admin API (il commence souvent par shpat_).".into());
    }
    if errors.shop.is_none() && errors.token.is_none() {
        let api_url = state.config.shopify.api_url.clone();
        if let Err(message) = check_shopify(&state, &shop, &token, api_url.clone()).await {
            errors.token = Some(message);
        } else {
            let app_secret = Some(form.webhook_secret.trim().to_string()).filter(|s| !s.is_empty());
            let credentials = Credentials::ShopifyToken {
                token: token.clone(),
            };
            let flash = create_shopify_store(&state, &shop, credentials, token, app_secret).await?;
            return Ok(redirect(format!("{}?ok={flash}", paths::INTEGRATIONS)));
        }
    }
    let forms = Forms {
        shopify: form,
        shopify_errors: errors,
        ..Default::default()
    };
    let page = integrations_page(&state, &staff, &forms, None).await?;
    Ok(render(StatusCode::BAD_REQUEST, page))
}

async fn save_settings(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = StoreId(path.into_inner());
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
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            repo::store(tx, id)?.ok_or(AppError::NotFound)?;
            repo::save_settings(tx, id, minutes, hours, &in_shop)
        })
    })
    .await?;
    Ok(redirect(format!("{}?ok=saved", paths::INTEGRATIONS)))
}

async fn resync(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = StoreId(path.into_inner());
    db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    spawn_sync(&state, id);
    Ok(redirect(format!(
        "{}?ok=sync#store-{id}",
        paths::INTEGRATIONS
    )))
}

async fn progress(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = StoreId(path.into_inner());
    let p = db::call(&state.db, move |conn| repo::progress(conn, id)).await?;
    Ok(render(
        StatusCode::OK,
        progress_fragment(id, p.as_ref(), state.clock.now()),
    ))
}

async fn remove(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = StoreId(path.into_inner());
    let removed = db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::remove_store(tx, id))
    })
    .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    Ok(redirect(format!("{}?ok=removed", paths::INTEGRATIONS)))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

async fn update_credentials(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = StoreId(path.into_inner());
    let store = db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    let token = form.token.trim().to_string();
    if token.is_empty() {
        return Err(AppError::BadRequest(
            "Collez le nouveau jeton d'accès.".into(),
        ));
    }
    if let Err(message) = check_shopify(&state, &store.domain, &token, store.api_url.clone()).await
    {
        return Err(AppError::BadRequest(message));
    }
    let sealed = sync::seal_credentials(&state.secrets, &Credentials::ShopifyToken { token })
        .map_err(AppError::Internal)?;
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            repo::set_credentials(tx, id, &sealed)?;
            repo::sync_soon(tx, id, now)
        })
    })
    .await?;
    spawn_sync(&state, id);
    Ok(redirect(format!("{}?ok=connected", paths::INTEGRATIONS)))
}

async fn connect_woocommerce(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<WooForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (key, secret) = (form.key.trim().to_string(), form.secret.trim().to_string());
    let outcome = match crate::stores::site_address(&form.url) {
        None => Err(SiteError::Address(text::BAD_SITE.into())),
        Some(_) if key.is_empty() || secret.is_empty() => Err(SiteError::Keys(
            "Collez la clé client (ck_…) et le secret client (cs_…).".into(),
        )),
        Some((url, host)) => {
            let mut connector =
                WooConnector::new(state.http.clone(), &url, key.clone(), secret.clone());
            // The secret the owner pastes into WooCommerce's webhook settings.
            let hook = crate::token::random_token();
            connect_site(
                &state,
                Platform::WooCommerce,
                &url,
                &host,
                Credentials::WooKeys { key, secret },
                Some(hook),
                move || connector.check(),
            )
            .await?
        }
    };
    let mut forms = Forms {
        woo: WooForm {
            url: form.url,
            key: form.key,
            secret: String::new(),
        },
        ..Default::default()
    };
    match outcome {
        Ok(()) => return Ok(redirect(format!("{}?ok=connected", paths::INTEGRATIONS))),
        Err(SiteError::Address(m)) => forms.woo_url_error = Some(m),
        Err(SiteError::Keys(m)) => forms.woo_keys_error = Some(m),
    }
    let page = integrations_page(&state, &staff, &forms, None).await?;
    Ok(render(StatusCode::BAD_REQUEST, page))
}

/// Why a site could not be connected, said next to the field at fault.
enum SiteError {
    Address(String),
    Keys(String),
}

/// Checks a site's keys with one cheap call (off the executor), then registers the store
/// and starts its first sync. A refusal points at the keys; anything else at the address.
async fn connect_site(
    state: &AppState,
    platform: Platform,
    url: &str,
    host: &str,
    credentials: Credentials,
    webhook_secret: Option<String>,
    check: impl FnOnce() -> Result<(), SyncError> + Send + 'static,
) -> Result<Result<(), SiteError>, AppError> {
    match web::block(check)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
    {
        Err(SyncError::Abort { message }) => return Ok(Err(SiteError::Keys(message))),
        Err(e) => return Ok(Err(SiteError::Address(e.to_string()))),
        Ok(()) => {}
    }
    let (secrets, now) = (state.secrets.clone(), state.clock.now());
    let (url, host) = (url.to_string(), host.to_string());
    let id = db::call(&state.db, move |conn| {
        let connection = sync::Connection {
            platform,
            name: &host,
            domain: &url,
            api_url: None,
            credentials,
            webhook_secret: webhook_secret.as_deref(),
            sync_minutes: 15,
        };
        sync::register_store(conn, &secrets, &connection, now)
    })
    .await?;
    spawn_sync(state, id);
    Ok(Ok(()))
}

fn csv_response(bytes: Vec<u8>, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(bytes)
}

async fn orders_template(_staff: Staff) -> HttpResponse {
    csv_response(
        csv::ORDERS_TEMPLATE.as_bytes().to_vec(),
        "comptoir-modele-commandes.csv",
    )
}

async fn csv_template(_staff: Staff) -> HttpResponse {
    csv_response(
        csv::TEMPLATE.as_bytes().to_vec(),
        "comptoir-modele-catalogue.csv",
    )
}

async fn export_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = StoreId(path.into_inner());
    let (locations, lines) = db::call(&state.db, move |conn| {
        repo::store(conn, id)?.ok_or(AppError::NotFound)?;
        repo::export_lines(conn, id)
    })
    .await?;
    let bytes = csv::export(&locations, &lines).map_err(AppError::Internal)?;
    Ok(csv_response(bytes, &format!("catalogue-{id}.csv")))
}

/// Imports a checked catalogue into a manual store; the store is created first when
/// `create` names it. Returns the line errors when the file is refused.
/// What a CSV upload holds.
#[derive(Clone, Copy, PartialEq)]
enum Import {
    /// The whole catalogue: replaces what was there.
    Catalogue,
    /// Orders: added or updated.
    Orders,
    /// Catalogue lines added or updated, nothing removed (the product form).
    Additions,
}

async fn import_file(
    state: &AppState,
    store: Option<StoreId>,
    create: Option<String>,
    file: &[u8],
    kind: Import,
) -> Result<Result<StoreId, Vec<LineError>>, AppError> {
    let tz = shop_timezone(state).await?;
    let parsed = match (file.is_empty(), create.is_some(), kind) {
        (true, true, _) => Ok(Vec::new()),
        (_, _, Import::Catalogue | Import::Additions) => csv::parse_catalogue(file),
        (_, _, Import::Orders) => csv::parse_orders(file, &tz),
    };
    let records = match parsed {
        Ok(records) => records,
        Err(errors) => return Ok(Err(errors)),
    };
    let replace = kind == Import::Catalogue;
    let config = state.config.clone();
    let now = state.clock.now();
    let id = db::call(&state.db, move |conn| {
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
        if !records.is_empty() {
            sync::import_records(conn, &config, id, &records, replace, now)?;
        }
        Ok(id)
    })
    .await?;
    Ok(Ok(id))
}

async fn create_manual(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
    multipart: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let fields = upload::read_form(&req, multipart).await?;
    staff.require(Perm::ManageShop)?;
    let name = fields
        .get("name")
        .map(|n| String::from_utf8_lossy(n).trim().to_string())
        .unwrap_or_default();
    let file = fields.get("file").cloned().unwrap_or_default();
    let mut forms = Forms {
        manual_name: name.clone(),
        ..Default::default()
    };
    if name.is_empty() {
        forms.manual_error = Some("Donnez un nom à la boutique.".into());
    } else {
        match import_file(&state, None, Some(name), &file, Import::Catalogue).await? {
            Ok(_) => return Ok(redirect(format!("{}?ok=imported", paths::INTEGRATIONS))),
            Err(errors) => forms.import_errors = errors,
        }
    }
    let page = integrations_page(&state, &staff, &forms, None).await?;
    Ok(render(StatusCode::BAD_REQUEST, page))
}

async fn import_csv(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
    path: web::Path<i64>,
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
    match import_file(&state, Some(StoreId(path.into_inner())), None, &file, kind).await? {
        Ok(_) => Ok(redirect(format!("{}?ok=imported", paths::INTEGRATIONS))),
        Err(errors) => {
            let forms = Forms {
                import_errors: errors,
                ..Default::default()
            };
            let page = integrations_page(&state, &staff, &forms, None).await?;
            Ok(render(StatusCode::BAD_REQUEST, page))
        }
    }
}

/// Creates a connected Shopify store: credentials sealed, webhooks subscribed when the
/// appliance is reachable and the app secret is known, first sync started. Returns the
/// notice to show.
async fn create_shopify_store(
    state: &AppState,
    shop: &str,
    credentials: Credentials,
    token: String,
    app_secret: Option<String>,
) -> Result<&'static str, AppError> {
    let mut flash = "connected";
    let mut sync_minutes = 15;
    if let (Some(public), Some(_)) = (&state.config.public_url, &app_secret) {
        let mut connector = ShopifyConnector::new(
            state.http.clone(),
            &shopify_base(state, shop),
            &state.config.shopify.api_version,
            token,
        );
        let uri = format!("{public}{}", crate::stores::webhooks::SHOPIFY_PATH);
        let subscribed = web::block(move || connector.subscribe(&uri))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        match subscribed {
            // Webhooks bring changes; an hourly poll is the safety net.
            Ok(_) => sync_minutes = 60,
            Err(e) => {
                tracing::warn!(error = %e, "Shopify webhook subscription failed");
                flash = "connected_no_webhooks";
            }
        }
    }
    let (secrets, now, api_url, shop) = (
        state.secrets.clone(),
        state.clock.now(),
        state.config.shopify.api_url.clone(),
        shop.to_string(),
    );
    let id = db::call(&state.db, move |conn| {
        let connection = sync::Connection {
            platform: Platform::Shopify,
            name: &shop,
            domain: &shop,
            api_url: api_url.as_deref(),
            credentials,
            webhook_secret: app_secret.as_deref(),
            sync_minutes,
        };
        sync::register_store(conn, &secrets, &connection, now)
    })
    .await?;
    spawn_sync(state, id);
    Ok(flash)
}

/// The shop's domain as typed (with or without https://, or just its name), checked.
fn shop_domain(input: &str) -> Option<String> {
    let trimmed = input
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let full = if trimmed.contains('.') {
        trimmed
    } else {
        format!("{trimmed}.myshopify.com")
    };
    valid_shop_domain(&full).then_some(full)
}

fn shopify_base(state: &AppState, shop: &str) -> String {
    state
        .config
        .shopify
        .api_url
        .clone()
        .unwrap_or_else(|| format!("https://{shop}"))
}

/// The app credentials from the configuration, when OAuth is set up.
fn oauth_app(state: &AppState) -> Option<(String, String)> {
    let id = state.config.shopify.client_id.clone()?;
    let secret = state
        .config
        .shopify
        .client_secret
        .as_ref()?
        .expose()
        .to_string();
    Some((id, secret))
}

fn bad_shop_page(form_shop: String) -> Forms {
    Forms {
        shopify: ShopifyForm {
            shop: form_shop,
            ..Default::default()
        },
        shopify_errors: ConnectErrors {
            shop: Some(
                "Ce n'est pas un domaine Shopify : il ressemble à votre-boutique.myshopify.com."
                    .into(),
            ),
            token: None,
        },
        ..Default::default()
    }
}

#[derive(Deserialize)]
struct AuthorizeForm {
    #[serde(default)]
    shop: String,
}

async fn shopify_authorize(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
    CsrfForm(form): CsrfForm<AuthorizeForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let Some((client_id, _)) = oauth_app(&state) else {
        return Err(AppError::BadRequest(
            "L'autorisation Shopify n'est pas configurée : ajoutez client_id et client_secret dans la section [shopify] de la configuration.".into(),
        ));
    };
    let Some(shop) = shop_domain(&form.shop) else {
        let page = integrations_page(&state, &staff, &bad_shop_page(form.shop), None).await?;
        return Ok(render(StatusCode::BAD_REQUEST, page));
    };
    let nonce = crate::token::random_token();
    let (hash, user, now, saved_shop) = (
        crate::token::hash_token(&nonce),
        staff.user.id,
        state.clock.now(),
        shop.clone(),
    );
    db::call(&state.db, move |conn| {
        repo::save_oauth_state(conn, &hash, &saved_shop, user, now)
    })
    .await?;
    // The browser comes back here; without public_url, to the address it uses now.
    let base = match &state.config.public_url {
        Some(url) => url.clone(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    };
    let redirect_uri = format!("{base}{}", paths::SHOPIFY_CALLBACK);
    let url = crate::stores::shopify::oauth::authorize_url(
        &shopify_base(&state, &shop),
        &client_id,
        &redirect_uri,
        &nonce,
    );
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .finish())
}

async fn shopify_callback(
    state: web::Data<AppState>,
    staff: Staff,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, AppError> {
    use crate::stores::shopify::oauth;
    staff.require(Perm::ManageShop)?;
    let refused = |why: &str| {
        AppError::BadRequest(format!(
            "La connexion Shopify n'a pas abouti : {why}. Recommencez depuis la page Intégrations."
        ))
    };
    let (client_id, secret) =
        oauth_app(&state).ok_or_else(|| refused("l'autorisation n'est pas configurée"))?;
    let params: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| refused("adresse de retour invalide"))?;
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if !oauth::verify_query(secret.as_bytes(), &params) {
        tracing::warn!("Shopify OAuth callback with a bad hmac refused");
        return Err(refused("la signature de Shopify ne correspond pas"));
    }
    let now = state.clock.now().as_second();
    let fresh = get("timestamp")
        .parse::<i64>()
        .is_ok_and(|t| (now - t).abs() <= 24 * 3600);
    if !fresh {
        return Err(refused("la réponse de Shopify est trop ancienne"));
    }
    let shop = shop_domain(&get("shop")).ok_or_else(|| refused("domaine de boutique invalide"))?;
    let (hash, user, at) = (
        crate::token::hash_token(&get("state")),
        staff.user.id,
        state.clock.now(),
    );
    let issued = db::call(&state.db, move |conn| {
        repo::take_oauth_state(conn, &hash, user, at)
    })
    .await?;
    if issued.as_deref() != Some(shop.as_str()) {
        return Err(refused("cette demande a expiré ou a déjà servi"));
    }
    let (agent, base, code) = (state.http.clone(), shopify_base(&state, &shop), get("code"));
    let (id_for_call, secret_for_call) = (client_id.clone(), secret.clone());
    let grant = web::block(move || {
        oauth::exchange_code(&agent, &base, &id_for_call, &secret_for_call, &code)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| refused(&e.to_string()))?;
    let missing = oauth::missing_scopes(&grant.scope);
    if !missing.is_empty() {
        return Err(refused(&format!(
            "autorisations manquantes : {}",
            missing.join(", ")
        )));
    }
    // The app's client secret also signs its webhooks.
    let credentials = Credentials::ShopifyToken {
        token: grant.token.clone(),
    };
    let flash = create_shopify_store(&state, &shop, credentials, grant.token, Some(secret)).await?;
    Ok(redirect(format!("{}?ok={flash}", paths::INTEGRATIONS)))
}

#[derive(Deserialize)]
struct ClientForm {
    #[serde(default)]
    shop: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

async fn shopify_client(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<ClientForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let Some(shop) = shop_domain(&form.shop) else {
        let page = integrations_page(&state, &staff, &bad_shop_page(form.shop), None).await?;
        return Ok(render(StatusCode::BAD_REQUEST, page));
    };
    let (client_id, client_secret) = (
        form.client_id.trim().to_string(),
        form.client_secret.trim().to_string(),
    );
    let mut errors = ConnectErrors::default();
    if client_id.is_empty() || client_secret.is_empty() {
        errors.token =
            Some("Collez l'identifiant client et le secret client de l'application.".into());
    } else {
        let (agent, base, id, secret) = (
            state.http.clone(),
            shopify_base(&state, &shop),
            client_id.clone(),
            client_secret.clone(),
        );
        let granted = web::block(move || {
            crate::stores::shopify::oauth::client_credentials(&agent, &base, &id, &secret)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        match granted {
            Err(e) => errors.token = Some(e.to_string()),
            Ok(grant) => {
                let credentials = Credentials::ShopifyClient {
                    client_id,
                    client_secret: client_secret.clone(),
                };
                let flash = create_shopify_store(
                    &state,
                    &shop,
                    credentials,
                    grant.token,
                    Some(client_secret),
                )
                .await?;
                return Ok(redirect(format!("{}?ok={flash}", paths::INTEGRATIONS)));
            }
        }
    }
    let forms = Forms {
        shopify: ShopifyForm {
            shop: form.shop,
            ..Default::default()
        },
        shopify_errors: errors,
        ..Default::default()
    };
    let page = integrations_page(&state, &staff, &forms, None).await?;
    Ok(render(StatusCode::BAD_REQUEST, page))
}

async fn connect_prestashop(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<PrestaForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let key = form.key.trim().to_string();
    let outcome = match crate::stores::site_address(&form.url) {
        None => Err(SiteError::Address(text::BAD_SITE.into())),
        Some(_) if key.is_empty() => Err(SiteError::Keys("Collez la clé du webservice.".into())),
        Some((url, host)) => {
            let mut connector = PrestaConnector::new(state.http.clone(), &url, key.clone());
            connect_site(
                &state,
                Platform::PrestaShop,
                &url,
                &host,
                Credentials::PrestaKey { key },
                None,
                move || connector.check(),
            )
            .await?
        }
    };
    let mut forms = Forms {
        presta: PrestaForm {
            url: form.url,
            key: String::new(),
        },
        ..Default::default()
    };
    match outcome {
        Ok(()) => return Ok(redirect(format!("{}?ok=connected", paths::INTEGRATIONS))),
        Err(SiteError::Address(m)) => forms.presta_url_error = Some(m),
        Err(SiteError::Keys(m)) => forms.presta_key_error = Some(m),
    }
    let page = integrations_page(&state, &staff, &forms, None).await?;
    Ok(render(StatusCode::BAD_REQUEST, page))
}

/// One product line typed in the manual store's form, checked by the import's rules.
async fn save_product(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = StoreId(path.into_inner());
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
        Ok(_) => Ok(redirect(format!(
            "{}?ok=imported#store-{id}",
            paths::INTEGRATIONS
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
