//! Tableau de bord: where a member lands. Shows what is set up and what is next.

use actix_web::{HttpResponse, web};
use maud::html;

use crate::accounts::repo;
use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, badge, card};
use crate::web::layout::{self, Nav};
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Tableau de bord";
    pub const HELLO: &str = "Bonjour";
    pub const START: &str = "Pour bien démarrer";
    pub const DONE: &str = "Fait";
    pub const TODO: &str = "À faire";
    pub const ACCOUNT: &str = "Compte créé";
    pub const PROFILE: &str = "Profil de l'entreprise complet (adresse, téléphone)";
    pub const STORE: &str = "Connecter votre boutique en ligne";
    pub const TEAM: &str = "Ajouter votre équipe";
    pub const TEAM_CARD: &str = "Équipe";
    pub const MEMBERS: &str = "membre(s) actif(s)";
    pub const SHOP_CARD: &str = "Votre commerce";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::DASHBOARD, web::get().to(dashboard));
}

async fn dashboard(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    let (profile, members, stores) = db::call(&state.db, |conn| {
        Ok((
            repo::profile(conn)?,
            repo::list_members(conn)?,
            crate::stores::repo::stores(conn)?.len(),
        ))
    })
    .await?;
    let active = members.iter().filter(|m| !m.disabled).count();
    let profile_done = profile
        .as_ref()
        .is_some_and(|p| !p.address.is_empty() && !p.phone.is_empty());
    let steps = [
        (text::ACCOUNT, true, paths::SETTINGS_ACCOUNT),
        (text::PROFILE, profile_done, paths::SETTINGS_PROFILE),
        (text::STORE, stores > 0, paths::INTEGRATIONS),
        (text::TEAM, active > 1, paths::MEMBERS),
    ];
    let body = html! {
        p.lead { (text::HELLO) " " (staff.user.display()) " !" }
        div.grid {
            (card(text::START, html! {
                ul.checklist {
                    @for (label, done, href) in steps {
                        li {
                            @if done { (badge(text::DONE, Tone::Success)) } @else { (badge(text::TODO, Tone::Warning)) }
                            " " a href=(href) { (label) }
                        }
                    }
                }
            }))
            @if let Some(p) = &profile {
                (card(text::SHOP_CARD, html! {
                    p { strong { (p.business_name) } br; span.muted { (p.business_type.label_fr()) } }
                    @if !p.address.is_empty() { p { (p.address) } }
                    @if !p.phone.is_empty() { p { (p.phone) } }
                }))
            }
            (card(text::TEAM_CARD, html! {
                p.stat { (active) }
                p.muted { (text::MEMBERS) }
            }))
        }
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(layout::page(&staff, Nav::Dashboard, text::TITLE, body).into_string()))
}
