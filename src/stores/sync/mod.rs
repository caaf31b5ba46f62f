//! Syncing a store: fetch pages into staging (short transactions, streamed), then merge
//! into the live catalogue in one transaction. Readers see the old catalogue until it
//! commits; an interruption leaves only staging rows, discarded at the next start.

pub mod poller;
pub mod schedule;

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::clock::{SharedClock, unix};
use crate::config::Config;
use crate::db::ids::{RunId, StoreId};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::secrets::{SecretBox, SecretError};
use crate::stores::connector::{Connector, FetchPlan, Sink, SyncError};
use crate::stores::model::{Platform, Record};
use crate::stores::prestashop::PrestaConnector;
use crate::stores::repo::{self, Counts, MergePlan, Store};
use crate::stores::shopify::ShopifyConnector;
use crate::stores::woocommerce::WooConnector;

/// Incremental fetches start this long before the previous sync started, so a change
/// made upstream during that sync (or clock skew) is never missed.
const CURSOR_OVERLAP: SignedDuration = SignedDuration::from_mins(10);
/// A sync's lease on its store, renewed with every page: a crashed sync frees the store
/// this long after its last page.
const LEASE: SignedDuration = SignedDuration::from_mins(10);

/// Everything a sync needs; cheap to clone into a blocking task.
#[derive(Clone)]
pub struct SyncContext {
    pub db: Pool,
    pub secrets: Arc<SecretBox>,
    pub http: ureq::Agent,
    pub config: Arc<Config>,
    pub clock: SharedClock,
    /// Its catalogue index is rebuilt right after a sync, not on the next message.
    pub assistant: Arc<crate::assistant::Assistant>,
    /// Woken after a sync: alerts may be due (stock back, a lower price).
    pub notices: Arc<tokio::sync::Notify>,
}

impl SyncContext {
    /// Rebuilds the engine's index now if the catalogue changed (a failure only waits
    /// for the next message to try again).
    pub fn refresh_index(&self) {
        let built = self.db.get().map_err(|e| e.to_string()).and_then(|conn| {
            self.assistant
                .catalogue
                .get(&conn)
                .map_err(|e| e.to_string())
        });
        if let Err(e) = built {
            tracing::warn!(error = %e, "could not rebuild the catalogue index");
        }
    }
}

/// Credentials as stored (encrypted) for each platform.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    ShopifyToken {
        token: String,
    },
    /// An app the shop created for itself: a short-lived token is fetched for each sync.
    ShopifyClient {
        client_id: String,
        client_secret: String,
    },
    WooKeys {
        key: String,
        secret: String,
    },
    PrestaKey {
        key: String,
    },
    /// An Amazon seller's authorisation of the shop's Selling Partner app, and the
    /// marketplaces (MarketplaceIds) to read orders from.
    AmazonLwa {
        client_id: String,
        client_secret: String,
        refresh_token: String,
        marketplaces: Vec<String>,
    },
    /// An eBay seller's authorisation of the shop's eBay app (OAuth refresh token), and
    /// the app's RuName when it was given through eBay's consent screen (to ask again).
    EbayOAuth {
        client_id: String,
        client_secret: String,
        refresh_token: String,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        runame: String,
    },
    /// An Etsy shop's authorisation of the shop's Etsy app: its keystring (x-api-key),
    /// the refresh token (renewed by Etsy at each use) and the shop's id.
    EtsyOAuth {
        keystring: String,
        refresh_token: String,
        shop_id: String,
    },
    /// An Octopia (Cdiscount) API client of the seller, and the seller's number.
    OctopiaClient {
        client_id: String,
        client_secret: String,
        seller_id: String,
    },
    /// A Mirakl shop API key, and the shop when the key reaches several.
    MiraklKey {
        key: String,
        shop_id: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub store: StoreId,
    pub run: RunId,
    pub full: bool,
    pub requests: u32,
    pub counts: Counts,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncFailure {
    #[error("store {0} does not exist")]
    NoSuchStore(StoreId),
    #[error("store {0} is already syncing; try again when it is done")]
    Busy(StoreId),
    #[error("store {0} is a manual store: its catalogue comes from the forms and CSV imports")]
    Manual(StoreId),
    #[error("{0}")]
    Failed(SyncError),
}

impl From<AppError> for SyncFailure {
    fn from(e: AppError) -> Self {
        SyncFailure::Failed(SyncError::Local(e.to_string()))
    }
}

struct StagingSink {
    conn: r2d2::PooledConnection<r2d2_sqlite::SqliteConnectionManager>,
    store: StoreId,
    run: RunId,
    clock: SharedClock,
    requests: u32,
}

impl Sink for StagingSink {
    fn page(&mut self, records: Vec<Record>) -> Result<(), SyncError> {
        let local = |e: AppError| SyncError::Local(e.to_string());
        repo::stage(&mut self.conn, self.run, &records).map_err(local)?;
        let until = self.clock.now() + LEASE;
        repo::renew_lease(&self.conn, self.store, until).map_err(local)
    }

    fn request(&mut self) {
        self.requests += 1;
    }
}

/// A store to connect: where it is, how to sign in, what signs its webhooks.
pub struct Connection<'a> {
    pub platform: Platform,
    pub name: &'a str,
    pub domain: &'a str,
    pub api_url: Option<&'a str>,
    pub credentials: Credentials,
    pub webhook_secret: Option<&'a str>,
    pub sync_minutes: i64,
}

/// Registers a connected store: credentials and webhook secret sealed, store created, in
/// one transaction. The one way the CLI and the pages add a store with credentials.
pub fn register_store(
    conn: &mut rusqlite::Connection,
    secrets: &SecretBox,
    c: &Connection<'_>,
    now: Timestamp,
) -> Result<StoreId, AppError> {
    let sealed = seal_credentials(secrets, &c.credentials)?;
    let hook = match c.webhook_secret {
        Some(secret) => Some(secrets.seal(secret.as_bytes())?),
        None => None,
    };
    db::write(conn, |tx| {
        let id = repo::create_store(
            tx,
            &repo::NewStore {
                platform: c.platform,
                name: c.name,
                domain: c.domain,
                api_url: c.api_url,
                credentials: Some(&sealed),
                sync_minutes: c.sync_minutes,
            },
            now,
        )?;
        repo::set_webhook_secret(tx, id, hook.as_deref())?;
        Ok(id)
    })
}

pub fn seal_credentials(
    secrets: &SecretBox,
    credentials: &Credentials,
) -> Result<Vec<u8>, SecretError> {
    let json = serde_json::to_vec(credentials).map_err(SecretError::Encode)?;
    secrets.seal(&json)
}

fn connector(ctx: &SyncContext, store: &Store) -> Result<Box<dyn Connector>, SyncError> {
    let sealed = store.credentials.as_deref().ok_or_else(|| {
        SyncError::abort("Aucun identifiant enregistré : reconnectez la boutique.")
    })?;
    let plain = ctx.secrets.open(sealed).map_err(|e| {
        tracing::warn!(store = %store.id, error = %e, "store credentials unreadable");
        SyncError::abort(
            "Les identifiants enregistrés ne peuvent pas être déchiffrés avec la clé de ce dossier de données : reconnectez la boutique.",
        )
    })?;
    let credentials: Credentials = serde_json::from_slice(&plain)
        .map_err(|_| SyncError::abort("Identifiants illisibles : reconnectez la boutique."))?;
    match (store.platform, credentials) {
        (Platform::Shopify, Credentials::ShopifyToken { token }) => {
            let base = store
                .api_url
                .clone()
                .unwrap_or_else(|| format!("https://{}", store.domain));
            Ok(Box::new(ShopifyConnector::new(
                ctx.http.clone(),
                &base,
                &ctx.config.shopify.api_version,
                token,
            )))
        }
        (
            Platform::Shopify,
            Credentials::ShopifyClient {
                client_id,
                client_secret,
            },
        ) => {
            let base = store
                .api_url
                .clone()
                .unwrap_or_else(|| format!("https://{}", store.domain));
            let grant = crate::stores::shopify::oauth::client_credentials(
                &ctx.http,
                &base,
                &client_id,
                &client_secret,
            )?;
            Ok(Box::new(ShopifyConnector::new(
                ctx.http.clone(),
                &base,
                &ctx.config.shopify.api_version,
                grant.token,
            )))
        }
        (Platform::WooCommerce, Credentials::WooKeys { key, secret }) => {
            let base = store
                .api_url
                .clone()
                .unwrap_or_else(|| store.domain.clone());
            Ok(Box::new(WooConnector::new(
                ctx.http.clone(),
                &base,
                key,
                secret,
            )))
        }
        (Platform::PrestaShop, Credentials::PrestaKey { key }) => {
            let base = store
                .api_url
                .clone()
                .unwrap_or_else(|| store.domain.clone());
            Ok(Box::new(PrestaConnector::new(ctx.http.clone(), &base, key)))
        }
        (
            Platform::Amazon,
            Credentials::AmazonLwa {
                client_id,
                client_secret,
                refresh_token,
                marketplaces,
            },
        ) => Ok(Box::new(crate::stores::amazon::AmazonConnector::new(
            ctx.http.clone(),
            store.api_url.as_deref(),
            client_id,
            client_secret,
            refresh_token,
            marketplaces,
            ctx.clock.clone(),
        ))),
        (
            Platform::Ebay,
            Credentials::EbayOAuth {
                client_id,
                client_secret,
                refresh_token,
                ..
            },
        ) => Ok(Box::new(crate::stores::ebay::EbayConnector::new(
            ctx.http.clone(),
            store.api_url.as_deref(),
            client_id,
            client_secret,
            refresh_token,
            ctx.clock.clone(),
        ))),
        (
            Platform::Etsy,
            Credentials::EtsyOAuth {
                keystring,
                refresh_token,
                shop_id,
            },
        ) => {
            // Etsy's new refresh token is sealed and saved as soon as it comes.
            let (db, secrets, id) = (ctx.db.clone(), ctx.secrets.clone(), store.id);
            let (key, shop) = (keystring.clone(), shop_id.clone());
            let renewed: crate::stores::etsy::Renewed = Box::new(move |token: &str| {
                let sealed = seal_credentials(
                    &secrets,
                    &Credentials::EtsyOAuth {
                        keystring: key.clone(),
                        refresh_token: token.to_string(),
                        shop_id: shop.clone(),
                    },
                )
                .map_err(|e| SyncError::Local(e.to_string()))?;
                let mut conn = db.get().map_err(|e| SyncError::Local(e.to_string()))?;
                db::write(&mut conn, |tx| repo::set_credentials(tx, id, &sealed))
                    .map_err(|e: AppError| SyncError::Local(e.to_string()))
            });
            Ok(Box::new(crate::stores::etsy::EtsyConnector::new(
                ctx.http.clone(),
                store.api_url.as_deref(),
                keystring,
                refresh_token,
                shop_id,
                ctx.clock.clone(),
                renewed,
            )))
        }
        (
            Platform::Cdiscount,
            Credentials::OctopiaClient {
                client_id,
                client_secret,
                seller_id,
            },
        ) => Ok(Box::new(crate::stores::cdiscount::CdiscountConnector::new(
            ctx.http.clone(),
            store.api_url.as_deref(),
            client_id,
            client_secret,
            seller_id,
            ctx.clock.clone(),
        ))),
        (Platform::Mirakl, Credentials::MiraklKey { key, shop_id }) => {
            let base = store
                .api_url
                .clone()
                .unwrap_or_else(|| store.domain.clone());
            Ok(Box::new(crate::stores::mirakl::MiraklConnector::new(
                ctx.http.clone(),
                &base,
                key,
                shop_id,
                &store.name,
                ctx.clock.clone(),
            )))
        }
        (platform, _) => Err(SyncError::abort(format!(
            "La synchronisation {} n'est pas encore disponible.",
            platform.label()
        ))),
    }
}

fn utc_text(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Runs one sync of one store now (blocking: call it off the async executor).
/// A sync run by the server (poller, "Synchroniser" button): the engine's index is
/// rebuilt as soon as it succeeds, so no shopper's message waits for it.
pub fn sync_serving(ctx: &SyncContext, id: StoreId) -> Result<SyncReport, SyncFailure> {
    let report = sync_store(ctx, id, false)?;
    ctx.refresh_index();
    ctx.notices.notify_one();
    Ok(report)
}

pub fn sync_store(
    ctx: &SyncContext,
    id: StoreId,
    force_full: bool,
) -> Result<SyncReport, SyncFailure> {
    let now = ctx.clock.now();
    let mut conn = ctx.db.get().map_err(|e| AppError::Db(e.into()))?;
    let store = repo::store(&conn, id)?.ok_or(SyncFailure::NoSuchStore(id))?;
    if store.platform == Platform::Manual {
        return Err(SyncFailure::Manual(id));
    }
    if !repo::take_lease(&conn, id, now, now + LEASE)? {
        return Err(SyncFailure::Busy(id));
    }
    let sync = &ctx.config.sync;
    let full_due = store
        .last_full_sync_at
        .is_none_or(|at| unix(now) - at >= i64::from(sync.full_sync_hours) * 3600);
    let full = force_full || full_due || store.sync_cursor.is_none();
    let plan = FetchPlan {
        since: if full {
            None
        } else {
            store.sync_cursor.clone()
        },
        orders_since: utc_text(now - SignedDuration::from_hours(24 * i64::from(sync.orders_days))),
    };
    // Holding the lease means no other sync of this store is alive: close its leftovers,
    // and those of any run whose process is gone.
    repo::close_stale_runs(&mut conn, id, now)?;
    repo::close_orphaned_runs(&conn, now)?;
    let run = repo::begin_run(&conn, id, full, now)?;
    let mut sink = StagingSink {
        conn: ctx.db.get().map_err(|e| AppError::Db(e.into()))?,
        store: id,
        run,
        clock: ctx.clock.clone(),
        requests: 0,
    };
    let fetched = connector(ctx, &store).and_then(|mut c| c.fetch(&plan, &mut sink));
    let requests = sink.requests;
    drop(sink);

    let finished = ctx.clock.now();
    match fetched {
        Ok(()) => {
            let counts = db::write(&mut conn, |tx| -> Result<_, AppError> {
                let counts = repo::merge(
                    tx,
                    &MergePlan {
                        store: id,
                        run,
                        full,
                        orders_since: &plan.orders_since,
                    },
                )?;
                let next = schedule::after_success(finished, store.sync_minutes);
                tx.execute(
                    "UPDATE stores SET status = 'connected', last_sync_at = ?2, next_sync_at = ?3,
                        sync_cursor = ?4, last_full_sync_at = CASE WHEN ?5 THEN ?2 ELSE last_full_sync_at END,
                        error_count = 0, last_error = NULL, sync_lease_until = NULL
                     WHERE id = ?1",
                    params![id, unix(finished), unix(next), utc_text(now - CURSOR_OVERLAP), full],
                )
                .map_err(|e| AppError::Db(e.into()))?;
                finish_run(tx, run, "ok", requests, Some(&counts), None, finished)?;
                Ok(counts)
            })?;
            tracing::info!(store = %id, full, requests, products = counts.products, variants = counts.variants, "store synced");
            Ok(SyncReport {
                store: id,
                run,
                full,
                requests,
                counts,
            })
        }
        Err(error) => {
            let message = error.shown();
            let (status, retry_after) = match &error {
                SyncError::Abort { .. } => ("disconnected", None),
                SyncError::Retry { after, .. } => ("error", *after),
                SyncError::Local(_) => ("error", None),
            };
            db::write(&mut conn, |tx| {
                let next = schedule::after_failure(
                    finished,
                    store.error_count + 1,
                    retry_after,
                    crate::jobs::jitter(),
                );
                tx.execute(
                    "UPDATE stores SET status = ?2, error_count = error_count + 1, last_error = ?3,
                        next_sync_at = ?4, sync_lease_until = NULL WHERE id = ?1",
                    params![id, status, message, unix(next)],
                )
                .map_err(|e| AppError::Db(e.into()))?;
                finish_run(tx, run, "error", requests, None, Some(&message), finished)
            })?;
            tracing::warn!(store = %id, error = %error, "store sync failed");
            Err(SyncFailure::Failed(error))
        }
    }
}

fn finish_run(
    tx: &rusqlite::Connection,
    run: RunId,
    outcome: &str,
    requests: u32,
    counts: Option<&Counts>,
    error: Option<&str>,
    at: Timestamp,
) -> Result<(), AppError> {
    let c = counts.copied().unwrap_or_default();
    tx.execute(
        "UPDATE sync_runs SET finished_at = ?2, outcome = ?3, requests = ?4, products = ?5, variants = ?6,
            stock_levels = ?7, customers = ?8, orders = ?9, error = ?10, orders_known = ?11 WHERE id = ?1",
        params![run, unix(at), outcome, requests, c.products, c.variants, c.stock_levels, c.customers, c.orders, error, c.orders_known],
    )
    .map_err(|e| AppError::Db(e.into()))?;
    tx.execute("DELETE FROM sync_staging WHERE run_id = ?1", [run])
        .map_err(|e| AppError::Db(e.into()))?;
    Ok(())
}

/// Applies `records` (the demo shop, CSV imports) through the same staging and
/// single-transaction merge as a sync. With `replace`, what the records lack is removed
/// (a catalogue import); without, records are only added or updated (orders).
pub fn import_records(
    conn: &mut rusqlite::Connection,
    config: &Config,
    store: StoreId,
    records: &[Record],
    replace: bool,
    now: Timestamp,
) -> Result<Counts, AppError> {
    repo::close_orphaned_runs(conn, now)?;
    let run = repo::begin_run(conn, store, replace, now)?;
    import_run(
        conn,
        config,
        store,
        run,
        |put| records.iter().cloned().for_each(put),
        replace,
        now,
    )
}

/// A catalogue CSV already checked (`csv::check_catalogue`), imported as it is read:
/// memory stays flat whatever the file's size.
pub fn import_catalogue(
    conn: &mut rusqlite::Connection,
    config: &Config,
    store: StoreId,
    file: &[u8],
    now: Timestamp,
) -> Result<Counts, AppError> {
    repo::close_orphaned_runs(conn, now)?;
    let run = repo::begin_run(conn, store, true, now)?;
    import_run(conn, config, store, run, catalogue_feed(file), true, now)
}

/// The records of a checked catalogue file, handed one by one.
pub fn catalogue_feed(file: &[u8]) -> impl FnOnce(&mut dyn FnMut(Record)) + '_ {
    move |put| {
        // Checked before: a line refused now would only mean the file changed under us,
        // and then the merge below holds what was read.
        let _ = crate::stores::manual::csv::read_catalogue(file, put);
    }
}

/// Imports what `feed` hands over into a run already begun (so a page can show it
/// running), staged 500 records at a time. A run that fails is closed as failed, with
/// nothing of it merged.
pub fn import_run(
    conn: &mut rusqlite::Connection,
    config: &Config,
    store: StoreId,
    run: RunId,
    feed: impl FnOnce(&mut dyn FnMut(Record)),
    replace: bool,
    now: Timestamp,
) -> Result<Counts, AppError> {
    let applied = (|| -> Result<Counts, AppError> {
        let mut chunk: Vec<Record> = Vec::with_capacity(500);
        let mut staged: Result<(), AppError> = Ok(());
        feed(&mut |record| {
            if staged.is_err() {
                return;
            }
            chunk.push(record);
            if chunk.len() == 500 {
                staged = repo::stage(conn, run, &chunk);
                chunk.clear();
            }
        });
        staged?;
        repo::stage(conn, run, &chunk)?;
        let orders_since =
            utc_text(now - SignedDuration::from_hours(24 * i64::from(config.sync.orders_days)));
        db::write(conn, |tx| {
            let counts = repo::merge(
                tx,
                &MergePlan {
                    store,
                    run,
                    full: replace,
                    orders_since: &orders_since,
                },
            )?;
            tx.execute(
                "UPDATE stores SET status = 'connected', last_sync_at = ?2, last_full_sync_at = ?2,
                    error_count = 0, last_error = NULL WHERE id = ?1",
                params![store, unix(now)],
            )
            .map_err(|e| AppError::Db(e.into()))?;
            finish_run(tx, run, "ok", 0, Some(&counts), None, now)?;
            Ok(counts)
        })
    })();
    if let Err(e) = &applied {
        tracing::error!(store = store.0, error = %e, "import failed");
        let message = "L'import n'a pas pu être enregistré ; rien n'a changé. Réessayez.";
        finish_run(conn, run, "error", 0, None, Some(message), now)?;
    }
    applied
}

impl Credentials {
    /// The same account with the secret a reconnect form replaces: the access token
    /// (Shopify), the refresh token (Amazon, eBay, Etsy), the shop key (Mirakl) or the
    /// client secret (Cdiscount).
    pub fn renewed(self, secret: String) -> Credentials {
        match self {
            Credentials::ShopifyToken { .. } => Credentials::ShopifyToken { token: secret },
            Credentials::AmazonLwa {
                client_id,
                client_secret,
                marketplaces,
                ..
            } => Credentials::AmazonLwa {
                client_id,
                client_secret,
                refresh_token: secret,
                marketplaces,
            },
            Credentials::EbayOAuth {
                client_id,
                client_secret,
                runame,
                ..
            } => Credentials::EbayOAuth {
                client_id,
                client_secret,
                refresh_token: secret,
                runame,
            },
            Credentials::EtsyOAuth {
                keystring, shop_id, ..
            } => Credentials::EtsyOAuth {
                keystring,
                refresh_token: secret,
                shop_id,
            },
            Credentials::MiraklKey { shop_id, .. } => Credentials::MiraklKey {
                key: secret,
                shop_id,
            },
            Credentials::OctopiaClient {
                client_id,
                seller_id,
                ..
            } => Credentials::OctopiaClient {
                client_id,
                client_secret: secret,
                seller_id,
            },
            other => other,
        }
    }
}

/// Checks a marketplace account's credentials with one cheap call (the connect and
/// reconnect forms; blocking, off the executor), and returns them as they must be saved:
/// Etsy answers a refresh with the next refresh token. `base` replaces the platform's
/// address (the Mirakl instance's, or a proxy's); `name` is the account's in Comptoir.
pub fn check_marketplace(
    http: &ureq::Agent,
    clock: &SharedClock,
    base: Option<&str>,
    name: &str,
    credentials: Credentials,
) -> Result<Credentials, SyncError> {
    match credentials {
        Credentials::AmazonLwa {
            client_id,
            client_secret,
            refresh_token,
            marketplaces,
        } => {
            crate::stores::amazon::AmazonConnector::new(
                http.clone(),
                base,
                client_id.clone(),
                client_secret.clone(),
                refresh_token.clone(),
                marketplaces.clone(),
                clock.clone(),
            )
            .check()?;
            Ok(Credentials::AmazonLwa {
                client_id,
                client_secret,
                refresh_token,
                marketplaces,
            })
        }
        Credentials::EbayOAuth {
            client_id,
            client_secret,
            refresh_token,
            runame,
        } => {
            crate::stores::ebay::EbayConnector::new(
                http.clone(),
                base,
                client_id.clone(),
                client_secret.clone(),
                refresh_token.clone(),
                clock.clone(),
            )
            .check()?;
            Ok(Credentials::EbayOAuth {
                client_id,
                client_secret,
                refresh_token,
                runame,
            })
        }
        Credentials::EtsyOAuth {
            keystring,
            refresh_token,
            shop_id,
        } => {
            let kept = Arc::new(std::sync::Mutex::new(refresh_token.clone()));
            let into = kept.clone();
            crate::stores::etsy::EtsyConnector::new(
                http.clone(),
                base,
                keystring.clone(),
                refresh_token,
                shop_id.clone(),
                clock.clone(),
                Box::new(move |t: &str| {
                    if let Ok(mut k) = into.lock() {
                        *k = t.to_string();
                    }
                    Ok(())
                }),
            )
            .check()?;
            let refresh_token = kept
                .lock()
                .map(|k| k.clone())
                .map_err(|_| SyncError::Local("token lock poisoned".into()))?;
            Ok(Credentials::EtsyOAuth {
                keystring,
                refresh_token,
                shop_id,
            })
        }
        Credentials::MiraklKey { key, shop_id } => {
            crate::stores::mirakl::MiraklConnector::new(
                http.clone(),
                base.unwrap_or_default(),
                key.clone(),
                shop_id.clone(),
                name,
                clock.clone(),
            )
            .check()?;
            Ok(Credentials::MiraklKey { key, shop_id })
        }
        Credentials::OctopiaClient {
            client_id,
            client_secret,
            seller_id,
        } => {
            crate::stores::cdiscount::CdiscountConnector::new(
                http.clone(),
                base,
                client_id.clone(),
                client_secret.clone(),
                seller_id.clone(),
                clock.clone(),
            )
            .check()?;
            Ok(Credentials::OctopiaClient {
                client_id,
                client_secret,
                seller_id,
            })
        }
        other => Ok(other),
    }
}
