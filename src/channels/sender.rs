//! The sender: delivers the outbox as soon as a reply is queued and at least every
//! second, several replies at once (in order within a conversation). Timeouts, 5xx and
//! 429 are retried at about 1 s, 5 s, 15 s, then doubling (429's `Retry-After` when
//! given, and the provider is left alone meanwhile); other 4xx fail at once with the
//! provider's message. An attempt whose outcome is unknown is looked up at the provider
//! before anything is sent again.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

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
    /// Not taken, worth another try (`after`: the provider's wish, if it said).
    Retry {
        after: Option<SignedDuration>,
        error: String,
    },
    /// Perhaps taken (no answer, an unreadable one): tried again only after asking the
    /// provider.
    Unknown(String),
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
        // Never reached the provider: nothing was sent.
        Err(e @ (ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)) => {
            return Delivery::Retry {
                after: None,
                error: format!("{provider} injoignable : {e}"),
            };
        }
        Err(e) => return Delivery::Unknown(format!("{provider} sans réponse : {e}")),
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
            None => Delivery::Unknown(format!(
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
        Channel::Sms | Channel::Whatsapp => {
            // An earlier attempt may have gone through: Twilio says, before a resend.
            if let Some(since) = p.unsure_since {
                match twilio::find_sent(http, channels, p, since) {
                    Ok(Some(sid)) => return Delivery::Sent(sid),
                    Ok(None) => {}
                    Err(e) => return Delivery::Unknown(e),
                }
            }
            twilio::send(http, channels, public_url, p)
        }
        // Resend keeps the first message for a repeated idempotency key.
        Channel::Email => super::resend::send(http, channels, p),
        other => Delivery::Failed(format!("aucun envoi pour le canal {}", other.code())),
    }
}

/// Who carries a channel: a 429 from one pauses all its channels.
fn provider(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "resend",
        _ => "twilio",
    }
}

/// The sender job: each round claims up to `concurrency` due replies and sends them at
/// once, and rounds again while there were some; woken when a reply is queued, and
/// every second for retries coming due.
pub struct Sender {
    pub db: Pool,
    pub clock: SharedClock,
    pub http: ureq::Agent,
    pub public_url: Option<String>,
    pub channels: Source,
    pub events: Arc<Events>,
    pub concurrency: usize,
    /// Providers that asked to be left alone (429), until when.
    paused: HashMap<&'static str, Timestamp>,
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
            concurrency: state.config.channels.send_concurrency.max(1) as usize,
            paused: HashMap::new(),
        }
    }
}

impl Job for Sender {
    async fn tick(&mut self) -> Round {
        let now = self.clock.now();
        self.paused.retain(|_, until| *until > now);
        let paused: Vec<Channel> = [Channel::Sms, Channel::Whatsapp, Channel::Email]
            .into_iter()
            .filter(|c| self.paused.contains_key(provider(*c)))
            .collect();
        let max = self.concurrency;
        let claimed = db::call(&self.db, move |conn| {
            db::write(conn, |tx| outbox::claim(tx, now, max, &paused))
        })
        .await;
        let batch = match claimed {
            Ok(batch) if batch.is_empty() => return Round::Idle,
            Ok(batch) => batch,
            Err(e) => {
                tracing::warn!(error = %e, "outbox unreadable");
                return Round::Idle;
            }
        };
        let deliveries: Vec<Delivery> =
            match self.channels.current().await {
                Ok(channels) => {
                    let sends = batch.iter().cloned().map(|p| {
                        let (http, channels) = (self.http.clone(), channels.clone());
                        let public = self.public_url.clone();
                        tokio::task::spawn_blocking(move || {
                            deliver(&http, &channels, public.as_deref(), &p)
                        })
                    });
                    let mut out = Vec::with_capacity(batch.len());
                    for send in sends.collect::<Vec<_>>() {
                        out.push(send.await.unwrap_or_else(|e| {
                            Delivery::Unknown(format!("envoi interrompu : {e}"))
                        }));
                    }
                    out
                }
                Err(e) => batch
                    .iter()
                    .map(|_| Delivery::Retry {
                        after: None,
                        error: format!("réglages des canaux illisibles : {e}"),
                    })
                    .collect(),
            };
        let now = self.clock.now();
        for (p, d) in batch.iter().zip(&deliveries) {
            if let Delivery::Retry {
                after: Some(after), ..
            } = d
            {
                self.paused.insert(provider(p.channel), now + *after);
            }
        }
        let recorded = db::call(&self.db, move |conn| {
            db::write(conn, |conn| {
                let mut changed = Vec::new();
                for (p, d) in batch.iter().zip(&deliveries) {
                    changed.extend(record(conn, p, d, now)?);
                }
                Ok::<_, crate::error::AppError>(changed)
            })
        })
        .await;
        match recorded {
            Ok(changed) => changed.into_iter().for_each(|c| self.events.changed(c)),
            Err(e) => tracing::warn!(error = %e, "could not record sends"),
        }
        Round::More
    }
}

/// When attempt `attempt` (1 for the first) is followed by the next: about 1 s, 5 s,
/// 15 s, then doubling up to an hour, give or take a fifth (so retries spread out).
fn retry_wait(attempt: i64) -> SignedDuration {
    let base: f64 = match attempt {
        ..=1 => 1.0,
        2 => 5.0,
        n => (15.0 * 2f64.powi((n - 3).min(12) as i32)).min(3600.0),
    };
    let spread = 0.8 + 0.4 * jobs::jitter();
    SignedDuration::from_millis((base * spread * 1000.0) as i64)
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
            outbox::retry(conn, pending, now + wait, error, false, now)?
        }
        Delivery::Unknown(error) => {
            let wait = retry_wait(pending.attempt);
            tracing::warn!(outbox = pending.id, attempt = pending.attempt, error = %error, "send outcome unknown; the provider will be asked");
            outbox::retry(conn, pending, now + wait, error, true, now)?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_come_at_about_one_five_fifteen_seconds_then_double() {
        let secs = |a| retry_wait(a).as_secs_f64();
        for (attempt, base) in [(1, 1.0), (2, 5.0), (3, 15.0), (4, 30.0), (5, 60.0)] {
            let s = secs(attempt);
            assert!(
                s >= base * 0.8 - 0.001 && s <= base * 1.2 + 0.001,
                "{attempt}: {s}"
            );
        }
        assert!(secs(30) <= 3600.0 * 1.2 + 0.001);
    }
}
