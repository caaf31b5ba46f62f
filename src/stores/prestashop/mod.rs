//! PrestaShop through its Webservice API: the key as HTTP Basic user, `output_format=JSON`,
//! `display=full`, `limit=offset,count` paging. Polling only (PrestaShop core has no
//! webhooks); every sync reads the catalogue whole, orders since the recent window.

pub mod mapping;

use std::collections::HashMap;

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::stores::connector::{Connector, Discard, FetchPlan, Sink, SyncError};
use crate::stores::http::{read, status_error};
use crate::stores::model::{ProductRec, Record};

const WHAT: &str = "PrestaShop";
const PAGE: usize = 100;

pub struct PrestaConnector {
    agent: ureq::Agent,
    base: String,
    key: String,
}

impl PrestaConnector {
    pub fn new(agent: ureq::Agent, site_url: &str, key: String) -> Self {
        Self {
            agent,
            base: site_url.trim_end_matches('/').to_string(),
            key,
        }
    }

    /// One page of a resource: the items under its name (`[]` when there are none).
    fn page<T: DeserializeOwned>(
        &mut self,
        resource: &str,
        params: &[(&str, String)],
        offset: usize,
        sink: &mut dyn Sink,
    ) -> Result<Vec<T>, SyncError> {
        sink.request();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{}:", self.key));
        let mut request = self
            .agent
            .get(&format!("{}/api/{resource}", self.base))
            .header("Authorization", &format!("Basic {auth}"))
            .query("output_format", "JSON")
            .query("display", "full")
            .query("limit", format!("{offset},{PAGE}"));
        for (k, v) in params {
            request = request.query(*k, v);
        }
        let answer = read(WHAT, request.call())?;
        let (status, retry_after, text) = (answer.status, answer.retry_after, answer.text);
        if !(200..300).contains(&status) {
            return Err(status_error(
                WHAT,
                status,
                retry_after.as_deref(),
                &error_message(&text),
            ));
        }
        let body: Value = serde_json::from_str(&text).map_err(|_| {
            SyncError::retry("PrestaShop a envoyé une réponse illisible (JSON invalide).")
        })?;
        let items = match body {
            Value::Array(a) if a.is_empty() => return Ok(Vec::new()),
            Value::Object(mut o) => o.remove(resource).unwrap_or(Value::Array(Vec::new())),
            _ => {
                return Err(SyncError::retry(format!(
                    "PrestaShop a répondu dans une forme inattendue ({resource})."
                )));
            }
        };
        serde_json::from_value(items).map_err(|e| {
            SyncError::retry(format!(
                "PrestaShop a répondu dans une forme inattendue ({resource}) : {e}"
            ))
        })
    }

    /// Every page of a resource, handed over one page at a time.
    fn each<T: DeserializeOwned>(
        &mut self,
        resource: &str,
        params: &[(&str, String)],
        sink: &mut dyn Sink,
        mut each: impl FnMut(Vec<T>, &mut dyn Sink) -> Result<(), SyncError>,
    ) -> Result<(), SyncError> {
        let mut offset = 0;
        loop {
            let items: Vec<T> = self.page(resource, params, offset, sink)?;
            let full = items.len() == PAGE;
            each(items, sink)?;
            if !full {
                return Ok(());
            }
            offset += PAGE;
        }
    }

    /// One cheap call, to tell people at once whether the site and key work.
    pub fn check(&mut self) -> Result<(), SyncError> {
        let mut discard = Discard;
        self.page::<Value>("products", &[("display", "[id]".into())], 0, &mut discard)
            .map(|_| ())
    }
}

/// PrestaShop errors are `{"errors": [{"code": …, "message": …}]}`.
fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/errors/0/message")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.chars().take(200).collect())
}

#[derive(serde::Deserialize)]
struct Group {
    id: Value,
    #[serde(default)]
    name: Value,
}

#[derive(serde::Deserialize)]
struct OptionValue {
    id: Value,
    id_attribute_group: Value,
    #[serde(default)]
    name: Value,
}

#[derive(serde::Deserialize)]
struct Carrier {
    id: Value,
    #[serde(default)]
    name: Value,
    #[serde(default)]
    url: Value,
}

#[derive(serde::Deserialize)]
struct OrderCarrier {
    id_order: Value,
    id_carrier: Value,
    #[serde(default)]
    tracking_number: Value,
}

impl Connector for PrestaConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        use mapping::{id, text};
        sink.page(vec![Record::Location(mapping::location(
            "Stock PrestaShop",
        ))])?;

        let mut options = mapping::Options::default();
        self.each("product_options", &[], sink, |groups: Vec<Group>, _| {
            options
                .groups
                .extend(groups.into_iter().map(|g| (id(&g.id), text(&g.name))));
            Ok(())
        })?;
        self.each(
            "product_option_values",
            &[],
            sink,
            |values: Vec<OptionValue>, _| {
                options.values.extend(
                    values
                        .into_iter()
                        .map(|v| (id(&v.id), (id(&v.id_attribute_group), text(&v.name)))),
                );
                Ok(())
            },
        )?;

        // Products with combinations wait for their option names (from the combinations).
        let mut prices: HashMap<String, Value> = HashMap::new();
        let mut waiting: HashMap<String, ProductRec> = HashMap::new();
        self.each(
            "products",
            &[],
            sink,
            |products: Vec<mapping::Product>, sink| {
                let mut records = Vec::new();
                for p in products {
                    let (product, simple) = mapping::product(&p, Vec::new());
                    prices.insert(product.external_id.clone(), p.price.clone());
                    match simple {
                        Some(variant) => {
                            records.push(Record::Product(product));
                            records.push(Record::Variant(variant));
                        }
                        None => {
                            waiting.insert(product.external_id.clone(), product);
                        }
                    }
                }
                sink.page(records)
            },
        )?;
        let mut positions: HashMap<String, i64> = HashMap::new();
        self.each(
            "combinations",
            &[],
            sink,
            |combinations: Vec<mapping::Combination>, sink| {
                let mut records = Vec::new();
                for c in combinations {
                    let product = id(&c.id_product);
                    let groups = mapping::groups_of(&c, &options);
                    if let Some(p) = waiting.get_mut(&product) {
                        if p.option_names.is_empty() {
                            p.option_names = groups
                                .iter()
                                .filter_map(|g| options.groups.get(g).cloned())
                                .collect();
                        }
                    }
                    let position = positions.entry(product.clone()).or_insert(0);
                    *position += 1;
                    let price = prices.get(&product).cloned().unwrap_or(Value::Null);
                    records.push(Record::Variant(mapping::combination(
                        &c, &price, &groups, &options, *position,
                    )));
                }
                sink.page(records)
            },
        )?;
        sink.page(waiting.into_values().map(Record::Product).collect())?;

        self.each(
            "stock_availables",
            &[],
            sink,
            |levels: Vec<mapping::StockAvailable>, sink| {
                sink.page(
                    levels
                        .iter()
                        .map(|s| Record::Stock(mapping::stock(s)))
                        .collect(),
                )
            },
        )?;

        let mut emails: HashMap<String, String> = HashMap::new();
        self.each(
            "customers",
            &[],
            sink,
            |customers: Vec<mapping::Customer>, sink| {
                let records: Vec<Record> = customers
                    .iter()
                    .map(|c| Record::Customer(mapping::customer(c)))
                    .collect();
                for r in &records {
                    if let Record::Customer(c) = r {
                        emails.insert(c.external_id.clone(), c.email.clone());
                    }
                }
                sink.page(records)
            },
        )?;

        // Recent orders, then their carriers and tracking numbers.
        let since = plan.orders_since.trim_end_matches('Z').replace('T', " ");
        let mut orders: Vec<mapping::Order> = Vec::new();
        self.each(
            "orders",
            &[
                ("date", "1".into()),
                ("filter[date_add]", format!("[{since},2999-12-31 23:59:59]")),
            ],
            sink,
            |page: Vec<mapping::Order>, _| {
                orders.extend(page);
                Ok(())
            },
        )?;
        let mut carriers: HashMap<String, (String, String)> = HashMap::new();
        self.each("carriers", &[], sink, |page: Vec<Carrier>, _| {
            carriers.extend(
                page.into_iter()
                    .map(|c| (id(&c.id), (text(&c.name), text(&c.url)))),
            );
            Ok(())
        })?;
        let mut tracking: HashMap<String, (String, String, String)> = HashMap::new();
        let ids: Vec<String> = orders.iter().map(|o| id(&o.id)).collect();
        for chunk in ids.chunks(50) {
            let filter = format!("[{}]", chunk.join("|"));
            self.each(
                "order_carriers",
                &[("filter[id_order]", filter)],
                sink,
                |page: Vec<OrderCarrier>, _| {
                    for oc in page {
                        let number = text(&oc.tracking_number);
                        if number.is_empty() {
                            continue;
                        }
                        let (name, url) = carriers
                            .get(&id(&oc.id_carrier))
                            .cloned()
                            .unwrap_or_default();
                        // Carrier URLs hold `@` where the tracking number goes.
                        let url = if url.contains('@') {
                            url.replace('@', &number)
                        } else {
                            String::new()
                        };
                        tracking.insert(id(&oc.id_order), (name, number, url));
                    }
                    Ok(())
                },
            )?;
        }
        let records = orders
            .iter()
            .map(|o| {
                let customer_email = emails
                    .get(&id(&o.customer_id()))
                    .cloned()
                    .unwrap_or_default();
                Record::Order(mapping::order(
                    o,
                    customer_email,
                    tracking.remove(&id(&o.id)),
                ))
            })
            .collect();
        sink.page(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_their_message() {
        assert_eq!(
            error_message(r#"{"errors":[{"code":27,"message":"Invalid key"}]}"#),
            "Invalid key"
        );
        assert_eq!(error_message("plain"), "plain");
    }
}
