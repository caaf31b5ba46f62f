//! The engine's narrow window on the shop's data: stock net of holds, the holds of the
//! conversation at hand, and orders. The application implements it over the database;
//! the engine never sees SQL or the network.

use jiff::Timestamp;

use super::catalogue::Variant;

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
}
