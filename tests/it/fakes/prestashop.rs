//! A fake PrestaShop Webservice serving the demo shop in PrestaShop's shape: the key as
//! HTTP Basic user (401 with PrestaShop's realm otherwise), `output_format=JSON`,
//! `display=full`, `limit=offset,count`, `filter[field]=[a,b]` intervals and `[a|b]` lists,
//! multilingual fields as `[{"id", "value"}]`, and `[]` for an empty list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::{Value, json};

use super::{Served, demo, demo_shop_stock, recent_demo_orders};

pub const KEY: &str = "FAKEPRESTASHOPWEBSERVICEKEY00001";

#[derive(Default)]
pub struct State {
    pub resources: HashMap<&'static str, Vec<Value>>,
    pub requests: usize,
}

pub struct FakePresta {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

fn lang(text: &str) -> Value {
    json!([{"id": "1", "value": text}, {"id": "2", "value": ""}])
}

fn shop_date(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>()
        .unwrap()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn state_of(order: &Value) -> &'static str {
    match (
        order["financial_status"].as_str(),
        order["fulfillment_status"].as_str(),
    ) {
        (Some("voided"), _) => "6",
        (Some("refunded"), _) => "7",
        (Some("pending"), _) => "10",
        (_, Some("fulfilled")) => "4",
        _ => "2",
    }
}

impl FakePresta {
    pub fn start() -> Self {
        // One quantity per item: the shop's.
        let shop_stock = demo_shop_stock();
        let mut r: HashMap<&'static str, Vec<Value>> = HashMap::new();
        let mut groups: Vec<String> = Vec::new();
        let mut values: Vec<(usize, String)> = Vec::new();
        let mut value_id = |group: &str, value: &str, groups: &mut Vec<String>| -> usize {
            let g = groups.iter().position(|x| x == group).unwrap_or_else(|| {
                groups.push(group.to_string());
                groups.len() - 1
            });
            match values.iter().position(|(vg, v)| *vg == g && v == value) {
                Some(i) => i + 1,
                None => {
                    values.push((g, value.to_string()));
                    values.len()
                }
            }
        };
        for p in demo("products.json")["products"].as_array().unwrap() {
            let variants = p["variants"].as_array().unwrap();
            let simple = variants.len() == 1 && variants[0]["option1"] == "Default Title";
            let base_price = variants[0]["price"].as_str().unwrap().to_string();
            let mut product = json!({
                "id": p["id"], "name": lang(p["title"].as_str().unwrap()), "link_rewrite": lang(p["handle"].as_str().unwrap()),
                "price": format!("{base_price}0000"), "active": "1", "reference": "", "ean13": "",
                "date_upd": shop_date(p["updated_at"].as_str().unwrap()),
                "associations": {"combinations": []},
            });
            if simple {
                let v = &variants[0];
                product["reference"] = v["sku"].clone();
                product["ean13"] = v["barcode"].clone();
                r.entry("stock_availables").or_default().push(json!({"id": v["id"], "id_product": p["id"], "id_product_attribute": 0, "id_shop": 1, "quantity": shop_stock(&v["inventory_item_id"])}));
            } else {
                let names: Vec<String> = p["options"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["name"].as_str().unwrap().to_string())
                    .collect();
                let mut combos = Vec::new();
                for v in variants {
                    let option_values: Vec<Value> = names
                        .iter()
                        .zip(["option1", "option2", "option3"])
                        .filter_map(|(name, key)| v[key].as_str().map(|value| json!({"id": value_id(name, value, &mut groups).to_string()})))
                        .collect();
                    let impact = v["price"].as_str().unwrap().parse::<f64>().unwrap()
                        - base_price.parse::<f64>().unwrap();
                    r.entry("combinations").or_default().push(json!({
                        "id": v["id"], "id_product": p["id"], "reference": v["sku"], "ean13": v["barcode"],
                        "price": format!("{impact:.6}"), "associations": {"product_option_values": option_values},
                    }));
                    r.entry("stock_availables").or_default().push(json!({"id": v["id"], "id_product": p["id"], "id_product_attribute": v["id"], "id_shop": 1, "quantity": shop_stock(&v["inventory_item_id"]).to_string()}));
                    combos.push(json!({"id": v["id"].to_string()}));
                }
                product["associations"]["combinations"] = json!(combos);
            }
            r.entry("products").or_default().push(product);
        }
        r.insert(
            "product_options",
            groups
                .iter()
                .enumerate()
                .map(|(i, g)| json!({"id": i + 1, "name": lang(g)}))
                .collect(),
        );
        r.insert(
            "product_option_values",
            values.iter().enumerate().map(|(i, (g, v))| json!({"id": i + 1, "id_attribute_group": (g + 1).to_string(), "name": lang(v)})).collect(),
        );
        r.insert(
            "customers",
            demo("customers.json")["customers"].as_array().unwrap().iter().map(|c| json!({
                "id": c["id"], "email": c["email"], "firstname": c["first_name"], "lastname": c["last_name"],
                "date_upd": shop_date(c["updated_at"].as_str().unwrap()),
            })).collect(),
        );
        let carriers = ["Colissimo", "Chronopost", "UPS", "DHL"];
        r.insert("carriers", carriers.iter().enumerate().map(|(i, c)| json!({"id": i + 1, "name": c, "url": format!("https://suivi.example/{c}?n=@")})).collect());
        for o in recent_demo_orders() {
            let reference = o["name"]
                .as_str()
                .unwrap()
                .trim_start_matches('#')
                .to_string();
            r.entry("orders").or_default().push(json!({
                "id": o["id"], "reference": reference, "id_customer": o["customer"]["id"], "current_state": state_of(&o),
                "date_add": shop_date(o["created_at"].as_str().unwrap()), "date_upd": shop_date(o["updated_at"].as_str().unwrap()),
                "total_paid": format!("{}0000", o["total_price"].as_str().unwrap()),
                "associations": {"order_rows": o["line_items"].as_array().unwrap().iter().map(|l| json!({
                    "product_id": l["product_id"], "product_attribute_id": l["variant_id"], "product_quantity": l["quantity"],
                    "product_name": l["title"], "product_reference": l["sku"], "unit_price_tax_incl": l["price"],
                })).collect::<Vec<_>>()},
            }));
            for f in o["fulfillments"].as_array().into_iter().flatten() {
                let carrier = carriers
                    .iter()
                    .position(|c| f["tracking_company"] == json!(c))
                    .map_or(1, |i| i + 1);
                r.entry("order_carriers").or_default().push(json!({"id": f["id"], "id_order": o["id"], "id_carrier": carrier, "tracking_number": f["tracking_number"]}));
            }
        }
        let state = Arc::new(Mutex::new(State {
            resources: r,
            requests: 0,
        }));
        let shared = state.clone();
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::from(shared.clone()))
                .route("/api/{resource}", web::get().to(handle));
        });
        FakePresta { served, state }
    }
}

/// `[a,b]` interval or `[a|b|c]` list, compared as text.
fn passes(filter: &str, value: &Value) -> bool {
    let inner = filter.trim_start_matches('[').trim_end_matches(']');
    let v = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match inner.split_once(',') {
        Some((low, high)) => v.as_str() >= low && v.as_str() <= high,
        None => inner.split('|').any(|x| x == v),
    }
}

async fn handle(
    state: web::Data<Mutex<State>>,
    req: HttpRequest,
    resource: web::Path<String>,
) -> HttpResponse {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{KEY}:"))
    );
    if req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        != Some(expected.as_str())
    {
        return HttpResponse::Unauthorized()
            .insert_header(("WWW-Authenticate", "Basic realm=\"Welcome to PrestaShop Webservice, please enter the authentication key as the login. No password required.\""))
            .json(json!({"errors": [{"code": 25, "message": "Authentication key is not active"}]}));
    }
    let query: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let param = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(param("output_format").as_deref(), Some("JSON"));
    let mut s = state.lock().unwrap();
    s.requests += 1;
    let Some(items) = s.resources.get(resource.as_str()) else {
        return HttpResponse::NotFound().json(
            json!({"errors": [{"code": 18, "message": "Resource of type \"x\" not found"}]}),
        );
    };
    let filtered: Vec<&Value> = items
        .iter()
        .filter(|item| {
            query
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix("filter[")
                        .and_then(|f| f.strip_suffix(']'))
                        .map(|f| (f, v))
                })
                .all(|(field, f)| passes(f, &item[field]))
        })
        .collect();
    let (offset, count) = param("limit")
        .and_then(|l| {
            l.split_once(',')
                .map(|(a, b)| (a.parse().unwrap(), b.parse().unwrap()))
        })
        .unwrap_or((0usize, usize::MAX));
    let page: Vec<&Value> = filtered.into_iter().skip(offset).take(count).collect();
    if page.is_empty() {
        return HttpResponse::Ok().json(json!([]));
    }
    HttpResponse::Ok().json(json!({ resource.as_str(): page }))
}
