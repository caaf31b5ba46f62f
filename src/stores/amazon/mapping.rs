//! Amazon's Orders API (v0) JSON mapped to our order records: pure functions, tested on
//! the model's own example values.

use serde::Deserialize;

use crate::stores::model::{OrderLineRec, OrderRec, Sale, parse_cents};

/// The marketplaces a European seller chooses from: (code, MarketplaceId, storefront).
pub const MARKETPLACES: [(&str, &str, &str); 9] = [
    ("FR", "A13V1IB3VIYZZH", "Amazon.fr"),
    ("UK", "A1F83G8C2ARO7P", "Amazon.co.uk"),
    ("DE", "A1PA6795UKMFR9", "Amazon.de"),
    ("IT", "APJ6JRA9NG5V4", "Amazon.it"),
    ("ES", "A1RKKUPIHCS9HS", "Amazon.es"),
    ("NL", "A1805IZSGTT6HS", "Amazon.nl"),
    ("BE", "AMEN7PMS3EDWL", "Amazon.com.be"),
    ("PL", "A1C3SOZRARQ6R3", "Amazon.pl"),
    ("SE", "A2NODRKZP88ZB9", "Amazon.se"),
];

/// The MarketplaceId of a country code (FR, UK…).
pub fn marketplace_id(code: &str) -> Option<&'static str> {
    MARKETPLACES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code.trim()))
        .map(|(_, id, _)| *id)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Money {
    #[serde(default)]
    pub currency_code: String,
    #[serde(default)]
    pub amount: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuyerInfo {
    #[serde(default)]
    pub buyer_email: String,
    #[serde(default)]
    pub buyer_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Order {
    pub amazon_order_id: String,
    pub purchase_date: String,
    pub last_update_date: String,
    pub order_status: String,
    #[serde(default)]
    pub fulfillment_channel: String,
    #[serde(default)]
    pub sales_channel: String,
    #[serde(default)]
    pub marketplace_id: String,
    #[serde(default)]
    pub order_total: Option<Money>,
    #[serde(default)]
    pub shipping_address: Option<Address>,
    #[serde(default)]
    pub buyer_info: Option<BuyerInfo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrdersList {
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub next_token: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItem {
    #[serde(default, rename = "ASIN")]
    pub asin: String,
    #[serde(default, rename = "SellerSKU")]
    pub seller_sku: String,
    pub order_item_id: String,
    #[serde(default)]
    pub title: String,
    pub quantity_ordered: i64,
    #[serde(default)]
    pub item_price: Option<Money>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderItemsList {
    #[serde(default)]
    pub order_items: Vec<OrderItem>,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `{"payload": …}` around every successful answer.
#[derive(Debug, Deserialize)]
pub struct Payload<T> {
    pub payload: T,
}

fn cents(m: &Option<Money>) -> (Option<i64>, String) {
    match m {
        Some(m) => (parse_cents(&m.amount), m.currency_code.clone()),
        None => (None, String::new()),
    }
}

/// One order with its lines.
pub fn order(o: Order, items: Vec<OrderItem>) -> OrderRec {
    let (total_cents, currency) = cents(&o.order_total);
    let address = o.shipping_address.unwrap_or_default();
    let buyer = o.buyer_info.unwrap_or_default();
    let storefront = if o.sales_channel.is_empty() {
        MARKETPLACES
            .iter()
            .find(|(_, id, _)| *id == o.marketplace_id)
            .map_or("Amazon", |(_, _, s)| s)
            .to_string()
    } else {
        o.sales_channel.clone()
    };
    let (financial, fulfillment) = match o.order_status.as_str() {
        "Pending" | "PendingAvailability" => ("pending", ""),
        "Shipped" => ("paid", "fulfilled"),
        "PartiallyShipped" => ("paid", "partial"),
        "Canceled" | "Unfulfillable" => ("voided", ""),
        _ => ("paid", ""),
    };
    let cancelled = matches!(o.order_status.as_str(), "Canceled" | "Unfulfillable")
        .then(|| o.last_update_date.clone());
    OrderRec {
        external_id: o.amazon_order_id.clone(),
        name: o.amazon_order_id,
        email: buyer.buyer_email,
        phone: address.phone,
        customer_external_id: String::new(),
        created_at: o.purchase_date,
        updated_at: o.last_update_date,
        financial_status: financial.into(),
        fulfillment_status: fulfillment.into(),
        cancelled_at: cancelled,
        total_cents,
        currency,
        carrier: String::new(),
        tracking_number: String::new(),
        tracking_url: String::new(),
        shipment_status: String::new(),
        sale: Box::new(Sale {
            marketplace: storefront,
            fulfillment_channel: match o.fulfillment_channel.as_str() {
                "AFN" => "FBA".into(),
                "MFN" => "FBM".into(),
                other => other.to_string(),
            },
            ship_name: if address.name.is_empty() {
                buyer.buyer_name
            } else {
                address.name
            },
            ship_postcode: address.postal_code,
        }),
        lines: items
            .into_iter()
            .map(|i| {
                let (price, _) = cents(&i.item_price);
                OrderLineRec {
                    product_external_id: i.asin,
                    variant_external_id: i.order_item_id,
                    title: i.title,
                    variant_title: String::new(),
                    sku: i.seller_sku,
                    quantity: i.quantity_ordered,
                    price_cents: price,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fba_and_fbm_statuses_and_the_ship_to_postcode() {
        let o: Order = serde_json::from_value(serde_json::json!({
            "AmazonOrderId": "402-1234567-7654321", "PurchaseDate": "2026-11-10T09:12:00Z",
            "LastUpdateDate": "2026-11-11T10:00:00Z", "OrderStatus": "Shipped",
            "FulfillmentChannel": "AFN", "SalesChannel": "Amazon.fr",
            "MarketplaceId": "A13V1IB3VIYZZH",
            "OrderTotal": {"CurrencyCode": "EUR", "Amount": "89.00"},
            "ShippingAddress": {"Name": "Léa Martin", "PostalCode": "69003", "CountryCode": "FR"}
        }))
        .unwrap();
        let item: OrderItem = serde_json::from_value(serde_json::json!({
            "ASIN": "B0TEST0001", "SellerSKU": "RFB-38", "OrderItemId": "111",
            "Title": "Robe Fleurie Bleue", "QuantityOrdered": 1,
            "ItemPrice": {"CurrencyCode": "EUR", "Amount": "89.00"}
        }))
        .unwrap();
        let r = order(o, vec![item]);
        assert_eq!(r.sale.fulfillment_channel, "FBA");
        assert_eq!(r.sale.ship_postcode, "69003");
        assert_eq!(r.fulfillment_status, "fulfilled");
        assert_eq!(r.total_cents, Some(8900));
        assert_eq!(r.lines[0].sku, "RFB-38");
        assert_eq!(marketplace_id("fr"), Some("A13V1IB3VIYZZH"));
    }
}
