//! The REST API for the shop's other tools (issue 19, first part): keys with scopes
//! (`keys.rs`), their authentication, rate limit and audit (`auth.rs`), one error shape
//! (`error.rs`), and the v1 endpoints with their OpenAPI document (`v1.rs`); the keys'
//! page (`pages.rs`).

pub mod auth;
pub mod error;
pub mod keys;
pub mod pages;
pub mod v1;

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    v1::configure(cfg);
    pages::configure(cfg);
}
