//! The sender: delivers the outbox, one reply at a time, as soon as one is queued and
//! at least every second. Timeouts, 5xx and 429 are retried with backoff (429's
//! `Retry-After` when given); other 4xx fail at once with the provider's message.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;

use super::twilio;
use crate::assistant::outbox::{self, Pending};
use rusqlite::OptionalExtension;

use super::settings::Source;
use crate::clock::SharedClock;
use crate::db::ids::{ConversationId, MessageId};
use crate::db::{self, Pool};
use crate::engine::Channel;
use crate::events::Events;
use crate::jobs::{self, Job, Round};
use crate::web::AppState;

/// What an attempt gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Accepted, with the provider's id for the message.
    Sent(String),
    /// Worth another try (`after`: the provider's wish, if it said).
    Retry {
        after: Option<SignedDuration>,
        error: String,
    },
    Failed(String),
}

/// Reads a provider's answer: `id` finds the message id in a success, `message` the
/// explanation in an error body.
pub fn classify(
    provider: &str,
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    id: impl Fn(&serde_json::Value) -> Option<String>,
    message: impl Fn(&serde_json::Value) -> Option<String>,
) -> Delivery {
    let mut response = match sent {
        Ok(r) => r,
        Err(e) => {
            return Delivery::Retry {
                after: None,
                error: format!("{provider} injoignable : {e}"),
            };
        }
    };
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("Retry-After")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(SignedDuration::from_secs);
    let text = response.body_mut().read_to_string().unwrap_or_default();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let explained = message(&json).unwrap_or_else(|| text.chars().take(200).collect());
    match status {
        200..=299 => match id(&json) {
            Some(id) => Delivery::Sent(id),
            None => Delivery::Failed(format!(
                "{provider} a répondu {status} sans identifiant de message"
            )),
        },
        429 | 500..=599 => Delivery::Retry {
            after: retry_after.filter(|_| status == 429),
            error: format!("{provider} {status} : {explained}"),
        },
        _ => Delivery::Failed(format!("{provider} {status} : {explained}")),
    }
}

fn deliver(
    http: &ureq::Agent,
    channels: &crate::config::Channels,
    public_url: Option<&str>,
    p: &Pending,
) -> Delivery {
    match p.channel {
        Channel::Sms | Channel::Whatsapp => twilio::send(http, channels, public_url, p),
        Channel::Email => super::resend::send(http, channels, p),
        other => Delivery::Failed(format!("aucun envoi pour le canal {}", other.code())),
    }
}

/// The sender job: sends one due reply per round, and rounds again while there are
/// more; woken when a reply is queued, and every second for retries coming due.
pub struct Sender {
    pub db: Pool,
    pub clock: SharedClock,
    pub http: ureq::Agent,
    pub public_url: Option<String>,
    pub channels: Source,
    pub events: Arc<Events>,
}

impl Sender {
    pub fn of(state: &AppState) -> Self {
        Self {
            db: state.db.clone(),
            clock: state.clock.clone(),
            http: state.http.clone(),
            public_url: state.config.public_url.clone(),
            channels: Source::of(state),
            events: state.events.clone(),
        }
    }
}

impl Job for Sender {
    async fn tick(&mut self) -> Round {
        let now = self.clock.now();
        let claimed = db::call(&self.db, move |conn| {
            db::write(conn, |tx| outbox::claim(tx, now))
        })
        .await;
        let pending = match claimed {
            Ok(Some(p)) => p,
            Ok(None) => return Round::Idle,
            Err(e) => {
                tracing::warn!(error = %e, "outbox unreadable");
                return Round::Idle;
            }
        };
        let delivery = match self.channels.current().await {
            Ok(channels) => {
                let (http, p) = (self.http.clone(), pending.clone());
                let public = self.public_url.clone();
                tokio::task::spawn_blocking(move || {
                    deliver(&http, &channels, public.as_deref(), &p)
                })
                .await
                .unwrap_or_else(|e| Delivery::Retry {
                    after: None,
                    error: format!("envoi interrompu : {e}"),
                })
            }
            Err(e) => Delivery::Retry {
                after: None,
                error: format!("réglages des canaux illisibles : {e}"),
            },
        };
        let now = self.clock.now();
        let recorded = db::call(&self.db, move |conn| {
            db::write(conn, |conn| record(conn, &pending, &delivery, now))
        })
        .await;
        match recorded {
            Ok(Some(conversation)) => self.events.changed(conversation),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "could not record a send"),
        }
        Round::More
    }
}

/// `jobs::backoff` from 15 seconds to an hour.
fn retry_wait(attempt: i64) -> SignedDuration {
    let wait = jobs::backoff(
        attempt,
        Duration::from_secs(15),
        Duration::from_secs(3600),
        jobs::jitter(),
    );
    SignedDuration::try_from(wait).unwrap_or(SignedDuration::from_hours(1))
}

fn record(
    conn: &rusqlite::Connection,
    pending: &Pending,
    delivery: &Delivery,
    now: jiff::Timestamp,
) -> Result<Option<ConversationId>, crate::error::AppError> {
    match delivery {
        Delivery::Sent(id) => outbox::sent(conn, pending.id, id, now)?,
        Delivery::Retry { after, error } => {
            let wait = after.unwrap_or_else(|| retry_wait(pending.attempt));
            tracing::info!(outbox = pending.id, attempt = pending.attempt, error = %error, "send will be retried");
            outbox::retry(conn, pending, now + wait, error, now)?
        }
        Delivery::Failed(error) => {
            tracing::warn!(outbox = pending.id, error = %error, "send failed");
            outbox::failed(conn, pending.id, error, now)?
        }
    }
    let message: Option<MessageId> = conn
        .query_row(
            "SELECT message_id FROM outbox WHERE id = ?1",
            [pending.id],
            |r| r.get(0),
        )
        .optional()?;
    message.map_or(Ok(None), |m| outbox::conversation_of(conn, m))
}
