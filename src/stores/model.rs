//! Our own catalogue types. Every connector maps its platform's JSON into these, so
//! platform types never leave their module. IDs are strings; money is integer cents.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Shopify,
    WooCommerce,
    PrestaShop,
    Manual,
    /// A marketplace: its orders join the order book (no catalogue of its own).
    Amazon,
    /// A marketplace run on Mirakl (the operator's own instance).
    Mirakl,
    Ebay,
    Etsy,
    /// Cdiscount, through Octopia's seller API.
    Cdiscount,
}

impl Platform {
    pub fn code(self) -> &'static str {
        match self {
            Platform::Shopify => "shopify",
            Platform::WooCommerce => "woocommerce",
            Platform::PrestaShop => "prestashop",
            Platform::Manual => "manual",
            Platform::Amazon => "amazon",
            Platform::Mirakl => "mirakl",
            Platform::Ebay => "ebay",
            Platform::Etsy => "etsy",
            Platform::Cdiscount => "cdiscount",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Platform::Shopify => "Shopify",
            Platform::WooCommerce => "WooCommerce",
            Platform::PrestaShop => "PrestaShop",
            Platform::Manual => "Boutique manuelle",
            Platform::Amazon => "Amazon",
            Platform::Mirakl => "Marketplace Mirakl",
            Platform::Ebay => "eBay",
            Platform::Etsy => "Etsy",
            Platform::Cdiscount => "Cdiscount",
        }
    }

    /// A marketplace brings orders only; the catalogue comes from the shop's stores.
    pub fn is_marketplace(self) -> bool {
        matches!(
            self,
            Platform::Amazon
                | Platform::Mirakl
                | Platform::Ebay
                | Platform::Etsy
                | Platform::Cdiscount
        )
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Shopify,
            Self::WooCommerce,
            Self::PrestaShop,
            Self::Manual,
            Self::Amazon,
            Self::Mirakl,
            Self::Ebay,
            Self::Etsy,
            Self::Cdiscount,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationRec {
    pub external_id: String,
    pub name: String,
    pub address: String,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductRec {
    pub external_id: String,
    pub handle: String,
    pub title: String,
    pub product_type: String,
    pub vendor: String,
    pub tags: String,
    pub status: String,
    pub option_names: Vec<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRec {
    pub external_id: String,
    pub product_external_id: String,
    /// What stock levels are keyed by (Shopify's inventory item; the variant elsewhere).
    pub inventory_item_id: String,
    pub title: String,
    pub sku: String,
    pub barcode: String,
    pub price_cents: Option<i64>,
    pub options: [Option<String>; 3],
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockRec {
    pub inventory_item_id: String,
    pub location_external_id: String,
    pub available: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerRec {
    pub external_id: String,
    pub email: String,
    pub phone: String,
    pub first_name: String,
    pub last_name: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLineRec {
    pub product_external_id: String,
    pub variant_external_id: String,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub quantity: i64,
    pub price_cents: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRec {
    pub external_id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub customer_external_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub financial_status: String,
    pub fulfillment_status: String,
    pub cancelled_at: Option<String>,
    pub total_cents: Option<i64>,
    pub currency: String,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: String,
    /// Where the parcel is: `in_transit`, `out_for_delivery`, `delivered`… (empty when unknown).
    #[serde(default)]
    pub shipment_status: String,
    /// What a marketplace tells of the sale (empty for the shop's own stores).
    #[serde(default)]
    pub sale: Box<Sale>,
    pub lines: Vec<OrderLineRec>,
}

/// A marketplace sale: where (Amazon.fr…), how it ships (`FBA`: by Amazon, `FBM`: by
/// the shop), and the name and postcode it ships to, which with the order number prove
/// a sender is its buyer where the marketplace hides the buyer's contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sale {
    pub marketplace: String,
    pub fulfillment_channel: String,
    pub ship_name: String,
    pub ship_postcode: String,
}

/// One record of a sync, as staged before the merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    Location(LocationRec),
    Product(ProductRec),
    Variant(VariantRec),
    Stock(StockRec),
    Customer(CustomerRec),
    Order(OrderRec),
}

impl Record {
    /// Merge order: a variant needs its product, stock needs variant and location.
    pub const KINDS: [&'static str; 6] = [
        "location", "product", "variant", "stock", "customer", "order",
    ];

    pub fn kind(&self) -> &'static str {
        match self {
            Record::Location(_) => "location",
            Record::Product(_) => "product",
            Record::Variant(_) => "variant",
            Record::Stock(_) => "stock",
            Record::Customer(_) => "customer",
            Record::Order(_) => "order",
        }
    }

    pub fn key(&self) -> String {
        match self {
            Record::Location(r) => r.external_id.clone(),
            Record::Product(r) => r.external_id.clone(),
            Record::Variant(r) => r.external_id.clone(),
            Record::Stock(r) => format!("{}@{}", r.inventory_item_id, r.location_external_id),
            Record::Customer(r) => r.external_id.clone(),
            Record::Order(r) => r.external_id.clone(),
        }
    }
}

/// Parses a decimal money string ("89.00", "89", "89.9") into cents, never through floats.
pub fn parse_cents(amount: &str) -> Option<i64> {
    let amount = amount.trim();
    let (negative, digits) = match amount.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, amount),
    };
    let (units, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if units.is_empty() && fraction.is_empty()
        || !units.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2 && fraction[2..].bytes().any(|b| b != b'0')
    {
        return None;
    }
    let units: i64 = if units.is_empty() {
        0
    } else {
        units.parse().ok()?
    };
    let mut cents_text = fraction.chars().take(2).collect::<String>();
    while cents_text.len() < 2 {
        cents_text.push('0');
    }
    let cents: i64 = cents_text.parse().ok()?;
    let total = units.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -total } else { total })
}

/// "89,00 €" style (with a non-breaking space), for pages and replies.
pub fn format_eur(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.abs();
    format!("{sign}{},{:02}\u{a0}€", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_without_floats() {
        let cases = [
            ("89.00", Some(8900)),
            ("89", Some(8900)),
            ("89.9", Some(8990)),
            ("0.05", Some(5)),
            (".5", Some(50)),
            ("-4.90", Some(-490)),
            ("12.3400", Some(1234)),
            ("12.345", None),
            ("", None),
            ("1e3", None),
            ("12,50", None),
            ("99999999999999999999", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_cents(text), expected, "{text}");
        }
        assert_eq!(format_eur(8900), "89,00\u{a0}€");
        assert_eq!(format_eur(-490), "-4,90\u{a0}€");
    }

    #[test]
    fn record_keys() {
        let stock = Record::Stock(StockRec {
            inventory_item_id: "47".into(),
            location_external_id: "61001".into(),
            available: 2,
            updated_at: String::new(),
        });
        assert_eq!((stock.kind(), stock.key().as_str()), ("stock", "47@61001"));
    }
}
