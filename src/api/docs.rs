//! Paramètres › API et accès › Documentation: what a developer needs to call the API and
//! check the webhooks, written from the same `ROUTES` and scopes as the router and the
//! OpenAPI document, so it cannot drift from them either.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::html;

use super::keys::SCOPES;
use super::v1::{PREFIX, ROUTES};
use super::webhooks::EVENTS;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::table;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETTINGS_API_DOCS, web::get().to(page));
}

async fn page(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let base = state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", state.config.bind));
    let base = format!("{}{PREFIX}", base.trim_end_matches('/'));
    let body = html! {
        div.api-docs {
        p { a href=(paths::SETTINGS_API) { "← API et accès" } }
        p.muted {
            "Pour la personne qui relie un autre outil à Comptoir. Le même contenu, lisible par une machine : "
            a href={ (PREFIX) "/openapi.json" } { "le document OpenAPI 3.1" } "."
        }
        section.card {
            h2 { "S'authentifier" }
            p { "Chaque appel porte une clé créée sur la page API et accès, dans l'en-tête " code { "Authorization: Bearer ck_…" } ". Une clé n'ouvre que les droits cochés à sa création ; une session du navigateur n'ouvre jamais l'API." }
            pre.excerpt { "curl -H \"Authorization: Bearer ck_…\" " (base) "/conversations?limit=20" }
            (table(&["Droit", "Permet de"], SCOPES.iter().map(|(code, label)| html! {
                tr { td { code { (code) } } td { (label) } }
            })))
        }
        section.card {
            h2 { "Pages, erreurs, limites" }
            ul {
                li { "Les listes rendent " code { "{\"data\": […], \"next_cursor\": …}" } " : repassez " code { "next_cursor" } " dans " code { "?cursor=" } " pour la page suivante (" code { "null" } " à la fin). " code { "limit" } " va de 1 à 100. Une page reste juste quand de nouvelles conversations arrivent." }
                li { "Une erreur a toujours la forme " code { "{\"error\": {\"code\", \"message\", \"field\"}}" } " : 401 sans clé valable, 403 sans le droit, 404 introuvable, 409 conflit, 422 donnée refusée (" code { "field" } " la nomme ; un champ inconnu est refusé)." }
                li { "Un POST qui porte " code { "Idempotency-Key" } " et qui est rejoué rend la première réponse, sans rien refaire." }
                li { "120 appels par minute et par clé ; au-delà, 429 avec " code { "Retry-After" } "." }
            }
        }
        section.card {
            h2 { "Points d'accès" }
            (table(&["Méthode", "Chemin", "Droit", "Ce qu'il fait"], ROUTES.iter().map(|r| html! {
                tr {
                    td { code { (r.method.to_uppercase()) } }
                    td { code { (PREFIX) (r.path) } }
                    td { code { (r.scope) } }
                    td { (r.label) }
                }
            })))
        }
        section.card {
            h2 { "Webhooks" }
            p { "Les envois de Paramètres › Webhooks suivent la norme Standard Webhooks : en-têtes " code { "webhook-id" } ", " code { "webhook-timestamp" } " et " code { "webhook-signature" } " (" code { "v1,<base64 de HMAC-SHA256(id.timestamp.corps)>" } ", avec le secret " code { "whsec_…" } " décodé de base64). Pendant 24 heures après un renouvellement, deux signatures sont jointes. Répondez 2xx pour accuser réception, 410 pour ne plus rien recevoir ; le reste est retenté pendant environ trois jours." }
            (table(&["Événement", "Quand"], EVENTS.iter().map(|(kind, label)| html! {
                tr { td { code { (kind) } } td { (label) } }
            })))
            p.muted { "Une règle d'automatisation peut aussi envoyer " code { "automation.rule" } ", avec le nom de la règle et la conversation." }
        }
        }
    };
    Ok(respond::html(
        StatusCode::OK,
        layout::page(&staff, Nav::Settings, "Documentation de l'API", body),
    ))
}
