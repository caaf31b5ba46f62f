//! Store connections and the local catalogue copy: connectors (one module per
//! platform, HTTP apart from pure mapping), the catalogue tables, and their pages.

pub mod cli;
pub mod connector;
pub mod http;
pub mod manual;
pub mod model;
mod pages;
pub mod prestashop;
pub mod repo;
pub mod shopify;
pub mod webhooks;
pub mod woocommerce;

pub use pages::configure;
