//! The web layer: shared state, middleware, and the wiring of every feature's routes.

pub mod assets;
pub mod auth;
pub mod components;
pub mod csrf;
pub mod errors;
pub mod layout;
pub mod paths;
pub mod respond;
pub mod upload;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use jiff::SignedDuration;

use crate::accounts::limiter::LoginLimiter;
use crate::accounts::{self, password, repo};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::secrets::SecretBox;
use crate::sync::SyncContext;
use crate::{dashboard, inbox, settings, stores, token};

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
    needs_setup: AtomicBool,
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
            http: crate::sync::http_agent(&config),
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

/// Routes of every feature, in one place.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::HEALTHZ, web::get().to(healthz))
        .route("/assets/{path:.*}", web::get().to(assets::serve));
    accounts::configure(cfg);
    dashboard::configure(cfg);
    crate::onboarding::configure(cfg);
    inbox::configure(cfg);
    crate::reservations::configure(cfg);
    stores::configure(cfg);
    stores::webhooks::configure(cfg);
    crate::channels::twilio::configure(cfg);
    crate::channels::resend::configure(cfg);
    crate::channels::pages::configure(cfg);
    crate::channels::webchat::configure(cfg);
    settings::configure(cfg);
}

/// Extractor errors (bad path segments, bad query strings) become our error pages.
pub fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .app_data(web::QueryConfig::default().error_handler(|_, _| {
            AppError::BadRequest("L'adresse contient des paramètres invalides.".into()).into()
        }))
        .app_data(web::FormConfig::default().error_handler(|_, _| {
            AppError::BadRequest("Le formulaire envoyé n'a pas la forme attendue.".into()).into()
        }));
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = db::call(&state.db, |conn| {
        conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
            .map_err(|e| AppError::Db(e.into()))
    })
    .await
    .is_ok();
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "error" },
        "database": if ok { "ok" } else { "unreachable" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    if ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// While nobody has an account, every page leads to the first-run setup.
pub async fn require_setup(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let path = req.path();
    let exempt = path == paths::SETUP
        || path == paths::HEALTHZ
        || path.starts_with("/assets/")
        || path.starts_with("/webhooks/")
        || path.starts_with("/widget/");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state.filter(|s| !exempt && s.needs_setup.load(Ordering::Relaxed)) {
        let users = db::call(&state.db, |conn| repo::count_users(conn)).await?;
        if users == 0 {
            let response = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, paths::SETUP))
                .finish();
            return Ok(req.into_response(response).map_into_right_body());
        }
        // Someone was added meanwhile (the CLI, another tab): stop checking.
        state.mark_set_up();
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The pages' Content-Security-Policy. Forms post to this site only, except "Autoriser",
/// whose answer sends the browser on to Shopify (browsers hold that redirect to
/// `form-action` too): the shops' domains, or the configured Shopify address.
pub fn content_security_policy(shopify_api_url: Option<&str>) -> String {
    let shopify = shopify_api_url
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| "https://*.myshopify.com".into());
    format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         connect-src 'self'; frame-ancestors 'none'; form-action 'self' {shopify}; base-uri 'none'"
    )
}

/// Conservative browser security headers on every response that does not set its own.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let csp = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.csp.clone())
        .unwrap_or_else(|| content_security_policy(None));
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&csp)
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let defaults = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// One log line per request: method, route pattern (never the raw path, which may hold
/// a token), status and time taken.
pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "(unmatched)".into());
    tracing::info!(
        method = %method,
        route = %route,
        status = res.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    Ok(res)
}

/// Where a form shared by a settings page and the setup wizard was sent from (the
/// wizard adds `?assistant=1` to the form's action), so the answer goes back there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    #[default]
    Settings,
    Wizard,
}

impl Flow {
    const MARK: &str = "assistant=1";

    pub fn of(req: &actix_web::HttpRequest) -> Flow {
        if req.query_string().split('&').any(|p| p == Self::MARK) {
            Flow::Wizard
        } else {
            Flow::Settings
        }
    }

    /// A form's action for this flow.
    pub fn action(self, path: &str) -> String {
        match self {
            Flow::Settings => path.to_string(),
            Flow::Wizard => format!("{path}?{}", Self::MARK),
        }
    }
}

impl actix_web::FromRequest for Flow {
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Flow, Self::Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Flow::of(req)))
    }
}
