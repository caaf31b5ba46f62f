//! Comptoir for the shop's other tools: the REST API — keys with scopes (`keys.rs`),
//! their authentication, rate limit and audit (`auth.rs`), one error shape (`error.rs`),
//! the v1 endpoints with their OpenAPI document (`v1.rs`; the manual store's catalogue
//! in `catalogue.rs`, alerts and appointments in `bookings.rs`), the keys' page
//! (`pages.rs`) and the Documentation page (`docs.rs`) — and outgoing webhooks signed per Standard Webhooks (`webhooks.rs`,
//! their page `hook_pages.rs`).

pub mod auth;
pub mod bookings;
pub mod catalogue;
pub mod docs;
pub mod error;
pub mod hook_pages;
pub mod keys;
pub mod pages;
pub mod v1;
pub mod webhooks;

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    v1::configure(cfg);
    pages::configure(cfg);
    docs::configure(cfg);
    hook_pages::configure(cfg);
}
