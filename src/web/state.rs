//! The state every request handler shares, built once at start-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::SignedDuration;

use crate::accounts::limiter::LoginLimiter;
use crate::accounts::{password, repo};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Pool;
use crate::secrets::SecretBox;
use crate::stores::sync::SyncContext;
use crate::token;

use super::content_security_policy;

/// Everything a request handler may use; built once, shared by every worker.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Pool,
    pub clock: SharedClock,
    pub limiter: LoginLimiter,
    /// Verified against when an e-mail is unknown, so both paths cost the same.
    pub dummy_hash: String,
    /// Encrypts store credentials at rest.
    pub secrets: Arc<SecretBox>,
    /// The one outbound HTTP agent (store platforms, providers).
    pub http: ureq::Agent,
    /// The conversation engine's shared state (the catalogue index).
    pub assistant: Arc<crate::assistant::Assistant>,
    /// The optional language model (`[llm]`), built once.
    pub llm: Option<Arc<crate::assistant::llm::Llm>>,
    /// Wakes the sender when a reply is queued.
    pub outbox_ready: Arc<tokio::sync::Notify>,
    /// The channels in effect, read once (see `channels::settings::current`).
    pub channels: std::sync::RwLock<Option<crate::config::Channels>>,
    /// The web chat's rate limits.
    pub webchat: Arc<crate::channels::webchat::Hub>,
    /// Which conversation just changed, for the live pages and the widget.
    pub events: Arc<crate::events::Events>,
    /// The pages' Content-Security-Policy (see `content_security_policy`).
    pub csp: String,
    pub(super) needs_setup: AtomicBool,
}

impl AppState {
    pub fn new(config: Arc<Config>, db: Pool, clock: SharedClock) -> Result<Self, String> {
        let users = db
            .get()
            .map_err(|e| e.to_string())
            .and_then(|conn| repo::count_users(&conn).map_err(|e| e.to_string()))?;
        let s = &config.security;
        let secrets = Arc::new(SecretBox::load_or_create(&config.data_dir)?);
        Ok(Self {
            secrets,
            http: crate::stores::sync::http_agent(&config),
            limiter: LoginLimiter::new(
                s.login_attempts_per_account,
                s.login_attempts_per_ip,
                s.login_window_minutes,
            ),
            dummy_hash: password::hash(&token::random_token())?,
            needs_setup: AtomicBool::new(users == 0),
            assistant: Arc::new(crate::assistant::Assistant::serving()),
            outbox_ready: Arc::default(),
            llm: crate::assistant::llm::Llm::from_config(&config.llm).map(Arc::new),
            webchat: Arc::default(),
            events: Arc::default(),
            channels: std::sync::RwLock::new(None),
            csp: content_security_policy(config.shopify.api_url.as_deref()),
            config,
            db,
            clock,
        })
    }

    pub fn session_ttl(&self) -> SignedDuration {
        SignedDuration::from_hours(24 * i64::from(self.config.security.session_days))
    }

    pub fn sync_context(&self) -> SyncContext {
        SyncContext {
            db: self.db.clone(),
            secrets: self.secrets.clone(),
            http: self.http.clone(),
            config: self.config.clone(),
            clock: self.clock.clone(),
            assistant: self.assistant.clone(),
        }
    }

    pub fn mark_set_up(&self) {
        self.needs_setup.store(false, Ordering::Relaxed);
    }
}
