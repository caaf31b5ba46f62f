//! A fake Amazon: Login with Amazon's token endpoint and the Selling Partner Orders API
//! v0 (`getOrders`, `getOrderItems`) as Amazon documents them: the access token in
//! `x-amz-access-token`, an hour long; `MarketplaceIds` and `LastUpdatedAfter` filters;
//! `NextToken` pages of at most `MaxResultsPerPage`; each operation's usage plan as a
//! token bucket on the test's clock, answered with 429, `x-amzn-RateLimit-Limit` and
//! Amazon's error body; 403 for an expired token. Every request's query and every body
//! sent back is checked against the official model (`tests/data/…ordersV0.json`); what
//! does not conform is recorded in `problems`.

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use comptoir::clock::{Clock, ManualClock};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Served;
use super::swagger::Spec;

pub const CLIENT_ID: &str = "amzn1.application-oa2-client.fake";
pub const CLIENT_SECRET: &str = "amzn1.oa2-cs.v1.fake-secret";
pub const REFRESH_TOKEN: &str = "Atzr|fake-refresh-token";
pub const FR: &str = "A13V1IB3VIYZZH";
pub const UK: &str = "A1F83G8C2ARO7P";

struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    at: Timestamp,
}

impl Bucket {
    fn take(&mut self, now: Timestamp) -> bool {
        let elapsed = now.duration_since(self.at).as_secs_f64().max(0.0);
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub struct State {
    /// (order, its items), as Amazon's model writes them.
    pub orders: Vec<(Value, Vec<Value>)>,
    /// Access tokens given, with their end.
    tokens: Vec<(String, Timestamp)>,
    pub refresh_valid: bool,
    /// The next call with a token answers 403 "expired" (the token is then dead).
    pub expire_next: bool,
    /// Calls answered 429 regardless of the buckets, before the buckets apply.
    pub throttle_next: u32,
    /// The usage plans are enforced (off for a benchmark whose client paces itself on
    /// a simulated clock in another process).
    pub paced: bool,
    pub token_grants: usize,
    pub order_pages: usize,
    pub item_calls: usize,
    pub throttled: usize,
    pub problems: Vec<String>,
    orders_bucket: Bucket,
    items_bucket: Bucket,
}

pub struct FakeAmazon {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

/// `n` orders over the last days (ten minutes apart, or closer to stay within 50 days):
/// FR and UK, FBA and FBM, each with one or two lines.
pub fn orders(n: usize, now: Timestamp) -> Vec<(Value, Vec<Value>)> {
    let step = (50 * 86_400 / n.max(1) as i64).min(600);
    (0..n)
        .map(|i| {
            let id = format!("402-{:07}-{:07}", 1_000_000 + i, 7_000_000 + i);
            let at = now - SignedDuration::from_secs(step * (n - i) as i64);
            let status = ["Shipped", "Unshipped", "Pending", "Shipped", "Canceled"][i % 5];
            let order = json!({
                "AmazonOrderId": id,
                "PurchaseDate": at.to_string(),
                "LastUpdateDate": at.to_string(),
                "OrderStatus": status,
                "FulfillmentChannel": if i % 2 == 0 { "AFN" } else { "MFN" },
                "SalesChannel": if i % 3 == 0 { "Amazon.co.uk" } else { "Amazon.fr" },
                "MarketplaceId": if i % 3 == 0 { UK } else { FR },
                "OrderTotal": {"CurrencyCode": "EUR", "Amount": format!("{}.00", 40 + i % 60)},
                "ShippingAddress": {"Name": format!("Cliente {i}"), "PostalCode": format!("{:05}", 69001 + i % 9), "CountryCode": "FR"},
                "BuyerInfo": {"BuyerEmail": format!("x{i}@marketplace.amazon.fr")},
            });
            let items = (0..1 + i % 2)
                .map(|k| json!({
                    "ASIN": format!("B0TEST{:04}", k),
                    "SellerSKU": if k == 0 { "RFB-38" } else { "ECH-SOIE" },
                    "OrderItemId": format!("{}{k}", 50_000 + i),
                    "Title": if k == 0 { "Robe Fleurie Bleue" } else { "Écharpe en soie" },
                    "QuantityOrdered": 1,
                    "ItemPrice": {"CurrencyCode": "EUR", "Amount": "40.00"},
                }))
                .collect();
            (order, items)
        })
        .collect()
}

fn amazon_error(status: u16, code: &str, message: &str, details: &str) -> (u16, Value) {
    (
        status,
        json!({"errors": [{"code": code, "message": message, "details": details}]}),
    )
}

fn query_of(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

impl FakeAmazon {
    pub fn start(clock: Arc<ManualClock>, orders: Vec<(Value, Vec<Value>)>) -> FakeAmazon {
        let now = clock.now();
        let state = Arc::new(Mutex::new(State {
            orders,
            tokens: Vec::new(),
            refresh_valid: true,
            expire_next: false,
            throttle_next: 0,
            paced: true,
            token_grants: 0,
            order_pages: 0,
            item_calls: 0,
            throttled: 0,
            problems: Vec::new(),
            orders_bucket: Bucket {
                rate: 0.0167,
                burst: 20.0,
                tokens: 20.0,
                at: now,
            },
            items_bucket: Bucket {
                rate: 0.5,
                burst: 30.0,
                tokens: 30.0,
                at: now,
            },
        }));
        let spec = Arc::new(Spec::load(
            "amazon_selling_partner_api_models__ordersV0.json",
        ));
        let shared = (state.clone(), clock, spec);
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone()))
                .route("/auth/o2/token", web::post().to(token))
                .route("/orders/v0/orders", web::get().to(get_orders))
                .route(
                    "/orders/v0/orders/{id}/orderItems",
                    web::get().to(get_items),
                );
        });
        FakeAmazon { served, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

type Shared = web::Data<(Arc<Mutex<State>>, Arc<ManualClock>, Arc<Spec>)>;

async fn token(form: web::Form<Vec<(String, String)>>, shared: Shared) -> HttpResponse {
    let (state, clock, _) = shared.get_ref();
    let mut s = state.lock().unwrap();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("grant_type") != Some("refresh_token")
        || get("client_id") != Some(CLIENT_ID)
        || get("client_secret") != Some(CLIENT_SECRET)
    {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client",
            "error_description": "Client authentication failed"}));
    }
    if get("refresh_token") != Some(REFRESH_TOKEN) || !s.refresh_valid {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant",
            "error_description": "The request has an invalid grant parameter : refresh_token"}));
    }
    s.token_grants += 1;
    let access = format!("Atza|fake-{}", s.token_grants);
    s.tokens
        .push((access.clone(), clock.now() + SignedDuration::from_hours(1)));
    HttpResponse::Ok().json(
        json!({"access_token": access, "refresh_token": REFRESH_TOKEN,
        "token_type": "bearer", "expires_in": 3600}),
    )
}

/// The token check and the usage plan common to both operations: an answer when the
/// call goes no further.
fn gate(
    req: &HttpRequest,
    s: &mut State,
    now: Timestamp,
    items: bool,
) -> Option<(u16, Value, f64)> {
    let given = req
        .headers()
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let valid = s.tokens.iter().any(|(t, until)| t == given && *until > now);
    if s.expire_next && valid {
        s.expire_next = false;
        s.tokens.retain(|(t, _)| t != given);
        let (st, body) = amazon_error(
            403,
            "Unauthorized",
            "Access to requested resource is denied.",
            "The access token you provided has expired.",
        );
        return Some((st, body, 0.0));
    }
    if !valid {
        let (st, body) = amazon_error(
            403,
            "Unauthorized",
            "Access to requested resource is denied.",
            "The access token you provided is revoked, malformed or invalid.",
        );
        return Some((st, body, 0.0));
    }
    let rate = if items { 0.5 } else { 0.0167 };
    let bucket_ok = !s.paced
        || if items {
            s.items_bucket.take(now)
        } else {
            s.orders_bucket.take(now)
        };
    if s.throttle_next > 0 || !bucket_ok {
        s.throttle_next = s.throttle_next.saturating_sub(1);
        s.throttled += 1;
        let (st, body) = amazon_error(
            429,
            "QuotaExceeded",
            "You exceeded your quota for the requested resource.",
            "",
        );
        return Some((st, body, rate));
    }
    None
}

fn answer(status: u16, body: Value, rate: f64) -> HttpResponse {
    let mut r = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    r.insert_header(("x-amzn-RequestId", "fake-request"));
    if rate > 0.0 {
        r.insert_header(("x-amzn-RateLimit-Limit", rate.to_string()));
    }
    r.json(body)
}

fn checked(
    spec: &Spec,
    s: &mut State,
    definition: &str,
    status: u16,
    body: Value,
    rate: f64,
) -> HttpResponse {
    let problems = spec.check(definition, &body);
    s.problems
        .extend(problems.into_iter().map(|p| format!("response: {p}")));
    answer(status, body, rate)
}

async fn get_orders(req: HttpRequest, shared: Shared) -> HttpResponse {
    let (state, clock, spec) = shared.get_ref();
    let mut s = state.lock().unwrap();
    let q = query_of(&req);
    let problems = spec.check_query("/orders/v0/orders", "get", &q);
    s.problems
        .extend(problems.into_iter().map(|p| format!("getOrders: {p}")));
    if let Some((st, body, rate)) = gate(&req, &mut s, clock.now(), false) {
        return checked(spec, &mut s, "GetOrdersResponse", st, body, rate);
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    // The documented rule: LastUpdatedAfter or CreatedAfter, unless paging.
    let (after, markets, offset) = match get("NextToken") {
        Some(t) => {
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let mut parts = decoded.splitn(3, '|');
            let offset: usize = parts.next().and_then(|o| o.parse().ok()).unwrap_or(0);
            (
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
                offset,
            )
        }
        None => match get("LastUpdatedAfter").or_else(|| get("CreatedAfter")) {
            Some(a) => (a, get("MarketplaceIds").unwrap_or_default(), 0),
            None => {
                let (st, body) = amazon_error(
                    400,
                    "InvalidInput",
                    "Either CreatedAfter or LastUpdatedAfter must be specified",
                    "",
                );
                return checked(spec, &mut s, "GetOrdersResponse", st, body, 0.0);
            }
        },
    };
    let Ok(after_ts) = after.parse::<Timestamp>() else {
        let (st, body) = amazon_error(400, "InvalidInput", "Invalid LastUpdatedAfter", "");
        return checked(spec, &mut s, "GetOrdersResponse", st, body, 0.0);
    };
    let per: usize = get("MaxResultsPerPage")
        .and_then(|m| m.parse().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let mut matching: Vec<&(Value, Vec<Value>)> = s
        .orders
        .iter()
        .filter(|(o, _)| {
            o["LastUpdateDate"]
                .as_str()
                .and_then(|d| d.parse::<Timestamp>().ok())
                .is_some_and(|d| d >= after_ts)
                && markets.split(',').any(|m| o["MarketplaceId"] == m)
        })
        .collect();
    matching.sort_by(|a, b| {
        a.0["LastUpdateDate"]
            .as_str()
            .cmp(&b.0["LastUpdateDate"].as_str())
    });
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(per)
        .map(|(o, _)| o.clone())
        .collect();
    let mut payload = json!({"Orders": page, "LastUpdatedBefore": clock.now().to_string()});
    if offset + per < matching.len() {
        payload["NextToken"] = json!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!("{}|{after}|{markets}", offset + per))
        );
    }
    s.order_pages += 1;
    checked(
        spec,
        &mut s,
        "GetOrdersResponse",
        200,
        json!({"payload": payload}),
        0.0167,
    )
}

async fn get_items(req: HttpRequest, path: web::Path<String>, shared: Shared) -> HttpResponse {
    let (state, clock, spec) = shared.get_ref();
    let mut s = state.lock().unwrap();
    let q = query_of(&req);
    let problems = spec.check_query("/orders/v0/orders/{orderId}/orderItems", "get", &q);
    s.problems
        .extend(problems.into_iter().map(|p| format!("getOrderItems: {p}")));
    if let Some((st, body, rate)) = gate(&req, &mut s, clock.now(), true) {
        return checked(spec, &mut s, "GetOrderItemsResponse", st, body, rate);
    }
    let id = path.into_inner();
    let Some(items) = s
        .orders
        .iter()
        .find(|(o, _)| o["AmazonOrderId"] == id.as_str())
        .map(|(_, i)| i.clone())
    else {
        let (st, body) = amazon_error(404, "NotFound", "Order not found", "");
        return checked(spec, &mut s, "GetOrderItemsResponse", st, body, 0.0);
    };
    s.item_calls += 1;
    let body = json!({"payload": {"AmazonOrderId": id, "OrderItems": items}});
    checked(spec, &mut s, "GetOrderItemsResponse", 200, body, 0.5)
}
