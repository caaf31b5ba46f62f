//! Cdiscount through Octopia's Seller API v2 (read-only). An OAuth 2 `client_credentials`
//! token from Octopia's authorisation server (two hours long, renewed five minutes early;
//! one a run, as Octopia allows 500 tokens an hour), then `GET /seller/v2/orders`
//! with `Authorization: Bearer …` and the `SellerId` header, by `updatedAtMin`, paged
//! with `pageIndex` from 1 and `pageSize` 100 until a shorter page. Errors come as
//! `application/problem+json`. The contract we keep to is described in
//! `tests/data/octopia_seller_api_v2__orders.json`, with its sources.

use std::time::Duration;

use serde::Deserialize;

use crate::clock::SharedClock;
use crate::stores::connector::{Connector, Discard, FetchPlan, Sink, SyncError};
use crate::stores::http::{
    TokenCache, error_words, grant, read, slowed_down, status_error, wait_out,
};
use crate::stores::model::{OrderLineRec, OrderRec, Record, Sale};

const WHAT: &str = "Cdiscount";
pub const AUTH_URL: &str = "https://auth.octopia-io.net";
pub const API_URL: &str = "https://api.octopia-io.net";
const TOKEN_PATH: &str = "/auth/realms/maas/protocol/openid-connect/token";
/// Octopia's largest page.
const PAGE: usize = 100;
const MAX_TRIES: u32 = 6;

pub struct CdiscountConnector {
    http: ureq::Agent,
    auth: String,
    api: String,
    client_id: String,
    client_secret: String,
    seller_id: String,
    clock: SharedClock,
    token: TokenCache,
}

#[derive(Deserialize)]
struct Grant {
    access_token: String,
    #[serde(default)]
    expires_in: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
    #[serde(default)]
    postal_code: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Offer {
    #[serde(default)]
    seller_product_id: String,
    #[serde(default)]
    product_id: Option<String>,
    #[serde(default)]
    supply_mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Price {
    #[serde(default)]
    selling_price: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Parcel {
    #[serde(default)]
    parcel_number: String,
    #[serde(default)]
    carrier_name: Option<String>,
    #[serde(default)]
    tracking_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Line {
    #[serde(default)]
    order_line_id: String,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    offer: Offer,
    #[serde(default)]
    total_price: Option<Price>,
    #[serde(default)]
    shipping_address: Option<Address>,
    #[serde(default)]
    parcels: Vec<Parcel>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order {
    order_id: String,
    status: String,
    created_at: String,
    #[serde(default)]
    purchased_at: Option<String>,
    updated_at: String,
    #[serde(default)]
    sales_channel: Option<String>,
    #[serde(default)]
    billing_address: Option<Address>,
    #[serde(default)]
    lines: Vec<Line>,
}

#[derive(Debug, Deserialize)]
struct Page {
    items: Vec<Order>,
}

fn cents(amount: Option<f64>) -> Option<i64> {
    amount.map(|a| (a * 100.0).round() as i64)
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default().trim().to_string()
}

/// The marketplace's name for a sales channel code (one Octopia account can sell on
/// several).
fn channel_name(code: &str) -> String {
    match code {
        "" | "CDISFR" => "Cdiscount".into(),
        other => format!("Cdiscount · {other}"),
    }
}

fn order(o: Order) -> OrderRec {
    let (financial, fulfillment, shipment) = match o.status.as_str() {
        "Processing" | "WaitingAcceptance" => ("pending", "", ""),
        "Shipped" => ("paid", "fulfilled", "in_transit"),
        "Delivered" => ("paid", "fulfilled", "delivered"),
        "Cancelled" | "Refused" | "Rejected" => ("voided", "", ""),
        _ => ("paid", "", ""),
    };
    let cancelled = matches!(o.status.as_str(), "Cancelled" | "Refused" | "Rejected")
        .then(|| o.updated_at.clone());
    // The ship-to address is the lines' (they share it); the billing one when absent.
    let billing = o.billing_address.unwrap_or_default();
    let ship = o
        .lines
        .iter()
        .find_map(|l| l.shipping_address.as_ref())
        .map(|a| Address {
            first_name: a.first_name.clone(),
            last_name: a.last_name.clone(),
            postal_code: a.postal_code.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
        })
        .unwrap_or_default();
    let parcel = o.lines.iter().flat_map(|l| l.parcels.first()).next();
    let (carrier, tracking, tracking_url) = parcel
        .map(|p| {
            (
                text(p.carrier_name.clone()),
                p.parcel_number.trim().to_string(),
                text(p.tracking_url.clone()),
            )
        })
        .unwrap_or_default();
    let by_octopia = o
        .lines
        .iter()
        .any(|l| l.offer.supply_mode.as_deref() == Some("Fulfillment"));
    let name = [ship.first_name.clone(), ship.last_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let total: Option<i64> = o
        .lines
        .iter()
        .map(|l| cents(l.total_price.as_ref().and_then(|p| p.selling_price)))
        .sum();
    OrderRec {
        external_id: o.order_id.clone(),
        name: o.order_id,
        email: text(ship.email.or(billing.email)),
        phone: text(ship.phone.or(billing.phone)),
        customer_external_id: String::new(),
        created_at: o.purchased_at.unwrap_or(o.created_at),
        updated_at: o.updated_at,
        financial_status: financial.into(),
        fulfillment_status: fulfillment.into(),
        cancelled_at: cancelled,
        total_cents: total,
        currency: "EUR".into(),
        carrier,
        tracking_number: tracking,
        tracking_url,
        shipment_status: shipment.into(),
        sale: Box::new(Sale {
            marketplace: channel_name(o.sales_channel.as_deref().unwrap_or("")),
            fulfillment_channel: if by_octopia { "Octopia" } else { "" }.into(),
            ship_name: name.trim().to_string(),
            ship_postcode: text(ship.postal_code.or(billing.postal_code)),
        }),
        lines: o
            .lines
            .into_iter()
            .map(|l| {
                // Octopia's line names no product: its SKU stands in until the
                // catalogue's product is found by it.
                let sku = l.offer.seller_product_id.trim().to_string();
                OrderLineRec {
                    product_external_id: text(l.offer.product_id),
                    variant_external_id: l.order_line_id,
                    title: sku.clone(),
                    variant_title: String::new(),
                    sku,
                    quantity: l.quantity,
                    price_cents: cents(l.total_price.and_then(|p| p.selling_price)),
                }
            })
            .collect(),
    }
}

impl CdiscountConnector {
    /// `base` replaces both of Octopia's hosts (a proxy's, or a test's).
    pub fn new(
        http: ureq::Agent,
        base: Option<&str>,
        client_id: String,
        client_secret: String,
        seller_id: String,
        clock: SharedClock,
    ) -> Self {
        let (auth, api) = match base {
            Some(b) => (b.trim_end_matches('/'), b.trim_end_matches('/')),
            None => (AUTH_URL, API_URL),
        };
        CdiscountConnector {
            http,
            auth: auth.to_string(),
            api: api.to_string(),
            client_id,
            client_secret,
            seller_id,
            clock,
            token: TokenCache::default(),
        }
    }

    fn access_token(&mut self, sink: &mut dyn Sink, force: bool) -> Result<String, SyncError> {
        let now = self.clock.now();
        if !force && let Some(token) = self.token.fresh(now) {
            return Ok(token);
        }
        sink.request();
        let sent = self
            .http
            .post(format!("{}{TOKEN_PATH}", self.auth))
            .send_form([
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ]);
        let grant: Grant = grant(WHAT, sent, |words| {
            format!(
                "Reconnexion nécessaire : Octopia refuse les identifiants de l'API ({words}). Dans votre espace vendeur Cdiscount (Octopia) : Mon compte › API, vérifiez l'identifiant client ou créez un nouveau secret, puis collez-le ici."
            )
        })?;
        self.token
            .keep(&grant.access_token, grant.expires_in, 7200, now);
        Ok(grant.access_token)
    }

    fn page(
        &mut self,
        since: &str,
        index: usize,
        size: usize,
        sink: &mut dyn Sink,
    ) -> Result<Page, SyncError> {
        let mut renewed = false;
        let mut wait = Duration::from_secs(1);
        for _ in 0..MAX_TRIES {
            let token = self.access_token(sink, false)?;
            sink.request();
            let sent = self
                .http
                .get(format!("{}/seller/v2/orders", self.api))
                .header("Authorization", &format!("Bearer {token}"))
                .header("SellerId", &self.seller_id)
                .header("Accept", "application/json")
                .query("updatedAtMin", since)
                .query("pageIndex", index.to_string())
                .query("pageSize", size.to_string())
                .call();
            let answer = read(WHAT, sent)?;
            match answer.status {
                200..=299 => {
                    return serde_json::from_str(&answer.text).map_err(|_| {
                        SyncError::retry("Cdiscount a envoyé une page de commandes illisible.")
                    });
                }
                // The token may have been revoked early: one new token, then it counts.
                401 if !renewed => {
                    renewed = true;
                    self.access_token(sink, true)?;
                }
                401 | 403 => {
                    return Err(SyncError::abort(format!(
                        "Reconnexion nécessaire : Octopia refuse l'accès aux commandes du vendeur n° {} ({}). Vérifiez le numéro de vendeur et les droits de l'identifiant d'API.",
                        self.seller_id,
                        error_words(&answer.text)
                    )));
                }
                429 => {
                    wait_out(
                        &self.clock,
                        answer.retry_after.as_deref(),
                        &mut wait,
                        Duration::from_secs(120),
                    );
                }
                status => {
                    return Err(status_error(
                        WHAT,
                        status,
                        answer.retry_after.as_deref(),
                        &answer.text,
                    ));
                }
            }
        }
        Err(slowed_down(WHAT, wait))
    }

    /// Checks the identifiers and the seller number with one small page (the connect form).
    pub fn check(&mut self) -> Result<(), SyncError> {
        self.page("2000-01-01T00:00:00Z", 1, 1, &mut Discard)
            .map(|_| ())
    }
}

impl Connector for CdiscountConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        let since = plan
            .since
            .clone()
            .unwrap_or_else(|| plan.orders_since.clone());
        for index in 1.. {
            let page = self.page(&since, index, PAGE, sink)?;
            let got = page.items.len();
            sink.page(
                page.items
                    .into_iter()
                    .map(|o| Record::Order(order(o)))
                    .collect(),
            )?;
            if got < PAGE {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_keeps_its_channel_parcel_and_ship_to() {
        let o: Order = serde_json::from_value(serde_json::json!({
            "orderId": "2411301527VAJH3", "status": "Shipped", "salesChannel": "CDISFR",
            "createdAt": "2026-11-30T15:27:00Z", "updatedAt": "2026-12-01T08:00:00Z",
            "billingAddress": {"firstName": "Inès", "lastName": "Moreau", "postalCode": "75011"},
            "lines": [{
                "orderLineId": "1", "quantity": 2,
                "offer": {"sellerProductId": "EP-001-38", "supplyMode": "Seller"},
                "totalPrice": {"sellingPrice": 178.0},
                "shippingAddress": {"firstName": "Inès", "lastName": "Moreau", "postalCode": "69003"},
                "parcels": [{"parcelNumber": "6A12345678901", "carrierName": "Colissimo",
                             "trackingUrl": "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"}]
            }]
        }))
        .unwrap();
        let r = order(o);
        assert_eq!(r.name, "2411301527VAJH3");
        assert_eq!(r.sale.marketplace, "Cdiscount");
        assert_eq!(
            r.sale.ship_postcode, "69003",
            "the ship-to, not the billing"
        );
        assert_eq!(r.sale.ship_name, "Inès Moreau");
        assert_eq!(
            (r.carrier.as_str(), r.tracking_number.as_str()),
            ("Colissimo", "6A12345678901")
        );
        assert_eq!(r.total_cents, Some(17_800));
        assert_eq!(r.shipment_status, "in_transit");
        assert_eq!(r.lines[0].sku, "EP-001-38");
        assert!(r.sale.fulfillment_channel.is_empty());
    }

    #[test]
    fn refused_and_cancelled_orders_are_cancelled() {
        for status in ["Cancelled", "Refused", "Rejected"] {
            let o: Order = serde_json::from_value(serde_json::json!({
                "orderId": "X", "status": status, "createdAt": "2026-11-30T15:27:00Z",
                "updatedAt": "2026-12-01T08:00:00Z", "lines": []
            }))
            .unwrap();
            assert!(order(o).cancelled_at.is_some(), "{status}");
        }
    }
}
