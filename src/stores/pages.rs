//! Pages of the stores feature: integrations, products, orders.

use actix_web::{HttpResponse, web};
use maud::html;

use crate::web::auth::Staff;
use crate::web::components::{Tone, badge, empty_state};
use crate::web::layout::{self, Nav};
use crate::web::paths;

mod text {
    pub const PRODUCTS: &str = "Produits";
    pub const ORDERS: &str = "Commandes";
    pub const INTEGRATIONS: &str = "Intégrations";
    pub const NO_STORE: &str = "Aucune boutique connectée";
    pub const PRODUCTS_EMPTY: &str = "Vos produits, leurs variantes et le stock par emplacement apparaîtront ici dès qu'une boutique sera connectée.";
    pub const ORDERS_EMPTY: &str = "Les commandes récentes, leur statut et leur suivi apparaîtront ici dès qu'une boutique sera connectée.";
    pub const CONNECT: &str = "Voir les intégrations";
    pub const INTEGRATIONS_LEAD: &str = "Comptoir garde une copie locale de votre catalogue, de votre stock par emplacement et de vos commandes récentes pour répondre à vos clients.";
    pub const NOT_CONNECTED: &str = "Non connecté";
    pub const COMING: &str =
        "La connexion depuis cette page arrive dans une prochaine version de Comptoir.";
    pub const PLATFORMS: [(&str, &str); 4] = [
        (
            "Shopify",
            "Autorisation en un clic, jeton d'accès ou application personnalisée.",
        ),
        ("WooCommerce", "Adresse du site et clés de l'API REST."),
        ("PrestaShop", "Adresse du site et clé du webservice."),
        (
            "Boutique manuelle",
            "Produits et stock saisis ou importés depuis un fichier CSV.",
        ),
    ];
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::PRODUCTS, web::get().to(products))
        .route(paths::ORDERS, web::get().to(orders))
        .route(paths::INTEGRATIONS, web::get().to(integrations));
}

fn render(staff: &Staff, nav: Nav, title: &str, body: maud::Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(layout::page(staff, nav, title, body).into_string())
}

async fn products(staff: Staff) -> HttpResponse {
    let body = empty_state(
        text::NO_STORE,
        text::PRODUCTS_EMPTY,
        Some((text::CONNECT, paths::INTEGRATIONS)),
    );
    render(&staff, Nav::Products, text::PRODUCTS, body)
}

async fn orders(staff: Staff) -> HttpResponse {
    let body = empty_state(
        text::NO_STORE,
        text::ORDERS_EMPTY,
        Some((text::CONNECT, paths::INTEGRATIONS)),
    );
    render(&staff, Nav::Orders, text::ORDERS, body)
}

async fn integrations(staff: Staff) -> HttpResponse {
    let body = html! {
        p.lead { (text::INTEGRATIONS_LEAD) }
        div.grid {
            @for (name, how) in text::PLATFORMS {
                section.card {
                    h2 { (name) " " (badge(text::NOT_CONNECTED, Tone::Neutral)) }
                    p { (how) }
                    p.muted { (text::COMING) }
                }
            }
        }
    };
    render(&staff, Nav::Integrations, text::INTEGRATIONS, body)
}
