//! A fake Mirakl marketplace (OR11, `GET /api/orders`) as Mirakl documents it: the shop
//! API key in `Authorization` (401 with Mirakl's `{"message", "status"}` otherwise),
//! `start_update_date`, offset pagination (`offset`, `max` up to 100, `total_count`).
//! Its orders are the official description's own example order, varied; every query
//! and every answer is checked against that description (`tests/data/…OR11.json`).

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::Served;
use super::swagger::Spec;

pub const KEY: &str = "4f1e2d3c-fake-mirakl-shop-key";
const SPEC: &str = "mirakl_mmp_seller_openapi__OR11.json";

pub struct State {
    pub orders: Vec<Value>,
    pub key_valid: bool,
    /// The next page is cut short, as a broken proxy would send it.
    pub garble_next: bool,
    pub pages: usize,
    /// The next calls are refused with 429 (Mirakl's rate limit), Retry-After 60.
    pub throttle_next: u32,
    pub problems: Vec<String>,
}

pub struct FakeMirakl {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

/// `n` orders built on the description's example: numbered, spread over the last days,
/// in turn shipped with tracking, being prepared, received, cancelled.
pub fn orders(n: usize, now: Timestamp) -> Vec<Value> {
    let spec = Spec::load(SPEC);
    let example = spec.0.pointer("/paths/~1api~1orders/get/responses/200/content/application~1json/examples/application~1json-0/value/orders/0")
        .cloned()
        .expect("the description's example order");
    (0..n)
        .map(|i| {
            let mut o = example.clone();
            let at = (now - SignedDuration::from_mins(30 * (n - i) as i64)).to_string();
            o["order_id"] = json!(format!("MK-{:06}-A", 100_000 + i));
            o["commercial_id"] = json!(format!("MK-{:06}", 100_000 + i));
            o["created_date"] = json!(at);
            o["last_updated_date"] = json!(at);
            o["currency_iso_code"] = json!("EUR");
            o["channel"] = json!({"code": "FR", "label": "Site FR"});
            let state = ["SHIPPED", "SHIPPING", "RECEIVED", "CANCELED"][i % 4];
            o["order_state"] = json!(state);
            o["shipping_company"] = json!("Colissimo");
            o["shipping_tracking"] = json!(format!("6A{:011}", 10_000_000 + i));
            o["shipping_tracking_url"] = json!(format!(
                "https://www.laposte.fr/outils/suivre-vos-envois?code=6A{:011}",
                10_000_000 + i
            ));
            o["customer"]["shipping_address"]["firstname"] = json!("Camille");
            o["customer"]["shipping_address"]["lastname"] = json!(format!("Durand{i}"));
            o["customer"]["shipping_address"]["zip_code"] = json!(format!("{:05}", 33000 + i % 50));
            // The example leaves out fields its own schema requires (deprecated ones) and
            // writes null where it says string: the fake fills and drops them.
            o["paymentType"] = json!("PAY_ON_ACCEPTANCE");
            if let Some(lines) = o["order_lines"].as_array_mut() {
                for line in lines {
                    line["commission_rate_vat"] = json!(20.0);
                    line["commission_vat"] = json!(0.48);
                    line["offer_sku"] = json!("EP-001-38");
                    line["product_title"] = json!("Robe Fleurie Bleue");
                    line["quantity"] = json!(1);
                    line["description"] = json!("Robe Fleurie Bleue, taille 38");
                    line["refunds"] = json!([]);
                    for taxes in ["taxes", "shipping_taxes"] {
                        if let Some(list) = line[taxes].as_array_mut() {
                            for t in list {
                                t["tax_calculation_rule"] = json!("none");
                            }
                        }
                    }
                }
            }
            drop_nulls(&mut o);
            o
        })
        .collect()
}

fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

impl FakeMirakl {
    pub fn start(orders: Vec<Value>) -> FakeMirakl {
        let state = Arc::new(Mutex::new(State {
            orders,
            key_valid: true,
            garble_next: false,
            pages: 0,
            throttle_next: 0,
            problems: Vec::new(),
        }));
        let shared = (state.clone(), Arc::new(Spec::load(SPEC)));
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone()))
                .route("/api/orders", web::get().to(list));
        });
        FakeMirakl { served, state }
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

type Shared = web::Data<(Arc<Mutex<State>>, Arc<Spec>)>;

async fn list(req: HttpRequest, shared: Shared) -> HttpResponse {
    let (state, spec) = shared.get_ref();
    let mut s = state.lock().unwrap();
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    // Offset pagination and sort are documented once for every list (section "Offset
    // pagination and sort"), not per operation.
    let problems = spec.check_query_also(
        "/api/orders",
        "get",
        &q,
        &["offset", "max", "paginate", "sort", "order"],
    );
    s.problems
        .extend(problems.into_iter().map(|p| format!("OR11: {p}")));
    let key = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if key != KEY || !s.key_valid {
        return HttpResponse::Unauthorized()
            .json(json!({"message": "Unauthorized", "status": 401}));
    }
    if s.throttle_next > 0 {
        s.throttle_next -= 1;
        let mut r = HttpResponse::TooManyRequests()
            .json(json!({"message": "Too many requests", "status": 429}));
        r.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("60"),
        );
        return r;
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let max: usize = get("max").and_then(|m| m.parse().ok()).unwrap_or(10);
    if max > 100 {
        return HttpResponse::BadRequest()
            .json(json!({"message": "max must be lower or equal to 100", "status": 400}));
    }
    let offset: usize = get("offset").and_then(|m| m.parse().ok()).unwrap_or(0);
    let since = get("start_update_date").and_then(|d| d.parse::<Timestamp>().ok());
    let mut matching: Vec<&Value> = s
        .orders
        .iter()
        .filter(|o| {
            since.is_none_or(|since| {
                o["last_updated_date"]
                    .as_str()
                    .and_then(|d| d.parse::<Timestamp>().ok())
                    .is_some_and(|d| d >= since)
            })
        })
        .collect();
    matching.sort_by(|a, b| a["created_date"].as_str().cmp(&b["created_date"].as_str()));
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max)
        .map(|o| (*o).clone())
        .collect();
    let body = json!({"orders": page, "total_count": matching.len()});
    let problems = spec.check_at("/components/schemas/OR11_Response_200", &body);
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
