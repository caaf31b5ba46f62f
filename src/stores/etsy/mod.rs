//! Etsy Open API v3 (read-only): the app's key in `x-api-key`, an OAuth 2 access token
//! from the seller's refresh token (the authorisation itself is made once with PKCE in
//! Etsy's consent screen; Etsy answers each refresh with a new refresh token, saved at
//! once through `renewed`), `getShopReceipts` by `min_last_modified` with `limit`/
//! `offset` pages up to `count`, shipments and tracking inside each receipt. Etsy allows
//! 10 requests a second: a token bucket keeps to it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::clock::SharedClock;
use crate::stores::connector::{Connector, Discard, FetchPlan, Sink, SyncError};
use crate::stores::http::{error_words, grant, read, slowed_down, status_error, wait_out};
use crate::stores::model::{OrderLineRec, OrderRec, Record, Sale};

const WHAT: &str = "Etsy";
pub const API_URL: &str = "https://api.etsy.com";
const PAGE: i64 = 100;
const MAX_TRIES: u32 = 6;

/// Where a renewed refresh token goes (sealed and saved by the sync).
pub type Renewed = Box<dyn FnMut(&str) -> Result<(), SyncError> + Send>;

pub struct EtsyConnector {
    http: ureq::Agent,
    base: String,
    keystring: String,
    refresh_token: String,
    shop_id: String,
    clock: SharedClock,
    renewed: Renewed,
    token: crate::stores::http::TokenCache,
    /// 10 requests a second: the time the next one may go.
    next_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Grant {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: i64,
}

#[derive(Debug, Default, Deserialize)]
struct Money {
    #[serde(default)]
    amount: i64,
    #[serde(default)]
    divisor: i64,
    #[serde(default)]
    currency_code: String,
}

impl Money {
    fn cents(&self) -> Option<i64> {
        (self.divisor > 0).then(|| self.amount * 100 / self.divisor)
    }
}

#[derive(Debug, Default, Deserialize)]
struct Shipment {
    #[serde(default)]
    carrier_name: Option<String>,
    #[serde(default)]
    tracking_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Transaction {
    #[serde(default)]
    transaction_id: i64,
    #[serde(default)]
    listing_id: Option<i64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    sku: Option<String>,
    #[serde(default)]
    quantity: i64,
    #[serde(default)]
    price: Option<Money>,
}

#[derive(Debug, Deserialize)]
struct Receipt {
    receipt_id: i64,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    buyer_email: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    is_shipped: bool,
    created_timestamp: i64,
    updated_timestamp: i64,
    #[serde(default)]
    grandtotal: Option<Money>,
    #[serde(default)]
    shipments: Vec<Shipment>,
    #[serde(default)]
    transactions: Vec<Transaction>,
}

#[derive(Debug, Deserialize)]
struct Receipts {
    #[serde(default)]
    count: i64,
    #[serde(default)]
    results: Vec<Receipt>,
}

fn iso(secs: i64) -> String {
    Timestamp::from_second(secs).map_or_else(|_| String::new(), |t| t.to_string())
}

fn receipt(r: Receipt) -> OrderRec {
    let status = r.status.to_lowercase();
    let financial = match status.as_str() {
        "open" | "payment processing" => "pending",
        "fully refunded" => "refunded",
        "canceled" => "voided",
        _ => "paid",
    };
    let shipment = r.shipments.into_iter().last().unwrap_or_default();
    let total = r.grandtotal.unwrap_or_default();
    OrderRec {
        external_id: r.receipt_id.to_string(),
        name: r.receipt_id.to_string(),
        email: r.buyer_email.unwrap_or_default(),
        phone: String::new(),
        customer_external_id: String::new(),
        created_at: iso(r.created_timestamp),
        updated_at: iso(r.updated_timestamp),
        financial_status: financial.into(),
        fulfillment_status: if r.is_shipped || status == "completed" {
            "fulfilled".into()
        } else {
            String::new()
        },
        cancelled_at: (status == "canceled").then(|| iso(r.updated_timestamp)),
        total_cents: total.cents(),
        currency: total.currency_code.clone(),
        carrier: shipment.carrier_name.unwrap_or_default(),
        tracking_number: shipment.tracking_code.unwrap_or_default(),
        tracking_url: String::new(),
        shipment_status: String::new(),
        sale: Box::new(Sale {
            marketplace: "Etsy".into(),
            fulfillment_channel: String::new(),
            ship_name: r.name.unwrap_or_default(),
            ship_postcode: r.zip.unwrap_or_default(),
        }),
        lines: r
            .transactions
            .into_iter()
            .map(|t| OrderLineRec {
                product_external_id: t.listing_id.map(|l| l.to_string()).unwrap_or_default(),
                variant_external_id: t.transaction_id.to_string(),
                title: t.title.unwrap_or_default(),
                variant_title: String::new(),
                sku: t.sku.unwrap_or_default(),
                quantity: t.quantity,
                price_cents: t
                    .price
                    .as_ref()
                    .and_then(Money::cents)
                    .map(|c| c * t.quantity),
            })
            .collect(),
    }
}

impl EtsyConnector {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        http: ureq::Agent,
        base: Option<&str>,
        keystring: String,
        refresh_token: String,
        shop_id: String,
        clock: SharedClock,
        renewed: Renewed,
    ) -> Self {
        EtsyConnector {
            http,
            base: base.unwrap_or(API_URL).trim_end_matches('/').to_string(),
            keystring,
            refresh_token,
            shop_id,
            clock,
            renewed,
            token: Default::default(),
            next_at: None,
        }
    }

    /// Keeps to 10 requests a second.
    fn pace(&mut self) {
        let now = self.clock.now();
        if let Some(at) = self.next_at
            && at > now
        {
            self.clock.sleep(Duration::from_secs_f64(
                at.duration_since(now).as_secs_f64(),
            ));
        }
        self.next_at = Some(self.clock.now() + SignedDuration::from_millis(100));
    }

    fn access_token(&mut self, sink: &mut dyn Sink, force: bool) -> Result<String, SyncError> {
        let now = self.clock.now();
        if !force && let Some(token) = self.token.fresh(now) {
            return Ok(token);
        }
        self.pace();
        sink.request();
        let sent = self
            .http
            .post(format!("{}/v3/public/oauth/token", self.base))
            .send_form([
                ("grant_type", "refresh_token"),
                ("client_id", self.keystring.as_str()),
                ("refresh_token", self.refresh_token.as_str()),
            ]);
        let grant: Grant = grant(WHAT, sent, |words| {
            format!(
                "Reconnexion nécessaire : Etsy refuse l'autorisation de la boutique ({words}). Autorisez à nouveau Comptoir depuis Intégrations."
            )
        })?;
        // Etsy hands a new refresh token with each access token: kept at once.
        if let Some(next) = grant
            .refresh_token
            .filter(|t| !t.is_empty() && *t != self.refresh_token)
        {
            (self.renewed)(&next)?;
            self.refresh_token = next;
        }
        self.token
            .keep(&grant.access_token, grant.expires_in, 3600, now);
        Ok(grant.access_token)
    }

    fn get(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        sink: &mut dyn Sink,
    ) -> Result<String, SyncError> {
        let mut renewed = false;
        let mut wait = Duration::from_secs(1);
        for _ in 0..MAX_TRIES {
            let token = self.access_token(sink, false)?;
            self.pace();
            sink.request();
            let mut request = self
                .http
                .get(format!("{}{path}", self.base))
                .header("x-api-key", &self.keystring)
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
                        "Reconnexion nécessaire : Etsy refuse l'accès aux commandes ({}). L'application doit avoir le droit « transactions_r ».",
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
                404 => {
                    return Err(SyncError::abort(format!(
                        "Etsy ne trouve pas la boutique n° {} : vérifiez son identifiant.",
                        self.shop_id
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

/// Where Etsy asks the shop's owner to authorise the app.
pub const CONSENT_URL: &str = "https://www.etsy.com";
/// Reading receipts, shipments and tracking.
const SCOPE: &str = "transactions_r";

/// The address of Etsy's consent screen for this app, with a PKCE challenge made from
/// `verifier` (S256); `base` replaces Etsy's hosts (a proxy's, or a test's).
pub fn authorize_url(
    base: Option<&str>,
    keystring: &str,
    redirect_uri: &str,
    state: &str,
    verifier: &str,
) -> String {
    use base64::Engine;
    use sha2::Digest;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", keystring),
        ("redirect_uri", redirect_uri),
        ("scope", SCOPE),
        ("state", state),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ])
    .unwrap_or_default();
    let host = base.unwrap_or(CONSENT_URL).trim_end_matches('/');
    format!("{host}/oauth/connect?{query}")
}

/// Exchanges the code Etsy sent back (with the PKCE verifier) for the shop's refresh
/// token.
pub fn exchange_code(
    http: &ureq::Agent,
    base: Option<&str>,
    keystring: &str,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
) -> Result<String, SyncError> {
    let host = base.unwrap_or(API_URL).trim_end_matches('/');
    let sent = http
        .post(format!("{host}/v3/public/oauth/token"))
        .send_form([
            ("grant_type", "authorization_code"),
            ("client_id", keystring),
            ("redirect_uri", redirect_uri),
            ("code", code),
            ("code_verifier", verifier),
        ]);
    let granted: Grant = grant(WHAT, sent, |words| {
        format!(
            "Etsy refuse l'autorisation ({words}). Recommencez ; vérifiez que l'adresse de retour déclarée dans l'application est bien celle indiquée ici."
        )
    })?;
    granted
        .refresh_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| SyncError::retry("Etsy n'a pas donné de jeton d'actualisation."))
}

impl Connector for EtsyConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        let since = plan
            .since
            .as_deref()
            .unwrap_or(&plan.orders_since)
            .parse::<Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(946_684_800)
            .max(946_684_800);
        let path = format!("/v3/application/shops/{}/receipts", self.shop_id);
        let mut offset = 0;
        loop {
            let text = self.get(
                &path,
                &[
                    ("min_last_modified", since.to_string()),
                    ("limit", PAGE.to_string()),
                    ("offset", offset.to_string()),
                ],
                sink,
            )?;
            let page: Receipts = serde_json::from_str(&text)
                .map_err(|_| SyncError::retry("Etsy a envoyé une page de commandes illisible."))?;
            let got = page.results.len() as i64;
            sink.page(
                page.results
                    .into_iter()
                    .map(|r| Record::Order(receipt(r)))
                    .collect(),
            )?;
            offset += got;
            if got == 0 || offset >= page.count {
                return Ok(());
            }
        }
    }
}
