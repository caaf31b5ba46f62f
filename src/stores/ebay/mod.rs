//! eBay Sell Fulfillment API v1 (read-only): a user access token from the seller's
//! refresh token (OAuth authorization-code grant, renewed two hours at a time, once more
//! on a 401), `getOrders` filtered by `lastmodifieddate:[…..]` with `limit`/`offset`
//! pages up to `total`, and `getShippingFulfillments` for the tracking of each order
//! that shipped. A 429 is waited out as eBay says (Retry-After), through the clock.

use std::time::Duration;

use base64::Engine;
use serde::Deserialize;

use crate::clock::SharedClock;
use crate::stores::connector::{Connector, Discard, FetchPlan, Sink, SyncError};
use crate::stores::http::{error_words, grant, read, slowed_down, status_error, wait_out};
use crate::stores::model::{OrderLineRec, OrderRec, Record, Sale};

const WHAT: &str = "eBay";
pub const API_URL: &str = "https://api.ebay.com";
const SCOPE: &str = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly";
const PAGE: i64 = 200;
const MAX_TRIES: u32 = 6;

pub struct EbayConnector {
    http: ureq::Agent,
    base: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    clock: SharedClock,
    token: crate::stores::http::TokenCache,
}

#[derive(Deserialize)]
struct Grant {
    access_token: String,
    #[serde(default)]
    expires_in: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Amount {
    #[serde(default)]
    value: String,
    #[serde(default)]
    currency: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContactAddress {
    #[serde(default)]
    postal_code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShipTo {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    contact_address: Option<ContactAddress>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ShippingStep {
    #[serde(default)]
    ship_to: Option<ShipTo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartInstruction {
    #[serde(default)]
    shipping_step: Option<ShippingStep>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CancelStatus {
    #[serde(default)]
    cancel_state: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PricingSummary {
    #[serde(default)]
    total: Option<Amount>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LineItem {
    #[serde(default)]
    line_item_id: String,
    #[serde(default)]
    legacy_item_id: String,
    #[serde(default)]
    sku: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    total: Option<Amount>,
    #[serde(default)]
    purchase_marketplace_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Order {
    order_id: String,
    creation_date: String,
    last_modified_date: String,
    #[serde(default)]
    order_fulfillment_status: String,
    #[serde(default)]
    order_payment_status: String,
    #[serde(default)]
    cancel_status: Option<CancelStatus>,
    #[serde(default)]
    pricing_summary: Option<PricingSummary>,
    #[serde(default)]
    fulfillment_start_instructions: Vec<StartInstruction>,
    #[serde(default)]
    line_items: Vec<LineItem>,
}

#[derive(Debug, Deserialize)]
struct OrdersPage {
    #[serde(default)]
    orders: Vec<Order>,
    #[serde(default)]
    total: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fulfillment {
    #[serde(default)]
    shipment_tracking_number: String,
    #[serde(default)]
    shipping_carrier_code: String,
}

#[derive(Debug, Deserialize)]
struct FulfillmentsPage {
    #[serde(default)]
    fulfillments: Vec<Fulfillment>,
}

fn cents(a: &Option<Amount>) -> (Option<i64>, String) {
    match a {
        Some(a) => (
            crate::stores::model::parse_cents(&a.value),
            a.currency.clone(),
        ),
        None => (None, String::new()),
    }
}

/// eBay's site of a purchase: EBAY_FR → eBay.fr.
fn storefront(id: &str) -> String {
    match id {
        "EBAY_GB" => "eBay.co.uk".into(),
        "EBAY_US" => "eBay.com".into(),
        "" => "eBay".into(),
        other => format!(
            "eBay.{}",
            other.trim_start_matches("EBAY_").to_ascii_lowercase()
        ),
    }
}

fn order(o: Order, tracking: Option<Fulfillment>) -> OrderRec {
    let ship = o
        .fulfillment_start_instructions
        .into_iter()
        .find_map(|i| i.shipping_step.and_then(|s| s.ship_to))
        .unwrap_or_default();
    let (total_cents, currency) = cents(&o.pricing_summary.and_then(|p| p.total));
    let cancelled = o
        .cancel_status
        .is_some_and(|c| c.cancel_state == "CANCELED")
        .then(|| o.last_modified_date.clone());
    let financial = match o.order_payment_status.as_str() {
        "PENDING" => "pending",
        "FULLY_REFUNDED" => "refunded",
        "FAILED" => "voided",
        _ => "paid",
    };
    let fulfillment = match o.order_fulfillment_status.as_str() {
        "FULFILLED" => "fulfilled",
        "IN_PROGRESS" => "partial",
        _ => "",
    };
    let tracking = tracking.unwrap_or_default();
    let market = o
        .line_items
        .first()
        .map(|l| storefront(&l.purchase_marketplace_id))
        .unwrap_or_else(|| "eBay".into());
    OrderRec {
        external_id: o.order_id.clone(),
        name: o.order_id,
        email: ship.email,
        phone: String::new(),
        customer_external_id: String::new(),
        created_at: o.creation_date,
        updated_at: o.last_modified_date,
        financial_status: financial.into(),
        fulfillment_status: fulfillment.into(),
        cancelled_at: cancelled,
        total_cents,
        currency,
        carrier: tracking.shipping_carrier_code,
        tracking_number: tracking.shipment_tracking_number,
        tracking_url: String::new(),
        shipment_status: String::new(),
        sale: Box::new(Sale {
            marketplace: market,
            fulfillment_channel: String::new(),
            ship_name: ship.full_name,
            ship_postcode: ship
                .contact_address
                .map(|a| a.postal_code)
                .unwrap_or_default(),
        }),
        lines: o
            .line_items
            .into_iter()
            .map(|l| {
                let (price, _) = cents(&l.total);
                OrderLineRec {
                    product_external_id: l.legacy_item_id,
                    variant_external_id: l.line_item_id,
                    title: l.title,
                    variant_title: String::new(),
                    sku: l.sku,
                    quantity: l.quantity,
                    price_cents: price,
                }
            })
            .collect(),
    }
}

impl EbayConnector {
    pub fn new(
        http: ureq::Agent,
        base: Option<&str>,
        client_id: String,
        client_secret: String,
        refresh_token: String,
        clock: SharedClock,
    ) -> Self {
        EbayConnector {
            http,
            base: base.unwrap_or(API_URL).trim_end_matches('/').to_string(),
            client_id,
            client_secret,
            refresh_token,
            clock,
            token: Default::default(),
        }
    }

    /// A user access token, renewed five minutes before it ends (or when `force`).
    fn access_token(&mut self, sink: &mut dyn Sink, force: bool) -> Result<String, SyncError> {
        let now = self.clock.now();
        if !force && let Some(token) = self.token.fresh(now) {
            return Ok(token);
        }
        sink.request();
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.client_id, self.client_secret));
        let sent = self
            .http
            .post(format!("{}/identity/v1/oauth2/token", self.base))
            .header("Authorization", &format!("Basic {basic}"))
            .send_form([
                ("grant_type", "refresh_token"),
                ("refresh_token", self.refresh_token.as_str()),
                ("scope", SCOPE),
            ]);
        let grant: Grant = grant(WHAT, sent, |words| {
            format!(
                "Reconnexion nécessaire : eBay refuse l'autorisation du compte vendeur ({words}). Autorisez à nouveau Comptoir depuis Intégrations."
            )
        })?;
        self.token
            .keep(&grant.access_token, grant.expires_in, 7200, now);
        Ok(grant.access_token)
    }

    fn get(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        sink: &mut dyn Sink,
    ) -> Result<String, SyncError> {
        let mut renewed = false;
        let mut wait = Duration::from_secs(2);
        for _ in 0..MAX_TRIES {
            let token = self.access_token(sink, false)?;
            sink.request();
            let mut request = self
                .http
                .get(format!("{}{path}", self.base))
                .header("Authorization", &format!("Bearer {token}"))
                .header("Accept", "application/json");
            for (k, v) in query {
                request = request.query(*k, v);
            }
            let answer = read(WHAT, request.call())?;
            match answer.status {
                200..=299 => return Ok(answer.text),
                401 if !renewed => {
                    renewed = true;
                    self.access_token(sink, true)?;
                }
                401 | 403 => {
                    return Err(SyncError::abort(format!(
                        "Reconnexion nécessaire : eBay refuse l'accès aux commandes ({}).",
                        error_words(&answer.text)
                    )));
                }
                429 => {
                    wait_out(
                        &self.clock,
                        answer.retry_after.as_deref(),
                        &mut wait,
                        Duration::from_secs(300),
                    );
                }
                400 => {
                    return Err(SyncError::retry(format!(
                        "eBay refuse la demande : {}",
                        error_words(&answer.text)
                    )));
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

    /// Checks the authorisation with one token request (the connect form).
    pub fn check(&mut self) -> Result<(), SyncError> {
        self.access_token(&mut Discard, true).map(|_| ())
    }
}

/// Where eBay asks the seller to authorise the app.
pub const CONSENT_URL: &str = "https://auth.ebay.com";

/// The address of eBay's consent screen for this app. eBay sends the browser back to
/// the accept URL registered under the app's `runame` (its redirect URL name).
pub fn authorize_url(base: Option<&str>, client_id: &str, runame: &str, state: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("client_id", client_id),
        ("redirect_uri", runame),
        ("response_type", "code"),
        ("scope", SCOPE),
        ("state", state),
    ])
    .unwrap_or_default();
    let host = base.unwrap_or(CONSENT_URL).trim_end_matches('/');
    format!("{host}/oauth2/authorize?{query}")
}

/// Exchanges the code eBay sent back for the seller's refresh token.
pub fn exchange_code(
    http: &ureq::Agent,
    base: Option<&str>,
    client_id: &str,
    client_secret: &str,
    runame: &str,
    code: &str,
) -> Result<String, SyncError> {
    #[derive(Deserialize)]
    struct Granted {
        #[serde(default)]
        refresh_token: String,
    }
    let host = base.unwrap_or(API_URL).trim_end_matches('/');
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{client_secret}"));
    let sent = http
        .post(format!("{host}/identity/v1/oauth2/token"))
        .header("Authorization", &format!("Basic {basic}"))
        .send_form([
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", runame),
        ]);
    let granted: Granted = grant(WHAT, sent, |words| {
        format!(
            "eBay refuse l'autorisation ({words}). Vérifiez l'App ID, le Cert ID et le nom d'URL de redirection (RuName), puis recommencez."
        )
    })?;
    Some(granted.refresh_token)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| SyncError::retry("eBay n'a pas donné de jeton d'actualisation."))
}

impl Connector for EbayConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        let since = plan
            .since
            .clone()
            .unwrap_or_else(|| plan.orders_since.clone());
        let filter = format!("lastmodifieddate:[{since}..]");
        let mut offset = 0;
        loop {
            let text = self.get(
                "/sell/fulfillment/v1/order",
                &[
                    ("filter", filter.clone()),
                    ("limit", PAGE.to_string()),
                    ("offset", offset.to_string()),
                ],
                sink,
            )?;
            let page: OrdersPage = serde_json::from_str(&text)
                .map_err(|_| SyncError::retry("eBay a envoyé une page de commandes illisible."))?;
            let got = page.orders.len() as i64;
            let mut records = Vec::with_capacity(page.orders.len());
            for o in page.orders {
                // Tracking is asked only of orders that shipped.
                let tracking = if matches!(
                    o.order_fulfillment_status.as_str(),
                    "FULFILLED" | "IN_PROGRESS"
                ) {
                    let text = self.get(
                        &format!(
                            "/sell/fulfillment/v1/order/{}/shipping_fulfillment",
                            o.order_id
                        ),
                        &[],
                        sink,
                    )?;
                    serde_json::from_str::<FulfillmentsPage>(&text)
                        .map_err(|_| SyncError::retry("eBay a envoyé un suivi illisible."))?
                        .fulfillments
                        .into_iter()
                        .next()
                } else {
                    None
                };
                records.push(Record::Order(order(o, tracking)));
            }
            sink.page(records)?;
            offset += got;
            if got == 0 || offset >= page.total {
                return Ok(());
            }
        }
    }
}
