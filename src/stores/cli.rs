//! `comptoir store …`, `comptoir sync`, `comptoir stats`: what the Integrations page
//! does, for scripts and admins. They work while `serve` runs on the same data dir.

use std::sync::Arc;

use serde_json::json;

use crate::cli::{CliError, StoreAdd, StoreCommand};
use crate::clock::{SystemClock, from_unix};
use crate::config::{Config, Secret};
use crate::db::{self, ids::StoreId};
use crate::secrets::SecretBox;
use crate::stores::model::Platform;
use crate::stores::repo::{self, NewStore};
use crate::stores::shopify::valid_shop_domain;
use crate::sync::{self, Credentials, SyncContext, SyncFailure};

fn failed(e: impl std::fmt::Display) -> CliError {
    (e.to_string(), 1)
}

/// The host of a site address, or a usage error saying what is expected.
fn site_host(url: &str) -> Result<String, CliError> {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match host {
        Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) => Ok(h.to_string()),
        _ => Err((
            format!("`{url}` is not a site address such as https://boutique.example.com"),
            2,
        )),
    }
}

fn no_store(id: i64) -> CliError {
    (
        format!("no store has the id {id}; see `comptoir store list`"),
        1,
    )
}

/// Reads and checks a catalogue CSV; every bad line is reported, exit code 2.
fn read_catalogue(path: &std::path::Path) -> Result<Vec<crate::stores::model::Record>, CliError> {
    let bytes =
        std::fs::read(path).map_err(|e| (format!("cannot read {}: {e}", path.display()), 2))?;
    crate::stores::manual::csv::parse_catalogue(&bytes).map_err(|errors| refused(path, &errors))
}

/// Stores a webhook secret given on the command line (plain or `file:`), sealed.
fn set_webhook_secret(
    ctx: &SyncContext,
    conn: &mut rusqlite::Connection,
    id: StoreId,
    raw: Option<&str>,
) -> Result<(), CliError> {
    let Some(raw) = raw else { return Ok(()) };
    let secret: Secret = serde_json::from_value(json!(raw)).map_err(|e| (e.to_string(), 2))?;
    let sealed = ctx
        .secrets
        .seal(secret.expose().trim().as_bytes())
        .map_err(failed)?;
    db::write(conn, |tx| repo::set_webhook_secret(tx, id, Some(&sealed))).map_err(failed)
}

/// Every refused line of a CSV file, for the terminal.
fn refused(path: &std::path::Path, errors: &[crate::stores::manual::csv::LineError]) -> CliError {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("  line {}: {}", e.line, e.reason))
        .collect();
    (
        format!(
            "{} was not imported (nothing was changed):\n{}",
            path.display(),
            lines.join("\n")
        ),
        2,
    )
}

fn context(config: &Config) -> Result<SyncContext, CliError> {
    Ok(SyncContext {
        db: db::open(&config.data_dir).map_err(failed)?,
        secrets: Arc::new(SecretBox::load_or_create(&config.data_dir).map_err(failed)?),
        http: sync::http_agent(config),
        config: Arc::new(config.clone()),
        clock: Arc::new(SystemClock),
    })
}

fn time_text(secs: Option<i64>) -> serde_json::Value {
    secs.map_or(serde_json::Value::Null, |s| json!(from_unix(s).to_string()))
}

pub fn store(config: &Config, cmd: StoreCommand) -> Result<(), CliError> {
    let ctx = context(config)?;
    let mut conn = ctx.db.get().map_err(failed)?;
    match cmd {
        StoreCommand::Add(StoreAdd::Shopify {
            shop,
            token,
            api_url,
            webhook_secret,
        }) => {
            let shop = shop.trim().to_ascii_lowercase();
            if !valid_shop_domain(&shop) {
                return Err((
                    format!(
                        "`{shop}` is not a Shopify shop domain; it looks like your-shop.myshopify.com"
                    ),
                    2,
                ));
            }
            let token: Secret =
                serde_json::from_value(json!(token)).map_err(|e| (e.to_string(), 2))?;
            if token.expose().trim().is_empty() {
                return Err(("the access token is empty".into(), 2));
            }
            if let Some(url) = &api_url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err((
                        format!("--api-url `{url}` must start with http:// or https://"),
                        2,
                    ));
                }
            }
            let sealed = sync::seal_credentials(
                &ctx.secrets,
                &Credentials::ShopifyToken {
                    token: token.expose().trim().to_string(),
                },
            )
            .map_err(failed)?;
            let now = ctx.clock.now();
            let id = db::write(&mut conn, |tx| {
                repo::create_store(
                    tx,
                    &NewStore {
                        platform: Platform::Shopify,
                        name: &shop,
                        domain: &shop,
                        api_url: api_url.as_deref().map(|u| u.trim_end_matches('/')),
                        credentials: Some(&sealed),
                        sync_minutes: 15,
                    },
                    now,
                )
            })
            .map_err(failed)?;
            set_webhook_secret(&ctx, &mut conn, id, webhook_secret.as_deref())?;
            println!("{id}");
        }
        StoreCommand::Add(StoreAdd::Woocommerce {
            url,
            key,
            secret,
            webhook_secret,
        }) => {
            let url = url.trim().trim_end_matches('/').to_string();
            let host = site_host(&url)?;
            let secret: Secret =
                serde_json::from_value(json!(secret)).map_err(|e| (e.to_string(), 2))?;
            if key.trim().is_empty() || secret.expose().trim().is_empty() {
                return Err(("the consumer key and secret must not be empty".into(), 2));
            }
            let sealed = sync::seal_credentials(
                &ctx.secrets,
                &Credentials::WooKeys {
                    key: key.trim().into(),
                    secret: secret.expose().trim().into(),
                },
            )
            .map_err(failed)?;
            let name = host;
            let now = ctx.clock.now();
            let id = db::write(&mut conn, |tx| {
                repo::create_store(
                    tx,
                    &NewStore {
                        platform: Platform::WooCommerce,
                        name: &name,
                        domain: &url,
                        api_url: None,
                        credentials: Some(&sealed),
                        sync_minutes: 15,
                    },
                    now,
                )
            })
            .map_err(failed)?;
            set_webhook_secret(&ctx, &mut conn, id, webhook_secret.as_deref())?;
            println!("{id}");
        }
        StoreCommand::Add(StoreAdd::Prestashop { url, key }) => {
            let url = url.trim().trim_end_matches('/').to_string();
            let host = site_host(&url)?;
            let key: Secret = serde_json::from_value(json!(key)).map_err(|e| (e.to_string(), 2))?;
            if key.expose().trim().is_empty() {
                return Err(("the webservice key must not be empty".into(), 2));
            }
            let sealed = sync::seal_credentials(
                &ctx.secrets,
                &Credentials::PrestaKey {
                    key: key.expose().trim().into(),
                },
            )
            .map_err(failed)?;
            let now = ctx.clock.now();
            let id = db::write(&mut conn, |tx| {
                repo::create_store(
                    tx,
                    &NewStore {
                        platform: Platform::PrestaShop,
                        name: &host,
                        domain: &url,
                        api_url: None,
                        credentials: Some(&sealed),
                        sync_minutes: 15,
                    },
                    now,
                )
            })
            .map_err(failed)?;
            println!("{id}");
        }
        StoreCommand::Add(StoreAdd::Manual { name, csv }) => {
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(("--name must not be empty".into(), 2));
            }
            // The file is checked before anything is created.
            let records = match &csv {
                Some(path) => Some(read_catalogue(path)?),
                None => None,
            };
            let now = ctx.clock.now();
            let id = db::write(&mut conn, |tx| {
                repo::create_store(
                    tx,
                    &NewStore {
                        platform: Platform::Manual,
                        name: &name,
                        domain: "",
                        api_url: None,
                        credentials: None,
                        sync_minutes: 60,
                    },
                    now,
                )
            })
            .map_err(failed)?;
            if let Some(records) = records {
                sync::import_records(&mut conn, config, id, &records, true, now).map_err(failed)?;
            }
            println!("{id}");
        }
        StoreCommand::Import { id, csv, orders } => {
            let store = repo::store(&conn, StoreId(id))
                .map_err(failed)?
                .ok_or_else(|| no_store(id))?;
            if store.platform != Platform::Manual {
                return Err((
                    format!(
                        "store {id} is a {} store: its catalogue comes from {0}",
                        store.platform.label()
                    ),
                    1,
                ));
            }
            match (csv, orders) {
                (Some(csv), None) => {
                    let records = read_catalogue(&csv)?;
                    let counts = sync::import_records(
                        &mut conn,
                        config,
                        store.id,
                        &records,
                        true,
                        ctx.clock.now(),
                    )
                    .map_err(failed)?;
                    println!(
                        "imported {} products, {} variants, {} stock levels",
                        counts.products, counts.variants, counts.stock_levels
                    );
                }
                (None, Some(file)) => {
                    let tz = crate::accounts::repo::shop_timezone(&conn);
                    let bytes = std::fs::read(&file)
                        .map_err(|e| (format!("cannot read {}: {e}", file.display()), 2))?;
                    let records = crate::stores::manual::csv::parse_orders(&bytes, &tz)
                        .map_err(|errors| refused(&file, &errors))?;
                    let counts = sync::import_records(
                        &mut conn,
                        config,
                        store.id,
                        &records,
                        false,
                        ctx.clock.now(),
                    )
                    .map_err(failed)?;
                    println!("imported {} orders", counts.orders);
                }
                _ => {
                    return Err((
                        "give either --csv (catalogue) or --orders (orders)".into(),
                        2,
                    ));
                }
            }
        }
        StoreCommand::Export { id } => {
            repo::store(&conn, StoreId(id))
                .map_err(failed)?
                .ok_or_else(|| no_store(id))?;
            let (locations, lines) = repo::export_lines(&conn, StoreId(id)).map_err(failed)?;
            let bytes = crate::stores::manual::csv::export(&locations, &lines).map_err(failed)?;
            use std::io::Write;
            std::io::stdout().write_all(&bytes).map_err(failed)?;
        }
        StoreCommand::List { json } => {
            let stores = repo::stores(&conn).map_err(failed)?;
            if json {
                let list: Vec<_> = stores
                    .iter()
                    .map(|s| {
                        json!({
                            "id": s.id, "platform": s.platform.code(), "name": s.name, "domain": s.domain,
                            "status": s.status, "sync_minutes": s.sync_minutes,
                            "last_sync_at": time_text(s.last_sync_at), "last_error": s.last_error,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list).map_err(failed)?);
            } else {
                for s in stores {
                    println!("{}\t{}\t{}\t{}", s.id, s.platform.code(), s.name, s.status);
                }
            }
        }
        StoreCommand::Remove { id } => {
            let removed =
                db::write(&mut conn, |tx| repo::remove_store(tx, StoreId(id))).map_err(failed)?;
            if !removed {
                return Err((
                    format!("no store has the id {id}; see `comptoir store list`"),
                    1,
                ));
            }
            println!("store {id} removed with its local catalogue");
        }
    }
    Ok(())
}

pub fn sync(config: &Config, store: Option<i64>, full: bool) -> Result<(), CliError> {
    let ctx = context(config)?;
    let ids: Vec<StoreId> = match store {
        Some(id) => vec![StoreId(id)],
        None => {
            let conn = ctx.db.get().map_err(failed)?;
            repo::stores(&conn)
                .map_err(failed)?
                .into_iter()
                .filter(|s| s.platform != Platform::Manual)
                .map(|s| s.id)
                .collect()
        }
    };
    if ids.is_empty() {
        return Err((
            "no store to sync; connect one with `comptoir store add`".into(),
            1,
        ));
    }
    let mut failures = Vec::new();
    for id in ids {
        match sync::sync_store(&ctx, id, full) {
            Ok(r) => println!(
                "store {id}: {} sync ok — {} products, {} variants, {} stock levels, {} locations, {} customers, {} orders ({} requests)",
                if r.full { "full" } else { "incremental" },
                r.counts.products,
                r.counts.variants,
                r.counts.stock_levels,
                r.counts.locations,
                r.counts.customers,
                r.counts.orders,
                r.requests
            ),
            Err(e @ SyncFailure::NoSuchStore(_)) => {
                failures.push(format!("{e}; see `comptoir store list`"))
            }
            Err(e) => failures.push(format!("store {id}: {e}")),
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err((failures.join("\n"), 1))
    }
}

pub fn stats(config: &Config, as_json: bool) -> Result<(), CliError> {
    let pool = db::open(&config.data_dir).map_err(failed)?;
    let conn = pool.get().map_err(failed)?;
    let mut out = Vec::new();
    for s in repo::stores(&conn).map_err(failed)? {
        let c = repo::counts(&conn, s.id).map_err(failed)?;
        out.push(json!({
            "id": s.id, "platform": s.platform.code(), "name": s.name, "status": s.status,
            "last_sync_at": time_text(s.last_sync_at),
            "products": c.products, "variants": c.variants, "stock_levels": c.stock_levels,
            "locations": c.locations, "customers": c.customers, "orders": c.orders,
        }));
    }
    if as_json {
        println!("{}", json!({ "stores": out }));
    } else {
        for s in &out {
            println!(
                "{} {} ({}): {} products, {} variants, {} stock levels, {} locations, {} customers, {} orders",
                s["id"],
                s["name"].as_str().unwrap_or(""),
                s["status"].as_str().unwrap_or(""),
                s["products"],
                s["variants"],
                s["stock_levels"],
                s["locations"],
                s["customers"],
                s["orders"]
            );
        }
    }
    Ok(())
}
