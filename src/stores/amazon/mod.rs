//! Amazon Selling Partner API, Orders v0 (read-only): a Login with Amazon access token
//! from the seller's refresh token (an hour long, renewed five minutes early, and once
//! more if Amazon says it expired), `getOrders` by `LastUpdatedAfter` with `NextToken`
//! paging, `getOrderItems` for the lines. Each operation keeps to its documented usage
//! plan (getOrders 0.0167 request/s, burst 20; getOrderItems 0.5/s, burst 30) with a
//! token bucket, and a 429 is waited out at the rate Amazon states in
//! `x-amzn-RateLimit-Limit`. Waiting goes through the clock, so tests simulate it.

pub mod mapping;

use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::clock::SharedClock;
use crate::stores::connector::{Connector, FetchPlan, Sink, SyncError};
use crate::stores::http::{grant, read, slowed_down, status_error};
use crate::stores::model::Record;

use mapping::{OrderItemsList, OrdersList, Payload};

const WHAT: &str = "Amazon";
/// Where Login with Amazon and the European Selling Partner API answer.
pub const LWA_URL: &str = "https://api.amazon.com";
pub const EU_ENDPOINT: &str = "https://sellingpartnerapi-eu.amazon.com";
/// Amazon's largest page of orders.
const PAGE: u32 = 100;
/// Tries of one call against throttling before the run is retried later.
const MAX_TRIES: u32 = 8;

/// A token bucket for one operation's usage plan.
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Timestamp,
}

impl Bucket {
    fn new(rate: f64, burst: f64, now: Timestamp) -> Self {
        Bucket {
            rate,
            burst,
            tokens: burst,
            at: now,
        }
    }

    fn refill(&mut self, now: Timestamp) {
        let elapsed = now.duration_since(self.at).as_secs_f64().max(0.0);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
    }

    /// Takes a token, waiting for one when the bucket is empty.
    fn take(&mut self, clock: &SharedClock) {
        self.refill(clock.now());
        if self.tokens < 1.0 {
            let wait = (1.0 - self.tokens) / self.rate;
            clock.sleep(Duration::from_secs_f64(wait));
            self.refill(clock.now());
        }
        self.tokens = (self.tokens - 1.0).max(0.0);
    }
}

pub struct AmazonConnector {
    http: ureq::Agent,
    lwa: String,
    api: String,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    marketplaces: Vec<String>,
    clock: SharedClock,
    token: crate::stores::http::TokenCache,
    orders: Bucket,
    items: Bucket,
}

#[derive(Deserialize)]
struct Grant {
    access_token: String,
    #[serde(default = "an_hour")]
    expires_in: i64,
}

fn an_hour() -> i64 {
    3600
}

/// Which Amazon operation a call is, for its bucket.
#[derive(Clone, Copy)]
enum Op {
    Orders,
    Items,
}

impl AmazonConnector {
    /// `base` replaces both Amazon hosts (tests, proxies); `marketplaces` are
    /// MarketplaceIds.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        http: ureq::Agent,
        base: Option<&str>,
        client_id: String,
        client_secret: String,
        refresh_token: String,
        marketplaces: Vec<String>,
        clock: SharedClock,
    ) -> Self {
        let now = clock.now();
        AmazonConnector {
            http,
            lwa: base.unwrap_or(LWA_URL).trim_end_matches('/').to_string(),
            api: base
                .unwrap_or(EU_ENDPOINT)
                .trim_end_matches('/')
                .to_string(),
            client_id,
            client_secret,
            refresh_token,
            marketplaces,
            orders: Bucket::new(0.0167, 20.0, now),
            items: Bucket::new(0.5, 30.0, now),
            clock,
            token: Default::default(),
        }
    }

    /// Checks the authorisation with one token request (the connect form).
    pub fn check(&mut self) -> Result<(), SyncError> {
        self.access_token(&mut crate::stores::connector::Discard, true)
            .map(|_| ())
    }

    /// The access token, fetched again when it ends within five minutes (our clock and
    /// Amazon's may differ by that much).
    fn access_token(&mut self, sink: &mut dyn Sink, force: bool) -> Result<String, SyncError> {
        let now = self.clock.now();
        if !force && let Some(token) = self.token.fresh(now) {
            return Ok(token);
        }
        sink.request();
        let sent = self
            .http
            .post(format!("{}/auth/o2/token", self.lwa))
            .send_form([
                ("grant_type", "refresh_token"),
                ("refresh_token", self.refresh_token.as_str()),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.as_str()),
            ]);
        let grant: Grant = grant(WHAT, sent, |words| {
            format!(
                "Reconnexion nécessaire : Amazon refuse l'autorisation du compte vendeur ({words}). Elle a été révoquée ou a expiré, ou l'identifiant de l'application a changé : reconnectez le compte dans Intégrations."
            )
        })?;
        self.token
            .keep(&grant.access_token, grant.expires_in, 3600, now);
        Ok(grant.access_token)
    }

    /// One GET of the Selling Partner API, paced, with throttling waited out and an
    /// expired token renewed once.
    fn get(
        &mut self,
        op: Op,
        path: &str,
        query: &[(&str, String)],
        sink: &mut dyn Sink,
    ) -> Result<String, SyncError> {
        let mut renewed = false;
        let mut wait = Duration::from_secs(1);
        for _ in 0..MAX_TRIES {
            let token = self.access_token(sink, false)?;
            match op {
                Op::Orders => self.orders.take(&self.clock),
                Op::Items => self.items.take(&self.clock),
            }
            sink.request();
            let mut request = self
                .http
                .get(format!("{}{path}", self.api))
                .header("x-amz-access-token", &token)
                .header("accept", "application/json");
            for (k, v) in query {
                request = request.query(*k, v);
            }
            let answer = read(WHAT, request.call())?;
            match answer.status {
                200..=299 => return Ok(answer.text),
                429 => {
                    // Wait one request's worth at the stated rate (at least what
                    // Retry-After says), then try again with an empty bucket.
                    let per = answer
                        .rate_limit
                        .filter(|r| *r > 0.0)
                        .map(|r| Duration::from_secs_f64(1.0 / r));
                    wait = per
                        .or_else(|| crate::stores::http::retry_after(answer.retry_after.as_deref()))
                        .unwrap_or(wait * 2)
                        .min(Duration::from_secs(120));
                    match op {
                        Op::Orders => self.orders.tokens = 0.0,
                        Op::Items => self.items.tokens = 0.0,
                    }
                    self.clock.sleep(wait);
                }
                403 if !renewed && expired(&answer.text) => {
                    renewed = true;
                    self.access_token(sink, true)?;
                }
                403 => {
                    return Err(SyncError::abort(format!(
                        "Reconnexion nécessaire : Amazon refuse l'accès aux commandes ({}). Vérifiez que l'application a le rôle « Gestion des commandes » et reconnectez le compte vendeur.",
                        first_error(&answer.text)
                    )));
                }
                400 => {
                    return Err(SyncError::retry(format!(
                        "Amazon refuse la demande : {}",
                        first_error(&answer.text)
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

    fn items(
        &mut self,
        order: &str,
        sink: &mut dyn Sink,
    ) -> Result<Vec<mapping::OrderItem>, SyncError> {
        let path = format!("/orders/v0/orders/{order}/orderItems");
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let query: Vec<(&str, String)> =
                next.iter().map(|t| ("NextToken", t.clone())).collect();
            let text = self.get(Op::Items, &path, &query, sink)?;
            let page: Payload<OrderItemsList> = serde_json::from_str(&text).map_err(|_| {
                SyncError::retry("Amazon a envoyé des lignes de commande illisibles.")
            })?;
            out.extend(page.payload.order_items);
            match page.payload.next_token {
                Some(t) if !t.is_empty() => next = Some(t),
                _ => return Ok(out),
            }
        }
    }
}

/// Whether a 403 says the access token expired (then one renewal is worth it).
fn expired(body: &str) -> bool {
    let lower = body.to_lowercase();
    lower.contains("expired") || lower.contains("invalidaccesstoken")
}

/// The first `errors[]` entry of an error body, as "code: message".
fn first_error(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("errors")?.get(0)?.clone();
            Some(format!(
                "{} : {}",
                e.get("code")?.as_str()?,
                e.get("message").and_then(Value::as_str).unwrap_or("")
            ))
        })
        .unwrap_or_else(|| "réponse sans détail".into())
}

impl Connector for AmazonConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        let since = plan
            .since
            .clone()
            .unwrap_or_else(|| plan.orders_since.clone());
        let marketplaces = self.marketplaces.join(",");
        let mut next: Option<String> = None;
        loop {
            let mut query = vec![("MarketplaceIds", marketplaces.clone())];
            match &next {
                Some(token) => query.push(("NextToken", token.clone())),
                None => {
                    query.push(("LastUpdatedAfter", since.clone()));
                    query.push(("MaxResultsPerPage", PAGE.to_string()));
                }
            }
            let text = self.get(Op::Orders, "/orders/v0/orders", &query, sink)?;
            let page: Payload<OrdersList> = serde_json::from_str(&text).map_err(|_| {
                SyncError::retry("Amazon a envoyé une page de commandes illisible.")
            })?;
            let mut records = Vec::with_capacity(page.payload.orders.len());
            for order in page.payload.orders {
                let items = self.items(&order.amazon_order_id, sink)?;
                records.push(Record::Order(mapping::order(order, items)));
            }
            sink.page(records)?;
            match page.payload.next_token {
                Some(t) if !t.is_empty() => next = Some(t),
                _ => return Ok(()),
            }
        }
    }
}
