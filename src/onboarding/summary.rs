//! The first sync as it runs, then what it brought; and the wizard's closing summary.

use crate::web::respond;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};

use super::Step;
use super::test_chat::millis;
use crate::db;
use crate::error::AppError;
use crate::stores::repo::{self, Counts, Progress as SyncProgress, Store};
use crate::web::auth::Staff;
use crate::web::components::csrf_input;
use crate::web::{AppState, paths};

/// The newest store, its latest sync run, and what its local copy holds.
type Latest = Option<(Store, Option<SyncProgress>, Counts)>;

async fn latest(state: &AppState) -> Result<Latest, AppError> {
    db::call(&state.db, |conn| {
        let Some(store) = repo::stores(conn)?.pop() else {
            return Ok(None);
        };
        let progress = repo::progress(conn, store.id)?;
        let counts = repo::counts(conn, store.id)?;
        Ok(Some((store, progress, counts)))
    })
    .await
}

pub(super) async fn sync_body(state: &AppState) -> Result<Markup, AppError> {
    let latest = latest(state).await?;
    Ok(html! {
        @match &latest {
            None => {
                p { "Aucune boutique n'est connectée : l'assistant répondra sur vos horaires, votre adresse et vos politiques." }
                p { a href=(Step::Store.path()) { "Connecter une boutique" } }
            }
            Some(l) => (status(l)),
        }
    })
}

/// The live fragment, polled every second while the sync runs.
pub(super) async fn sync_status(
    state: web::Data<AppState>,
    _staff: Staff,
) -> Result<HttpResponse, AppError> {
    let latest = latest(&state).await?;
    let body = match &latest {
        Some(l) => status(l),
        None => html! {},
    };
    Ok(respond::html(actix_web::http::StatusCode::OK, body))
}

fn status((store, progress, counts): &(Store, Option<SyncProgress>, Counts)) -> Markup {
    let label = store.platform.label();
    html! {
        @match progress {
            // Connected a moment ago: its first run has not begun yet (a manual store
            // has runs only when it imports a file).
            None if store.platform != crate::stores::model::Platform::Manual => {
                div #sync-status.sync-status role="status" aria-live="polite"
                    hx-get=(paths::ONBOARDING_SYNC_STATUS) hx-trigger="every 1s" hx-swap="outerHTML" {
                    p { "⏳ La synchronisation de " (label) " démarre…" }
                    p.muted { "Vous pouvez continuer : la synchronisation se poursuit en arrière-plan." }
                }
            }
            Some(p) if p.running => {
                div #sync-status.sync-status role="status" aria-live="polite"
                    hx-get=(paths::ONBOARDING_SYNC_STATUS) hx-trigger="every 1s" hx-swap="outerHTML" {
                    p { "⏳ Synchronisation de " (label) " en cours…" }
                    ul.sync-counts {
                        li { (p.products) " produits" }
                        li { (p.variants) " variantes" }
                        li { (p.stock_levels) " niveaux de stock" }
                        li { (p.orders) " commandes récentes" }
                        li { (p.customers) " clients" }
                    }
                    p.muted { "Vous pouvez continuer : la synchronisation se poursuit en arrière-plan." }
                }
            }
            Some(p) if p.error.is_some() => {
                div #sync-status.sync-status role="alert" {
                    p { "⚠️ La synchronisation de " (label) " a échoué : " (p.error.as_deref().unwrap_or("")) }
                    p { "Vérifiez la connexion dans " a href=(paths::INTEGRATIONS) { "Intégrations" } " (bouton « Resynchroniser maintenant »), ou continuez : Comptoir réessaiera tout seul." }
                }
            }
            _ => {
                div #sync-status.sync-status role="status" {
                    ul.sync-summary {
                        li { "✅ " strong { (counts.products) } " produits importés" }
                        li { "✅ " strong { (counts.variants) } " variantes détectées" }
                        li { "✅ Stock synchronisé (" (counts.stock_levels) " niveaux sur " (counts.locations) " emplacements)" }
                        li { "✅ " strong { (counts.orders) } " commandes récentes chargées" }
                        li { "✅ " strong { (counts.customers) } " clients importés" }
                    }
                    h3 { "Ce que l'assistant peut faire maintenant" }
                    ul {
                        li { "Dire si un article est disponible, dans quelle taille ou couleur, et où" }
                        li { "Mettre un article de côté jusqu'à la fermeture du lendemain" }
                        li { "Donner les prix, proposer des produits d'un même type" }
                        li { "Dire où en est une commande, avec son lien de suivi, à son seul destinataire" }
                    }
                }
            }
        }
    }
}

/// The closing summary's figures.
struct Figures {
    channels: Vec<&'static str>,
    store: Latest,
    /// Test messages from the shopper, and those the bot answered without the team.
    tested: i64,
    handled: i64,
    latency_us: Option<i64>,
    /// Products with a known stock level at an active location, of all products.
    covered: i64,
    products: i64,
}

async fn figures(state: &AppState) -> Result<Figures, AppError> {
    let channels = crate::channels::settings::current(state).await?;
    let store = latest(state).await?;
    let (tested, handled, latency_us, covered, products) =
        db::call(&state.db, |conn| -> Result<_, AppError> {
            Ok(conn.query_row(
                "SELECT
               (SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.test = 1 AND m.author = 'shopper'),
               (SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.test = 1 AND m.author = 'bot' AND m.action <> 'handoff'),
               (SELECT CAST(avg(m.latency_us) AS INTEGER) FROM messages m
                 JOIN conversations c ON c.id = m.conversation_id
                 WHERE c.test = 1 AND m.author = 'bot' AND m.latency_us IS NOT NULL),
               (SELECT count(DISTINCT v.product_id) FROM variants v
                 JOIN stock_levels s ON s.variant_id = v.id
                 JOIN locations l ON l.id = s.location_id AND l.active = 1),
               (SELECT count(*) FROM products)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?)
        })
        .await?;
    Ok(Figures {
        channels: crate::channels::settings::active(&channels),
        store,
        tested,
        handled,
        latency_us,
        covered,
        products,
    })
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        (part * 100 + whole / 2) / whole
    }
}

/// The share of shoppers' questions the bot would settle alone: the share of test
/// messages it handled, times the share of the catalogue whose stock it knows.
fn estimate(answered_pct: i64, coverage_pct: i64) -> i64 {
    percent(answered_pct * coverage_pct, 100 * 100)
}

pub(super) async fn done_body(state: &AppState, staff: &Staff) -> Result<Markup, AppError> {
    let f = figures(state).await?;
    let answered = percent(f.handled.min(f.tested), f.tested);
    let coverage = percent(f.covered, f.products);
    Ok(html! {
        p.lead { "Comptoir est prêt. Voici ce qui est en place :" }
        dl.summary {
            dt { "Canaux actifs" }
            dd {
                @if f.channels.is_empty() { "Aucun pour l'instant — " a href=(paths::CHANNELS) { "ajouter un canal" } }
                @else { (f.channels.join(", ")) }
            }
            dt { "Boutique connectée" }
            dd {
                @match &f.store {
                    Some((store, _, c)) => {
                        (store.platform.label()) " · " (store.name) " — " (c.products) " produits, " (c.variants) " variantes, "
                        (c.orders) " commandes, " (c.customers) " clients"
                    }
                    None => { "Aucune boutique en ligne : l'assistant répond sur les horaires, l'adresse et les politiques." }
                }
            }
            dt { "Taux d'automatisation estimé" }
            dd {
                @if f.tested == 0 {
                    "À mesurer : faites un " a href=(Step::Test.path()) { "test de conversation" } "."
                } @else if f.store.is_none() {
                    (answered) " % (" (f.handled.min(f.tested)) " sur " (f.tested) " "
                    (crate::web::components::plural(f.tested, "message de test traité", "messages de test traités")) " sans l'équipe)"
                } @else {
                    (estimate(answered, coverage)) " % — " (answered) " % des messages de test traités sans l'équipe ("
                    (f.handled.min(f.tested)) " sur " (f.tested) "), " (coverage) " % du catalogue avec un stock connu"
                }
            }
            dt { "Temps de réponse moyen mesuré" }
            dd {
                @match f.latency_us {
                    Some(us) => { (millis(us)) " (pendant le test de conversation)" }
                    None => { "À mesurer pendant le test de conversation" }
                }
            }
        }
        form method="post" action=(Step::Done.path()) {
            (csrf_input(&staff.csrf))
            div.wizard-nav {
                @if let Some(before) = Step::Done.previous() {
                    a.btn href=(before.path()) { (super::text::BACK) }
                }
                button.btn.primary type="submit" { "🚀 Ouvrir le tableau de bord" }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{estimate, percent};

    #[test]
    fn percentages_round_and_survive_an_empty_whole() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(47, 47), 100);
    }

    #[test]
    fn the_automation_estimate_is_a_percentage() {
        assert_eq!(estimate(100, 100), 100);
        assert_eq!(estimate(80, 50), 40);
        assert_eq!(estimate(0, 100), 0);
    }
}
