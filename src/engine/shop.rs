//! What the engine knows of the shop: who it is, when it opens, its policies, and how
//! the assistant talks (tone, signature) and acts (automatic holds).

use std::collections::HashMap;

use super::hours::WeekHours;
use super::lang::Lang;
use crate::engine::tracking::Carrier;

/// How the assistant addresses French-speaking shoppers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Tu,
    Vous,
}

impl Tone {
    pub fn code(self) -> &'static str {
        match self {
            Tone::Tu => "tu",
            Tone::Vous => "vous",
        }
    }

    pub fn from_code(code: &str) -> Option<Tone> {
        match code {
            "tu" => Some(Tone::Tu),
            "vous" => Some(Tone::Vous),
            _ => None,
        }
    }
}

/// A policy as the shop wrote it, with an optional English version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    pub fr: String,
    pub en: String,
}

impl Policy {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.en.trim().is_empty() => &self.en,
            _ => &self.fr,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Shop {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// The language of a conversation until the shopper's words tell otherwise.
    pub lang: Lang,
    pub hours: WeekHours,
    pub tone: Tone,
    /// Added to e-mail replies.
    pub signature: String,
    /// Put an in-stock item aside as soon as a shopper asks for it (otherwise offer to).
    pub auto_reserve: bool,
    pub returns: Policy,
    pub shipping: Policy,
    /// ISO codes of the countries the shop ships to.
    pub shipping_countries: Vec<String>,
    /// Hours a hold lasts, per store (from the store's settings); 24 by default.
    pub hold_hours: HashMap<i64, i64>,
    /// Carriers whose tracking links are built from an order's tracking number.
    pub carriers: Vec<Carrier>,
    pub when_unsure: WhenUnsure,
}

/// What the bot does with a message it does not understand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WhenUnsure {
    /// Hand the conversation to the team at once.
    #[default]
    HandOver,
    /// Ask the shopper to rephrase once; a second unclear message is handed over.
    AskFirst,
}

impl WhenUnsure {
    pub fn code(self) -> &'static str {
        match self {
            WhenUnsure::HandOver => "handoff",
            WhenUnsure::AskFirst => "rephrase",
        }
    }

    pub fn from_code(code: &str) -> Option<WhenUnsure> {
        match code {
            "handoff" => Some(WhenUnsure::HandOver),
            "rephrase" => Some(WhenUnsure::AskFirst),
            _ => None,
        }
    }
}

impl Shop {
    pub fn hold_hours(&self, store: i64) -> i64 {
        self.hold_hours.get(&store).copied().unwrap_or(24)
    }

    /// When a hold made now on an item of `store` ends: after the store's hold time, at
    /// a closing time (or plainly after the hold time when the hours are unknown).
    pub fn hold_end(&self, store: i64, now: jiff::Timestamp) -> jiff::Timestamp {
        let hours = self.hold_hours(store);
        self.hours
            .hold_until(now, hours)
            .unwrap_or(now + jiff::SignedDuration::from_hours(hours))
    }
}
