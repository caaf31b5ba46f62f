//! The web frame every feature's pages use: shared state, middleware, extractors,
//! layout and responses. It imports no feature; `lib.rs` wires the features' routes.

pub mod assets;
pub mod auth;
pub mod components;
pub mod csrf;
pub mod errors;
pub mod layout;
pub mod paths;
pub mod respond;
pub mod roles;
pub mod sessions;
pub mod spreadsheet;
mod state;
pub mod tcp;
pub mod upload;
pub mod wizard;

pub use state::AppState;

use std::sync::atomic::Ordering;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::db::{self};
use crate::error::AppError;

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

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
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
        || path.starts_with("/widget/")
        || path.starts_with("/api/")
        || path.starts_with("/invitation/");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let Some(state) = state.filter(|s| !exempt && s.needs_setup.load(Ordering::Relaxed)) {
        let users = db::call(&state.db, |conn| sessions::count_users(conn))
            .await
            .map_err(AppError::from)?;
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
