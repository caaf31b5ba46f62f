//! Automation rules (Paramètres › Automatisations), as Chatwoot and Gorgias have them: on
//! a trigger (a conversation starts, a shopper writes, the assistant hands over, a
//! conversation closes, the team has not answered after a delay), rules whose
//! conditions hold assign, prioritise, note, reply, close, hand back or call a webhook,
//! in order, with "stop here". `rules.rs` holds the rules and checks them when saved,
//! `run.rs` the job that applies them, `pages.rs` the page.

pub mod pages;
pub mod rules;
pub mod run;

pub use pages::configure;
