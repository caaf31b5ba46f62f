//! A fake eBay: the consent screen (`/oauth2/authorize`, approving at once, back to the
//! accept URL registered for the app's RuName), the OAuth token endpoint
//! (authorization-code and refresh-token grants, client id and secret in HTTP Basic) and the Sell Fulfillment API's `getOrders` (the `lastmodifieddate`
//! filter, `limit` up to 200 and `offset`, `total`) and `getShippingFulfillments`, with
//! eBay's error bodies (`{"errors": [{"errorId", "domain", "category", "message"}]}`),
//! 401 for a bad or expired token, 429 when told to throttle. Every query and answer is
//! checked against eBay's own OpenAPI document (`tests/data/ebay_…orders.json`).

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Served;
use super::swagger::Spec;

pub const CLIENT_ID: &str = "Elegance-Comptoir-PRD-fake";
pub const CLIENT_SECRET: &str = "PRD-fake-cert-id";
pub const REFRESH_TOKEN: &str = "v^1.1#i^1#fake-refresh";
pub const RUNAME: &str = "Elegance_Paris-EleganceC-Compto-abcdef";
const SPEC: &str = "ebay_sell_fulfillment_v1_oas3__orders.json";

pub struct State {
    pub orders: Vec<Value>,
    pub refresh_valid: bool,
    pub expire_next: bool,
    pub throttle_next: u32,
    tokens: Vec<String>,
    /// The accept URL registered for `RUNAME` (where the consent screen sends back).
    pub accept_url: String,
    codes: Vec<String>,
    pub grants: usize,
    pub pages: usize,
    pub tracking_calls: usize,
    pub problems: Vec<String>,
}

pub struct FakeEbay {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

/// `n` orders: shipped (with tracking), not started, in progress; one in seven
/// cancelled.
pub fn orders(n: usize, now: Timestamp) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let at = (now - SignedDuration::from_mins(20 * (n - i) as i64)).to_string();
            let status = ["FULFILLED", "NOT_STARTED", "IN_PROGRESS"][i % 3];
            json!({
                "orderId": format!("12-{:05}-{:05}", 10_000 + i, 20_000 + i),
                "creationDate": at, "lastModifiedDate": at,
                "orderFulfillmentStatus": status, "orderPaymentStatus": "PAID",
                "cancelStatus": {"cancelState": if i % 7 == 6 { "CANCELED" } else { "NONE_REQUESTED" }, "cancelRequests": []},
                "buyer": {"username": format!("acheteur{i}")},
                "pricingSummary": {"total": {"value": "59.90", "currency": "EUR"}},
                "fulfillmentStartInstructions": [{"fulfillmentInstructionsType": "SHIP_TO",
                    "shippingStep": {"shipTo": {"fullName": format!("Jeanne Martin{i}"),
                        "email": format!("acheteur{i}@members.ebay.fr"),
                        "contactAddress": {"postalCode": format!("{:05}", 44000 + i % 20), "countryCode": "FR"}}}}],
                "lineItems": [{"lineItemId": format!("{}", 900_000 + i), "legacyItemId": "2240000000",
                    "sku": "EBAY-ROBE-38", "title": "Robe Fleurie Bleue 38", "quantity": 1,
                    "total": {"value": "59.90", "currency": "EUR"}, "purchaseMarketplaceId": "EBAY_FR"}],
            })
        })
        .collect()
}

fn ebay_error(status: u16, id: i64, domain: &str, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "errors": [{"errorId": id, "domain": domain, "category": "REQUEST", "message": message}]
    }))
}

impl FakeEbay {
    pub fn start(orders: Vec<Value>) -> FakeEbay {
        let state = Arc::new(Mutex::new(State {
            orders,
            refresh_valid: true,
            expire_next: false,
            throttle_next: 0,
            tokens: Vec::new(),
            accept_url: String::new(),
            codes: Vec::new(),
            grants: 0,
            pages: 0,
            tracking_calls: 0,
            problems: Vec::new(),
        }));
        let shared = (state.clone(), Arc::new(Spec::load(SPEC)));
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone()))
                .route("/oauth2/authorize", web::get().to(consent))
                .route("/identity/v1/oauth2/token", web::post().to(token))
                .route("/sell/fulfillment/v1/order", web::get().to(get_orders))
                .route(
                    "/sell/fulfillment/v1/order/{id}/shipping_fulfillment",
                    web::get().to(get_fulfillments),
                );
        });
        FakeEbay { served, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

type Shared = web::Data<(Arc<Mutex<State>>, Arc<Spec>)>;

/// eBay's consent screen, approving at once: back to the RuName's accept URL.
async fn consent(req: HttpRequest, shared: Shared) -> HttpResponse {
    let mut s = shared.0.lock().unwrap();
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let valid = get("client_id") == CLIENT_ID
        && get("redirect_uri") == RUNAME
        && get("response_type") == "code"
        && get("scope").contains("sell.fulfillment.readonly")
        && !get("state").is_empty();
    if !valid || s.accept_url.is_empty() {
        return HttpResponse::BadRequest().body("invalid authorization request");
    }
    let code = format!("v^1.1#i^1#f^0#fake-code-{}", s.codes.len() + 1);
    s.codes.push(code.clone());
    let answer = serde_urlencoded::to_string([
        ("state", get("state").as_str()),
        ("code", code.as_str()),
        ("expires_in", "299"),
    ])
    .unwrap();
    HttpResponse::Found()
        .insert_header(("Location", format!("{}?{answer}", s.accept_url)))
        .finish()
}

async fn token(
    req: HttpRequest,
    form: web::Form<Vec<(String, String)>>,
    shared: Shared,
) -> HttpResponse {
    let mut s = shared.0.lock().unwrap();
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let auth = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if auth != format!("Basic {basic}") {
        return HttpResponse::Unauthorized().json(
            json!({"error": "invalid_client", "error_description": "client authentication failed"}),
        );
    }
    if get("grant_type") == Some("authorization_code") {
        let code = get("code").unwrap_or_default().to_string();
        let Some(at) = s.codes.iter().position(|c| *c == code) else {
            return HttpResponse::BadRequest().json(json!({"error": "invalid_grant",
                "error_description": "the provided authorization grant code is invalid or was issued to another client"}));
        };
        if get("redirect_uri") != Some(RUNAME) {
            return HttpResponse::BadRequest().json(json!({"error": "invalid_request",
                "error_description": "redirect_uri does not match"}));
        }
        s.codes.remove(at);
        s.grants += 1;
        let t = format!("v^1.1#i^1#p^3#fake-access-{}", s.grants);
        s.tokens.push(t.clone());
        return HttpResponse::Ok().json(json!({"access_token": t, "expires_in": 7200,
            "refresh_token": REFRESH_TOKEN, "refresh_token_expires_in": 47304000,
            "token_type": "User Access Token"}));
    }
    if get("grant_type") != Some("refresh_token")
        || get("refresh_token") != Some(REFRESH_TOKEN)
        || !s.refresh_valid
    {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant",
            "error_description": "the provided authorization refresh token is invalid or was issued to another client"}));
    }
    s.grants += 1;
    let t = format!("v^1.1#i^1#p^3#fake-access-{}", s.grants);
    s.tokens.push(t.clone());
    HttpResponse::Ok()
        .json(json!({"access_token": t, "expires_in": 7200, "token_type": "User Access Token"}))
}

/// The bearer check and the throttle shared by both calls.
fn gate(req: &HttpRequest, s: &mut State) -> Option<HttpResponse> {
    let given = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let valid = given
        .strip_prefix("Bearer ")
        .is_some_and(|t| s.tokens.iter().any(|k| k == t));
    if s.expire_next && valid {
        s.expire_next = false;
        s.tokens.clear();
        return Some(ebay_error(401, 1001, "OAuth", "Invalid access token"));
    }
    if !valid {
        return Some(ebay_error(401, 1001, "OAuth", "Invalid access token"));
    }
    if s.throttle_next > 0 {
        s.throttle_next -= 1;
        let mut r = ebay_error(
            429,
            2001,
            "ACCESS",
            "The request limit has been reached for the resource.",
        );
        r.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("2"),
        );
        return Some(r);
    }
    None
}

async fn get_orders(req: HttpRequest, shared: Shared) -> HttpResponse {
    let (state, spec) = (&shared.0, &shared.1);
    let mut s = state.lock().unwrap();
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let problems = spec.check_query("/order", "get", &q);
    s.problems
        .extend(problems.into_iter().map(|p| format!("getOrders: {p}")));
    if let Some(r) = gate(&req, &mut s) {
        return r;
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(50);
    if limit > 200 {
        return ebay_error(
            400,
            31100,
            "API_FULFILLMENT",
            &format!("Invalid limit: {limit}"),
        );
    }
    let offset: usize = get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let since = get("filter")
        .and_then(|f| f.strip_prefix("lastmodifieddate:[").map(str::to_string))
        .and_then(|f| f.split("..").next().map(str::to_string));
    let Some(since) = since.and_then(|d| d.parse::<Timestamp>().ok()) else {
        return ebay_error(400, 30810, "API_FULFILLMENT", "Invalid date format");
    };
    let matching: Vec<&Value> = s
        .orders
        .iter()
        .filter(|o| {
            o["lastModifiedDate"]
                .as_str()
                .and_then(|d| d.parse::<Timestamp>().ok())
                .is_some_and(|d| d >= since)
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|o| (*o).clone())
        .collect();
    let mut body = json!({"href": req.uri().to_string(), "total": matching.len(), "limit": limit, "offset": offset, "orders": page});
    if offset + limit < matching.len() {
        body["next"] = json!(format!(
            "/sell/fulfillment/v1/order?limit={limit}&offset={}",
            offset + limit
        ));
    }
    let problems = spec.check_at("/components/schemas/OrderSearchPagedCollection", &body);
    s.problems.extend(
        problems
            .into_iter()
            .take(5)
            .map(|p| format!("response: {p}")),
    );
    s.pages += 1;
    HttpResponse::Ok().json(body)
}

async fn get_fulfillments(
    req: HttpRequest,
    path: web::Path<String>,
    shared: Shared,
) -> HttpResponse {
    let (state, spec) = (&shared.0, &shared.1);
    let mut s = state.lock().unwrap();
    if let Some(r) = gate(&req, &mut s) {
        return r;
    }
    let id = path.into_inner();
    let Some(o) = s
        .orders
        .iter()
        .find(|o| o["orderId"] == id.as_str())
        .cloned()
    else {
        return ebay_error(
            404,
            32100,
            "API_FULFILLMENT",
            &format!("Invalid order ID: {id}"),
        );
    };
    s.tracking_calls += 1;
    let line = o["lineItems"][0]["lineItemId"].clone();
    let body = json!({"total": 1, "fulfillments": [{
        "fulfillmentId": format!("FUL-{id}"),
        "shipmentTrackingNumber": format!("LA{}FR", &id.replace('-', "")),
        "shippingCarrierCode": "Colissimo",
        "shippedDate": o["lastModifiedDate"],
        "lineItems": [{"lineItemId": line, "quantity": 1}],
    }]});
    let problems = spec.check_at(
        "/components/schemas/ShippingFulfillmentPagedCollection",
        &body,
    );
    s.problems
        .extend(problems.into_iter().map(|p| format!("response: {p}")));
    HttpResponse::Ok().json(body)
}
