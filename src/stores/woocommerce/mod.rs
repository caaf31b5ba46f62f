//! WooCommerce through its REST API v3 (`/wp-json/wc/v3/`): consumer key and secret by
//! HTTP Basic (query-string keys as the fallback some hosts need), 100 items a page with
//! `X-WP-TotalPages`, `modified_after` for incremental syncs.

pub mod mapping;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::stores::connector::{Connector, Discard, FetchPlan, Sink, SyncError};
use crate::stores::http::{read, status_error};
use crate::stores::model::Record;

const WHAT: &str = "WooCommerce";
const PER_PAGE: &str = "100";

pub struct WooConnector {
    agent: ureq::Agent,
    base: String,
    key: String,
    secret: String,
    /// Some hosts drop the Authorization header; then keys go in the query string.
    query_auth: bool,
}

impl WooConnector {
    pub fn new(agent: ureq::Agent, site_url: &str, key: String, secret: String) -> Self {
        Self {
            agent,
            base: site_url.trim_end_matches('/').to_string(),
            key,
            secret,
            query_auth: false,
        }
    }

    /// One GET; returns the JSON body and `X-WP-TotalPages`.
    fn get(
        &mut self,
        path: &str,
        params: &[(&str, String)],
        sink: &mut dyn Sink,
    ) -> Result<(Value, u32), SyncError> {
        let url = format!("{}/wp-json/wc/v3/{path}", self.base);
        loop {
            sink.request();
            let mut request = self.agent.get(&url).header("Accept", "application/json");
            for (k, v) in params {
                request = request.query(*k, v);
            }
            if self.query_auth {
                request = request
                    .query("consumer_key", &self.key)
                    .query("consumer_secret", &self.secret);
            } else {
                let pair = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", self.key, self.secret));
                request = request.header("Authorization", &format!("Basic {pair}"));
            }
            let answer = read(WHAT, request.call())?;
            let (status, retry_after, text) = (answer.status, answer.retry_after, answer.text);
            let pages = answer.total_pages.unwrap_or(1);
            if status == 401 && !self.query_auth {
                self.query_auth = true;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(status_error(
                    WHAT,
                    status,
                    retry_after.as_deref(),
                    &error_message(&text),
                ));
            }
            let body: Value = serde_json::from_str(&text).map_err(|_| {
                SyncError::retry("WooCommerce a envoyé une réponse illisible (JSON invalide).")
            })?;
            return Ok((body, pages));
        }
    }

    fn each_page<T: DeserializeOwned>(
        &mut self,
        path: &str,
        params: &[(&str, String)],
        sink: &mut dyn Sink,
        mut each: impl FnMut(Vec<T>, &mut dyn Sink) -> Result<(), SyncError>,
    ) -> Result<(), SyncError> {
        let mut page = 1u32;
        loop {
            let mut all = params.to_vec();
            all.push(("per_page", PER_PAGE.into()));
            all.push(("page", page.to_string()));
            let (body, pages) = self.get(path, &all, sink)?;
            let items: Vec<T> = serde_json::from_value(body).map_err(|e| {
                SyncError::retry(format!(
                    "WooCommerce a répondu dans une forme inattendue ({path}) : {e}"
                ))
            })?;
            let empty = items.is_empty();
            each(items, sink)?;
            if empty || page >= pages {
                return Ok(());
            }
            page += 1;
        }
    }

    /// One cheap call, to tell people at once whether the site and keys work.
    pub fn check(&mut self) -> Result<(), SyncError> {
        self.get("products", &[("per_page", "1".into())], &mut Discard)
            .map(|_| ())
    }
}

/// WooCommerce errors are `{"code": …, "message": …}`; keep the message.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| body.to_string())
}

#[derive(serde::Deserialize)]
struct Summary {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    attributes: Vec<SummaryAttribute>,
}

#[derive(serde::Deserialize)]
struct SummaryAttribute {
    name: String,
    #[serde(default)]
    variation: bool,
}

impl Connector for WooConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        sink.page(vec![Record::Location(mapping::location(
            "Stock WooCommerce",
        ))])?;
        let changed: Vec<(&str, String)> = plan
            .since
            .iter()
            .map(|s| ("modified_after", s.trim_end_matches('Z').to_string()))
            .collect();

        let mut variable: Vec<(i64, Vec<String>)> = Vec::new();
        self.each_page(
            "products",
            &changed,
            sink,
            |items: Vec<mapping::Product>, sink| {
                let mut records = Vec::new();
                for p in items {
                    let (product, simple) = mapping::product(p);
                    if simple.is_none() {
                        variable.push((
                            product.external_id.parse().unwrap_or_default(),
                            product.option_names.clone(),
                        ));
                    }
                    records.push(Record::Product(product));
                    if let Some((variant, stock)) = simple {
                        records.push(Record::Variant(variant));
                        records.push(Record::Stock(stock));
                    }
                }
                sink.page(records)
            },
        )?;

        // Variations change without their product: an incremental sync looks at every
        // variable product, not only the changed ones.
        if plan.since.is_some() {
            variable.clear();
            self.each_page(
                "products",
                &[
                    ("type", "variable".into()),
                    ("_fields", "id,type,attributes".into()),
                ],
                sink,
                |items: Vec<Summary>, _| {
                    variable.extend(items.into_iter().filter(|s| s.kind == "variable").map(|s| {
                        let names: Vec<String> = s
                            .attributes
                            .into_iter()
                            .filter(|a| a.variation)
                            .map(|a| a.name)
                            .collect();
                        (s.id, names)
                    }));
                    Ok(())
                },
            )?;
        }
        for (product_id, names) in variable {
            let path = format!("products/{product_id}/variations");
            self.each_page(
                &path,
                &changed,
                sink,
                |items: Vec<mapping::Variation>, sink| {
                    let mut records = Vec::new();
                    for v in items {
                        let (variant, stock) = mapping::variation(v, product_id, &names);
                        records.push(Record::Variant(variant));
                        records.push(Record::Stock(stock));
                    }
                    sink.page(records)
                },
            )?;
        }

        self.each_page(
            "customers",
            &[],
            sink,
            |items: Vec<mapping::Customer>, sink| {
                sink.page(
                    items
                        .into_iter()
                        .map(|c| Record::Customer(mapping::customer(c)))
                        .collect(),
                )
            },
        )?;
        let mut orders = changed.clone();
        orders.push(("after", plan.orders_since.trim_end_matches('Z').to_string()));
        self.each_page(
            "orders",
            &orders,
            sink,
            |items: Vec<mapping::Order>, sink| {
                sink.page(
                    items
                        .into_iter()
                        .map(|o| Record::Order(mapping::order(o)))
                        .collect(),
                )
            },
        )
    }
}
