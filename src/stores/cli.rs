//! `comptoir store …`, `comptoir sync`, `comptoir stats`: what the Integrations page
//! does, for scripts and admins. They work while `serve` runs on the same data dir.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;

use serde_json::json;

use crate::clock::{SystemClock, from_unix};
use crate::config::{Config, Secret};
use crate::db::{self, ids::StoreId};
use crate::error::CliError;
use crate::secrets::SecretBox;
use crate::stores::model::Platform;
use crate::stores::repo::{self, NewStore};
use crate::stores::shopify::valid_shop_domain;
use crate::stores::sync::{self, Connection, Credentials, SyncContext, SyncFailure};

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Connect a store; prints its id.
    #[command(subcommand)]
    Add(StoreAdd),
    /// List connected stores.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a store and its local catalogue (conversations are kept).
    Remove { id: i64 },
    /// Import into a manual store from CSV (all lines valid, or nothing): `--csv` replaces
    /// the catalogue, `--orders` adds or updates orders.
    Import {
        id: i64,
        #[arg(long, conflicts_with = "orders")]
        csv: Option<PathBuf>,
        #[arg(long)]
        orders: Option<PathBuf>,
    },
    /// Write a store's catalogue as CSV (the import format) to standard output.
    Export { id: i64 },
}

#[derive(Subcommand, Debug)]
pub enum StoreAdd {
    /// A Shopify store, with an Admin API access token.
    Shopify {
        /// The shop's domain, e.g. elegance-paris.myshopify.com
        #[arg(long)]
        shop: String,
        /// Admin API access token (shpat_…); may be file:/path.
        #[arg(long)]
        token: String,
        /// Base URL replacing https://SHOP (proxies, tests), e.g. http://127.0.0.1:9000
        #[arg(long)]
        api_url: Option<String>,
        /// The app's API secret key, which signs webhooks; may be file:/path.
        #[arg(long)]
        webhook_secret: Option<String>,
    },
    /// A PrestaShop site, with a Webservice key (read access to products, combinations,
    /// stock_availables, product_options, product_option_values, customers, orders,
    /// order_carriers, carriers).
    Prestashop {
        /// The site's address, e.g. https://boutique.example.com
        #[arg(long)]
        url: String,
        /// Webservice key; may be file:/path.
        #[arg(long)]
        key: String,
    },
    /// An Amazon seller account (orders only), through the Selling Partner API.
    Amazon {
        /// The Selling Partner app's LWA client id (amzn1.application-oa2-client…).
        #[arg(long)]
        client_id: String,
        /// The app's LWA client secret; may be file:/path.
        #[arg(long)]
        client_secret: String,
        /// The seller's refresh token (Atzr|…); may be file:/path.
        #[arg(long)]
        refresh_token: String,
        /// Marketplaces to read orders from, comma-separated: FR, UK, DE, IT, ES, NL, BE, PL, SE.
        #[arg(long, default_value = "FR")]
        marketplaces: String,
        /// Name shown in Comptoir.
        #[arg(long, default_value = "Amazon")]
        name: String,
        /// Base URL replacing Amazon's hosts (proxies, tests).
        #[arg(long)]
        api_url: Option<String>,
    },
    /// An eBay seller account (orders only), through the Sell Fulfillment API.
    Ebay {
        /// The eBay app's client id (App ID).
        #[arg(long)]
        client_id: String,
        /// The app's client secret (Cert ID); may be file:/path.
        #[arg(long)]
        client_secret: String,
        /// The seller's refresh token (v^1.1#…); may be file:/path.
        #[arg(long)]
        refresh_token: String,
        #[arg(long, default_value = "eBay")]
        name: String,
        /// Base URL replacing https://api.ebay.com (proxies, tests).
        #[arg(long)]
        api_url: Option<String>,
    },
    /// An Etsy shop (orders only), through the Open API v3.
    Etsy {
        /// The Etsy app's keystring (its x-api-key).
        #[arg(long)]
        keystring: String,
        /// The shop's refresh token from the app's authorisation; may be file:/path.
        #[arg(long)]
        refresh_token: String,
        /// The shop's numeric id.
        #[arg(long)]
        shop_id: String,
        #[arg(long, default_value = "Etsy")]
        name: String,
        /// Base URL replacing https://api.etsy.com (proxies, tests).
        #[arg(long)]
        api_url: Option<String>,
    },
    /// A Cdiscount seller account (orders only), through Octopia's Seller API.
    Cdiscount {
        /// The API client's id (seller account › API).
        #[arg(long)]
        client_id: String,
        /// The API client's secret; may be file:/path.
        #[arg(long)]
        client_secret: String,
        /// The seller's number (SellerId).
        #[arg(long)]
        seller_id: String,
        #[arg(long, default_value = "Cdiscount")]
        name: String,
        /// Base URL replacing Octopia's hosts (proxies, tests).
        #[arg(long)]
        api_url: Option<String>,
    },
    /// A marketplace run on Mirakl (orders only), with the seller's shop API key.
    Mirakl {
        /// The marketplace's address, e.g. https://marketplace-enseigne.mirakl.net
        #[arg(long)]
        url: String,
        /// The shop API key (seller account › API key); may be file:/path.
        #[arg(long)]
        key: String,
        /// The marketplace's name in Comptoir (its orders' badge), e.g. Fnac.
        #[arg(long)]
        name: String,
        /// The shop, when the key reaches several.
        #[arg(long)]
        shop_id: Option<String>,
    },
    /// A manual store: products and stock kept in Comptoir, imported from CSV.
    Manual {
        #[arg(long)]
        name: String,
        /// Catalogue to import (see `comptoir store template`); all lines valid, or nothing.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// A WooCommerce site, with REST API keys (WooCommerce › Réglages › Avancé › API REST).
    Woocommerce {
        /// The site's address, e.g. https://boutique.example.com
        #[arg(long)]
        url: String,
        /// Consumer key (ck_…).
        #[arg(long)]
        key: String,
        /// Consumer secret (cs_…); may be file:/path.
        #[arg(long)]
        secret: String,
        /// The secret given to WooCommerce webhooks; may be file:/path.
        #[arg(long)]
        webhook_secret: Option<String>,
    },
}

fn failed(e: impl std::fmt::Display) -> CliError {
    (e.to_string(), 1)
}

/// A site address and its host, or a usage error saying what is expected.
fn site(url: &str) -> Result<(String, String), CliError> {
    crate::stores::site_address(url).ok_or_else(|| {
        (
            format!(
                "`{}` is not a site address such as https://boutique.example.com",
                url.trim()
            ),
            2,
        )
    })
}

/// A secret given on the command line (plain, or `file:/path`), not empty.
/// Saves a store connection and prints its id (what scripts read back).
fn register(
    conn: &mut rusqlite::Connection,
    ctx: &SyncContext,
    connection: &Connection<'_>,
) -> Result<(), CliError> {
    let id =
        sync::register_store(conn, &ctx.secrets, connection, ctx.clock.now()).map_err(failed)?;
    println!("{id}");
    Ok(())
}

/// Registers a marketplace account (orders only): no site address, no webhooks.
fn register_marketplace(
    conn: &mut rusqlite::Connection,
    ctx: &SyncContext,
    platform: Platform,
    name: &str,
    api_url: Option<&str>,
    credentials: Credentials,
) -> Result<(), CliError> {
    let connection = Connection {
        platform,
        name: name.trim(),
        domain: "",
        api_url: api_url.map(|u| u.trim_end_matches('/')),
        credentials,
        webhook_secret: None,
        sync_minutes: 15,
    };
    register(conn, ctx, &connection)
}

/// A marketplace's account number (`--shop-id`, `--seller-id`): digits only.
fn number_arg(value: &str, flag: &str, example: &str) -> Result<String, CliError> {
    let value = value.trim().to_string();
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_digit()) {
        return Err((
            format!("{flag} `{value}` must be the account's number, e.g. {example}"),
            2,
        ));
    }
    Ok(value)
}

/// `--api-url`, when given, is an http(s) address.
fn api_url_arg(url: Option<&str>) -> Result<(), CliError> {
    match url {
        Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => Err((
            format!("--api-url `{u}` must start with http:// or https://"),
            2,
        )),
        _ => Ok(()),
    }
}

fn secret_arg(raw: &str, what: &str) -> Result<String, CliError> {
    let secret: Secret = serde_json::from_value(json!(raw)).map_err(|e| (e.to_string(), 2))?;
    let value = secret.expose().trim().to_string();
    if value.is_empty() {
        return Err((format!("{what} must not be empty"), 2));
    }
    Ok(value)
}

fn no_store(id: i64) -> CliError {
    (
        format!("no store has the id {id}; see `comptoir store list`"),
        1,
    )
}

/// Reads and checks a catalogue CSV, whose records are read again as they are imported;
/// every bad line is reported, exit code 2.
fn read_catalogue(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    let bytes =
        std::fs::read(path).map_err(|e| (format!("cannot read {}: {e}", path.display()), 2))?;
    crate::stores::manual::csv::check_catalogue(&bytes).map_err(|errors| refused(path, &errors))?;
    Ok(bytes)
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
        http: crate::outbound::agent(config),
        config: Arc::new(config.clone()),
        clock: Arc::new(SystemClock),
        // The CLI answers no messages; a serving process notices the change by itself.
        assistant: Arc::default(),
        // No server here: a running one sends the alerts on its next round.
        notices: Default::default(),
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
            api_url_arg(api_url.as_deref())?;
            let token = secret_arg(&token, "the access token")?;
            let hook = webhook_secret
                .as_deref()
                .map(|s| secret_arg(s, "the webhook secret"))
                .transpose()?;
            let connection = Connection {
                platform: Platform::Shopify,
                name: &shop,
                domain: &shop,
                api_url: api_url.as_deref().map(|u| u.trim_end_matches('/')),
                credentials: Credentials::ShopifyToken { token },
                webhook_secret: hook.as_deref(),
                sync_minutes: 15,
            };
            register(&mut conn, &ctx, &connection)?;
        }
        StoreCommand::Add(StoreAdd::Woocommerce {
            url,
            key,
            secret,
            webhook_secret,
        }) => {
            let (url, host) = site(&url)?;
            let credentials = Credentials::WooKeys {
                key: secret_arg(&key, "the consumer key")?,
                secret: secret_arg(&secret, "the consumer secret")?,
            };
            let hook = webhook_secret
                .as_deref()
                .map(|s| secret_arg(s, "the webhook secret"))
                .transpose()?;
            let connection = Connection {
                platform: Platform::WooCommerce,
                name: &host,
                domain: &url,
                api_url: None,
                credentials,
                webhook_secret: hook.as_deref(),
                sync_minutes: 15,
            };
            register(&mut conn, &ctx, &connection)?;
        }
        StoreCommand::Add(StoreAdd::Amazon {
            client_id,
            client_secret,
            refresh_token,
            marketplaces,
            name,
            api_url,
        }) => {
            let mut ids = Vec::new();
            for code in marketplaces.split(',').filter(|c| !c.trim().is_empty()) {
                let id = crate::stores::amazon::mapping::marketplace_id(code).ok_or_else(|| {
                    (
                        format!(
                            "--marketplaces: `{}` is not a marketplace; use FR, UK, DE, IT, ES, NL, BE, PL or SE",
                            code.trim()
                        ),
                        2,
                    )
                })?;
                ids.push(id.to_string());
            }
            if ids.is_empty() {
                return Err(("--marketplaces must name at least one, e.g. FR".into(), 2));
            }
            api_url_arg(api_url.as_deref())?;
            let credentials = Credentials::AmazonLwa {
                client_id: client_id.trim().to_string(),
                client_secret: secret_arg(&client_secret, "the client secret")?,
                refresh_token: secret_arg(&refresh_token, "the refresh token")?,
                marketplaces: ids,
            };
            register_marketplace(
                &mut conn,
                &ctx,
                Platform::Amazon,
                &name,
                api_url.as_deref(),
                credentials,
            )?;
        }
        StoreCommand::Add(StoreAdd::Ebay {
            client_id,
            client_secret,
            refresh_token,
            name,
            api_url,
        }) => {
            api_url_arg(api_url.as_deref())?;
            let credentials = Credentials::EbayOAuth {
                client_id: client_id.trim().to_string(),
                client_secret: secret_arg(&client_secret, "the client secret")?,
                refresh_token: secret_arg(&refresh_token, "the refresh token")?,
                runame: String::new(),
            };
            register_marketplace(
                &mut conn,
                &ctx,
                Platform::Ebay,
                &name,
                api_url.as_deref(),
                credentials,
            )?;
        }
        StoreCommand::Add(StoreAdd::Etsy {
            keystring,
            refresh_token,
            shop_id,
            name,
            api_url,
        }) => {
            let shop_id = number_arg(&shop_id, "--shop-id", "12345678")?;
            api_url_arg(api_url.as_deref())?;
            let credentials = Credentials::EtsyOAuth {
                keystring: keystring.trim().to_string(),
                refresh_token: secret_arg(&refresh_token, "the refresh token")?,
                shop_id,
            };
            register_marketplace(
                &mut conn,
                &ctx,
                Platform::Etsy,
                &name,
                api_url.as_deref(),
                credentials,
            )?;
        }
        StoreCommand::Add(StoreAdd::Cdiscount {
            client_id,
            client_secret,
            seller_id,
            name,
            api_url,
        }) => {
            let seller_id = number_arg(&seller_id, "--seller-id", "123456")?;
            api_url_arg(api_url.as_deref())?;
            let credentials = Credentials::OctopiaClient {
                client_id: client_id.trim().to_string(),
                client_secret: secret_arg(&client_secret, "the client secret")?,
                seller_id,
            };
            register_marketplace(
                &mut conn,
                &ctx,
                Platform::Cdiscount,
                &name,
                api_url.as_deref(),
                credentials,
            )?;
        }
        StoreCommand::Add(StoreAdd::Mirakl {
            url,
            key,
            name,
            shop_id,
        }) => {
            let (url, _) = site(&url)?;
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(("--name must not be empty".into(), 2));
            }
            let connection = Connection {
                platform: Platform::Mirakl,
                name: &name,
                domain: &url,
                api_url: None,
                credentials: Credentials::MiraklKey {
                    key: secret_arg(&key, "the shop API key")?,
                    shop_id: shop_id
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty()),
                },
                webhook_secret: None,
                sync_minutes: 15,
            };
            register(&mut conn, &ctx, &connection)?;
        }
        StoreCommand::Add(StoreAdd::Prestashop { url, key }) => {
            let (url, host) = site(&url)?;
            let connection = Connection {
                platform: Platform::PrestaShop,
                name: &host,
                domain: &url,
                api_url: None,
                credentials: Credentials::PrestaKey {
                    key: secret_arg(&key, "the webservice key")?,
                },
                webhook_secret: None,
                sync_minutes: 15,
            };
            register(&mut conn, &ctx, &connection)?;
        }
        StoreCommand::Add(StoreAdd::Manual { name, csv }) => {
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(("--name must not be empty".into(), 2));
            }
            // The file is checked before anything is created.
            let file = match &csv {
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
            if let Some(file) = file {
                sync::import_catalogue(&mut conn, config, id, &file, now).map_err(failed)?;
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
                    let file = read_catalogue(&csv)?;
                    let counts =
                        sync::import_catalogue(&mut conn, config, store.id, &file, ctx.clock.now())
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

pub fn sync(
    config: &Config,
    store: Option<i64>,
    full: bool,
    simulate_waits: bool,
) -> Result<(), CliError> {
    let mut ctx = context(config)?;
    let started = jiff::Timestamp::now();
    let simulated = crate::clock::ManualClock::new(started);
    if simulate_waits {
        ctx.clock = simulated.clone();
    }
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
    if simulate_waits {
        let waited = crate::clock::Clock::now(simulated.as_ref()).duration_since(started);
        println!(
            "simulated time (rate-limit waits): {:.1} h",
            waited.as_secs_f64() / 3600.0
        );
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
