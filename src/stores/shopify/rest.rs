//! Shopify REST-shaped JSON (the demo shop's data files, and webhook payloads, which
//! Shopify sends in REST form) → our catalogue types. Pure.

use serde::Deserialize;

use super::mapping::utc;
use crate::stores::model::{
    CustomerRec, LocationRec, OrderLineRec, OrderRec, ProductRec, StockRec, VariantRec, parse_cents,
};

fn id_text(id: &serde_json::Value) -> String {
    match id {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Deserialize)]
pub struct Product {
    id: serde_json::Value,
    title: String,
    handle: String,
    #[serde(default)]
    product_type: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    options: Vec<ProductOption>,
    #[serde(default)]
    variants: Vec<Variant>,
}

#[derive(Deserialize)]
struct ProductOption {
    name: String,
}

#[derive(Deserialize)]
struct Variant {
    id: serde_json::Value,
    title: String,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    barcode: Option<String>,
    price: String,
    #[serde(default)]
    position: i64,
    option1: Option<String>,
    option2: Option<String>,
    option3: Option<String>,
    inventory_item_id: serde_json::Value,
}

/// A product and its variants.
pub fn product(p: Product) -> (ProductRec, Vec<VariantRec>) {
    let external_id = id_text(&p.id);
    let variants = p
        .variants
        .into_iter()
        .map(|v| VariantRec {
            external_id: id_text(&v.id),
            product_external_id: external_id.clone(),
            inventory_item_id: id_text(&v.inventory_item_id),
            title: v.title,
            sku: v.sku.unwrap_or_default(),
            barcode: v.barcode.unwrap_or_default(),
            price_cents: parse_cents(&v.price),
            options: [v.option1, v.option2, v.option3]
                .map(|o| o.filter(|value| value != "Default Title")),
            position: v.position,
        })
        .collect();
    let product = ProductRec {
        external_id,
        handle: p.handle,
        title: p.title,
        product_type: p.product_type,
        vendor: p.vendor,
        tags: p.tags,
        status: p.status.unwrap_or_else(|| "active".into()),
        option_names: p
            .options
            .into_iter()
            .map(|o| o.name)
            .filter(|n| n != "Title")
            .collect(),
        updated_at: p.updated_at.map(|t| utc(&t)).unwrap_or_default(),
    };
    (product, variants)
}

#[derive(Deserialize)]
pub struct Location {
    id: serde_json::Value,
    name: String,
    #[serde(default)]
    address1: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    city: Option<String>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

pub fn location(l: Location) -> LocationRec {
    let town = [l.zip, l.city]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    LocationRec {
        external_id: id_text(&l.id),
        name: l.name,
        address: [l.address1.unwrap_or_default(), town]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        active: l.active,
    }
}

#[derive(Deserialize)]
pub struct InventoryLevel {
    inventory_item_id: serde_json::Value,
    location_id: serde_json::Value,
    available: Option<i64>,
    #[serde(default)]
    updated_at: Option<String>,
}

pub fn stock(l: InventoryLevel) -> StockRec {
    StockRec {
        inventory_item_id: id_text(&l.inventory_item_id),
        location_external_id: id_text(&l.location_id),
        available: l.available.unwrap_or(0),
        updated_at: l.updated_at.map(|t| utc(&t)).unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct Customer {
    id: serde_json::Value,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

pub fn customer(c: Customer) -> CustomerRec {
    CustomerRec {
        external_id: id_text(&c.id),
        email: c.email.unwrap_or_default(),
        phone: c.phone.unwrap_or_default(),
        first_name: c.first_name.unwrap_or_default(),
        last_name: c.last_name.unwrap_or_default(),
        updated_at: c.updated_at.map(|t| utc(&t)).unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct Order {
    id: serde_json::Value,
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    cancelled_at: Option<String>,
    #[serde(default)]
    financial_status: Option<String>,
    #[serde(default)]
    fulfillment_status: Option<String>,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    total_price: Option<String>,
    #[serde(default)]
    customer: Option<OrderCustomer>,
    #[serde(default)]
    line_items: Vec<LineItem>,
    #[serde(default)]
    fulfillments: Vec<Fulfillment>,
}

#[derive(Deserialize)]
struct OrderCustomer {
    id: serde_json::Value,
}

#[derive(Deserialize)]
struct LineItem {
    #[serde(default)]
    variant_id: serde_json::Value,
    #[serde(default)]
    product_id: serde_json::Value,
    title: String,
    #[serde(default)]
    variant_title: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    quantity: i64,
    #[serde(default)]
    price: Option<String>,
}

#[derive(Deserialize)]
struct Fulfillment {
    #[serde(default)]
    tracking_company: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    tracking_url: Option<String>,
    #[serde(default)]
    shipment_status: Option<String>,
}

fn optional_id(v: &serde_json::Value) -> String {
    if v.is_null() {
        String::new()
    } else {
        id_text(v)
    }
}

pub fn order(o: Order) -> OrderRec {
    let latest = o.fulfillments.into_iter().next_back();
    OrderRec {
        external_id: id_text(&o.id),
        name: o.name,
        email: o.email.unwrap_or_default(),
        phone: o.phone.unwrap_or_default(),
        customer_external_id: o.customer.map(|c| id_text(&c.id)).unwrap_or_default(),
        created_at: utc(&o.created_at),
        updated_at: o.updated_at.map(|t| utc(&t)).unwrap_or_default(),
        financial_status: o.financial_status.unwrap_or_default(),
        fulfillment_status: o.fulfillment_status.unwrap_or_else(|| "unfulfilled".into()),
        cancelled_at: o.cancelled_at.map(|t| utc(&t)),
        total_cents: o.total_price.as_deref().and_then(parse_cents),
        currency: o.currency,
        carrier: latest
            .as_ref()
            .and_then(|f| f.tracking_company.clone())
            .unwrap_or_default(),
        tracking_number: latest
            .as_ref()
            .and_then(|f| f.tracking_number.clone())
            .unwrap_or_default(),
        tracking_url: latest
            .as_ref()
            .and_then(|f| f.tracking_url.clone())
            .unwrap_or_default(),
        shipment_status: latest.and_then(|f| f.shipment_status).unwrap_or_default(),
        sale: Box::default(),
        lines: o
            .line_items
            .into_iter()
            .map(|l| OrderLineRec {
                product_external_id: optional_id(&l.product_id),
                variant_external_id: optional_id(&l.variant_id),
                title: l.title,
                variant_title: l.variant_title.unwrap_or_default(),
                sku: l.sku.unwrap_or_default(),
                quantity: l.quantity,
                price_cents: l.price.as_deref().and_then(parse_cents),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_product_with_default_title() {
        let p: Product = serde_json::from_value(serde_json::json!({
            "id": 632910392, "title": "IPod Nano - 8GB", "handle": "ipod-nano",
            "options": [{"name": "Title"}],
            "variants": [{"id": 808950810, "title": "Default Title", "sku": "IPOD2008PINK",
                "price": "199.00", "position": 1, "option1": "Default Title", "option2": null,
                "option3": null, "inventory_item_id": 808950810}]
        }))
        .unwrap();
        let (product, variants) = product(p);
        assert!(product.option_names.is_empty());
        assert_eq!(variants[0].options, [None, None, None]);
        assert_eq!(
            (variants[0].price_cents, product.external_id.as_str()),
            (Some(19900), "632910392")
        );
    }

    #[test]
    fn official_fixtures_map() {
        // Shopify's own REST fixtures, as published in its Python API's tests.
        let raw = include_str!("../../../tests/data/shopify_python_api__order.json");
        let order_json: serde_json::Value = serde_json::from_str(raw).unwrap();
        let o: Order = serde_json::from_value(order_json["order"].clone()).unwrap();
        let rec = order(o);
        assert_eq!(rec.name, "#1001");
        assert_eq!(rec.created_at, "2008-01-10T16:00:00Z");
        assert_eq!(rec.total_cents, Some(40994));
        assert_eq!(rec.tracking_number, "1Z2345");
        assert_eq!(rec.lines.len(), 3);
    }
}
