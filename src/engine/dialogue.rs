//! What a conversation remembers between turns: the product being discussed and the
//! options chosen so far, what the bot last asked, the order under discussion. Stored
//! as JSON with the conversation; forgotten after a quiet while, so a shopper who comes
//! back the next day starts afresh.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::data::AlertKind;
use super::lang::Lang;

/// After this long without a message, slots are forgotten (the language stays).
pub const FORGET_AFTER_SECS: i64 = 2 * 3600;

/// What the bot last asked for, so a bare answer ("38", an e-mail) is understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Asked {
    Size,
    Color,
    Product,
    Order,
    Email,
    /// The postcode or name a marketplace order ships to (the marketplace hides the
    /// buyer's contact: this, with the number, proves the sender is the buyer).
    ShipTo,
    /// Whether to put the item aside (when holds are not automatic, or after an alert).
    Hold,
    /// Whether to be told when the item is back.
    Alert,
    /// An e-mail address to send an alert to (web chat).
    AlertEmail,
    /// Which service to book.
    Service,
    /// Which of the offered slots.
    Slot,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dialogue {
    pub lang: Option<Lang>,
    /// The product being discussed (catalogue row id).
    pub product: Option<i64>,
    pub size: Option<String>,
    pub color: Option<String>,
    /// A value of another option (amount, scent…).
    pub other: Option<String>,
    /// The variant last answered about (catalogue row id).
    pub variant: Option<i64>,
    pub asked: Option<Asked>,
    /// Products the bot listed when it asked which one (catalogue row ids).
    pub choices: Vec<i64>,
    /// The order under discussion ("#1004").
    pub order: Option<String>,
    /// An e-mail address the shopper proved by naming it for one of their orders.
    pub verified_email: Option<String>,
    pub email_tries: u8,
    /// The bot asked the shopper to rephrase (the shop's choice when unsure): the next
    /// unclear message goes to the team.
    pub rephrase_asked: bool,
    /// When the last turn happened (unix seconds).
    pub at: i64,
    /// The alert being subscribed to (offered, or waiting for an e-mail address).
    pub alert: Option<AlertKind>,
    /// The service being booked, the slots offered (unix seconds), and the appointment
    /// being moved.
    pub service: Option<i64>,
    pub slots: Vec<i64>,
    pub moving: Option<i64>,
    /// Until when an offer the shop sent on its own (an alert's "shall I put it
    /// aside?") is remembered, past the usual quiet while (unix seconds).
    pub keep_until: i64,
}

impl Dialogue {
    pub fn from_json(json: &str) -> Dialogue {
        serde_json::from_str(json).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Forgets the slots when the conversation has been quiet too long.
    pub fn refresh(&mut self, now: Timestamp) {
        if now.as_second() - self.at > FORGET_AFTER_SECS && now.as_second() > self.keep_until {
            *self = Dialogue {
                lang: self.lang,
                ..Dialogue::default()
            };
        }
        self.at = now.as_second();
    }

    /// Starts talking about another product.
    pub fn switch_product(&mut self, product: i64) {
        if self.product != Some(product) {
            self.product = Some(product);
            self.size = None;
            self.color = None;
            self.other = None;
            self.variant = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_forgotten_after_a_quiet_while_but_not_the_language() {
        let t0: Timestamp = "2025-11-13T09:00:00Z".parse().unwrap();
        let mut d = Dialogue {
            lang: Some(Lang::En),
            product: Some(3),
            size: Some("38".into()),
            asked: Some(Asked::Size),
            at: t0.as_second(),
            ..Dialogue::default()
        };
        d.refresh(t0 + jiff::SignedDuration::from_mins(30));
        assert_eq!(d.product, Some(3), "kept within the timeout");
        d.refresh(t0 + jiff::SignedDuration::from_hours(3));
        assert_eq!(d.product, None);
        assert_eq!(d.size, None);
        assert_eq!(d.asked, None);
        assert_eq!(d.lang, Some(Lang::En));
    }

    #[test]
    fn unreadable_state_starts_afresh() {
        assert_eq!(Dialogue::from_json("{not json"), Dialogue::default());
        let d = Dialogue {
            product: Some(7),
            asked: Some(Asked::Email),
            ..Dialogue::default()
        };
        assert_eq!(Dialogue::from_json(&d.to_json()), d);
    }
}
