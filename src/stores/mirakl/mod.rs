//! Mirakl-based marketplaces (many French retailers run their marketplace on Mirakl),
//! read-only: the seller's shop API key in `Authorization`, orders by OR11
//! (`GET /api/orders`) from `start_update_date`, paged with `offset` and `max` (Mirakl's
//! offset pagination, at most 100 a page) until `total_count`. Mirakl asks integrations
//! to call OR11 at most once a minute: the poller's shortest interval is five. A 429 is
//! waited out as Mirakl says (Retry-After), through the clock.

pub mod mapping;

use std::time::Duration;

use serde_json::Value;

use crate::clock::SharedClock;
use crate::stores::connector::{Connector, FetchPlan, Sink, SyncError};
use crate::stores::http::{read, slowed_down, status_error, wait_out};
use crate::stores::model::Record;

const WHAT: &str = "Mirakl";
const PAGE: i64 = 100;
const MAX_TRIES: u32 = 5;

pub struct MiraklConnector {
    http: ureq::Agent,
    base: String,
    key: String,
    shop_id: Option<String>,
    /// The marketplace's name as the shop calls it (Fnac, Darty…): its orders' badge.
    storefront: String,
    clock: SharedClock,
}

impl MiraklConnector {
    pub fn new(
        http: ureq::Agent,
        base: &str,
        key: String,
        shop_id: Option<String>,
        storefront: &str,
        clock: SharedClock,
    ) -> Self {
        MiraklConnector {
            http,
            base: base.trim_end_matches('/').to_string(),
            key,
            shop_id,
            storefront: storefront.to_string(),
            clock,
        }
    }

    fn page(
        &self,
        since: &str,
        offset: i64,
        max: i64,
        sink: &mut dyn Sink,
    ) -> Result<mapping::Page, SyncError> {
        let mut wait = Duration::from_secs(5);
        for _ in 0..MAX_TRIES {
            sink.request();
            let mut request = self
                .http
                .get(format!("{}/api/orders", self.base))
                .header("Authorization", &self.key)
                .header("Accept", "application/json")
                .query("start_update_date", since)
                .query("offset", offset.to_string())
                .query("max", max.to_string());
            if let Some(shop) = &self.shop_id {
                request = request.query("shop_id", shop);
            }
            let answer = read(WHAT, request.call())?;
            match answer.status {
                200..=299 => {
                    return serde_json::from_str(&answer.text).map_err(|_| {
                        SyncError::retry("Mirakl a envoyé une page de commandes illisible.")
                    });
                }
                401 | 403 => {
                    return Err(SyncError::abort(format!(
                        "Reconnexion nécessaire : {WHAT} refuse la clé d'API de la boutique ({}). Créez-en une dans votre espace vendeur (Mon compte › Clé d'API) et collez-la ici.",
                        message(&answer.text)
                    )));
                }
                429 => {
                    wait_out(
                        &self.clock,
                        answer.retry_after.as_deref(),
                        &mut wait,
                        Duration::from_secs(300),
                    );
                }
                status => {
                    return Err(status_error(
                        WHAT,
                        status,
                        answer.retry_after.as_deref(),
                        &answer.text,
                    ));
                }
            }
        }
        Err(slowed_down(WHAT, wait))
    }

    /// Checks the key with one small page (the connect form).
    pub fn check(&mut self) -> Result<(), SyncError> {
        self.page(
            "2000-01-01T00:00:00Z",
            0,
            1,
            &mut crate::stores::connector::Discard,
        )
        .map(|_| ())
    }
}

/// Mirakl's error body: `{"message": …, "status": …}`.
fn message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| "refus".into())
}

impl Connector for MiraklConnector {
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError> {
        let since = plan
            .since
            .clone()
            .unwrap_or_else(|| plan.orders_since.clone());
        let mut offset = 0;
        loop {
            let page = self.page(&since, offset, PAGE, sink)?;
            let got = page.orders.len() as i64;
            let records = page
                .orders
                .into_iter()
                .map(|o| Record::Order(mapping::order(o, &self.storefront)))
                .collect();
            sink.page(records)?;
            offset += got;
            if got == 0 || offset >= page.total_count {
                return Ok(());
            }
        }
    }
}
