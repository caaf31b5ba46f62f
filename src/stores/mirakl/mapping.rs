//! Mirakl's OR11 orders mapped to our order records: pure functions.

use serde::Deserialize;

use crate::stores::model::{OrderLineRec, OrderRec, Sale};

#[derive(Debug, Default, Deserialize)]
pub struct Address {
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
    #[serde(default)]
    pub zip_code: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Customer {
    #[serde(default)]
    pub customer_id: Option<String>,
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Channel {
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Line {
    #[serde(default)]
    pub offer_sku: Option<String>,
    #[serde(default)]
    pub product_sku: Option<String>,
    #[serde(default)]
    pub product_title: Option<String>,
    #[serde(default)]
    pub order_line_id: Option<String>,
    #[serde(default)]
    pub quantity: i64,
    #[serde(default)]
    pub total_price: Option<f64>,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub order_id: String,
    #[serde(default)]
    pub commercial_id: Option<String>,
    pub created_date: String,
    pub last_updated_date: String,
    pub order_state: String,
    #[serde(default)]
    pub currency_iso_code: Option<String>,
    #[serde(default)]
    pub total_price: Option<f64>,
    #[serde(default)]
    pub customer: Option<Customer>,
    #[serde(default)]
    pub customer_notification_email: Option<String>,
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub shipping_company: Option<String>,
    #[serde(default)]
    pub shipping_tracking: Option<String>,
    #[serde(default)]
    pub shipping_tracking_url: Option<String>,
    #[serde(default)]
    pub order_lines: Vec<Line>,
}

#[derive(Debug, Deserialize)]
pub struct Page {
    pub orders: Vec<Order>,
    pub total_count: i64,
}

fn cents(amount: Option<f64>) -> Option<i64> {
    amount.map(|a| (a * 100.0).round() as i64)
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default().trim().to_string()
}

/// One order; `storefront` names the operator's marketplace (the store's name) when
/// the order gives no channel.
pub fn order(o: Order, storefront: &str) -> OrderRec {
    let customer = o.customer.unwrap_or_default();
    let ship = customer.shipping_address.unwrap_or_default();
    let (financial, fulfillment, shipment) = match o.order_state.as_str() {
        "STAGING" | "WAITING_ACCEPTANCE" | "WAITING_DEBIT" | "WAITING_DEBIT_PAYMENT" => {
            ("pending", "", "")
        }
        "SHIPPING" => ("paid", "", ""),
        "SHIPPED" | "TO_COLLECT" => ("paid", "fulfilled", "in_transit"),
        "RECEIVED" | "CLOSED" => ("paid", "fulfilled", "delivered"),
        "REFUSED" | "CANCELED" => ("voided", "", ""),
        _ => ("paid", "", ""),
    };
    let cancelled = matches!(o.order_state.as_str(), "REFUSED" | "CANCELED")
        .then(|| o.last_updated_date.clone());
    let name = [ship.firstname.clone(), ship.lastname.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let channel = o.channel.and_then(|c| c.label).unwrap_or_default();
    // The number the shopper sees (commercial_id) names the order; the shop's own
    // order id is its identity.
    let number = o
        .commercial_id
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| o.order_id.clone());
    OrderRec {
        external_id: o.order_id,
        name: number,
        email: text(o.customer_notification_email),
        phone: text(ship.phone),
        customer_external_id: String::new(),
        created_at: o.created_date,
        updated_at: o.last_updated_date,
        financial_status: financial.into(),
        fulfillment_status: fulfillment.into(),
        cancelled_at: cancelled,
        total_cents: cents(o.total_price),
        currency: text(o.currency_iso_code),
        carrier: text(o.shipping_company),
        tracking_number: text(o.shipping_tracking),
        tracking_url: text(o.shipping_tracking_url),
        shipment_status: shipment.into(),
        sale: Box::new(Sale {
            marketplace: if channel.is_empty() {
                storefront.to_string()
            } else {
                format!("{storefront} · {channel}")
            },
            fulfillment_channel: String::new(),
            ship_name: name.trim().to_string(),
            ship_postcode: text(ship.zip_code),
        }),
        lines: o
            .order_lines
            .into_iter()
            .map(|l| OrderLineRec {
                product_external_id: text(l.product_sku),
                variant_external_id: text(l.order_line_id),
                title: text(l.product_title),
                variant_title: String::new(),
                sku: text(l.offer_sku),
                quantity: l.quantity,
                price_cents: cents(l.total_price),
            })
            .collect(),
    }
}
