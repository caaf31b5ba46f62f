//! Produits and Commandes: the local catalogue with stock per location, recent orders.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::{shop_timezone, text};
use crate::db;
use crate::error::AppError;
use crate::stores::model::format_eur;
use crate::stores::repo;
use crate::web::auth::Staff;
use crate::web::components::{Tone, badge, count, empty_state, page_link, page_of, pager, table};
use crate::web::layout::{self, Nav};
use crate::web::respond;
use crate::web::{AppState, paths};

pub(super) const PAGE_SIZE: i64 = 25;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) page: i64,
    /// Orders: one store's or marketplace's (its id); all when absent.
    #[serde(default)]
    pub(super) source: Option<i64>,
}

pub(super) fn search_form(action: &str, q: &str, placeholder: &str) -> Markup {
    html! {
        form.search role="search" method="get" action=(action) {
            label.visually-hidden for="q" { (text::SEARCH) }
            input #q type="search" name="q" value=(q) placeholder=(placeholder);
            button.btn type="submit" { (text::SEARCH) }
        }
    }
}

/// "29,00 €" or "29,00 – 49,00 €" across a product's variants.
fn price_range(variants: &[&repo::VariantStock]) -> String {
    let prices = variants.iter().filter_map(|v| v.price_cents);
    match (prices.clone().min(), prices.max()) {
        (Some(low), Some(high)) if low < high => {
            format!("{} – {}", format_eur(low), format_eur(high))
        }
        (Some(low), _) => format_eur(low),
        _ => String::new(),
    }
}

/// Whether a store's platform (as stored) is a marketplace.
fn marketplace(code: &str) -> bool {
    crate::stores::model::Platform::from_code(code).is_some_and(|p| p.is_marketplace())
}

/// The other stores selling some of a product's SKUs, each named once.
fn other_stores<'a>(variants: &[&'a repo::VariantStock]) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for name in variants.iter().flat_map(|v| &v.also) {
        if !names.contains(&name.as_str()) {
            names.push(name);
        }
    }
    names
}

pub(super) async fn products(
    state: web::Data<AppState>,
    copies: web::Data<repo::Copies>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { q, page, .. } = query.into_inner();
    let search = q.clone();
    let (any_store, (rows, (products, variant_count)), page, pages, variants) =
        db::call(&state.db, move |conn| -> Result<_, AppError> {
            let any = !repo::stores(conn)?.is_empty();
            // Another store's copy of a product is shown once, under the first.
            let copies = copies.get(conn)?;
            let totals = repo::count_products(conn, &search, &copies)?;
            let (page, pages) = page_of(page, totals.0, PAGE_SIZE);
            let rows =
                repo::search_products(conn, &search, &copies, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let variants = repo::variants_with_stock(conn, &ids)?;
            Ok((any, (rows, totals), page, pages, variants))
        })
        .await?;
    let body = if !any_store {
        empty_state(
            text::NO_STORE,
            text::PRODUCTS_EMPTY,
            Some((text::CONNECT, paths::INTEGRATIONS)),
        )
    } else {
        let summary = format!(
            "{} · {}",
            count(products, "produit", "produits"),
            count(variant_count, "variante", "variantes")
        );
        // A narrow search opens its few products; a whole page stays one line each.
        let open = rows.len() <= 3;
        html! {
            (search_form(paths::PRODUCTS, &q, text::SEARCH_PRODUCTS))
            @if rows.is_empty() { p.muted { (text::NO_MATCH) } }
            (pager(&summary, page, pages, page_link(paths::PRODUCTS, &q)))
            @for p in &rows {
                @let own: Vec<&repo::VariantStock> = variants.iter().filter(|v| v.product_id == p.id).collect();
                @let in_shop: i64 = own.iter().flat_map(|v| &v.stock).filter(|s| s.1).map(|s| s.2.max(0)).sum();
                @let elsewhere: i64 = own.iter().flat_map(|v| &v.stock).filter(|s| !s.1).map(|s| s.2.max(0)).sum();
                details.card.product open[open] {
                    summary {
                        span.product-title { (p.title) }
                        @if p.status != "active" { " " (badge(&p.status, Tone::Warning)) }
                        span.product-facts.muted {
                            @if !p.product_type.is_empty() { (p.product_type) " · " }
                            (count(own.len() as i64, "variante", "variantes"))
                            @let price = price_range(&own);
                            @if !price.is_empty() { " · " (price) }
                            " · " (count(in_shop, "en boutique", "en boutique"))
                            @if elsewhere > 0 { " · " (count(elsewhere, "ailleurs", "ailleurs")) }
                        }
                    }
                    @let also = other_stores(&own);
                    p.muted {
                        code { (p.handle) } " · " (p.store_name)
                        @if !also.is_empty() { " · stock commun avec " (also.join(", ")) }
                    }
                    (table(&["Variante", "SKU", "Prix", "Stock"], own.iter().map(|v| html! {
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
            @if pages > 1 { (pager(&summary, page, pages, page_link(paths::PRODUCTS, &q))) }
        }
    };
    Ok(respond::html(
        StatusCode::OK,
        layout::page(&staff, Nav::Products, text::PRODUCTS, body),
    ))
}

pub(super) fn financial_fr(status: &str) -> (&'static str, Tone) {
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

/// Where the parcel stands. A cancelled order, or a refunded one never sent, has nothing
/// left to prepare, whatever its fulfilment status still says.
pub(super) fn fulfillment_fr(
    status: &str,
    cancelled: bool,
    financial: &str,
) -> (&'static str, Tone) {
    let unsent = matches!(status, "unfulfilled" | "");
    if cancelled {
        return ("Annulée", Tone::Danger);
    }
    if unsent && matches!(financial, "refunded" | "voided") {
        return ("Rien à expédier", Tone::Neutral);
    }
    match status {
        "fulfilled" => ("Expédiée", Tone::Success),
        "partial" | "partially_fulfilled" => ("Partiellement expédiée", Tone::Info),
        "unfulfilled" | "" => ("À préparer", Tone::Warning),
        "in_progress" => ("En préparation", Tone::Info),
        "on_hold" => ("En attente", Tone::Warning),
        _ => ("—", Tone::Neutral),
    }
}

pub(super) async fn orders(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let ListQuery { q, page, source } = query.into_inner();
    let source = source.unwrap_or(0);
    let tz = shop_timezone(&state).await?;
    let search = q.clone();
    let (stores, (mut rows, total), page, pages, carriers) =
        db::call(&state.db, move |conn| -> Result<_, AppError> {
            let total = repo::count_orders(conn, &search, source)?;
            let (page, pages) = page_of(page, total, PAGE_SIZE);
            Ok((
                repo::stores(conn)?,
                (
                    repo::recent_orders(conn, &search, source, PAGE_SIZE, (page - 1) * PAGE_SIZE)?,
                    total,
                ),
                page,
                pages,
                crate::assistant::settings::extras(conn)?.carriers,
            ))
        })
        .await?;
    for o in &mut rows {
        o.tracking_url = crate::engine::tracking::link(
            &carriers,
            &o.carrier,
            &o.tracking_number,
            &o.tracking_url,
        );
    }
    let when = |ts: &str| {
        ts.parse::<jiff::Timestamp>()
            .map(|t| {
                t.to_zoned(tz.clone())
                    .strftime("%d/%m/%Y %H:%M")
                    .to_string()
            })
            .unwrap_or_default()
    };
    // The list's links keep the search and the source.
    let link = {
        let q = q.clone();
        move |p: i64| {
            let mut pairs = vec![("q", q.clone()), ("page", p.to_string())];
            if source != 0 {
                pairs.push(("source", source.to_string()));
            }
            format!(
                "{}?{}",
                paths::ORDERS,
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        }
    };
    let body = if stores.is_empty() {
        empty_state(
            text::NO_STORE,
            text::ORDERS_EMPTY,
            Some((text::CONNECT, paths::INTEGRATIONS)),
        )
    } else {
        html! {
            form.search role="search" method="get" action=(paths::ORDERS) {
                label.visually-hidden for="q" { (text::SEARCH) }
                input #q type="search" name="q" value=(q) placeholder=(text::SEARCH_ORDERS);
                @if stores.len() > 1 {
                    label.visually-hidden for="source" { "Provenance" }
                    select #source name="source" {
                        option value="" { "Toutes les provenances" }
                        @for s in &stores {
                            option value=(s.id.0) selected[s.id.0 == source] { (s.name) " (" (s.platform.label()) ")" }
                        }
                    }
                }
                button.btn type="submit" { (text::SEARCH) }
            }
            @let summary = count(total, "commande", "commandes");
            (pager(&summary, page, pages, &link))
            @if rows.is_empty() { p.muted { (text::NO_MATCH) } }
            @else {
                (table(&text::ORDER_COLS, rows.iter().map(|o| {
                    let (paid, paid_tone) = financial_fr(&o.financial_status);
                    let (shipped, shipped_tone) = fulfillment_fr(&o.fulfillment_status, o.cancelled, &o.financial_status);
                    html! {
                        tr {
                            td {
                                strong { (o.name) }
                                @if stores.len() > 1 || !o.marketplace.is_empty() {
                                    br;
                                    (badge(if o.marketplace.is_empty() { &o.source } else { &o.marketplace }, Tone::Neutral))
                                    @if !o.fulfillment_channel.is_empty() {
                                        " " span.badge.neutral title=(match o.fulfillment_channel.as_str() { "FBA" => "Expédiée par Amazon", "Octopia" => "Expédiée par Cdiscount (Octopia)", _ => "Expédiée par la boutique" }) { (o.fulfillment_channel) }
                                    }
                                }
                            }
                            td { (when(&o.created_at)) }
                            td { (o.customer) }
                            td {
                                (o.items)
                                @if !o.lines.is_empty() {
                                    ul.order-lines {
                                        @for l in &o.lines {
                                            li {
                                                (l.quantity) " × " (l.catalogue.as_deref().unwrap_or(&l.title))
                                                @if l.catalogue.is_none() && marketplace(&o.platform) && !l.sku.is_empty() {
                                                    " " span.badge.warning title="Cette référence ne correspond à aucun article du catalogue : ajoutez-la dans Paramètres › Correspondances" { "sans correspondance" }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
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
            @if pages > 1 { (pager(&summary, page, pages, &link)) }
        }
    };
    Ok(respond::html(
        StatusCode::OK,
        layout::page(&staff, Nav::Orders, text::ORDERS, body),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_and_refunded_orders_have_nothing_to_prepare() {
        assert_eq!(fulfillment_fr("unfulfilled", true, "paid").0, "Annulée");
        assert_eq!(fulfillment_fr("", false, "refunded").0, "Rien à expédier");
        assert_eq!(
            fulfillment_fr("unfulfilled", false, "voided").0,
            "Rien à expédier"
        );
        assert_eq!(fulfillment_fr("unfulfilled", false, "paid").0, "À préparer");
        assert_eq!(fulfillment_fr("fulfilled", false, "refunded").0, "Expédiée");
    }
}
