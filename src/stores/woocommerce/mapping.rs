//! WooCommerce REST v3 JSON → our catalogue types. Pure.
//!
//! WooCommerce core keeps one stock quantity per product or variation (no locations),
//! so its stock lives at one location, `DEFAULT_LOCATION`. A simple product becomes one
//! variant titled "Default Title", as single-variant products are everywhere else.

use serde::Deserialize;

use crate::stores::model::{
    CustomerRec, LocationRec, OrderLineRec, OrderRec, ProductRec, StockRec, VariantRec, parse_cents,
};

pub const DEFAULT_LOCATION: &str = "woocommerce";

/// WooCommerce `*_gmt` fields have no zone marker; they are UTC.
pub fn gmt(ts: &str) -> String {
    if ts.is_empty() {
        return String::new();
    }
    let with_zone = if ts.ends_with('Z') || ts.contains('+') {
        ts.to_string()
    } else {
        format!("{ts}Z")
    };
    crate::stores::shopify::mapping::utc(&with_zone)
}

pub fn location(shop_name: &str) -> LocationRec {
    LocationRec {
        external_id: DEFAULT_LOCATION.into(),
        name: shop_name.to_string(),
        address: String::new(),
        active: true,
    }
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Attribute {
    name: String,
    #[serde(default)]
    variation: bool,
}

#[derive(Deserialize)]
pub struct Product {
    pub id: i64,
    name: String,
    slug: String,
    #[serde(rename = "type")]
    pub kind: String,
    status: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock_quantity: Option<i64>,
    #[serde(default)]
    stock_status: String,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    #[serde(default)]
    categories: Vec<Named>,
    #[serde(default)]
    tags: Vec<Named>,
    #[serde(default)]
    attributes: Vec<Attribute>,
}

/// What stock to record when the shop does not manage quantities: in stock counts as one.
fn quantity(stock_quantity: Option<i64>, stock_status: &str) -> i64 {
    stock_quantity.unwrap_or(if stock_status == "instock" { 1 } else { 0 })
}

/// The product, and for a simple product its one variant and stock.
pub fn product(p: Product) -> (ProductRec, Option<(VariantRec, StockRec)>) {
    let id = p.id.to_string();
    let updated = p.date_modified_gmt.as_deref().map(gmt).unwrap_or_default();
    let record = ProductRec {
        external_id: id.clone(),
        handle: p.slug,
        title: p.name,
        product_type: p
            .categories
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        vendor: String::new(),
        tags: p
            .tags
            .into_iter()
            .map(|t| t.name)
            .collect::<Vec<_>>()
            .join(", "),
        status: if p.status == "publish" {
            "active".into()
        } else {
            p.status
        },
        option_names: p
            .attributes
            .into_iter()
            .filter(|a| a.variation)
            .map(|a| a.name)
            .collect(),
        updated_at: updated.clone(),
    };
    if p.kind == "variable" {
        return (record, None);
    }
    let variant = VariantRec {
        external_id: id.clone(),
        product_external_id: id.clone(),
        inventory_item_id: id.clone(),
        title: "Default Title".into(),
        sku: p.sku,
        barcode: String::new(),
        price_cents: parse_cents(&p.price),
        options: [None, None, None],
        position: 1,
    };
    let stock = StockRec {
        inventory_item_id: id,
        location_external_id: DEFAULT_LOCATION.into(),
        available: quantity(p.stock_quantity, &p.stock_status),
        updated_at: updated,
    };
    (record, Some((variant, stock)))
}

#[derive(Deserialize)]
struct VariationAttribute {
    name: String,
    option: String,
}

#[derive(Deserialize)]
pub struct Variation {
    id: i64,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    stock_quantity: Option<i64>,
    #[serde(default)]
    stock_status: String,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    #[serde(default)]
    attributes: Vec<VariationAttribute>,
    #[serde(default)]
    menu_order: i64,
}

/// A variation; option values follow the product's variation attribute order.
pub fn variation(v: Variation, product_id: i64, option_names: &[String]) -> (VariantRec, StockRec) {
    let id = v.id.to_string();
    let mut options: [Option<String>; 3] = [None, None, None];
    for (slot, name) in options.iter_mut().zip(option_names) {
        *slot = v
            .attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| a.option.clone());
    }
    let title = options
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" / ");
    let updated = v.date_modified_gmt.as_deref().map(gmt).unwrap_or_default();
    (
        VariantRec {
            external_id: id.clone(),
            product_external_id: product_id.to_string(),
            inventory_item_id: id.clone(),
            title,
            sku: v.sku,
            barcode: String::new(),
            price_cents: parse_cents(&v.price),
            options,
            position: v.menu_order,
        },
        StockRec {
            inventory_item_id: id,
            location_external_id: DEFAULT_LOCATION.into(),
            available: quantity(v.stock_quantity, &v.stock_status),
            updated_at: updated,
        },
    )
}

#[derive(Deserialize)]
struct Billing {
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

#[derive(Deserialize)]
pub struct Customer {
    id: i64,
    #[serde(default)]
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    billing: Option<Billing>,
}

pub fn customer(c: Customer) -> CustomerRec {
    CustomerRec {
        external_id: c.id.to_string(),
        email: c.email,
        phone: c.billing.map(|b| b.phone).unwrap_or_default(),
        first_name: c.first_name,
        last_name: c.last_name,
        updated_at: c.date_modified_gmt.as_deref().map(gmt).unwrap_or_default(),
    }
}

#[derive(Deserialize)]
struct LineItem {
    name: String,
    product_id: i64,
    #[serde(default)]
    variation_id: i64,
    quantity: i64,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    price: serde_json::Value,
    #[serde(default)]
    meta_data: Vec<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    key: String,
    value: serde_json::Value,
}

#[derive(Deserialize)]
pub struct Order {
    id: i64,
    number: String,
    status: String,
    currency: String,
    date_created_gmt: String,
    #[serde(default)]
    date_modified_gmt: Option<String>,
    #[serde(default)]
    total: String,
    #[serde(default)]
    customer_id: i64,
    billing: Option<Billing>,
    #[serde(default)]
    line_items: Vec<LineItem>,
    #[serde(default)]
    meta_data: Vec<Meta>,
}

fn statuses(status: &str) -> (&'static str, &'static str) {
    match status {
        "completed" => ("paid", "fulfilled"),
        "processing" => ("paid", "unfulfilled"),
        "pending" | "on-hold" => ("pending", "unfulfilled"),
        "refunded" => ("refunded", "unfulfilled"),
        "cancelled" | "failed" => ("voided", "unfulfilled"),
        _ => ("", "unfulfilled"),
    }
}

/// Tracking from the WooCommerce Shipment Tracking extension, when installed.
fn tracking(meta: &[Meta]) -> (String, String, String) {
    let item = meta
        .iter()
        .find(|m| m.key == "_wc_shipment_tracking_items")
        .and_then(|m| m.value.as_array()?.last().cloned());
    let field = |name: &str| {
        item.as_ref()
            .and_then(|i| i.get(name))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let provider = match field("custom_tracking_provider").as_str() {
        "" => field("tracking_provider"),
        custom => custom.to_string(),
    };
    (
        provider,
        field("tracking_number"),
        field("custom_tracking_link"),
    )
}

pub fn order(o: Order) -> OrderRec {
    let (financial, fulfillment) = statuses(&o.status);
    let (carrier, number, url) = tracking(&o.meta_data);
    let billing = o.billing.unwrap_or(Billing {
        email: String::new(),
        phone: String::new(),
    });
    let name = if o.number.starts_with('#') {
        o.number
    } else {
        format!("#{}", o.number)
    };
    OrderRec {
        external_id: o.id.to_string(),
        name,
        email: billing.email,
        phone: billing.phone,
        customer_external_id: if o.customer_id > 0 {
            o.customer_id.to_string()
        } else {
            String::new()
        },
        created_at: gmt(&o.date_created_gmt),
        updated_at: o.date_modified_gmt.as_deref().map(gmt).unwrap_or_default(),
        financial_status: financial.into(),
        fulfillment_status: fulfillment.into(),
        cancelled_at: None,
        total_cents: parse_cents(&o.total),
        currency: o.currency,
        carrier,
        tracking_number: number,
        tracking_url: url,
        shipment_status: String::new(),
        sale: Box::default(),
        lines: o
            .line_items
            .into_iter()
            .map(|l| {
                let variant_title = l
                    .meta_data
                    .iter()
                    .filter(|m| !m.key.starts_with('_'))
                    .filter_map(|m| m.value.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(" / ");
                let price = match &l.price {
                    serde_json::Value::String(s) => parse_cents(s),
                    serde_json::Value::Number(n) => parse_cents(&n.to_string()),
                    _ => None,
                };
                OrderLineRec {
                    product_external_id: l.product_id.to_string(),
                    variant_external_id: if l.variation_id > 0 {
                        l.variation_id
                    } else {
                        l.product_id
                    }
                    .to_string(),
                    title: l.name,
                    variant_title,
                    sku: l.sku,
                    quantity: l.quantity,
                    price_cents: price,
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> serde_json::Value {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn documented_variable_product_and_variations() {
        let list = fixture("woocommerce_rest_api_docs__products_list.json");
        let p: Product = serde_json::from_value(list[0].clone()).unwrap();
        assert_eq!(p.kind, "variable");
        let (product, simple) = product(p);
        assert!(simple.is_none());
        assert_eq!(product.option_names, ["Color", "Size"]);
        assert_eq!(
            (product.handle.as_str(), product.updated_at.as_str()),
            ("ship-your-idea-22", "2017-03-23T20:03:12Z")
        );

        let variations = fixture("woocommerce_rest_api_docs__product_variations_list.json");
        let v: Variation = serde_json::from_value(variations[0].clone()).unwrap();
        let (variant, stock) = variation(v, 799, &product.option_names);
        assert_eq!(variant.options[0].as_deref(), Some("Green"));
        assert_eq!(variant.price_cents, Some(900));
        assert_eq!(
            stock.available, 1,
            "instock without managed stock counts as one"
        );
    }

    #[test]
    fn documented_order_and_customer() {
        let o: Order =
            serde_json::from_value(fixture("woocommerce_rest_api_docs__order.json")).unwrap();
        let rec = order(o);
        assert_eq!(
            (rec.name.as_str(), rec.financial_status.as_str()),
            ("#727", "paid")
        );
        assert_eq!(rec.email, "john.doe@example.com");
        assert_eq!(rec.created_at, "2017-03-22T19:28:02Z");
        assert_eq!(rec.total_cents, Some(2935));
        let c: Customer =
            serde_json::from_value(fixture("woocommerce_rest_api_docs__customer.json")).unwrap();
        let c = customer(c);
        assert_eq!(
            (c.email.as_str(), c.phone.as_str()),
            ("john.doe@example.com", "(555) 555-5555")
        );
    }

    #[test]
    fn shipment_tracking_extension_is_read() {
        let meta = vec![Meta {
            key: "_wc_shipment_tracking_items".into(),
            value: serde_json::json!([{"tracking_provider": "colissimo", "tracking_number": "6A1", "custom_tracking_link": ""}]),
        }];
        assert_eq!(
            tracking(&meta),
            ("colissimo".into(), "6A1".into(), String::new())
        );
    }
}
