//! Back-in-stock and price-drop alerts: subscriptions and their consent (`repo.rs`),
//! the Alertes page with its rules and CSV export, and the shopper's confirmation and
//! unsubscribe links (`pages.rs`). The messages themselves go out through the notices
//! job (`notices/`), in the conversation the shopper subscribed from.

pub mod pages;
pub mod repo;

pub use pages::configure;
