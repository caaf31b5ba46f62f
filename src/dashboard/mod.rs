//! Tableau de bord: what the bot handled today and lately, holds, what shoppers asked
//! for that was out of stock, and the state of the integrations. Every figure comes from
//! the stored conversations; the setup wizard's tests are left out.

pub mod chart;
pub mod stats;

use crate::web::respond;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};

use crate::accounts::repo;
use crate::assistant::settings::Extras;
use crate::clock::from_unix;
use crate::db;
use crate::error::AppError;
use crate::stores::repo::Store;
use crate::web::auth::Staff;
use crate::web::components::{card, plural};
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Tableau de bord";
    pub const HELLO: &str = "Bonjour";
    pub const TODAY: &str = "Aujourd'hui";
    pub const AUTOMATION: &str = "Automatisation";
    pub const HOLDS: &str = "Réservations actives";
    pub const DEMAND: &str = "Demandes en rupture de stock (30 jours)";
    pub const INTEGRATIONS: &str = "Intégrations";
    pub const CHART: &str = "Conversations des 14 derniers jours";
    pub const NO_DATA: &str = "Pas encore de conversation sur cette période.";
    pub const RESUME: &str = "La configuration n'est pas terminée.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::DASHBOARD, web::get().to(dashboard));
}

struct Board {
    today: stats::Today,
    week: stats::Window,
    month: stats::Window,
    days: Vec<stats::Day>,
    holds: (i64, Vec<stats::Hold>),
    demand: Vec<(String, i64)>,
    /// Variants shoppers wait for (alerts), most awaited first.
    awaited: Vec<crate::alerts::repo::VariantCounts>,
    stores: Vec<(Store, i64)>,
    extras: Extras,
    wizard: Option<crate::onboarding::Progress>,
    profile: Option<crate::accounts::profile::ShopProfile>,
    tz: jiff::tz::TimeZone,
}

/// "< 1 s", "40 s", "12 min", "3 h 05"
fn duration(secs: i64) -> String {
    match secs {
        s if s < 1 => "< 1 s".into(),
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {:02}", s / 3600, (s % 3600) / 60),
    }
}

async fn dashboard(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let admin = staff.user.role.can(Perm::ManageShop);
    let b = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let tz = repo::shop_timezone(conn);
        let stores = crate::stores::repo::stores(conn)?
            .into_iter()
            .map(|s| {
                let customers = crate::stores::repo::counts(conn, s.id)?.customers;
                Ok((s, customers))
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let wizard = crate::onboarding::repo::load(conn)?;
        Ok(Board {
            today: stats::today(conn, now, &tz)?,
            week: stats::window(conn, now, &tz, 7)?,
            month: stats::window(conn, now, &tz, 30)?,
            days: stats::daily(conn, now, &tz, 14)?,
            holds: stats::holds(conn, now)?,
            demand: stats::out_of_stock_demand(conn, now)?,
            awaited: crate::alerts::repo::most_awaited(conn, 5)?,
            stores,
            extras: crate::assistant::settings::extras(conn)?,
            wizard: (admin && !wizard.finished).then_some(wizard),
            profile: repo::profile(conn)?,
            tz,
        })
    })
    .await?;
    let body = html! {
        p.lead { (text::HELLO) " " (staff.user.display()) " !" }
        @if let Some(w) = &b.wizard {
            div.alert.info role="status" {
                (text::RESUME) " "
                a href=(paths::ONBOARDING) { "Reprendre la configuration (étape " (w.reached.number()) "/10) →" }
            }
        }
        div.grid.stats {
            (card(text::TODAY, today(&b.today)))
            (card(text::AUTOMATION, automation(&b.week, &b.month)))
            (card(text::HOLDS, holds(&b)))
        }
        (card(text::CHART, html! {
            @if b.days.iter().all(|d| d.bot + d.handed_over == 0) { p.muted { (text::NO_DATA) } }
            @else { (chart::conversations(&b.days)) }
        }))
        div.grid {
            (card(text::DEMAND, demand(&b.demand, &b.awaited)))
            (card(text::INTEGRATIONS, integrations(&b)))
            @if let Some(p) = &b.profile {
                (card("Votre commerce", html! {
                    p { strong { (p.business_name) } br; span.muted { (p.business_type.label_fr()) } }
                    @if !p.address.is_empty() { p { (p.address) } }
                    @if !p.phone.is_empty() { p { (p.phone) } }
                    p { a href=(paths::SETTINGS_PROFILE) { "Modifier le profil" } }
                }))
            }
        }
    };
    Ok(respond::html(
        actix_web::http::StatusCode::OK,
        layout::page(&staff, Nav::Dashboard, text::TITLE, body),
    ))
}

fn today(t: &stats::Today) -> Markup {
    html! {
        p.stat data-stat="today" { (t.total) }
        p.muted { (plural(t.total, "conversation commencée", "conversations commencées")) " aujourd'hui" }
        ul.stat-list {
            li data-stat="today-bot" { "🤖 " strong { (t.bot) } " " (plural(t.bot, "traitée", "traitées")) " par l'assistant" }
            li data-stat="today-team" { "🙋 " strong { (t.handed_over) } " " (plural(t.handed_over, "transmise", "transmises")) " à l'équipe" }
            li data-stat="today-waiting" {
                "⏳ " strong { (t.waiting) } " en attente d'une réponse "
                @if t.waiting > 0 { a href={ (paths::INBOX) "?tab=nouvelles" } { "Répondre →" } }
            }
        }
    }
}

fn automation(week: &stats::Window, month: &stats::Window) -> Markup {
    html! {
        table.figures {
            thead { tr { th {} th scope="col" { "7 jours" } th scope="col" { "30 jours" } } }
            tbody {
                tr {
                    th scope="row" { "Taux d'automatisation" }
                    @for w in [week, month] {
                        td data-stat={ "rate-" (w.days) } {
                            @match w.rate() { Some(r) => { (r) " %" } None => { "—" } }
                        }
                    }
                }
                tr {
                    th scope="row" { "Conversations" }
                    @for w in [week, month] { td { (w.automated) " / " (w.conversations) " sans l'équipe" } }
                }
                tr {
                    th scope="row" { "Première réponse (médiane)" }
                    @for w in [week, month] {
                        td data-stat={ "first-response-" (w.days) } {
                            @match w.median_first_response { Some(s) => { (duration(s)) } None => { "—" } }
                        }
                    }
                }
            }
        }
    }
}

fn holds(b: &Board) -> Markup {
    let (count, next) = &b.holds;
    html! {
        p.stat data-stat="holds" { (count) }
        p.muted { (plural(*count, "article mis de côté", "articles mis de côté")) }
        @if !next.is_empty() {
            ul.stat-list {
                @for (product, variant, ends) in next {
                    li {
                        (product)
                        @if variant != "Default Title" && !variant.is_empty() { " · " (variant) }
                        span.muted { " — jusqu'au " (from_unix(*ends).to_zoned(b.tz.clone()).strftime("%d/%m à %H:%M")) }
                    }
                }
            }
        }
        p { a href=(paths::RESERVATIONS) { "Voir les réservations →" } }
    }
}

/// What shoppers asked for while it was out of stock, and who waits for what: the
/// shop's reorder list.
fn demand(rows: &[(String, i64)], awaited: &[crate::alerts::repo::VariantCounts]) -> Markup {
    html! {
        @if rows.is_empty() && awaited.is_empty() {
            p.muted { "Aucun produit demandé en rupture de stock." }
        }
        @if !awaited.is_empty() {
            h3 { "Clients qui attendent un retour" }
            ol.stat-list {
                @for v in awaited {
                    li {
                        strong { (v.product_title) }
                        @if v.variant_title != "Default Title" { " — " (v.variant_title) }
                        " : " (crate::web::components::count(v.waiting + v.unconfirmed, "client", "clients"))
                    }
                }
            }
            p { a href=(paths::ALERTS) { "Voir toutes les alertes →" } }
        }
        @if !rows.is_empty() {
            @if !awaited.is_empty() { h3 { "Demandés en rupture" } }
            ol.stat-list {
                @for (title, asks) in rows { li { strong { (title) } " — demandé " (asks) " fois" } }
            }
        }
    }
}

fn integrations(b: &Board) -> Markup {
    let carriers: Vec<&str> = b.extras.carriers.iter().map(|c| c.label()).collect();
    html! {
        ul.integrations {
            @if b.stores.is_empty() {
                li { "🔌 Boutique en ligne " (alert_word("Non connectée")) " " a href=(paths::INTEGRATIONS) { "Connecter" } }
            }
            @for (s, _) in &b.stores {
                li {
                    @if s.status == "connected" && s.last_sync_at.is_some() {
                        "🟢 " (s.platform.label()) " ✅ Synchronisé"
                    } @else if s.status == "connected" {
                        "🟡 " (s.platform.label()) " ⏳ Première synchronisation"
                    } @else {
                        "🔴 " (s.platform.label()) " " (alert_word("Erreur de synchronisation"))
                    }
                    " " a href=(paths::INTEGRATIONS) { "Réglages" }
                }
            }
            li {
                @if carriers.is_empty() {
                    "📦 Colissimo " (alert_word("Non configuré"))
                } @else {
                    "📦 " (carriers.join(", ")) " ✅"
                }
                " " a href=(paths::SETTINGS_ASSISTANT) { "Réglages" }
            }
            li {
                @match b.stores.first() {
                    Some((s, customers)) if b.extras.customers_from_store => {
                        "👥 Clients ✅ " (s.platform.label()) " (" (customers) ")"
                    }
                    _ => { "👥 Clients " (alert_word("Non reliés")) }
                }
                " " a href=(paths::SETTINGS_ASSISTANT) { "Réglages" }
            }
        }
    }
}

fn alert_word(word: &str) -> Markup {
    html! { span.warn { "⚠️ " (word) } }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "< 1 s");
        assert_eq!(duration(42), "42 s");
        assert_eq!(duration(600), "10 min");
        assert_eq!(duration(3 * 3600 + 5 * 60), "3 h 05");
    }
}
