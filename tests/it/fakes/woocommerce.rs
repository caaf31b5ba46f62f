//! A fake WooCommerce REST API v3 serving the demo shop in WooCommerce's shape: HTTP
//! Basic or query-string consumer keys, `per_page`/`page` with `X-WP-Total` and
//! `X-WP-TotalPages`, `modified_after`/`after`/`type` filters, WooCommerce's error bodies.

use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::{Value, json};

use super::{Served, demo, demo_shop_stock, recent_demo_orders};

pub const KEY: &str = "ck_fake_demo_key";
pub const SECRET: &str = "cs_fake_demo_secret";

#[derive(Default)]
pub struct State {
    pub products: Vec<Value>,
    /// Variable product id → its variations.
    pub variations: Vec<(i64, Vec<Value>)>,
    pub customers: Vec<Value>,
    pub orders: Vec<Value>,
    pub requests: Vec<String>,
    /// Simulates hosts that strip the Authorization header.
    pub strip_authorization: bool,
}

pub struct FakeWoo {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

fn gmt(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>()
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

fn woo_status(o: &Value) -> &'static str {
    match (
        o["financial_status"].as_str(),
        o["fulfillment_status"].as_str(),
    ) {
        (Some("voided"), _) => "cancelled",
        (Some("refunded"), _) => "refunded",
        (Some("pending"), _) => "pending",
        (_, Some("fulfilled")) => "completed",
        _ => "processing",
    }
}

impl FakeWoo {
    pub fn start() -> Self {
        // One quantity per item: the shop's.
        let shop_stock = demo_shop_stock();
        let mut state = State::default();
        for p in demo("products.json")["products"].as_array().unwrap() {
            let variants = p["variants"].as_array().unwrap();
            let simple = variants.len() == 1 && variants[0]["option1"] == "Default Title";
            let common = json!({
                "id": p["id"], "name": p["title"], "slug": p["handle"], "status": "publish",
                "date_modified_gmt": gmt(p["updated_at"].as_str().unwrap()),
                "categories": [{"id": 1, "name": p["product_type"], "slug": "c"}],
                "tags": p["tags"].as_str().unwrap().split(", ").map(|t| json!({"id": 1, "name": t, "slug": t})).collect::<Vec<_>>(),
            });
            let mut product = common;
            if simple {
                let v = &variants[0];
                let qty = shop_stock(&v["inventory_item_id"]);
                product["type"] = json!("simple");
                product["sku"] = v["sku"].clone();
                product["price"] = v["price"].clone();
                product["manage_stock"] = json!(true);
                product["stock_quantity"] = json!(qty);
                product["stock_status"] = json!(if qty > 0 { "instock" } else { "outofstock" });
                product["attributes"] = json!([]);
            } else {
                let options = p["options"].as_array().unwrap();
                product["type"] = json!("variable");
                product["sku"] = json!("");
                product["price"] = variants[0]["price"].clone();
                product["manage_stock"] = json!(false);
                product["stock_quantity"] = Value::Null;
                product["stock_status"] = json!("instock");
                product["attributes"] = options
                    .iter()
                    .map(|o| json!({"id": 0, "name": o["name"], "position": o["position"], "visible": true, "variation": true, "options": o["values"]}))
                    .collect();
                let variations = variants
                    .iter()
                    .map(|v| {
                        let qty = shop_stock(&v["inventory_item_id"]);
                        let attributes: Vec<Value> = options
                            .iter()
                            .zip(["option1", "option2", "option3"])
                            .map(|(o, key)| json!({"id": 0, "name": o["name"], "option": v[key]}))
                            .collect();
                        json!({
                            "id": v["id"], "sku": v["sku"], "price": v["price"], "regular_price": v["price"],
                            "manage_stock": true, "stock_quantity": qty,
                            "stock_status": if qty > 0 { "instock" } else { "outofstock" },
                            "date_modified_gmt": gmt(v["updated_at"].as_str().unwrap()),
                            "attributes": attributes, "menu_order": v["position"],
                        })
                    })
                    .collect();
                state
                    .variations
                    .push((p["id"].as_i64().unwrap(), variations));
            }
            state.products.push(product);
        }
        state.customers = demo("customers.json")["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!({
                    "id": c["id"], "email": c["email"], "first_name": c["first_name"], "last_name": c["last_name"],
                    "date_modified_gmt": gmt(c["updated_at"].as_str().unwrap()),
                    "billing": {"email": c["email"], "phone": c["phone"].as_str().unwrap_or("")},
                })
            })
            .collect();
        state.orders = recent_demo_orders()
            .iter()
            .map(|o| {
                let tracking: Vec<Value> = o["fulfillments"]
                    .as_array()
                    .map(|fs| fs.iter().map(|f| json!({"tracking_provider": f["tracking_company"], "tracking_number": f["tracking_number"], "custom_tracking_link": f["tracking_url"]})).collect())
                    .unwrap_or_default();
                json!({
                    "id": o["id"], "number": o["name"].as_str().unwrap().trim_start_matches('#'),
                    "status": woo_status(o), "currency": o["currency"],
                    "date_created_gmt": gmt(o["created_at"].as_str().unwrap()),
                    "date_modified_gmt": gmt(o["updated_at"].as_str().unwrap()),
                    "total": o["total_price"], "customer_id": o["customer"]["id"],
                    "billing": {"email": o["email"], "phone": o["phone"].as_str().unwrap_or("")},
                    "line_items": o["line_items"].as_array().unwrap().iter().map(|l| json!({
                        "id": l["id"], "name": l["title"], "product_id": l["product_id"], "variation_id": l["variant_id"],
                        "quantity": l["quantity"], "sku": l["sku"], "price": l["price"].as_str().unwrap().parse::<f64>().unwrap(),
                        "meta_data": [],
                    })).collect::<Vec<_>>(),
                    "meta_data": if tracking.is_empty() { json!([]) } else { json!([{"id": 1, "key": "_wc_shipment_tracking_items", "value": tracking}]) },
                })
            })
            .collect();
        let state = Arc::new(Mutex::new(state));
        let shared = state.clone();
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::from(shared.clone()))
                .route("/wp-json/wc/v3/{tail:.*}", web::get().to(handle));
        });
        FakeWoo { served, state }
    }

    pub fn requests(&self, prefix: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .requests
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }
}

fn authorised(req: &HttpRequest, query: &[(String, String)], strip: bool) -> bool {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:{SECRET}"))
    );
    let header_ok = !strip
        && req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            == Some(basic.as_str());
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    header_ok || (param("consumer_key") == Some(KEY) && param("consumer_secret") == Some(SECRET))
}

async fn handle(
    state: web::Data<Mutex<State>>,
    req: HttpRequest,
    tail: web::Path<String>,
) -> HttpResponse {
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let mut s = state.lock().unwrap();
    s.requests.push(tail.to_string());
    if !authorised(&req, &query, s.strip_authorization) {
        return HttpResponse::Unauthorized().json(json!({
            "code": "woocommerce_rest_cannot_view",
            "message": "Sorry, you cannot list resources.",
            "data": {"status": 401}
        }));
    }
    let after = |field: &str, bound: Option<String>, item: &Value| {
        bound.is_none_or(|b| item[field].as_str().unwrap_or("") > b.as_str())
    };
    let modified = param("modified_after");
    let items: Vec<Value> = match tail.as_str() {
        "products" => s
            .products
            .iter()
            .filter(|p| param("type").is_none_or(|t| p["type"] == json!(t)))
            .filter(|p| after("date_modified_gmt", modified.clone(), p))
            .cloned()
            .collect(),
        "customers" => s.customers.clone(),
        "orders" => s
            .orders
            .iter()
            .filter(|o| after("date_created_gmt", param("after"), o))
            .filter(|o| after("date_modified_gmt", modified.clone(), o))
            .cloned()
            .collect(),
        other => match other
            .strip_prefix("products/")
            .and_then(|r| r.strip_suffix("/variations"))
        {
            Some(id) => s
                .variations
                .iter()
                .find(|(p, _)| p.to_string() == id)
                .map(|(_, vs)| {
                    vs.iter()
                        .filter(|v| after("date_modified_gmt", modified.clone(), v))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            None => {
                return HttpResponse::NotFound().json(json!({
                    "code": "rest_no_route", "message": "No route was found matching the URL and request method.", "data": {"status": 404}
                }));
            }
        },
    };
    let per_page: usize = param("per_page").and_then(|p| p.parse().ok()).unwrap_or(10);
    assert!(per_page <= 100, "WooCommerce caps per_page at 100");
    let page: usize = param("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    HttpResponse::Ok()
        .insert_header(("X-WP-Total", total.to_string()))
        .insert_header(("X-WP-TotalPages", pages.to_string()))
        .json(slice)
}

impl FakeWoo {
    /// Sets the stock of a variation, as a sale would.
    pub fn set_variation_stock(&self, variation: i64, quantity: i64) {
        let mut s = self.state.lock().unwrap();
        for (_, vs) in &mut s.variations {
            for v in vs.iter_mut().filter(|v| v["id"] == json!(variation)) {
                v["stock_quantity"] = json!(quantity);
                v["date_modified_gmt"] = json!(
                    jiff::Timestamp::now()
                        .strftime("%Y-%m-%dT%H:%M:%S")
                        .to_string()
                );
            }
        }
    }
}
