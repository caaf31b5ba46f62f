//! Comptoir: a self-hosted shop assistant. `run` builds the whole appliance — database,
//! web server, background tasks — on a listener it is given, until `shutdown` resolves.

pub mod accounts;
pub mod agenda;
pub mod alerts;
pub mod analytics;
pub mod api;
pub mod appointments;
pub mod assistant;
pub mod automations;
pub mod channels;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod engine;
pub mod error;
pub mod events;
pub mod inbox;
pub mod invitations;
pub mod jobs;
pub mod notices;
pub mod onboarding;
pub mod outbound;
pub mod reservations;
pub mod secrets;
pub mod settings;
pub mod stores;
pub mod token;
pub mod web;

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer};

use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::jobs::Schedule;
use crate::web::AppState;

/// What `run` needs from outside besides the config; tests replace the clock.
pub struct Services {
    pub clock: SharedClock,
}

impl Default for Services {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("{0}")]
    Startup(String),
    #[error("the web server failed: {0}")]
    Server(#[from] std::io::Error),
}

pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + 'static,
) -> Result<(), RunError> {
    run_with(config, listener, shutdown, Services::default()).await
}

pub async fn run_with(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + 'static,
    services: Services,
) -> Result<(), RunError> {
    let config = Arc::new(config);
    let data_dir = config.data_dir.clone();
    let pool = tokio::task::spawn_blocking(move || db::open(&data_dir))
        .await
        .map_err(|e| RunError::Startup(e.to_string()))??;
    let state = actix_web::web::Data::new(
        AppState::new(
            config.clone(),
            pool,
            services.clock,
            Arc::new(onboarding::Frame),
        )
        .map_err(RunError::Startup)?,
    );
    // Each feature's own services, beside the shared state; handlers ask for the ones
    // they use.
    let bot = actix_web::web::Data::new(assistant::Service::serving(&config));
    let login = actix_web::web::Data::new(
        accounts::limiter::LoginGuard::new(&config.security).map_err(RunError::Startup)?,
    );
    let hub = actix_web::web::Data::new(channels::webchat::Hub::default());
    let api_limits = actix_web::web::Data::new(api::auth::Limits::default());
    let copies = actix_web::web::Data::new(stores::repo::Copies::default());
    let sync = stores::sync::SyncContext {
        db: state.db.clone(),
        secrets: state.secrets.clone(),
        http: state.http.clone(),
        config: config.clone(),
        clock: state.clock.clone(),
        assistant: bot.assistant.clone(),
        notices: state.notices_wanted.clone(),
    };
    let notices_base = config.base_url(listener.local_addr()?);
    let notices = notices::Notices {
        db: state.db.clone(),
        clock: state.clock.clone(),
        assistant: bot.assistant.clone(),
        base_url: notices_base.clone(),
        outbox_ready: state.outbox_ready.clone(),
        events: state.events.clone(),
    };

    let now = state.clock.now();
    let resumed = db::call(&state.db, move |conn| {
        db::write(conn, |tx| assistant::outbox::resume(tx, now))
    })
    .await
    .map_err(|e: error::AppError| RunError::Startup(e.to_string()))?;
    if resumed > 0 {
        tracing::info!(replies = resumed, "replies interrupted mid-send resumed");
    }

    let server_state = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(server_state.clone())
            .app_data(bot.clone())
            .app_data(login.clone())
            .app_data(hub.clone())
            .app_data(api_limits.clone())
            .app_data(copies.clone())
            .configure(web::extractor_config)
            .configure(routes)
            .default_service(actix_web::web::to(web::not_found))
            .wrap(from_fn(web::require_setup))
            .wrap(from_fn(web::csrf::ensure_cookie))
            .wrap(from_fn(web::security_headers))
            .wrap(Compress::default())
            .wrap(from_fn(web::log_requests))
    })
    // Replies go out in several writes (headers, compressed chunks); without this, Nagle's
    // algorithm holds the last one until the client's delayed ACK, 40 ms later.
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
            web::tcp::drop_dead_peers(tcp);
        }
    })
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(10)
    .run();
    let handle = server.handle();

    // Background jobs, one shape (`jobs`): what each needs, and when it runs.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let minute = Duration::from_secs(60);
    let chore = |name, work| jobs::Chore {
        name,
        db: state.db.clone(),
        clock: state.clock.clone(),
        work,
    };
    let poll = Duration::from_secs(u64::from(config.sync.poll_seconds));
    let rules_wanted = Arc::new(tokio::sync::Notify::new());
    {
        let (mut heard, wake) = (state.events.follow(), rules_wanted.clone());
        tokio::spawn(async move {
            while heard.next().await != events::Heard::Closing {
                wake.notify_one();
            }
        });
    }
    let tasks = [
        tokio::spawn(jobs::run(
            channels::sender::Sender::of(&state),
            Schedule::every(Duration::from_secs(1)).woken_by(state.outbox_ready.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            stores::sync::poller::Poller::new(sync),
            Schedule::every(poll).woken_by(state.sync_wanted.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            notices,
            Schedule::every(Duration::from_secs(30)).woken_by(state.notices_wanted.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            api::webhooks::Dispatcher {
                db: state.db.clone(),
                clock: state.clock.clone(),
                secrets: state.secrets.clone(),
                http: api::webhooks::Dispatcher::agent(),
            },
            Schedule::every(Duration::from_secs(2)).woken_by(state.hooks_wanted.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            automations::run::Runner {
                db: state.db.clone(),
                clock: state.clock.clone(),
                events: state.events.clone(),
                outbox_ready: state.outbox_ready.clone(),
                hooks_wanted: state.hooks_wanted.clone(),
            },
            // Every change to a conversation may trigger a rule; the delays are looked
            // at every 5 s.
            Schedule::every(Duration::from_secs(5)).woken_by(rules_wanted.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            analytics::weekly::Weekly {
                db: state.db.clone(),
                clock: state.clock.clone(),
                channels: channels::settings::Source::of(&state),
                http: state.http.clone(),
                base_url: notices_base.clone(),
            },
            Schedule::every(minute).woken_by(state.reports_wanted.clone()),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            analytics::facts::Refresher {
                db: state.db.clone(),
                clock: state.clock.clone(),
            },
            Schedule::every(Duration::from_secs(5)),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            chore("reservations expired", reservations::repo::expire_due),
            Schedule::every(minute),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            chore(
                "expired sessions and login links purged",
                accounts::repo::purge_expired,
            ),
            Schedule::every(60 * minute),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            chore(
                "old webhook and sync records purged",
                stores::repo::purge_old,
            ),
            Schedule::every(60 * minute),
            stop_rx.clone(),
        )),
        tokio::spawn(jobs::run(
            chore(
                "old API calls, deliveries and rule runs purged",
                api::keys::purge_old,
            ),
            Schedule::every(60 * minute),
            stop_rx,
        )),
    ];

    // The server future must keep being polled while it stops, so the stop request
    // runs in its own task.
    let events = state.events.clone();
    actix_web::rt::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down: finishing requests in flight");
        events.close();
        handle.stop(true).await;
    });
    let result = server.await;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    tracing::info!("stopped");
    Ok(result?)
}

/// Routes of every feature, in one place: features register their own, the web layer
/// only provides the frame (health check, assets, error pages).
fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::web::get;
    cfg.route(web::paths::HEALTHZ, get().to(web::healthz))
        .route("/assets/{path:.*}", get().to(web::assets::serve));
    accounts::configure(cfg);
    dashboard::configure(cfg);
    onboarding::configure(cfg);
    inbox::configure(cfg);
    reservations::configure(cfg);
    alerts::configure(cfg);
    agenda::configure(cfg);
    analytics::configure(cfg);
    api::configure(cfg);
    automations::configure(cfg);
    invitations::configure(cfg);
    stores::configure(cfg);
    stores::webhooks::configure(cfg);
    channels::twilio::configure(cfg);
    channels::resend::configure(cfg);
    channels::pages::configure(cfg);
    channels::webchat::configure(cfg);
    settings::configure(cfg);
}
