//! A fake Octopia (Cdiscount's seller API v2): the Keycloak token endpoint of realm
//! `maas` (`client_credentials`, Keycloak's `{"error", "error_description"}` when
//! refused) and `GET /seller/v2/orders` (`Authorization: Bearer`, the `SellerId` header,
//! `updatedAtMin`, `pageIndex` from 1 and `pageSize` up to 100, `items`), with
//! `application/problem+json` errors: 401 for a bad or revoked token, 403 for another
//! seller, 400 for a bad page size, 429 when told to throttle. Every query and answer
//! is checked against `tests/data/octopia_seller_api_v2__orders.json`.

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Served;
use super::swagger::Spec;

pub const CLIENT_ID: &str = "elegance-paris-api";
pub const CLIENT_SECRET: &str = "fake-octopia-client-secret";
pub const SELLER_ID: &str = "123456";
const SPEC: &str = "octopia_seller_api_v2__orders.json";
const TOKEN_PATH: &str = "/auth/realms/maas/protocol/openid-connect/token";

pub struct State {
    pub orders: Vec<Value>,
    pub secret_valid: bool,
    /// The next data call finds its token revoked.
    pub revoke_next: bool,
    pub throttle_next: u32,
    pub garble_next: bool,
    tokens: Vec<String>,
    pub grants: usize,
    pub pages: usize,
    pub problems: Vec<String>,
}

pub struct FakeOctopia {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

/// `n` orders over the last days, their status in turn shipped (with a parcel),
/// in preparation, delivered, cancelled, refused; one in five fulfilled by Octopia.
pub fn orders(n: usize, now: Timestamp) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let at = (now - SignedDuration::from_mins(25 * (n - i) as i64)).to_string();
            let status = ["Shipped", "InPreparation", "Delivered", "Cancelled", "Refused"][i % 5];
            let parcels = if matches!(status, "Shipped" | "Delivered") {
                json!([{
                    "parcelNumber": format!("6C{:011}", 20_000_000 + i),
                    "carrierName": "Colissimo",
                    "trackingUrl": format!("https://www.laposte.fr/outils/suivre-vos-envois?code=6C{:011}", 20_000_000 + i),
                }])
            } else {
                json!([])
            };
            let ship_to = json!({
                "firstName": "Léa", "lastName": format!("Petit{i}"),
                "addressLine1": "12 rue des Lilas", "city": "Lyon",
                "postalCode": format!("{:05}", 69000 + i % 9), "countryCode": "FR",
            });
            json!({
                "orderId": format!("2411{:06}CD{:03}", 300_000 + i, i % 1000),
                "reference": format!("2411{:06}CD{:03}", 300_000 + i, i % 1000),
                "salesChannel": "CDISFR",
                "status": status,
                "businessOrder": false,
                "createdAt": at, "purchasedAt": at, "updatedAt": at,
                "customer": {"reference": format!("C{}", 70_000 + i)},
                "billingAddress": {"firstName": "Léa", "lastName": format!("Petit{i}"),
                    "city": "Lyon", "postalCode": "69001", "countryCode": "FR"},
                "lines": [{
                    "orderLineId": format!("{}", 500_000 + i),
                    "status": status,
                    "quantity": 1,
                    "offer": {"sellerProductId": "CD-ROBE-38", "productId": "AUC1234567890",
                        "supplyMode": if i % 5 == 4 { "Fulfillment" } else { "Seller" }},
                    "totalPrice": {"sellingPrice": 84.9},
                    "shippingAddress": ship_to,
                    "parcels": parcels,
                }],
            })
        })
        .collect()
}

fn problem(status: u16, title: &str, detail: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .content_type("application/problem+json")
        .body(
            json!({"type": "about:blank", "title": title, "status": status, "detail": detail})
                .to_string(),
        )
}

impl FakeOctopia {
    pub fn start(orders: Vec<Value>) -> FakeOctopia {
        let state = Arc::new(Mutex::new(State {
            orders,
            secret_valid: true,
            revoke_next: false,
            throttle_next: 0,
            garble_next: false,
            tokens: Vec::new(),
            grants: 0,
            pages: 0,
            problems: Vec::new(),
        }));
        let shared = (state.clone(), Arc::new(Spec::load(SPEC)));
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone()))
                .route(TOKEN_PATH, web::post().to(token))
                .route("/seller/v2/orders", web::get().to(list));
        });
        FakeOctopia { served, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

type Shared = web::Data<(Arc<Mutex<State>>, Arc<Spec>)>;

async fn token(form: web::Form<Vec<(String, String)>>, shared: Shared) -> HttpResponse {
    let (state, spec) = (&shared.0, &shared.1);
    let mut s = state.lock().unwrap();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("grant_type") != Some("client_credentials") {
        return HttpResponse::BadRequest().json(json!({"error": "unsupported_grant_type",
            "error_description": "Unsupported grant_type"}));
    }
    if get("client_id") != Some(CLIENT_ID)
        || get("client_secret") != Some(CLIENT_SECRET)
        || !s.secret_valid
    {
        return HttpResponse::Unauthorized().json(
            json!({"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials"}),
        );
    }
    s.grants += 1;
    let t = format!("eyJhbGciOiJSUzI1NiJ9.fake-octopia.{}", s.grants);
    s.tokens.push(t.clone());
    let body = json!({"access_token": t, "expires_in": 7200, "token_type": "Bearer"});
    let problems = spec.check_at("/components/schemas/Token", &body);
    s.problems
        .extend(problems.into_iter().map(|p| format!("token: {p}")));
    HttpResponse::Ok().json(body)
}

async fn list(req: HttpRequest, shared: Shared) -> HttpResponse {
    let (state, spec) = (&shared.0, &shared.1);
    let mut s = state.lock().unwrap();
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let problems = spec.check_query("/seller/v2/orders", "get", &q);
    s.problems
        .extend(problems.into_iter().map(|p| format!("getOrders: {p}")));
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let valid = header("Authorization")
        .strip_prefix("Bearer ")
        .is_some_and(|t| s.tokens.iter().any(|k| k == t));
    if s.revoke_next && valid {
        s.revoke_next = false;
        s.tokens.clear();
    }
    let valid = valid && !s.tokens.is_empty();
    if !valid {
        return problem(
            401,
            "Unauthorized",
            "The access token is invalid or expired.",
        );
    }
    if header("SellerId").is_empty() {
        s.problems
            .push("getOrders: the SellerId header is missing".into());
    }
    if header("SellerId") != SELLER_ID {
        return problem(
            403,
            "Forbidden",
            "The client is not allowed to act for this seller.",
        );
    }
    if s.throttle_next > 0 {
        s.throttle_next -= 1;
        let mut r = problem(429, "Too Many Requests", "Rate limit exceeded.");
        r.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("3"),
        );
        return r;
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let size: usize = get("pageSize").and_then(|m| m.parse().ok()).unwrap_or(20);
    if size == 0 || size > 100 {
        return problem(400, "Bad Request", "pageSize must be between 1 and 100.");
    }
    let index: usize = get("pageIndex")
        .and_then(|m| m.parse().ok())
        .unwrap_or(1)
        .max(1);
    let since = get("updatedAtMin").and_then(|d| d.parse::<Timestamp>().ok());
    let mut matching: Vec<&Value> = s
        .orders
        .iter()
        .filter(|o| {
            since.is_none_or(|since| {
                o["updatedAt"]
                    .as_str()
                    .and_then(|d| d.parse::<Timestamp>().ok())
                    .is_some_and(|d| d >= since)
            })
        })
        .collect();
    matching.sort_by(|a, b| a["createdAt"].as_str().cmp(&b["createdAt"].as_str()));
    let page: Vec<Value> = matching
        .iter()
        .skip((index - 1) * size)
        .take(size)
        .map(|o| (*o).clone())
        .collect();
    let body = json!({"items": page, "itemsPerPage": size});
    let problems = spec.check_at("/components/schemas/OrdersPage", &body);
    s.problems.extend(
        problems
            .into_iter()
            .take(5)
            .map(|p| format!("response: {p}")),
    );
    s.pages += 1;
    if std::mem::take(&mut s.garble_next) {
        let whole = body.to_string();
        return HttpResponse::Ok()
            .content_type("application/json")
            .body(whole[..whole.len() / 2].to_string());
    }
    HttpResponse::Ok().json(body)
}
