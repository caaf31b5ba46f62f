//! Shopify through the GraphQL Admin API: cursor pagination, cost-based throttling,
//! incremental fetches with `updated_at` filters.

pub mod mapping;
pub mod oauth;
pub mod queries;
pub mod rest;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::stores::connector::{Connector, Discard, FetchPlan, Sink, SyncError};
use crate::stores::http::{read, status_error};
use crate::stores::model::Record;

/// The Admin API version every query is written and validated against.
pub const API_VERSION: &str = "2026-07";
const WHAT: &str = "Shopify";
/// THROTTLED answers waited out in place before the sync gives up for now.
const MAX_THROTTLE_WAITS: u32 = 8;
/// Longest single wait for the cost bucket to refill.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// `^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$`, Shopify's own rule for shop domains.
pub fn valid_shop_domain(domain: &str) -> bool {
    let Some(name) = domain.strip_suffix(".myshopify.com") else {
        return false;
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

pub struct ShopifyConnector {
    agent: ureq::Agent,
    endpoint: String,
    token: String,
    /// Bucket state from the last answer: (currently available, restore rate, last cost).
    bucket: Option<(f64, f64, f64)>,
}

impl ShopifyConnector {
    /// `base_url` is `https://{shop}` normally, or an override (tests, proxies).
    pub fn new(agent: ureq::Agent, base_url: &str, api_version: &str, token: String) -> Self {
        Self {
            agent,
            endpoint: format!(
                "{}/admin/api/{api_version}/graphql.json",
                base_url.trim_end_matches('/')
            ),
            token,
            bucket: None,
        }
    }

    /// Waits before a call when the last answer said the bucket cannot afford it.
    fn pace(&self) {
        if let Some((available, restore, cost)) = self.bucket {
            if available < cost && restore > 0.0 {
                std::thread::sleep(wait_for(cost - available, restore));
            }
        }
    }

    fn note_cost(&mut self, body: &Value) -> Option<Duration> {
        let cost = body.pointer("/extensions/cost")?;
        let requested = cost.get("requestedQueryCost")?.as_f64()?;
        let status = cost.get("throttleStatus")?;
        let available = status.get("currentlyAvailable")?.as_f64()?;
        let restore = status.get("restoreRate")?.as_f64()?;
        self.bucket = Some((available, restore, requested));
        Some(wait_for((requested - available).max(0.0), restore))
    }

    fn call(
        &mut self,
        document: &str,
        variables: Value,
        sink: &mut dyn Sink,
    ) -> Result<Value, SyncError> {
        for _ in 0..MAX_THROTTLE_WAITS {
            self.pace();
            sink.request();
            let sent = self
                .agent
                .post(&self.endpoint)
                .header("X-Shopify-Access-Token", &self.token)
                .header("Accept", "application/json")
                .send_json(json!({ "query": document, "variables": variables }));
            let answer = read(WHAT, sent)?;
            let (status, retry_after, text) = (answer.status, answer.retry_after, answer.text);
            if status == 429 {
                // Shopify's documented answer is to wait as told, then resend.
                let wait = crate::stores::http::retry_after(retry_after.as_deref())
                    .unwrap_or(Duration::from_secs(1));
                if wait <= MAX_WAIT {
                    std::thread::sleep(wait);
                    continue;
                }
            }
            if !(200..300).contains(&status) {
                return Err(status_error(WHAT, status, retry_after.as_deref(), &text));
            }
            let body: Value = serde_json::from_str(&text).map_err(|_| {
                SyncError::retry("Shopify a envoyé une réponse illisible (JSON invalide).")
            })?;
            let wait = self.note_cost(&body);
            if let Some(errors) = body.get("errors").and_then(Value::as_array) {
                let code = |e: &Value| {
                    e.pointer("/extensions/code")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                if errors.iter().any(|e| code(e) == "THROTTLED") {
                    std::thread::sleep(wait.unwrap_or(Duration::from_secs(1)));
                    continue;
                }
                let message = errors
                    .first()
                    .and_then(|e| e.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or("erreur inconnue");
                if errors.iter().any(|e| code(e) == "ACCESS_DENIED") {
                    return Err(SyncError::abort(format!(
                        "Shopify refuse l'accès : {message}. Vérifiez les autorisations de l'application (lecture des produits, stocks, commandes, clients, emplacements)."
                    )));
                }
                return Err(SyncError::retry(format!(
                    "Shopify a refusé la requête : {message}"
                )));
            }
            return body
                .get("data")
                .cloned()
                .filter(|d| !d.is_null())
                .ok_or_else(|| SyncError::retry("Shopify a répondu sans données."));
        }
        Err(SyncError::Retry {
            message: "Shopify limite le débit ; la synchronisation reprendra plus tard.".into(),
            after: Some(Duration::from_secs(60)),
        })
    }

    /// Walks every page of the connection at `path` in the answer to `document`.
    fn paginate<T: DeserializeOwned>(
        &mut self,
        document: &str,
        mut variables: Value,
        path: &str,
        sink: &mut dyn Sink,
        mut each_page: impl FnMut(Vec<T>, &mut dyn Sink) -> Result<(), SyncError>,
    ) -> Result<(), SyncError> {
        loop {
            let data = self.call(document, variables.clone(), sink)?;
            let connection = data.pointer(path).cloned().ok_or_else(|| {
                SyncError::retry(format!(
                    "Shopify a répondu sans la liste attendue ({path})."
                ))
            })?;
            let page: mapping::Page<T> = serde_json::from_value(connection).map_err(|e| {
                SyncError::retry(format!("Shopify a répondu dans une forme inattendue : {e}"))
            })?;
            each_page(page.nodes, sink)?;
            match (page.page_info.has_next_page, page.page_info.end_cursor) {
                (true, Some(cursor)) => variables["after"] = Value::String(cursor),
                _ => return Ok(()),
            }
        }
    }
}

impl ShopifyConnector {
    /// Subscribes every topic of `queries::TOPICS` to `uri`; one already there is fine.
    pub fn subscribe(&mut self, uri: &str) -> Result<usize, SyncError> {
        let mut created = 0;
        for topic in queries::TOPICS {
            let data = self.call(
                queries::SUBSCRIBE,
                json!({ "topic": topic, "uri": uri }),
                &mut Discard,
            )?;
            let result = &data["webhookSubscriptionCreate"];
            let errors: Vec<&str> = result["userErrors"]
                .as_array()
                .map(|e| e.iter().filter_map(|e| e["message"].as_str()).collect())
                .unwrap_or_default();
            match errors.first() {
                None => created += 1,
                Some(m) if m.contains("already been taken") => {}
                Some(m) => {
                    return Err(SyncError::retry(format!(
                        "Shopify refuse l'abonnement {topic} : {m}"
                    )));
                }
            }
        }
        Ok(created)
    }

    /// One cheap query, to tell people at once whether the shop and token work.
    pub fn check(&mut self) -> Result<(), SyncError> {
        self.call(queries::LOCATIONS, json!({ "first": 1 }), &mut Discard)
            .map(|_| ())
    }
}

fn wait_for(deficit: f64, restore_rate: f64) -> Duration {
    if restore_rate <= 0.0 {
        return Duration::from_secs(1);
    }
    Duration::from_secs_f64((deficit / restore_rate).clamp(0.0, MAX_WAIT.as_secs_f64()))
}

fn search(filters: &[Option<String>]) -> Value {
    let parts: Vec<&str> = filters.iter().flatten().map(String::as_str).collect();
    if parts.is_empty() {
        Value::Null
    } else {
        Value::String(parts.join(" AND "))
    }
}

impl Connector for ShopifyConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        let changed = plan.since.as_ref().map(|s| format!("updated_at:>='{s}'"));
        let only_changed = search(std::slice::from_ref(&changed));

        let mut location_ids = Vec::new();
        self.paginate(
            queries::LOCATIONS,
            json!({ "first": queries::PAGE_LOCATIONS }),
            "/locations",
            sink,
            |nodes: Vec<mapping::Location>, sink| {
                let records = nodes
                    .into_iter()
                    .map(|l| {
                        location_ids.push(l.gid().to_string());
                        Record::Location(mapping::location(l))
                    })
                    .collect();
                sink.page(records)
            },
        )?;
        self.paginate(
            queries::PRODUCTS,
            json!({ "first": queries::PAGE_PRODUCTS, "query": only_changed }),
            "/products",
            sink,
            |nodes: Vec<mapping::Product>, sink| {
                sink.page(
                    nodes
                        .into_iter()
                        .map(|p| Record::Product(mapping::product(p)))
                        .collect(),
                )
            },
        )?;
        self.paginate(
            queries::VARIANTS,
            json!({ "first": queries::PAGE_VARIANTS, "query": only_changed }),
            "/productVariants",
            sink,
            |nodes: Vec<mapping::Variant>, sink| {
                sink.page(
                    nodes
                        .into_iter()
                        .map(|v| Record::Variant(mapping::variant(v)))
                        .collect(),
                )
            },
        )?;
        for location in &location_ids {
            self.paginate(
                queries::STOCK,
                json!({ "location": location, "first": queries::PAGE_STOCK, "query": only_changed }),
                "/location/inventoryLevels",
                sink,
                |nodes: Vec<mapping::Level>, sink| {
                    sink.page(nodes.into_iter().map(|l| Record::Stock(mapping::stock(l, location))).collect())
                },
            )?;
        }
        self.paginate(
            queries::CUSTOMERS,
            json!({ "first": queries::PAGE_CUSTOMERS, "query": only_changed }),
            "/customers",
            sink,
            |nodes: Vec<mapping::Customer>, sink| {
                sink.page(
                    nodes
                        .into_iter()
                        .map(|c| Record::Customer(mapping::customer(c)))
                        .collect(),
                )
            },
        )?;
        let recent = Some(format!("created_at:>='{}'", plan.orders_since));
        self.paginate(
            queries::ORDERS,
            json!({ "first": queries::PAGE_ORDERS, "query": search(&[recent, changed]) }),
            "/orders",
            sink,
            |nodes: Vec<mapping::Order>, sink| {
                sink.page(
                    nodes
                        .into_iter()
                        .map(|o| Record::Order(mapping::order(o)))
                        .collect(),
                )
            },
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shop_domains_follow_shopifys_rule() {
        for ok in [
            "elegance-paris.myshopify.com",
            "a.myshopify.com",
            "Shop1.myshopify.com",
        ] {
            assert!(valid_shop_domain(ok), "{ok}");
        }
        for bad in [
            "elegance-paris.com",
            "-shop.myshopify.com",
            ".myshopify.com",
            "shop.myshopify.com.evil.com",
            "sh op.myshopify.com",
            "shop_1.myshopify.com",
            "https://shop.myshopify.com",
        ] {
            assert!(!valid_shop_domain(bad), "{bad}");
        }
    }

    #[test]
    fn throttle_waits_follow_the_bucket() {
        assert_eq!(wait_for(100.0, 50.0), Duration::from_secs(2));
        assert_eq!(wait_for(0.0, 50.0), Duration::ZERO);
        assert_eq!(wait_for(1e9, 50.0), MAX_WAIT);
    }
}
