//! Store webhooks: Shopify (`X-Shopify-Hmac-Sha256`) and WooCommerce
//! (`X-WC-Webhook-Signature`), both base64 HMAC-SHA256 of the raw body, checked in
//! constant time before anything is read. A delivery is recorded with its id and applied
//! in one transaction, so a repeated delivery is acknowledged and changes nothing.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::db::{self, ids::StoreId};
use crate::error::AppError;
use crate::stores::model::{Platform, Record};
use crate::stores::repo;
use crate::stores::shopify::rest;
use crate::stores::woocommerce::mapping as woo;
use crate::web::AppState;

pub const SHOPIFY_PATH: &str = "/webhooks/shopify";
pub const WOOCOMMERCE_PATH: &str = "/webhooks/woocommerce/{id}";
/// Webhook bodies are small JSON documents; anything larger is refused.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(SHOPIFY_PATH)
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .route(web::post().to(shopify)),
    )
    .service(
        web::resource(WOOCOMMERCE_PATH)
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .route(web::post().to(woocommerce)),
    );
}

/// base64(HMAC-SHA256(secret, body)), as both platforms send it.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable_hmac());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// HMAC accepts keys of any length; this is never reached.
fn unreachable_hmac() -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(b"").unwrap_or_else(|_| std::process::abort())
}

/// Checks a base64 HMAC-SHA256 signature of `body` in constant time.
pub fn verify(secret: &[u8], body: &[u8], signature: &str) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn refused() -> HttpResponse {
    HttpResponse::Unauthorized().json(serde_json::json!({"error": "invalid signature"}))
}

/// What a delivery asks us to do.
enum Change {
    Upsert(Vec<Record>),
    /// Upsert, and sync the store soon for what the payload lacks (variations).
    UpsertThenSync(Vec<Record>),
    DeleteProduct(String),
    Uninstalled,
    /// Nothing to apply here; the next sync brings it (e.g. variations of a product).
    SyncSoon,
    Ignore,
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    serde_json::from_slice(body).map_err(|_| AppError::BadRequest("malformed webhook body".into()))
}

fn shopify_change(topic: &str, body: &[u8]) -> Result<Change, AppError> {
    Ok(match topic {
        "products/create" | "products/update" => {
            let (product, variants) = rest::product(parse(body)?);
            let mut records = vec![Record::Product(product)];
            records.extend(variants.into_iter().map(Record::Variant));
            Change::Upsert(records)
        }
        "products/delete" => {
            let v: Value = parse(body)?;
            Change::DeleteProduct(v["id"].to_string().trim_matches('"').to_string())
        }
        "inventory_levels/update" => Change::Upsert(vec![Record::Stock(rest::stock(parse(body)?))]),
        "orders/create" | "orders/updated" => {
            Change::Upsert(vec![Record::Order(rest::order(parse(body)?))])
        }
        "customers/create" | "customers/update" => {
            Change::Upsert(vec![Record::Customer(rest::customer(parse(body)?))])
        }
        "app/uninstalled" => Change::Uninstalled,
        _ => Change::Ignore,
    })
}

fn woo_change(topic: &str, body: &[u8]) -> Result<Change, AppError> {
    Ok(match topic {
        "product.created" | "product.updated" | "product.restored" => {
            let (product, simple) = woo::product(parse(body)?);
            let variable = simple.is_none();
            let mut records = vec![Record::Product(product)];
            if let Some((variant, stock)) = simple {
                records.push(Record::Variant(variant));
                records.push(Record::Stock(stock));
            }
            if variable {
                // Variations are not in the payload: apply the product, fetch them soon.
                Change::UpsertThenSync(records)
            } else {
                Change::Upsert(records)
            }
        }
        "product.deleted" => {
            let v: Value = parse(body)?;
            Change::DeleteProduct(v["id"].to_string())
        }
        "order.created" | "order.updated" => {
            Change::Upsert(vec![Record::Order(woo::order(parse(body)?))])
        }
        "customer.created" | "customer.updated" => {
            Change::Upsert(vec![Record::Customer(woo::customer(parse(body)?))])
        }
        "action.woocommerce_update_product_variation" | "product_variation.updated" => {
            Change::SyncSoon
        }
        _ => Change::Ignore,
    })
}

/// Records the delivery and applies its change in one transaction.
async fn apply(
    state: &AppState,
    provider: &'static str,
    store: StoreId,
    event: String,
    topic: String,
    change: Change,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    let applied = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<bool, AppError> {
            if !repo::first_delivery(tx, provider, &event, store, &topic, now)? {
                return Ok(false);
            }
            match change {
                Change::Upsert(records) => {
                    repo::apply_records(tx, store, &records)?;
                }
                Change::UpsertThenSync(records) => {
                    repo::apply_records(tx, store, &records)?;
                    repo::sync_soon(tx, store, now)?;
                }
                Change::DeleteProduct(id) => {
                    repo::delete_product(tx, store, &id)?;
                }
                Change::Uninstalled => {
                    repo::mark_uninstalled(tx, store, "L'application Comptoir a été désinstallée de la boutique Shopify : reconnectez-la pour reprendre la synchronisation.")?;
                }
                Change::SyncSoon => repo::sync_soon(tx, store, now)?,
                Change::Ignore => {}
            }
            Ok(true)
        })
    })
    .await?;
    if applied {
        // Stock or a price may have changed: alerts may be due.
        state.notices_wanted.notify_one();
    }
    Ok(applied)
}

async fn shopify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let domain = header(&req, "X-Shopify-Shop-Domain")
        .unwrap_or("")
        .to_ascii_lowercase();
    let signature = header(&req, "X-Shopify-Hmac-Sha256")
        .unwrap_or("")
        .to_string();
    let lookup = domain.clone();
    let target = db::call(&state.db, move |conn| {
        repo::webhook_target_by_domain(conn, Platform::Shopify, &lookup)
    })
    .await?;
    let Some(repo::WebhookTarget {
        store,
        secret: Some(sealed),
        ..
    }) = target
    else {
        tracing::warn!(shop = %domain, "Shopify webhook for an unknown shop or one without a webhook secret");
        return Ok(refused());
    };
    let secret = state.secrets.open(&sealed)?;
    if !verify(&secret, &body, &signature) {
        tracing::warn!(shop = %domain, "Shopify webhook with a bad signature refused");
        return Ok(refused());
    }
    let topic = header(&req, "X-Shopify-Topic").unwrap_or("").to_string();
    let event = header(&req, "X-Shopify-Webhook-Id")
        .or_else(|| header(&req, "X-Shopify-Event-Id"))
        .unwrap_or("")
        .to_string();
    if event.is_empty() {
        return Err(AppError::BadRequest("missing X-Shopify-Webhook-Id".into()));
    }
    let change = shopify_change(&topic, &body)?;
    let fresh = apply(&state, "shopify", store, event, topic.clone(), change).await?;
    tracing::info!(store = %store, topic = %topic, fresh, "Shopify webhook");
    Ok(HttpResponse::Ok().finish())
}

async fn woocommerce(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<StoreId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let store = path.into_inner();
    let Some(signature) = header(&req, "X-WC-Webhook-Signature").map(str::to_string) else {
        // WooCommerce pings a new webhook with `webhook_id=N`, unsigned: acknowledge it.
        if body.starts_with(b"webhook_id=") {
            return Ok(HttpResponse::Ok().finish());
        }
        return Ok(refused());
    };
    let target = db::call(&state.db, move |conn| repo::webhook_target(conn, store)).await?;
    let Some(repo::WebhookTarget {
        platform: Platform::WooCommerce,
        secret: Some(sealed),
        ..
    }) = target
    else {
        return Ok(refused());
    };
    let secret = state.secrets.open(&sealed)?;
    if !verify(&secret, &body, &signature) {
        tracing::warn!(store = %store, "WooCommerce webhook with a bad signature refused");
        return Ok(refused());
    }
    let topic = header(&req, "X-WC-Webhook-Topic").unwrap_or("").to_string();
    let event = header(&req, "X-WC-Webhook-Delivery-ID")
        .unwrap_or("")
        .to_string();
    if event.is_empty() {
        return Err(AppError::BadRequest(
            "missing X-WC-Webhook-Delivery-ID".into(),
        ));
    }
    let change = woo_change(&topic, &body)?;
    let fresh = apply(
        &state,
        "woocommerce",
        store,
        format!("{store}:{event}"),
        topic.clone(),
        change,
    )
    .await?;
    tracing::info!(store = %store, topic = %topic, fresh, "WooCommerce webhook");
    Ok(HttpResponse::Ok().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn shopify_published_vectors() {
        for v in fixture("shopify__webhook_hmac_vectors.json")["vectors"]
            .as_array()
            .unwrap()
        {
            let (secret, body, header) = (
                v["secret"].as_str().unwrap(),
                v["raw_body"].as_str().unwrap(),
                v["expected_header"].as_str().unwrap(),
            );
            assert_eq!(sign(secret.as_bytes(), body.as_bytes()), header);
            assert!(verify(secret.as_bytes(), body.as_bytes(), header));
            // Negative: another body, another secret, a garbled header.
            assert!(!verify(
                secret.as_bytes(),
                format!("{body} ").as_bytes(),
                header
            ));
            assert!(!verify(b"other", body.as_bytes(), header));
            assert!(!verify(secret.as_bytes(), body.as_bytes(), "not base64!"));
            assert!(!verify(secret.as_bytes(), body.as_bytes(), ""));
        }
    }

    #[test]
    fn woocommerce_published_vectors() {
        for v in fixture("woocommerce__webhook_signature_vectors.json")["vectors"]
            .as_array()
            .unwrap()
        {
            let (secret, body, sig) = (
                v["secret"].as_str().unwrap(),
                v["payload"].as_str().unwrap(),
                v["expected_signature"].as_str().unwrap(),
            );
            assert!(verify(secret.as_bytes(), body.as_bytes(), sig));
            assert!(!verify(b"x", body.as_bytes(), sig));
        }
    }
}
