//! PrestaShop Webservice JSON → our catalogue types. Pure.
//!
//! Multilingual fields come as `[{"id": "1", "value": "…"}]` (or a plain string when a
//! language is asked for); the first non-empty value is used. Stock lives in
//! `stock_availables`, keyed by product and combination (`{product}-{combination}`, 0 for
//! a product without combinations), at one location: PrestaShop core has no warehouses
//! in the webservice.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::stores::model::{
    CustomerRec, LocationRec, OrderLineRec, OrderRec, ProductRec, StockRec, VariantRec, parse_cents,
};

pub const DEFAULT_LOCATION: &str = "prestashop";

/// A field that may be multilingual.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.get("value").and_then(Value::as_str))
            .find(|s| !s.is_empty())
            .unwrap_or("")
            .to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Ids come as numbers or strings.
pub fn id(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// "2025-11-10 10:00:00" (shop time, no zone) → kept as UTC-ish RFC 3339 text.
pub fn date(value: &Value) -> String {
    let raw = text(value);
    if raw.is_empty() || raw.starts_with("0000") {
        return String::new();
    }
    format!("{}Z", raw.replace(' ', "T"))
}

pub fn location(shop_name: &str) -> LocationRec {
    LocationRec {
        external_id: DEFAULT_LOCATION.into(),
        name: shop_name.into(),
        address: String::new(),
        active: true,
    }
}

pub fn item_id(product: &str, combination: &str) -> String {
    format!("{product}-{combination}")
}

fn price(value: &Value) -> Option<i64> {
    // PrestaShop prices have six decimals ("89.000000"); round to cents.
    let raw = text(value);
    let (units, fraction) = raw.split_once('.').unwrap_or((&raw, ""));
    let cents: String = fraction.chars().chain("00".chars()).take(2).collect();
    parse_cents(&format!("{units}.{cents}"))
}

#[derive(Deserialize)]
pub struct Product {
    pub id: Value,
    #[serde(default)]
    name: Value,
    #[serde(default)]
    link_rewrite: Value,
    #[serde(default)]
    reference: Value,
    #[serde(default)]
    ean13: Value,
    #[serde(default)]
    pub price: Value,
    #[serde(default)]
    active: Value,
    #[serde(default)]
    date_upd: Value,
    #[serde(default)]
    pub associations: Associations,
}

#[derive(Deserialize, Default)]
pub struct Associations {
    #[serde(default)]
    pub combinations: Vec<IdOnly>,
    #[serde(default)]
    pub product_option_values: Vec<IdOnly>,
    #[serde(default)]
    pub order_rows: Vec<OrderRow>,
}

#[derive(Deserialize)]
pub struct IdOnly {
    pub id: Value,
}

/// Option groups (Taille, Couleur) and their values, from `product_options` and
/// `product_option_values`.
#[derive(Default)]
pub struct Options {
    pub groups: HashMap<String, String>,
    /// value id → (group id, value name)
    pub values: HashMap<String, (String, String)>,
}

/// A product and, when it has no combinations, its single variant.
pub fn product(p: &Product, option_names: Vec<String>) -> (ProductRec, Option<VariantRec>) {
    let pid = id(&p.id);
    let record = ProductRec {
        external_id: pid.clone(),
        handle: text(&p.link_rewrite),
        title: text(&p.name),
        product_type: String::new(),
        vendor: String::new(),
        tags: String::new(),
        status: if text(&p.active) == "1" {
            "active".into()
        } else {
            "draft".into()
        },
        option_names,
        updated_at: date(&p.date_upd),
    };
    if !p.associations.combinations.is_empty() {
        return (record, None);
    }
    let variant = VariantRec {
        external_id: item_id(&pid, "0"),
        product_external_id: pid.clone(),
        inventory_item_id: item_id(&pid, "0"),
        title: "Default Title".into(),
        sku: text(&p.reference),
        barcode: text(&p.ean13),
        price_cents: price(&p.price),
        options: [None, None, None],
        position: 1,
    };
    (record, Some(variant))
}

#[derive(Deserialize)]
pub struct Combination {
    pub id: Value,
    pub id_product: Value,
    #[serde(default)]
    reference: Value,
    #[serde(default)]
    ean13: Value,
    #[serde(default)]
    price: Value,
    #[serde(default)]
    pub associations: Associations,
}

/// The option group ids a combination uses, for the product's option names.
pub fn groups_of(c: &Combination, options: &Options) -> Vec<String> {
    let mut groups: Vec<String> = c
        .associations
        .product_option_values
        .iter()
        .filter_map(|v| options.values.get(&id(&v.id)).map(|(g, _)| g.clone()))
        .collect();
    groups.sort_by_key(|g| g.parse::<i64>().unwrap_or(0));
    groups.dedup();
    groups
}

/// A combination as a variant; `product_price` is the product's base price, which the
/// combination's price impact adjusts.
pub fn combination(
    c: &Combination,
    product_price: &Value,
    groups: &[String],
    options: &Options,
    position: i64,
) -> VariantRec {
    let pid = id(&c.id_product);
    let cid = id(&c.id);
    let mut values: [Option<String>; 3] = [None, None, None];
    for (slot, group) in values.iter_mut().zip(groups) {
        *slot = c
            .associations
            .product_option_values
            .iter()
            .filter_map(|v| options.values.get(&id(&v.id)))
            .find(|(g, _)| g == group)
            .map(|(_, name)| name.clone());
    }
    let base = price(product_price).unwrap_or(0);
    let impact = {
        let raw = text(&c.price);
        let negative = raw.starts_with('-');
        let cents = price(&Value::String(raw.trim_start_matches('-').to_string())).unwrap_or(0);
        if negative { -cents } else { cents }
    };
    VariantRec {
        external_id: item_id(&pid, &cid),
        product_external_id: pid.clone(),
        inventory_item_id: item_id(&pid, &cid),
        title: values
            .iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" / "),
        sku: text(&c.reference),
        barcode: text(&c.ean13),
        price_cents: Some(base + impact),
        options: values,
        position,
    }
}

#[derive(Deserialize)]
pub struct StockAvailable {
    id_product: Value,
    id_product_attribute: Value,
    quantity: Value,
}

pub fn stock(s: &StockAvailable) -> StockRec {
    StockRec {
        inventory_item_id: item_id(&id(&s.id_product), &id(&s.id_product_attribute)),
        location_external_id: DEFAULT_LOCATION.into(),
        available: text(&s.quantity).parse().unwrap_or(0),
        updated_at: String::new(),
    }
}

#[derive(Deserialize)]
pub struct Customer {
    id: Value,
    #[serde(default)]
    email: Value,
    #[serde(default)]
    firstname: Value,
    #[serde(default)]
    lastname: Value,
    #[serde(default)]
    date_upd: Value,
}

pub fn customer(c: &Customer) -> CustomerRec {
    CustomerRec {
        external_id: id(&c.id),
        email: text(&c.email),
        phone: String::new(),
        first_name: text(&c.firstname),
        last_name: text(&c.lastname),
        updated_at: date(&c.date_upd),
    }
}

#[derive(Deserialize)]
pub struct OrderRow {
    #[serde(default)]
    product_id: Value,
    #[serde(default)]
    product_attribute_id: Value,
    #[serde(default)]
    product_quantity: Value,
    #[serde(default)]
    product_name: Value,
    #[serde(default)]
    product_reference: Value,
    #[serde(default)]
    unit_price_tax_incl: Value,
}

#[derive(Deserialize)]
pub struct Order {
    pub id: Value,
    #[serde(default)]
    reference: Value,
    #[serde(default)]
    id_customer: Value,
    #[serde(default)]
    current_state: Value,
    #[serde(default)]
    date_add: Value,
    #[serde(default)]
    date_upd: Value,
    #[serde(default)]
    total_paid: Value,
    #[serde(default)]
    associations: Associations,
}

impl Order {
    pub fn customer_id(&self) -> Value {
        self.id_customer.clone()
    }
}

/// PrestaShop's default order states (installation ids).
fn states(state: &str) -> (&'static str, &'static str) {
    match state {
        "2" | "3" | "9" | "12" => ("paid", "unfulfilled"),
        "4" => ("paid", "fulfilled"),
        "5" => ("paid", "delivered"),
        "6" => ("voided", "unfulfilled"),
        "7" => ("refunded", "unfulfilled"),
        "8" => ("pending", "unfulfilled"),
        _ => ("pending", "unfulfilled"),
    }
}

/// An order; `tracking` is (carrier name, number, url) from order_carriers, `email` the
/// customer's (PrestaShop orders do not repeat it).
pub fn order(o: &Order, email: String, tracking: Option<(String, String, String)>) -> OrderRec {
    let (financial, fulfillment) = states(&text(&o.current_state));
    let (carrier, number, url) = tracking.unwrap_or_default();
    let customer = id(&o.id_customer);
    OrderRec {
        external_id: id(&o.id),
        name: format!("#{}", text(&o.reference)),
        email,
        phone: String::new(),
        customer_external_id: if customer == "0" {
            String::new()
        } else {
            customer
        },
        created_at: date(&o.date_add),
        updated_at: date(&o.date_upd),
        financial_status: financial.into(),
        fulfillment_status: fulfillment.into(),
        cancelled_at: None,
        total_cents: price(&o.total_paid),
        currency: "EUR".into(),
        carrier,
        tracking_number: number,
        tracking_url: url,
        shipment_status: String::new(),
        sale: Box::default(),
        lines: o
            .associations
            .order_rows
            .iter()
            .map(|r| {
                let product = id(&r.product_id);
                OrderLineRec {
                    product_external_id: product.clone(),
                    variant_external_id: item_id(&product, &id(&r.product_attribute_id)),
                    title: text(&r.product_name),
                    variant_title: String::new(),
                    sku: text(&r.product_reference),
                    quantity: text(&r.product_quantity).parse().unwrap_or(1),
                    price_cents: price(&r.unit_price_tax_incl),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn multilingual_fields_ids_dates_and_prices() {
        assert_eq!(
            text(&json!([{"id": "1", "value": ""}, {"id": "2", "value": "Robe"}])),
            "Robe"
        );
        assert_eq!(text(&json!("Robe")), "Robe");
        assert_eq!(id(&json!(12)), "12");
        assert_eq!(date(&json!("2025-11-10 10:00:00")), "2025-11-10T10:00:00Z");
        assert_eq!(date(&json!("0000-00-00 00:00:00")), "");
        assert_eq!(price(&json!("89.000000")), Some(8900));
        assert_eq!(price(&json!("4.5")), Some(450));
    }

    #[test]
    fn combinations_take_option_names_and_price_impact() {
        let mut options = Options::default();
        options.groups.insert("1".into(), "Taille".into());
        options.groups.insert("2".into(), "Couleur".into());
        options.values.insert("10".into(), ("1".into(), "M".into()));
        options
            .values
            .insert("20".into(), ("2".into(), "Beige".into()));
        let c: Combination = serde_json::from_value(json!({
            "id": 7, "id_product": 3, "reference": "EP-3-BM", "price": "-5.000000",
            "associations": {"product_option_values": [{"id": "20"}, {"id": "10"}]}
        }))
        .unwrap();
        let groups = groups_of(&c, &options);
        assert_eq!(groups, ["1", "2"]);
        let v = combination(&c, &json!("129.000000"), &groups, &options, 1);
        assert_eq!(
            (
                v.title.as_str(),
                v.price_cents,
                v.inventory_item_id.as_str()
            ),
            ("M / Beige", Some(12400), "3-7")
        );
    }
}
