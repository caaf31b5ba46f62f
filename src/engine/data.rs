//! The engine's narrow window on the shop's data: stock net of holds, the holds of the
//! conversation at hand, and orders. The application implements it over the database;
//! the engine never sees SQL or the network.

use jiff::Timestamp;

use super::catalogue::Variant;
use super::hours::WeekHours;
use super::lang::Lang;

/// The shop's data could not be read or written, so the engine cannot answer. The
/// application, which knows the storage, wraps its cause and logs it.
#[derive(Debug, thiserror::Error)]
#[error("the shop's data could not be used")]
pub struct DataError(#[source] pub Box<dyn std::error::Error + Send + Sync + 'static>);

impl DataError {
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        DataError(cause.into())
    }
}

/// Stock of one variant, net of active holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stock {
    /// At the locations that count as the shop.
    pub shop: i64,
    /// Other locations with some, by name (a warehouse, another shop).
    pub elsewhere: Vec<(String, i64)>,
}

impl Stock {
    pub fn elsewhere_total(&self) -> i64 {
        self.elsewhere.iter().map(|(_, n)| n).sum()
    }
}

/// An item put aside.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    pub id: i64,
    pub item_key: String,
    pub product_title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub until: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewHold {
    pub store_id: i64,
    pub item_key: String,
    pub product_title: String,
    pub variant_title: String,
    pub quantity: i64,
    pub until: Timestamp,
}

/// An order as a shopper may be told about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Order {
    /// "#1004".
    pub name: String,
    pub email: String,
    pub phone: String,
    pub created_at: String,
    pub financial_status: String,
    pub fulfillment_status: String,
    pub shipment_status: String,
    pub cancelled: bool,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    /// Where a marketplace sold it (Amazon.fr…); empty for the shop's own stores.
    pub marketplace: String,
    /// Whom and where it ships to: what a marketplace buyer proves themself with.
    pub ship_name: String,
    pub ship_postcode: String,
}

pub trait ShopData {
    /// Stock of each variant, in the order given.
    fn stock(&mut self, variants: &[&Variant]) -> Result<Vec<Stock>, DataError>;
    /// The active holds of this conversation.
    fn holds(&mut self) -> Result<Vec<Hold>, DataError>;
    fn reserve(&mut self, hold: &NewHold) -> Result<Hold, DataError>;
    /// Cancels this conversation's active holds and returns them.
    fn cancel_holds(&mut self) -> Result<Vec<Hold>, DataError>;
    /// The order with that name ("#1004"), whoever asks.
    fn order_named(&mut self, name: &str) -> Result<Option<Order>, DataError>;
    /// Orders placed with this phone number or e-mail address, newest first.
    fn orders_of(
        &mut self,
        phone: Option<&str>,
        email: Option<&str>,
    ) -> Result<Vec<Order>, DataError>;

    /// Subscribes the shopper at hand to an alert.
    fn subscribe(&mut self, alert: &NewAlert) -> Result<Subscribed, DataError>;
    /// Whether out-of-stock answers offer an alert here (the shop's choice, a channel
    /// that can reach the shopper later).
    fn offers_alerts(&mut self) -> Result<bool, DataError>;
    /// The services the shop books, in its order.
    fn services(&mut self) -> Result<Vec<Bookable>, DataError>;
    /// Free start times of a service from `from`, soonest first, at most `max`.
    fn free_slots(
        &mut self,
        service: i64,
        hours: &WeekHours,
        from: Timestamp,
        max: usize,
    ) -> Result<Vec<Timestamp>, DataError>;
    fn book(
        &mut self,
        service: i64,
        hours: &WeekHours,
        start: Timestamp,
        lang: Lang,
    ) -> Result<Booked, DataError>;
    /// The shopper's appointments to come, soonest first.
    fn appointments(&mut self) -> Result<Vec<Appointment>, DataError>;
    fn reschedule(
        &mut self,
        id: i64,
        hours: &WeekHours,
        start: Timestamp,
    ) -> Result<Booked, DataError>;
    /// Cancels one of the shopper's appointments; false when it was not booked.
    fn cancel_appointment(&mut self, id: i64) -> Result<bool, DataError>;
    /// The shops open to the public holding some of these variants, by shop.
    fn places(&mut self, variants: &[&Variant]) -> Result<Vec<Place>, DataError>;
}

/// What a shopper asks to be told about a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Back in stock at the shop.
    Stock,
    /// Its price drops (by the shop's percentage).
    Price,
}

impl AlertKind {
    pub fn code(self) -> &'static str {
        match self {
            AlertKind::Stock => "stock",
            AlertKind::Price => "price",
        }
    }

    pub fn from_code(code: &str) -> Option<AlertKind> {
        match code {
            "stock" => Some(AlertKind::Stock),
            "price" => Some(AlertKind::Price),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub kind: AlertKind,
    pub store_id: i64,
    pub item_key: String,
    pub product_title: String,
    pub variant_title: String,
    pub price_cents: Option<i64>,
    /// The address the shopper gave for it (web chat).
    pub email: Option<String>,
    /// The language the alert will speak.
    pub lang: Lang,
}

/// What came of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum Subscribed {
    /// Active now (SMS, WhatsApp: consent given in the conversation).
    Active,
    /// An e-mail address must confirm it first (double opt-in): a link is on its way.
    Confirm { email: String },
    /// The web chat cannot reach the shopper later: an e-mail address is needed.
    NeedEmail,
    /// The same alert is already waiting.
    Already,
    /// The shop does not send alerts, or this conversation cannot receive them.
    Off,
}

/// A service the shop books (a fitting, alterations).
#[derive(Debug, Clone, PartialEq)]
pub struct Bookable {
    pub id: i64,
    pub name: String,
    pub minutes: i64,
}

/// An appointment of the shopper at hand.
#[derive(Debug, Clone, PartialEq)]
pub struct Appointment {
    pub id: i64,
    pub service_id: i64,
    pub service: String,
    pub start: Timestamp,
}

/// What a booking (or a move) gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Booked {
    Done(Appointment),
    /// The slot went meanwhile (or is not bookable): the next free ones.
    Taken(Vec<Timestamp>),
}

/// A shop open to the public that holds some of a variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    /// "24 Rue de Rivoli, 75004 Paris".
    pub address: String,
    /// As the shop wrote them for shoppers.
    pub hours: String,
    pub available: i64,
}
