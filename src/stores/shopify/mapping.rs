//! Shopify GraphQL JSON → our catalogue types. Pure: no I/O, unit-tested.

use serde::Deserialize;

use crate::stores::model::{
    CustomerRec, LocationRec, OrderLineRec, OrderRec, ProductRec, StockRec, VariantRec, parse_cents,
};

/// "gid://shopify/Product/8100000001" → "8100000001" (other forms are kept whole).
pub fn numeric_id(gid: &str) -> String {
    match gid.rsplit_once('/') {
        Some((_, tail)) if !tail.is_empty() => tail.split('?').next().unwrap_or(tail).to_string(),
        _ => gid.to_string(),
    }
}

/// Timestamps are stored in UTC so they compare as text.
pub fn utc(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| ts.to_string())
}

#[derive(Deserialize)]
pub struct Page<T> {
    pub nodes: Vec<T>,
    #[serde(rename = "pageInfo")]
    pub page_info: PageInfo,
}

#[derive(Deserialize)]
pub struct PageInfo {
    #[serde(rename = "hasNextPage")]
    pub has_next_page: bool,
    #[serde(rename = "endCursor")]
    pub end_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    id: String,
    name: String,
    is_active: bool,
    address: Option<Address>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    address1: Option<String>,
    zip: Option<String>,
    city: Option<String>,
}

impl Location {
    pub fn gid(&self) -> &str {
        &self.id
    }
}

pub fn location(l: Location) -> LocationRec {
    let address = l
        .address
        .map(|a| {
            let town = [a.zip, a.city]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            [a.address1.unwrap_or_default(), town]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    LocationRec {
        external_id: numeric_id(&l.id),
        name: l.name,
        address,
        active: l.is_active,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Product {
    id: String,
    handle: String,
    title: String,
    product_type: String,
    vendor: String,
    tags: Vec<String>,
    status: String,
    updated_at: String,
    options: Vec<OptionName>,
}

#[derive(Deserialize)]
struct OptionName {
    name: String,
}

pub fn product(p: Product) -> ProductRec {
    ProductRec {
        external_id: numeric_id(&p.id),
        handle: p.handle,
        title: p.title,
        product_type: p.product_type,
        vendor: p.vendor,
        tags: p.tags.join(", "),
        status: p.status.to_lowercase(),
        // Shopify's placeholder option for single-variant products is not a real choice.
        option_names: p
            .options
            .into_iter()
            .map(|o| o.name)
            .filter(|n| n != "Title")
            .collect(),
        updated_at: utc(&p.updated_at),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    id: String,
    title: String,
    sku: Option<String>,
    barcode: Option<String>,
    price: String,
    position: i64,
    selected_options: Vec<SelectedOption>,
    product: Id,
    inventory_item: Id,
}

#[derive(Deserialize)]
struct SelectedOption {
    name: String,
    value: String,
}

pub fn variant(v: Variant) -> VariantRec {
    let mut options: [Option<String>; 3] = [None, None, None];
    let real = v.selected_options.into_iter().filter(|o| o.name != "Title");
    for (slot, o) in options.iter_mut().zip(real) {
        *slot = Some(o.value);
    }
    VariantRec {
        external_id: numeric_id(&v.id),
        product_external_id: numeric_id(&v.product.id),
        inventory_item_id: numeric_id(&v.inventory_item.id),
        title: v.title,
        sku: v.sku.unwrap_or_default(),
        barcode: v.barcode.unwrap_or_default(),
        price_cents: parse_cents(&v.price),
        options,
        position: v.position,
    }
}

#[derive(Deserialize)]
pub struct LocationStock {
    #[serde(rename = "inventoryLevels")]
    pub inventory_levels: Page<Level>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Level {
    updated_at: String,
    item: Id,
    quantities: Vec<Quantity>,
}

#[derive(Deserialize)]
struct Quantity {
    name: String,
    quantity: i64,
}

pub fn stock(level: Level, location_gid: &str) -> StockRec {
    let available = level
        .quantities
        .iter()
        .find(|q| q.name == "available")
        .map_or(0, |q| q.quantity);
    StockRec {
        inventory_item_id: numeric_id(&level.item.id),
        location_external_id: numeric_id(location_gid),
        available,
        updated_at: utc(&level.updated_at),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    updated_at: String,
    default_email_address: Option<Email>,
    default_phone_number: Option<Phone>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Email {
    email_address: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Phone {
    phone_number: String,
}

pub fn customer(c: Customer) -> CustomerRec {
    CustomerRec {
        external_id: numeric_id(&c.id),
        email: c
            .default_email_address
            .map(|e| e.email_address)
            .unwrap_or_default(),
        phone: c
            .default_phone_number
            .map(|p| p.phone_number)
            .unwrap_or_default(),
        first_name: c.first_name.unwrap_or_default(),
        last_name: c.last_name.unwrap_or_default(),
        updated_at: utc(&c.updated_at),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    id: String,
    name: String,
    email: Option<String>,
    phone: Option<String>,
    created_at: String,
    updated_at: String,
    cancelled_at: Option<String>,
    display_financial_status: Option<String>,
    display_fulfillment_status: String,
    currency_code: String,
    total_price_set: MoneyBag,
    customer: Option<Id>,
    line_items: Lines,
    fulfillments: Vec<Fulfillment>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoneyBag {
    shop_money: Money,
}

#[derive(Deserialize)]
struct Money {
    amount: String,
}

#[derive(Deserialize)]
struct Lines {
    nodes: Vec<Line>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    title: String,
    variant_title: Option<String>,
    sku: Option<String>,
    quantity: i64,
    variant: Option<Id>,
    product: Option<Id>,
    original_unit_price_set: MoneyBag,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fulfillment {
    display_status: Option<String>,
    tracking_info: Vec<Tracking>,
}

#[derive(Deserialize)]
struct Tracking {
    company: Option<String>,
    number: Option<String>,
    url: Option<String>,
}

pub fn order(o: Order) -> OrderRec {
    // The latest fulfilment's first tracking entry is what a shopper asks about.
    let latest = o.fulfillments.into_iter().next_back();
    let shipment_status = latest
        .as_ref()
        .and_then(|f| f.display_status.as_deref())
        .unwrap_or_default()
        .to_lowercase();
    let tracking = latest.into_iter().flat_map(|f| f.tracking_info).next();
    let (carrier, number, url) = match tracking {
        Some(t) => (
            t.company.unwrap_or_default(),
            t.number.unwrap_or_default(),
            t.url.unwrap_or_default(),
        ),
        None => Default::default(),
    };
    OrderRec {
        external_id: numeric_id(&o.id),
        name: o.name,
        email: o.email.unwrap_or_default(),
        phone: o.phone.unwrap_or_default(),
        customer_external_id: o.customer.map(|c| numeric_id(&c.id)).unwrap_or_default(),
        created_at: utc(&o.created_at),
        updated_at: utc(&o.updated_at),
        financial_status: o
            .display_financial_status
            .unwrap_or_default()
            .to_lowercase(),
        fulfillment_status: o.display_fulfillment_status.to_lowercase(),
        cancelled_at: o.cancelled_at.map(|c| utc(&c)),
        total_cents: parse_cents(&o.total_price_set.shop_money.amount),
        currency: o.currency_code,
        carrier,
        tracking_number: number,
        tracking_url: url,
        shipment_status,
        sale: Box::default(),
        lines: o
            .line_items
            .nodes
            .into_iter()
            .map(|l| OrderLineRec {
                product_external_id: l.product.map(|p| numeric_id(&p.id)).unwrap_or_default(),
                variant_external_id: l.variant.map(|v| numeric_id(&v.id)).unwrap_or_default(),
                title: l.title,
                variant_title: l.variant_title.unwrap_or_default(),
                sku: l.sku.unwrap_or_default(),
                quantity: l.quantity,
                price_cents: parse_cents(&l.original_unit_price_set.shop_money.amount),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times() {
        assert_eq!(numeric_id("gid://shopify/Product/8100000001"), "8100000001");
        assert_eq!(
            numeric_id("gid://shopify/InventoryLevel/61001?inventory_item_id=47"),
            "61001"
        );
        assert_eq!(utc("2025-11-10T10:00:00+01:00"), "2025-11-10T09:00:00Z");
    }

    #[test]
    fn variant_options_skip_the_placeholder() {
        let v: Variant = serde_json::from_value(serde_json::json!({
            "id": "gid://shopify/ProductVariant/45100000001", "title": "Beige / M",
            "sku": "EP-002-BM", "barcode": null, "price": "129.00", "position": 2,
            "selectedOptions": [{"name": "Couleur", "value": "Beige"}, {"name": "Taille", "value": "M"}],
            "product": {"id": "gid://shopify/Product/81"}, "inventoryItem": {"id": "gid://shopify/InventoryItem/47"}
        }))
        .unwrap();
        let rec = variant(v);
        assert_eq!(rec.options, [Some("Beige".into()), Some("M".into()), None]);
        assert_eq!(
            (rec.price_cents, rec.inventory_item_id.as_str()),
            (Some(12900), "47")
        );
        assert_eq!(rec.barcode, "");
    }

    #[test]
    fn order_keeps_latest_tracking_and_cents() {
        let o: Order = serde_json::from_value(serde_json::json!({
            "id": "gid://shopify/Order/5600000001", "name": "#1001", "email": "a@b.fr", "phone": null,
            "createdAt": "2025-11-01T08:00:00Z", "updatedAt": "2025-11-01T17:00:00Z", "cancelledAt": null,
            "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "FULFILLED", "currencyCode": "EUR",
            "totalPriceSet": {"shopMoney": {"amount": "172.9"}}, "customer": {"id": "gid://shopify/Customer/73"},
            "lineItems": {"nodes": [{"title": "Robe", "variantTitle": "38", "sku": "EP-001-38", "quantity": 1,
                "variant": {"id": "gid://shopify/ProductVariant/45"}, "product": {"id": "gid://shopify/Product/81"},
                "originalUnitPriceSet": {"shopMoney": {"amount": "89.00"}}}]},
            "fulfillments": [
                {"trackingInfo": [{"company": "Colissimo", "number": "OLD", "url": null}]},
                {"trackingInfo": [{"company": "Chronopost", "number": "XY123", "url": "https://t.example/XY123"}]}
            ]
        }))
        .unwrap();
        let rec = order(o);
        assert_eq!(
            (rec.carrier.as_str(), rec.tracking_number.as_str()),
            ("Chronopost", "XY123")
        );
        assert_eq!(rec.total_cents, Some(17290));
        assert_eq!(rec.financial_status, "paid");
        assert_eq!(rec.lines[0].price_cents, Some(8900));
        assert_eq!(rec.customer_external_id, "73");
    }
}
