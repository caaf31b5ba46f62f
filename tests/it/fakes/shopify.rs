//! A fake Shopify Admin GraphQL API serving the demo shop. It follows the real contract:
//! `X-Shopify-Access-Token` auth with Shopify's 401 body, cursor pagination with
//! `pageInfo`, `query:` search filters on `updated_at`/`created_at`, cost extensions,
//! THROTTLED errors, 429/5xx and garbled bodies on demand.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{Served, demo};

pub const TOKEN: &str = "shpat_fake_demo_token";
pub const SHOP: &str = "elegance-paris.myshopify.com";
pub const CLIENT_ID: &str = "fake0client0id0000000000000000001";
pub const CLIENT_SECRET: &str = "shpss_fake_client_secret";
const GRANTED: &str = "read_products,read_inventory,read_orders,read_customers,read_locations";
pub const VERSION: &str = "2026-07";

#[derive(Default)]
pub struct State {
    pub products: Vec<Value>,
    pub levels: Vec<Value>,
    pub locations: Vec<Value>,
    pub customers: Vec<Value>,
    pub orders: Vec<Value>,
    /// Every call: (operation name, variables).
    pub calls: Vec<(String, Value)>,
    /// Call number (1-based) → what to answer instead of data.
    pub faults: HashMap<usize, Fault>,
    pub delay: Option<Duration>,
    /// Authorization codes issued and not yet exchanged.
    pub codes: Vec<String>,
    /// Token requests: (grant type, accepted).
    pub token_requests: Vec<(String, bool)>,
    /// Webhook subscriptions made: (topic, uri).
    pub subscriptions: Vec<(String, String)>,
    /// Location id → indexes into `levels`, so a stock page does not scan every level.
    by_location: HashMap<u64, Vec<usize>>,
}

impl State {
    fn index_levels(&mut self) {
        self.by_location.clear();
        for (i, l) in self.levels.iter().enumerate() {
            let location = l["location_id"].as_u64().unwrap_or_default();
            self.by_location.entry(location).or_default().push(i);
        }
    }
}

#[derive(Clone)]
pub enum Fault {
    Throttled,
    Status(u16, &'static str),
    Garbled,
}

pub struct FakeShopify {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

fn now_utc() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn utc(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>()
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl FakeShopify {
    pub fn start() -> Self {
        let state = State {
            products: demo("products.json")["products"]
                .as_array()
                .unwrap()
                .clone(),
            levels: demo("inventory_levels.json")["inventory_levels"]
                .as_array()
                .unwrap()
                .clone(),
            locations: demo("locations.json")["locations"]
                .as_array()
                .unwrap()
                .clone(),
            customers: demo("customers.json")["customers"]
                .as_array()
                .unwrap()
                .clone(),
            // Like the demo mode: the newest order is from yesterday, so all 12 are recent.
            orders: super::recent_demo_orders(),
            ..Default::default()
        };
        Self::with_state(state)
    }

    /// Serves a catalogue given in Shopify's REST shape (benchmarks).
    pub fn with_state(mut state: State) -> Self {
        state.index_levels();
        let state = Arc::new(Mutex::new(state));
        let shared = state.clone();
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::from(shared.clone()))
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/admin/api/{version}/graphql.json", web::post().to(graphql))
                .route("/admin/oauth/authorize", web::get().to(authorize))
                .route("/admin/oauth/access_token", web::post().to(access_token));
        });
        FakeShopify { served, state }
    }

    pub fn calls(&self, operation: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .calls
            .iter()
            .filter(|(op, _)| op == operation)
            .count()
    }

    pub fn total_calls(&self) -> usize {
        self.state.lock().unwrap().calls.len()
    }

    pub fn fault_on_call(&self, n: usize, fault: Fault) {
        self.state.lock().unwrap().faults.insert(n, fault);
    }

    /// Sets the available quantity of an inventory item at a location, as a sale would.
    /// Marks the first `n` products (and their variants) changed now, with a new price.
    pub fn touch_products(&self, n: usize) {
        let now = now_utc();
        let mut s = self.state.lock().unwrap();
        for p in s.products.iter_mut().take(n) {
            p["updated_at"] = json!(now);
            for v in p["variants"].as_array_mut().unwrap() {
                v["updated_at"] = json!(now);
                v["price"] = json!("39.90");
            }
        }
    }

    pub fn set_stock(&self, item: u64, location: u64, available: i64) {
        let mut s = self.state.lock().unwrap();
        let level = s
            .levels
            .iter_mut()
            .find(|l| l["inventory_item_id"] == json!(item) && l["location_id"] == json!(location))
            .expect("level");
        level["available"] = json!(available);
        level["updated_at"] = json!(now_utc());
    }

    pub fn delete_product(&self, id: u64) {
        let mut s = self.state.lock().unwrap();
        let items: Vec<Value> = s
            .products
            .iter()
            .filter(|p| p["id"] == json!(id))
            .flat_map(|p| {
                p["variants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["inventory_item_id"].clone())
            })
            .collect();
        s.products.retain(|p| p["id"] != json!(id));
        s.levels
            .retain(|l| !items.contains(&l["inventory_item_id"]));
        s.index_levels();
    }
}

/// Applies a Shopify search string made of `field:>='value'` terms joined by AND;
/// `field` gives an item's value for a field name (only asked when filtering).
fn matches(filter: &Value, field: impl Fn(&str) -> Option<String>) -> bool {
    let Some(filter) = filter.as_str() else {
        return true;
    };
    filter.split(" AND ").all(|term| {
        let (name, rest) = term.split_once(":>=").expect("only >= filters are sent");
        let bound = utc(rest.trim_matches('\''));
        field(name).is_some_and(|v| v >= bound)
    })
}

/// Pages the filtered items, mapping only the page's slice to GraphQL nodes.
fn page<T>(items: Vec<T>, vars: &Value, node: impl Fn(T) -> Value) -> Value {
    let first = vars["first"].as_u64().unwrap() as usize;
    assert!(first <= 250, "Shopify refuses first > 250");
    let start: usize = vars["after"]
        .as_str()
        .map(|c| c.trim_start_matches("cursor-").parse().unwrap())
        .unwrap_or(0);
    let total = items.len();
    let end = (start + first).min(total);
    let nodes: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .map(node)
        .collect();
    json!({
        "nodes": nodes,
        "pageInfo": {
            "hasNextPage": end < total,
            "endCursor": if end > start { json!(format!("cursor-{end}")) } else { Value::Null },
        }
    })
}

fn gid(kind: &str, id: &Value) -> String {
    format!("gid://shopify/{kind}/{id}")
}

/// A field's value for the search filter, in UTC.
fn field_of<'a>(
    item: &'a Value,
    pairs: &'a [(&'a str, &'a str)],
) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        let key = pairs.iter().find(|(n, _)| *n == name)?.1;
        item[key].as_str().map(utc)
    }
}

fn products(s: &State, vars: &Value) -> Value {
    let items: Vec<&Value> = s
        .products
        .iter()
        .filter(|p| matches(&vars["query"], field_of(p, &[("updated_at", "updated_at")])))
        .collect();
    let connection = page(items, vars, |p| {
        json!({
            "id": gid("Product", &p["id"]), "handle": p["handle"], "title": p["title"],
            "productType": p["product_type"], "vendor": p["vendor"],
            "tags": p["tags"].as_str().unwrap().split(", ").filter(|t| !t.is_empty()).collect::<Vec<_>>(),
            "status": p["status"].as_str().unwrap().to_uppercase(),
            "updatedAt": utc(p["updated_at"].as_str().unwrap()),
            "options": p["options"].as_array().unwrap().iter().map(|o| json!({"name": o["name"]})).collect::<Vec<_>>(),
        })
    });
    json!({ "products": connection })
}

fn variants(s: &State, vars: &Value) -> Value {
    let items: Vec<(&Value, &Value)> = s
        .products
        .iter()
        .flat_map(|p| {
            p["variants"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |v| (p, v))
        })
        .filter(|(_, v)| matches(&vars["query"], field_of(v, &[("updated_at", "updated_at")])))
        .collect();
    let connection = page(items, vars, |(p, v)| {
        let selected: Vec<Value> = p["options"]
            .as_array()
            .unwrap()
            .iter()
            .zip(["option1", "option2", "option3"])
            .filter(|(_, key)| !v[*key].is_null())
            .map(|(o, key)| json!({"name": o["name"], "value": v[key]}))
            .collect();
        json!({
            "id": gid("ProductVariant", &v["id"]), "title": v["title"], "sku": v["sku"],
            "barcode": v["barcode"], "price": v["price"], "position": v["position"],
            "selectedOptions": selected,
            "product": {"id": gid("Product", &v["product_id"])},
            "inventoryItem": {"id": gid("InventoryItem", &v["inventory_item_id"])},
        })
    });
    json!({ "productVariants": connection })
}

fn stock(s: &State, vars: &Value) -> Value {
    let location: Option<u64> = vars["location"]
        .as_str()
        .and_then(|gid| gid.rsplit('/').next())
        .and_then(|id| id.parse().ok());
    let items: Vec<&Value> = location
        .and_then(|id| s.by_location.get(&id))
        .map(|indexes| indexes.iter().map(|i| &s.levels[*i]).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|l| matches(&vars["query"], field_of(l, &[("updated_at", "updated_at")])))
        .collect();
    let connection = page(items, vars, |l| {
        json!({
            "updatedAt": utc(l["updated_at"].as_str().unwrap()),
            "item": {"id": gid("InventoryItem", &l["inventory_item_id"])},
            "quantities": [{"name": "available", "quantity": l["available"]}],
        })
    });
    json!({ "location": { "inventoryLevels": connection } })
}

fn customers(s: &State, vars: &Value) -> Value {
    let items: Vec<&Value> = s
        .customers
        .iter()
        .filter(|c| matches(&vars["query"], field_of(c, &[("updated_at", "updated_at")])))
        .collect();
    let connection = page(items, vars, |c| {
        json!({
            "id": gid("Customer", &c["id"]), "firstName": c["first_name"], "lastName": c["last_name"],
            "updatedAt": utc(c["updated_at"].as_str().unwrap()),
            "defaultEmailAddress": c["email"].as_str().map(|e| json!({"emailAddress": e})),
            "defaultPhoneNumber": c["phone"].as_str().map(|p| json!({"phoneNumber": p})),
        })
    });
    json!({ "customers": connection })
}

fn orders(s: &State, vars: &Value) -> Value {
    let items: Vec<&Value> = s
        .orders
        .iter()
        .filter(|o| {
            matches(
                &vars["query"],
                field_of(
                    o,
                    &[("created_at", "created_at"), ("updated_at", "updated_at")],
                ),
            )
        })
        .collect();
    let connection = page(items, vars, |o| {
        let fulfillments: Vec<Value> = o["fulfillments"]
            .as_array()
            .map(|fs| {
                fs.iter()
                    .map(|f| json!({"trackingInfo": [{"company": f["tracking_company"], "number": f["tracking_number"], "url": f["tracking_url"]}]}))
                    .collect()
            })
            .unwrap_or_default();
        json!({
            "id": gid("Order", &o["id"]), "name": o["name"], "email": o["email"], "phone": o["phone"],
            "createdAt": o["created_at"], "updatedAt": o["updated_at"], "cancelledAt": o["cancelled_at"],
            "displayFinancialStatus": o["financial_status"].as_str().map(str::to_uppercase),
            "displayFulfillmentStatus": o["fulfillment_status"].as_str().unwrap_or("unfulfilled").to_uppercase(),
            "currencyCode": o["currency"],
            "totalPriceSet": {"shopMoney": {"amount": o["total_price"]}},
            "customer": o["customer"]["id"].as_u64().map(|id| json!({"id": gid("Customer", &json!(id))})),
            "lineItems": {"nodes": o["line_items"].as_array().unwrap().iter().map(|l| json!({
                "title": l["title"], "variantTitle": l["variant_title"], "sku": l["sku"], "quantity": l["quantity"],
                "variant": {"id": gid("ProductVariant", &l["variant_id"])},
                "product": {"id": gid("Product", &l["product_id"])},
                "originalUnitPriceSet": {"shopMoney": {"amount": l["price"]}},
            })).collect::<Vec<_>>()},
            "fulfillments": fulfillments,
        })
    });
    json!({ "orders": connection })
}

fn locations(s: &State, vars: &Value) -> Value {
    let connection = page(s.locations.iter().collect(), vars, |l: &Value| {
        json!({
            "id": gid("Location", &l["id"]), "name": l["name"], "isActive": l["active"],
            "address": {"address1": l["address1"], "zip": l["zip"], "city": l["city"], "countryCode": l["country_code"]},
        })
    });
    json!({ "locations": connection })
}

fn cost(available: f64) -> Value {
    json!({"cost": {"requestedQueryCost": 202, "actualQueryCost": 52,
        "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 2000.0}}})
}

async fn graphql(
    state: web::Data<Mutex<State>>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    if req
        .headers()
        .get("x-shopify-access-token")
        .and_then(|v| v.to_str().ok())
        != Some(TOKEN)
    {
        return HttpResponse::Unauthorized().json(json!({
            "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
        }));
    }
    if path.into_inner() != VERSION {
        return HttpResponse::NotFound().json(json!({"errors": "Not Found"}));
    }
    let query = body["query"].as_str().unwrap_or("");
    let operation = query
        .strip_prefix("query ")
        .or_else(|| query.strip_prefix("mutation "))
        .and_then(|q| q.split(['(', ' ', '{']).next())
        .unwrap_or("")
        .to_string();
    let vars = body["variables"].clone();
    let (fault, delay) = {
        let mut s = state.lock().unwrap();
        s.calls.push((operation.clone(), vars.clone()));
        let n = s.calls.len();
        (s.faults.remove(&n), s.delay)
    };
    if let Some(delay) = delay {
        actix_web::rt::time::sleep(delay).await;
    }
    match fault {
        Some(Fault::Throttled) => {
            return HttpResponse::Ok().json(json!({
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": cost(150.0),
            }));
        }
        Some(Fault::Status(code, body)) => {
            return HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .insert_header(("Retry-After", "1"))
                .content_type("application/json")
                .body(body);
        }
        Some(Fault::Garbled) => {
            return HttpResponse::Ok()
                .content_type("application/json")
                .body("{\"data\": {\"products\": [");
        }
        None => {}
    }
    let mut s = state.lock().unwrap();
    if operation == "ComptoirSubscribe" {
        let (topic, uri) = (
            vars["topic"].as_str().unwrap().to_string(),
            vars["uri"].as_str().unwrap().to_string(),
        );
        let taken = s.subscriptions.contains(&(topic.clone(), uri.clone()));
        let result = if taken {
            json!({"webhookSubscription": null, "userErrors": [{"field": ["webhookSubscription", "callbackUrl"],
                "message": "Address for this topic has already been taken"}]})
        } else {
            s.subscriptions.push((topic, uri));
            json!({"webhookSubscription": {"id": format!("gid://shopify/WebhookSubscription/{}", s.subscriptions.len())}, "userErrors": []})
        };
        return HttpResponse::Ok().json(
            json!({"data": {"webhookSubscriptionCreate": result}, "extensions": cost(1990.0)}),
        );
    }
    let data = match operation.as_str() {
        "ComptoirLocations" => locations(&s, &vars),
        "ComptoirProducts" => products(&s, &vars),
        "ComptoirVariants" => variants(&s, &vars),
        "ComptoirStock" => stock(&s, &vars),
        "ComptoirCustomers" => customers(&s, &vars),
        "ComptoirOrders" => orders(&s, &vars),
        other => {
            return HttpResponse::Ok().json(json!({
                "errors": [{"message": format!("Field '{other}' doesn't exist on type 'QueryRoot'"),
                    "extensions": {"code": "undefinedField"}}]
            }));
        }
    };
    HttpResponse::Ok().json(json!({ "data": data, "extensions": cost(1900.0) }))
}

/// Shopify's install screen: a link back to the app with a signed callback query.
async fn authorize(state: web::Data<Mutex<State>>, req: HttpRequest) -> HttpResponse {
    use hmac::Mac;
    let query: HashMap<String, String> = serde_urlencoded::from_str(req.query_string()).unwrap();
    assert_eq!(query["client_id"], CLIENT_ID);
    let code = format!("code{}", state.lock().unwrap().codes.len() + 1);
    state.lock().unwrap().codes.push(code.clone());
    let timestamp = jiff::Timestamp::now().as_second().to_string();
    let mut params = vec![
        ("code", code.as_str()),
        ("shop", SHOP),
        ("state", query["state"].as_str()),
        ("timestamp", timestamp.as_str()),
    ];
    params.sort();
    let signed = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(CLIENT_SECRET.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    let hmac: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    params.push(("hmac", hmac.as_str()));
    let link = format!(
        "{}?{}",
        query["redirect_uri"],
        serde_urlencoded::to_string(&params).unwrap()
    );
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><title>Installer Comptoir</title><p>Comptoir demande : {}</p><a id=\"install\" href=\"{}\">Installer l'application</a>",
        query["scope"],
        link.replace('&', "&amp;")
    ))
}

async fn access_token(state: web::Data<Mutex<State>>, body: web::Json<Value>) -> HttpResponse {
    let mut s = state.lock().unwrap();
    let grant = body["grant_type"]
        .as_str()
        .unwrap_or("authorization_code")
        .to_string();
    let client_ok = body["client_id"] == CLIENT_ID && body["client_secret"] == CLIENT_SECRET;
    let ok = match grant.as_str() {
        "client_credentials" => client_ok,
        _ => {
            let code = body["code"].as_str().unwrap_or("").to_string();
            let known = s.codes.contains(&code);
            s.codes.retain(|c| *c != code);
            client_ok && known
        }
    };
    s.token_requests.push((grant.clone(), ok));
    if !ok {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_request",
            "error_description": "The authorization code was not found or was already used"}));
    }
    let mut answer = json!({"access_token": TOKEN, "scope": GRANTED});
    if grant == "client_credentials" {
        answer["expires_in"] = json!(86399);
    }
    HttpResponse::Ok().json(answer)
}
