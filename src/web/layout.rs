//! The page frame: head, navigation, the signed-in member's menu, and the content.

use maud::{DOCTYPE, Markup, html};

use crate::web::auth::Staff;
use crate::web::components::csrf_input;
use crate::web::{assets, paths};

mod text {
    pub const APP: &str = "Comptoir";
    pub const SKIP: &str = "Aller au contenu";
    pub const MENU: &str = "Menu";
    pub const LOGOUT: &str = "Se déconnecter";
    pub const MAIN_NAV: &str = "Navigation principale";
    pub const BACK_HOME: &str = "Retour au tableau de bord";
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    Inbox,
    Products,
    Orders,
    Reservations,
    Appointments,
    Alerts,
    Analytics,
    Integrations,
    Settings,
}

const NAV: [(Nav, &str, &str, &str); 10] = [
    (Nav::Dashboard, paths::DASHBOARD, "Tableau de bord", "home"),
    (Nav::Inbox, paths::INBOX, "Boîte de réception", "inbox"),
    (Nav::Products, paths::PRODUCTS, "Produits", "tag"),
    (Nav::Orders, paths::ORDERS, "Commandes", "box"),
    (
        Nav::Reservations,
        paths::RESERVATIONS,
        "Réservations",
        "bookmark",
    ),
    (
        Nav::Appointments,
        paths::APPOINTMENTS,
        "Rendez-vous",
        "calendar",
    ),
    (Nav::Alerts, paths::ALERTS, "Alertes", "bell"),
    (Nav::Analytics, paths::ANALYTICS, "Analytiques", "chart"),
    (
        Nav::Integrations,
        paths::INTEGRATIONS,
        "Intégrations",
        "plug",
    ),
    (Nav::Settings, paths::SETTINGS, "Paramètres", "gear"),
];

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="htmx-config" content=r#"{"includeIndicatorStyles":false}"#;
            title { (title) " · " (text::APP) }
            link rel="stylesheet" href=(assets::url("app.css"));
            link rel="icon" href=(assets::url("icon.svg")) type="image/svg+xml";
            script src=(assets::url("vendor/htmx.min.js")) defer {}
            script src=(assets::url("app.js")) defer {}
        }
    }
}

fn icon(name: &str) -> Markup {
    html! { svg.icon aria-hidden="true" { use href={ (assets::url("icons.svg")) "#" (name) } {} } }
}

/// A page for a signed-in member.
pub fn page(staff: &Staff, active: Nav, title: &str, body: Markup) -> Markup {
    let user = &staff.user;
    let shop = if user.business_name.is_empty() {
        text::APP
    } else {
        user.business_name.as_str()
    };
    html! {
        (DOCTYPE)
        html lang="fr" {
            (head(title))
            body hx-headers={ r#"{"X-CSRF-Token":""# (staff.csrf) r#""}"# } {
                a.skip href="#main" { (text::SKIP) }
                div.shell {
                    header.sidebar {
                        div.brand {
                            a href=(paths::DASHBOARD) { span.logo aria-hidden="true" { "C" } span { (shop) } }
                            button.nav-toggle type="button" aria-controls="main-nav" aria-expanded="false" data-nav-toggle { (text::MENU) }
                        }
                        nav #main-nav aria-label=(text::MAIN_NAV) {
                            ul {
                                @for (nav, href, label, icon_name) in NAV {
                                    li {
                                        a href=(href) aria-current=[(nav == active).then_some("page")] {
                                            (icon(icon_name)) span { (label) }
                                            // Filled live with the conversations waiting for a human.
                                            @if nav == Nav::Inbox { " " span.nav-badge data-waiting hidden {} }
                                        }
                                    }
                                }
                            }
                        }
                        div.me {
                            div.me-name { (user.display()) }
                            div.me-role { (user.role.label_fr()) }
                            form method="post" action=(paths::LOGOUT) {
                                (csrf_input(&staff.csrf))
                                button.link type="submit" { (text::LOGOUT) }
                            }
                            // Alerts for shoppers waiting for the team (see assets/app.js).
                            div.live-tools {
                                button.link type="button" data-notify-setup hidden { "Activer les notifications" }
                                label.checkbox { input type="checkbox" data-sound; " Son des alertes" }
                            }
                        }
                    }
                    main #main tabindex="-1" {
                        h1 { (title) }
                        (body)
                    }
                }
            }
        }
    }
}

/// A page outside the app frame: first-run setup, login.
pub fn bare_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            (head(title))
            body.bare {
                main #main.bare-main {
                    div.bare-brand { span.logo aria-hidden="true" { "C" } span { (text::APP) } }
                    (body)
                }
            }
        }
    }
}

/// An error in plain words. Its machine code travels in the `X-Comptoir-Error` header
/// for scripts; a page shows none.
pub fn error_page(status: u16, title: &str, message: &str) -> Markup {
    bare_page(
        title,
        html! {
            section.card.narrow {
                p.status-code { (status) }
                h1 { (title) }
                p { (message) }
                a.btn.primary href=(paths::DASHBOARD) { (text::BACK_HOME) }
            }
        },
    )
}
