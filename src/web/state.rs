//! The state every request handler shares, built once at start-up. It holds what the
//! web edge itself needs; each feature's own services (the assistant, the login
//! limiter, the web chat's counters, the sync) are registered beside it in `lib.rs`
//! and asked for by the handlers that use them (`web::Data<T>`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::SignedDuration;

use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::events::Events;
use crate::secrets::SecretBox;

use super::wizard::Wizard;
use super::{content_security_policy, sessions};

/// Everything a request handler may use; built once, shared by every worker.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Pool,
    pub clock: SharedClock,
    /// Encrypts store and provider credentials at rest.
    pub secrets: Arc<SecretBox>,
    /// The one outbound HTTP agent (store platforms, providers).
    pub http: ureq::Agent,
    /// Wakes the sender when a reply is queued.
    pub outbox_ready: Arc<tokio::sync::Notify>,
    /// Wakes the store poller when a page asks for a sync now.
    pub sync_wanted: Arc<tokio::sync::Notify>,
    /// Wakes the notices job: stock or prices changed (a webhook, a sync).
    pub notices_wanted: Arc<tokio::sync::Notify>,
    /// Wakes the weekly summary's job (its setting changed).
    pub reports_wanted: Arc<tokio::sync::Notify>,
    /// Wakes the webhooks' dispatcher (a resend, a new endpoint).
    pub hooks_wanted: Arc<tokio::sync::Notify>,
    /// The channels in effect, read once (see `channels::settings::current`).
    pub channels: Arc<std::sync::RwLock<Option<crate::config::Channels>>>,
    /// Which conversation just changed, for the live pages and the widget.
    pub events: Arc<Events>,
    /// The pages' Content-Security-Policy (see `content_security_policy`).
    pub csp: String,
    /// The setup wizard, as the features' forms see it.
    pub wizard: Arc<dyn Wizard>,
    pub(super) needs_setup: AtomicBool,
}

impl AppState {
    pub fn new(
        config: Arc<Config>,
        db: Pool,
        clock: SharedClock,
        wizard: Arc<dyn Wizard>,
    ) -> Result<Self, String> {
        let users = db
            .get()
            .map_err(|e| e.to_string())
            .and_then(|conn| sessions::count_users(&conn).map_err(|e| e.to_string()))?;
        Ok(Self {
            secrets: Arc::new(
                SecretBox::load_or_create(&config.data_dir).map_err(|e| e.to_string())?,
            ),
            http: crate::outbound::agent(&config),
            needs_setup: AtomicBool::new(users == 0),
            wizard,
            outbox_ready: Arc::default(),
            sync_wanted: Arc::default(),
            notices_wanted: Arc::default(),
            reports_wanted: Arc::default(),
            hooks_wanted: Arc::default(),
            events: Arc::default(),
            channels: Arc::default(),
            csp: content_security_policy(config.shopify.api_url.as_deref()),
            config,
            db,
            clock,
        })
    }

    pub fn session_ttl(&self) -> SignedDuration {
        SignedDuration::from_hours(24 * i64::from(self.config.security.session_days))
    }

    pub fn mark_set_up(&self) {
        self.needs_setup.store(false, Ordering::Relaxed);
    }
}
