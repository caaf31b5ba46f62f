//! Analytiques: what the assistant and the team did, and what it was worth. The figures
//! come from one row per conversation (`facts.rs`, kept current by a job from the
//! changes triggers mark), read by period in the shop's time zone (`report.rs`); sales
//! are credited by the rules written on the page (`sales.rs`); a few figures read the
//! bot's replies directly (`assistant.rs`). The pages (`pages.rs`) print them with their
//! CSV; `export.rs` streams one row per conversation.

pub mod assistant;
pub mod export;
pub mod facts;
pub mod pages;
pub mod report;
pub mod sales;
pub mod settings;
pub mod weekly;

pub use pages::configure;
