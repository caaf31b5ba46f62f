//! A fake Etsy Open API v3: the consent screen (`/oauth/connect`, which approves at once
//! unless told to decline, and remembers the PKCE challenge), the OAuth token endpoint
//! (authorization-code grant checked against the challenge and redirect URI; refresh-token
//! grant, a new refresh token with every access token, the previous one then refused),
//! and `getShopReceipts`
//! (`x-api-key` and a bearer token, `min_last_modified`, `limit` up to 100, `offset`,
//! `count`), with Etsy's `{"error": …}` bodies. Every query and answer is checked
//! against Etsy's own OpenAPI document (`tests/data/etsy_open_api_v3__receipts.json`).

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Served;
use super::swagger::Spec;

pub const KEYSTRING: &str = "fakeetsykeystring0001";
pub const REFRESH_TOKEN: &str = "12345678.fake-etsy-refresh-0";
pub const SHOP_ID: &str = "12345678";
const SPEC: &str = "etsy_open_api_v3__receipts.json";

pub struct State {
    pub receipts: Vec<Value>,
    /// The refresh token Etsy accepts now (it changes with every grant).
    pub refresh: String,
    tokens: Vec<String>,
    /// Codes handed out by the consent screen: (code, challenge, redirect URI).
    codes: Vec<(String, String, String)>,
    /// The owner declines on the consent screen.
    pub decline: bool,
    /// What the consent screen was asked (its query), for the test to look at.
    pub consent_asked: Vec<(String, String)>,
    pub grants: usize,
    pub pages: usize,
    /// The next calls are refused with 429, as Etsy does past 10 requests a second.
    pub throttle_next: u32,
    pub problems: Vec<String>,
}

pub struct FakeEtsy {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

/// `n` receipts: shipped with tracking, paid, completed; one in ten cancelled.
pub fn receipts(n: usize, now: Timestamp) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let at = (now - SignedDuration::from_mins(15 * (n - i) as i64)).as_second();
            let shipped = i % 3 == 0;
            let status = if i % 10 == 9 { "canceled" } else if shipped { "completed" } else { "paid" };
            json!({
                "receipt_id": 3_000_000_000i64 + i as i64, "receipt_type": 0,
                "seller_user_id": 111, "buyer_user_id": 1000 + i,
                "buyer_email": null,
                "name": format!("Alice Moreau{i}"), "zip": format!("{:05}", 13001 + i % 16),
                "status": status, "is_paid": true, "is_shipped": shipped,
                "create_timestamp": at, "created_timestamp": at,
                "update_timestamp": at, "updated_timestamp": at,
                "grandtotal": {"amount": 4590, "divisor": 100, "currency_code": "EUR"},
                "shipments": if shipped { json!([{"receipt_shipping_id": 5000 + i, "shipment_notification_timestamp": at,
                    "carrier_name": "La Poste", "tracking_code": format!("8R{:011}", i)}]) } else { json!([]) },
                "transactions": [{"transaction_id": 7000 + i, "title": "Écharpe en soie ivoire",
                    "sku": "ETSY-ECHARPE", "quantity": 1, "listing_id": 900 + i as i64,
                    "price": {"amount": 4590, "divisor": 100, "currency_code": "EUR"}}],
            })
        })
        .collect()
}

fn etsy_error(status: u16, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(json!({"error": message}))
}

impl FakeEtsy {
    pub fn start(receipts: Vec<Value>) -> FakeEtsy {
        let state = Arc::new(Mutex::new(State {
            receipts,
            refresh: REFRESH_TOKEN.into(),
            tokens: Vec::new(),
            codes: Vec::new(),
            decline: false,
            consent_asked: Vec::new(),
            grants: 0,
            pages: 0,
            throttle_next: 0,
            problems: Vec::new(),
        }));
        let shared = (state.clone(), Arc::new(Spec::load(SPEC)));
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone()))
                .route("/oauth/connect", web::get().to(consent))
                .route("/v3/public/oauth/token", web::post().to(token))
                .route("/v3/application/shops/{shop}/receipts", web::get().to(list));
        });
        FakeEtsy { served, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

type Shared = web::Data<(Arc<Mutex<State>>, Arc<Spec>)>;

/// Etsy's consent screen, approving (or declining) at once: back to the redirect URI
/// with a code, or with `error=access_denied`.
async fn consent(req: HttpRequest, shared: Shared) -> HttpResponse {
    let mut s = shared.0.lock().unwrap();
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    s.consent_asked = q.clone();
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (redirect, state) = (get("redirect_uri"), get("state"));
    let valid = get("response_type") == "code"
        && get("client_id") == KEYSTRING
        && get("scope").split(' ').any(|sc| sc == "transactions_r")
        && get("code_challenge_method") == "S256"
        && get("code_challenge").len() == 43
        && !state.is_empty()
        && redirect.starts_with("http");
    if !valid {
        return HttpResponse::BadRequest().body("invalid authorization request");
    }
    let answer = if s.decline {
        serde_urlencoded::to_string([
            ("error", "access_denied"),
            ("error_description", "The user denied the request"),
            ("state", state.as_str()),
        ])
    } else {
        let code = format!("fake-etsy-code-{}", s.codes.len() + 1);
        s.codes
            .push((code.clone(), get("code_challenge"), redirect.clone()));
        serde_urlencoded::to_string([("code", code.as_str()), ("state", state.as_str())])
    }
    .unwrap();
    HttpResponse::Found()
        .insert_header(("Location", format!("{redirect}?{answer}")))
        .finish()
}

async fn token(form: web::Form<Vec<(String, String)>>, shared: Shared) -> HttpResponse {
    use base64::Engine;
    use sha2::Digest;
    let mut s = shared.0.lock().unwrap();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("client_id").as_deref() != Some(KEYSTRING) {
        return HttpResponse::Unauthorized()
            .json(json!({"error": "invalid_client", "error_description": "Invalid API key"}));
    }
    if get("grant_type").as_deref() == Some("authorization_code") {
        let code = get("code").unwrap_or_default();
        let Some(at) = s.codes.iter().position(|(c, _, _)| *c == code) else {
            return HttpResponse::BadRequest()
                .json(json!({"error": "invalid_grant", "error_description": "code is invalid or expired"}));
        };
        let (_, challenge, redirect) = s.codes.remove(at);
        let verifier = get("code_verifier").unwrap_or_default();
        let made = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        if made != challenge || get("redirect_uri") != Some(redirect) {
            return HttpResponse::BadRequest().json(
                json!({"error": "invalid_grant", "error_description": "code_verifier or redirect_uri does not match"}),
            );
        }
        s.grants += 1;
        let access = format!("12345678.fake-access-{}", s.grants);
        s.tokens.push(access.clone());
        s.refresh = format!("12345678.fake-etsy-refresh-{}", s.grants);
        return HttpResponse::Ok().json(json!({"access_token": access, "token_type": "Bearer",
            "expires_in": 3600, "refresh_token": s.refresh}));
    }
    if get("grant_type").as_deref() != Some("refresh_token")
        || get("refresh_token") != Some(s.refresh.clone())
    {
        return HttpResponse::BadRequest()
            .json(json!({"error": "invalid_grant", "error_description": "Invalid refresh token"}));
    }
    s.grants += 1;
    let access = format!("12345678.fake-access-{}", s.grants);
    s.tokens.push(access.clone());
    s.refresh = format!("12345678.fake-etsy-refresh-{}", s.grants);
    HttpResponse::Ok().json(json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": s.refresh}))
}

async fn list(req: HttpRequest, path: web::Path<String>, shared: Shared) -> HttpResponse {
    let (state, spec) = (&shared.0, &shared.1);
    let mut s = state.lock().unwrap();
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let problems = spec.check_query("/v3/application/shops/{shop_id}/receipts", "get", &q);
    s.problems.extend(
        problems
            .into_iter()
            .map(|p| format!("getShopReceipts: {p}")),
    );
    let header = |n: &str| {
        req.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    if header("x-api-key") != KEYSTRING {
        return etsy_error(
            403,
            "Invalid API key: should be in the format 'keystring:shared_secret'.",
        );
    }
    let bearer = header("Authorization");
    if !bearer
        .strip_prefix("Bearer ")
        .is_some_and(|t| s.tokens.iter().any(|k| k == t))
    {
        return etsy_error(401, "invalid_token");
    }
    if path.into_inner() != SHOP_ID {
        return etsy_error(404, "Shop not found");
    }
    if s.throttle_next > 0 {
        s.throttle_next -= 1;
        let mut r = etsy_error(
            429,
            "You have exceeded your quota of: 10 requests per second.",
        );
        r.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("1"),
        );
        return r;
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(25);
    if limit > 100 {
        return etsy_error(400, "Expected int <= 100 for 'limit'.");
    }
    let offset: usize = get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let since: i64 = get("min_last_modified")
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    let matching: Vec<&Value> = s
        .receipts
        .iter()
        .filter(|r| r["updated_timestamp"].as_i64().unwrap_or(0) >= since)
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| (*r).clone())
        .collect();
    let body = json!({"count": matching.len(), "results": page});
    let problems = spec.check_at("/components/schemas/ShopReceipts", &body);
    s.problems.extend(
        problems
            .into_iter()
            .take(5)
            .map(|p| format!("response: {p}")),
    );
    s.pages += 1;
    HttpResponse::Ok().json(body)
}
