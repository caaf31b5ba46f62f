//! Store connections and the local catalogue copy: connectors (one module per
//! platform, HTTP apart from pure mapping), the catalogue tables, the sync that keeps
//! them current (`sync`, with its background poller), and their pages and commands.

pub mod amazon;
pub mod cdiscount;
pub mod cli;
pub mod connector;
pub mod ebay;
pub mod etsy;
pub mod http;
pub mod manual;
pub mod mappings;
pub mod mirakl;
pub mod model;
mod pages;
pub mod prestashop;
pub mod repo;
pub mod shopify;
pub mod sync;
pub mod webhooks;
pub mod woocommerce;

pub use pages::{configure, wizard_connect_forms};

/// A site address as typed (`https://boutique.example.com/`) → (address, host), or None
/// when it is not one.
pub fn site_address(input: &str) -> Option<(String, String)> {
    let url = input.trim().trim_end_matches('/').to_string();
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?
        .to_string();
    (!host.is_empty() && !host.contains(char::is_whitespace)).then_some((url, host))
}
