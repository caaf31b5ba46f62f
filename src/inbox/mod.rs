//! Boîte de réception: the team's conversations with shoppers.

use actix_web::{HttpResponse, web};

use crate::web::auth::Staff;
use crate::web::components::empty_state;
use crate::web::layout::{self, Nav};
use crate::web::paths;

mod text {
    pub const TITLE: &str = "Boîte de réception";
    pub const EMPTY: &str = "Aucune conversation pour l'instant";
    pub const EMPTY_TEXT: &str = "Les messages de vos clients (SMS, WhatsApp, e-mail, chat du site) et les réponses de l'assistant apparaîtront ici.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::INBOX, web::get().to(inbox));
}

async fn inbox(staff: Staff) -> HttpResponse {
    let body = empty_state(text::EMPTY, text::EMPTY_TEXT, None);
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(layout::page(&staff, Nav::Inbox, text::TITLE, body).into_string())
}
