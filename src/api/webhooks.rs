//! Outgoing webhooks, signed per the Standard Webhooks specification: `webhook-id` (the
//! same for every attempt of a delivery), `webhook-timestamp`, `webhook-signature:
//! v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the endpoint's `whsec_` secret
//! (and the previous one for a day after a renewal). Events are written by triggers in
//! the transaction of the change; a job fans them out to the endpoints, then delivers
//! from a durable queue with exponential backoff and jitter over about three days, a
//! 15 s timeout, `410 Gone` disabling the endpoint and repeated failure pausing it.
//! Never to a loopback, link-local or private address unless the admin allowed it.

use std::net::{IpAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use crate::channels::signatures::svix_sign;
use crate::clock::SharedClock;
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::jobs::{Job, Round, backoff};
use crate::secrets::SecretBox;

/// Every event an endpoint can choose.
pub const EVENTS: [(&str, &str); 8] = [
    ("conversation.created", "Nouvelle conversation"),
    (
        "message.created",
        "Nouveau message (client, assistant ou équipe)",
    ),
    ("conversation.handed_over", "Conversation passée à l'équipe"),
    ("conversation.closed", "Conversation fermée"),
    ("hold.created", "Article mis de côté"),
    ("hold.expired", "Mise de côté expirée"),
    ("order.synced", "Commande synchronisée"),
    ("csat.received", "Note de satisfaction reçue"),
];

/// Attempts before a delivery is given up: with the backoff, about three days.
pub const MAX_ATTEMPTS: i64 = 14;
/// Failed deliveries in a row that pause an endpoint.
pub const PAUSE_AFTER: i64 = 20;
const TIMEOUT: Duration = Duration::from_secs(15);

/// Whether an address is one a webhook must not reach without the admin's leave.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Checks a URL an endpoint may use: https (or http), a host that resolves, and no
/// private address unless `allow_private`. The sentence to show when refused.
pub fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("L'adresse commence par https:// (ou http://).")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return Err("Cette adresse n'est pas valable.".into());
    }
    let default_port = if url.starts_with("https://") { 443 } else { 80 };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse::<u16>() {
            Ok(port) => (h.trim_matches(['[', ']']).to_string(), port),
            Err(_) => (authority.trim_matches(['[', ']']).to_string(), default_port),
        },
        _ => (authority.trim_matches(['[', ']']).to_string(), default_port),
    };
    let addrs: Vec<IpAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|_| format!("Le nom « {host} » ne se résout pas."))?
        .map(|a| a.ip())
        .collect();
    if addrs.is_empty() {
        return Err(format!("Le nom « {host} » ne se résout pas."));
    }
    if !allow_private && addrs.iter().any(|ip| is_private(*ip)) {
        return Err(format!(
            "« {host} » mène à une adresse du réseau local ou de cette machine : refusée, sauf si vous cochez « Autoriser une adresse du réseau local »."
        ));
    }
    Ok(())
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let raw = crate::token::random_token();
    let bytes = crate::token::hash_token(&raw);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes.as_bytes()[..32])
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub allow_private: bool,
    pub paused_reason: Option<String>,
    pub failures: i64,
}

fn endpoint(r: &rusqlite::Row<'_>) -> rusqlite::Result<Endpoint> {
    Ok(Endpoint {
        id: r.get(0)?,
        url: r.get(1)?,
        events: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
        enabled: r.get(3)?,
        allow_private: r.get(4)?,
        paused_reason: r.get(5)?,
        failures: r.get(6)?,
    })
}

const ENDPOINT_COLUMNS: &str =
    "id, url, events, enabled, allow_private, paused_reason, failures FROM webhook_endpoints";

pub fn endpoints(conn: &Connection) -> Result<Vec<Endpoint>, AppError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {ENDPOINT_COLUMNS} ORDER BY id"))?
        .query_map([], endpoint)?
        .collect::<Result<_, _>>()?)
}

pub fn add_endpoint(
    conn: &Connection,
    secrets: &SecretBox,
    url: &str,
    events: &[String],
    allow_private: bool,
    now: Timestamp,
) -> Result<String, AppError> {
    let secret = new_secret();
    conn.prepare_cached(
        "INSERT INTO webhook_endpoints (url, secret, events, allow_private, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        url,
        secrets.seal(secret.as_bytes())?,
        serde_json::to_string(events).unwrap_or_else(|_| "[]".into()),
        allow_private,
        now.as_second()
    ])?;
    Ok(secret)
}

/// A new secret; the old one keeps signing for a day.
pub fn renew_secret(
    conn: &Connection,
    secrets: &SecretBox,
    id: i64,
    now: Timestamp,
) -> Result<Option<String>, AppError> {
    let secret = new_secret();
    let changed = conn.execute(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_until = ?3, secret = ?2
         WHERE id = ?1",
        params![
            id,
            secrets.seal(secret.as_bytes())?,
            now.as_second() + 86_400
        ],
    )?;
    Ok((changed == 1).then_some(secret))
}

pub fn set_enabled(conn: &Connection, id: i64, enabled: bool) -> Result<(), AppError> {
    conn.execute(
        "UPDATE webhook_endpoints SET enabled = ?2, paused_reason = NULL, failures = 0 WHERE id = ?1",
        params![id, enabled],
    )?;
    Ok(())
}

pub fn delete_endpoint(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.execute("DELETE FROM webhook_endpoints WHERE id = ?1", [id])?;
    Ok(())
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub endpoint: i64,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_body: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

pub fn recent_deliveries(conn: &Connection, limit: i64) -> Result<Vec<Delivery>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, endpoint_id, kind, payload, status, attempts, last_status, last_body,
                    last_error, created_at
             FROM webhook_deliveries ORDER BY id DESC LIMIT ?1",
        )?
        .query_map([limit], |r| {
            Ok(Delivery {
                id: r.get(0)?,
                endpoint: r.get(1)?,
                kind: r.get(2)?,
                payload: r.get(3)?,
                status: r.get(4)?,
                attempts: r.get(5)?,
                last_status: r.get(6)?,
                last_body: r.get(7)?,
                last_error: r.get(8)?,
                created_at: r.get(9)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// "Renvoyer": the same payload, queued again now (with a new webhook-id).
pub fn resend(conn: &Connection, id: i64, now: Timestamp) -> Result<bool, AppError> {
    Ok(conn.execute(
        "INSERT INTO webhook_deliveries (endpoint_id, kind, payload, next_attempt_at, created_at)
         SELECT endpoint_id, kind, payload, ?2, ?2 FROM webhook_deliveries WHERE id = ?1",
        params![id, now.as_second()],
    )? == 1)
}

/// The event's object as the endpoint receives it, or `None` when it is gone.
fn data(conn: &Connection, kind: &str, id: i64) -> Result<Option<Value>, AppError> {
    let conversation = |id: i64| -> Result<Option<Value>, AppError> {
        Ok(conn
            .prepare_cached(
                "SELECT id, channel, contact, handoff_reason, closed_at, survey_score, created_at
                 FROM conversations WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok(json!({"id": r.get::<_, i64>(0)?, "channel": r.get::<_, String>(1)?,
                    "contact": r.get::<_, String>(2)?, "handoff_reason": r.get::<_, Option<String>>(3)?,
                    "closed_at": r.get::<_, Option<i64>>(4)?, "csat": r.get::<_, Option<i64>>(5)?,
                    "created_at": r.get::<_, i64>(6)?}))
            })
            .optional()?)
    };
    Ok(match kind {
        "message.created" => conn
            .prepare_cached(
                "SELECT id, conversation_id, author, body, intent, created_at FROM messages WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok(json!({"id": r.get::<_, i64>(0)?, "conversation_id": r.get::<_, i64>(1)?,
                    "author": r.get::<_, String>(2)?, "body": r.get::<_, String>(3)?,
                    "intent": r.get::<_, Option<String>>(4)?, "created_at": r.get::<_, i64>(5)?}))
            })
            .optional()?,
        "hold.created" | "hold.expired" => conn
            .prepare_cached(
                "SELECT id, item_key, product_title, variant_title, quantity, contact, status,
                        conversation_id, expires_at FROM reservations WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok(json!({"id": r.get::<_, i64>(0)?, "sku": r.get::<_, String>(1)?,
                    "product": r.get::<_, String>(2)?, "variant": r.get::<_, String>(3)?,
                    "quantity": r.get::<_, i64>(4)?, "contact": r.get::<_, String>(5)?,
                    "status": r.get::<_, String>(6)?, "conversation_id": r.get::<_, Option<i64>>(7)?,
                    "expires_at": r.get::<_, i64>(8)?}))
            })
            .optional()?,
        "order.synced" => conn
            .prepare_cached(
                "SELECT id, name, email, phone, created_at, financial_status, fulfillment_status,
                        total_cents, currency FROM orders WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?,
                    "email": r.get::<_, String>(2)?, "phone": r.get::<_, String>(3)?,
                    "created_at": r.get::<_, String>(4)?, "financial_status": r.get::<_, String>(5)?,
                    "fulfillment_status": r.get::<_, String>(6)?, "total_cents": r.get::<_, Option<i64>>(7)?,
                    "currency": r.get::<_, String>(8)?}))
            })
            .optional()?,
        _ => conversation(id)?,
    })
}

/// Queues one delivery to one endpoint now: an automation rule's "send a webhook", with
/// the rule's name and the conversation. False when the endpoint is paused or gone.
pub fn queue_rule(
    conn: &Connection,
    endpoint: i64,
    rule: &str,
    conversation: i64,
    now: Timestamp,
) -> Result<bool, AppError> {
    let live = endpoints(conn)?
        .iter()
        .any(|e| e.id == endpoint && e.enabled);
    if !live {
        return Ok(false);
    }
    let Some(object) = data(conn, "conversation", conversation)? else {
        return Ok(false);
    };
    let kind = "automation.rule";
    let payload = json!({"type": kind, "timestamp": now.to_string(),
        "data": {"rule": rule, "conversation": object}})
    .to_string();
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries (endpoint_id, kind, payload, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![endpoint, kind, payload, now.as_second()])?;
    Ok(true)
}

/// Turns new events into deliveries for the endpoints that chose them; how many events.
pub fn fan_out(conn: &Connection, now: Timestamp) -> Result<usize, AppError> {
    let events: Vec<(i64, String, i64, i64)> = conn
        .prepare_cached(
            "SELECT id, kind, ref_id, at FROM outgoing_events WHERE fanned = 0 ORDER BY id LIMIT 500",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let live: Vec<Endpoint> = endpoints(conn)?.into_iter().filter(|e| e.enabled).collect();
    for (id, kind, ref_id, at) in &events {
        let wanted: Vec<&Endpoint> = live
            .iter()
            .filter(|e| e.events.iter().any(|k| k == kind))
            .collect();
        if !wanted.is_empty()
            && let Some(object) = data(conn, kind, *ref_id)?
        {
            let stamp = Timestamp::from_second(*at).unwrap_or(now);
            let payload =
                json!({"type": kind, "timestamp": stamp.to_string(), "data": object}).to_string();
            for e in wanted {
                conn.prepare_cached(
                    "INSERT INTO webhook_deliveries (endpoint_id, kind, payload, next_attempt_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?4)",
                )?
                .execute(params![e.id, kind, payload, now.as_second()])?;
            }
        }
        conn.prepare_cached("UPDATE outgoing_events SET fanned = 1 WHERE id = ?1")?
            .execute([id])?;
    }
    // Fanned events are kept a week for the record, then go.
    conn.prepare_cached("DELETE FROM outgoing_events WHERE fanned = 1 AND at < ?1")?
        .execute([now.as_second() - 7 * 86_400])?;
    Ok(events.len())
}

/// A delivery taken for sending (leased for a minute).
struct Claimed {
    id: i64,
    endpoint: i64,
    url: String,
    allow_private: bool,
    payload: String,
    attempts: i64,
    secrets: Vec<Vec<u8>>,
}

fn claim(conn: &Connection, now: Timestamp) -> Result<Vec<Claimed>, AppError> {
    let due: Vec<i64> = conn
        .prepare_cached(
            "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND e.enabled = 1
             ORDER BY d.next_attempt_at, d.id LIMIT 16",
        )?
        .query_map([now.as_second()], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for id in due {
        let row = conn
            .prepare_cached(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?2 + 60
                 WHERE id = ?1 RETURNING endpoint_id, payload, attempts",
            )?
            .query_row(params![id, now.as_second()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
        let (url, allow_private, secret, previous, until): (
            String,
            bool,
            Vec<u8>,
            Option<Vec<u8>>,
            Option<i64>,
        ) = conn
            .prepare_cached(
                "SELECT url, allow_private, secret, previous_secret, previous_until
                 FROM webhook_endpoints WHERE id = ?1",
            )?
            .query_row([row.0], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
        let mut secrets = vec![secret];
        if let (Some(p), Some(u)) = (previous, until)
            && u > now.as_second()
        {
            secrets.push(p);
        }
        out.push(Claimed {
            id,
            endpoint: row.0,
            url,
            allow_private,
            payload: row.1,
            attempts: row.2,
            secrets,
        });
    }
    Ok(out)
}

/// What an attempt gave.
enum Outcome {
    Delivered(u16, String),
    Gone(String),
    Retry(Option<u16>, String, String),
    Refused(String),
}

fn send(http: &ureq::Agent, c: &Claimed, secrets: &[String], now: Timestamp) -> Outcome {
    if let Err(why) = check_url(&c.url, c.allow_private) {
        return Outcome::Refused(why);
    }
    let id = format!("msg_{}", c.id);
    let stamp = now.as_second();
    let signatures: Vec<String> = secrets
        .iter()
        .filter_map(|s| svix_sign(s, &id, stamp, c.payload.as_bytes()).ok())
        .collect();
    let sent = http
        .post(&c.url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", &stamp.to_string())
        .header("webhook-signature", &signatures.join(" "))
        .send(c.payload.as_bytes());
    match sent {
        Ok(mut r) => {
            let status = r.status().as_u16();
            let body: String = r
                .body_mut()
                .read_to_string()
                .unwrap_or_default()
                .chars()
                .take(500)
                .collect();
            match status {
                200..=299 => Outcome::Delivered(status, body),
                410 => Outcome::Gone(body),
                _ => Outcome::Retry(Some(status), body, format!("réponse {status}")),
            }
        }
        Err(e) => Outcome::Retry(None, String::new(), format!("pas de réponse ({e})")),
    }
}

fn record(
    conn: &Connection,
    c: &Claimed,
    outcome: &Outcome,
    now: Timestamp,
    jitter: f64,
) -> Result<(), AppError> {
    let t = now.as_second();
    match outcome {
        Outcome::Delivered(status, body) => {
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'delivered', last_status = ?2, last_body = ?3,
                    last_error = NULL, delivered_at = ?4 WHERE id = ?1",
                params![c.id, status, body, t],
            )?;
            conn.execute(
                "UPDATE webhook_endpoints SET failures = 0 WHERE id = ?1",
                [c.endpoint],
            )?;
        }
        Outcome::Gone(body) => {
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'failed', last_status = 410, last_body = ?2,
                    last_error = 'le destinataire a répondu 410 Gone' WHERE id = ?1",
                params![c.id, body],
            )?;
            conn.execute(
                "UPDATE webhook_endpoints SET enabled = 0,
                    paused_reason = 'Le destinataire a répondu 410 Gone : il ne veut plus de ces envois.'
                 WHERE id = ?1",
                [c.endpoint],
            )?;
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'cancelled' WHERE endpoint_id = ?1 AND status = 'pending'",
                [c.endpoint],
            )?;
        }
        Outcome::Refused(why) => {
            conn.execute(
                "UPDATE webhook_deliveries SET status = 'failed', last_error = ?2 WHERE id = ?1",
                params![c.id, why],
            )?;
        }
        Outcome::Retry(status, body, error) => {
            let last = c.attempts >= MAX_ATTEMPTS;
            let wait = backoff(
                c.attempts,
                Duration::from_secs(30),
                Duration::from_secs(12 * 3600),
                jitter,
            );
            conn.execute(
                "UPDATE webhook_deliveries SET status = ?2, last_status = ?3, last_body = ?4,
                    last_error = ?5, next_attempt_at = ?6 WHERE id = ?1",
                params![
                    c.id,
                    if last { "failed" } else { "pending" },
                    status,
                    body,
                    error,
                    t + wait.as_secs().max(1) as i64
                ],
            )?;
            let failures: i64 = conn.query_row(
                "UPDATE webhook_endpoints SET failures = failures + 1 WHERE id = ?1 RETURNING failures",
                [c.endpoint],
                |r| r.get(0),
            )?;
            if failures >= PAUSE_AFTER {
                conn.execute(
                    "UPDATE webhook_endpoints SET enabled = 0, paused_reason = ?2 WHERE id = ?1",
                    params![
                        c.endpoint,
                        format!("Mis en pause après {failures} échecs d'affilée : vérifiez le destinataire, puis réactivez.")
                    ],
                )?;
            }
        }
    }
    Ok(())
}

/// The job: fan-out, then deliveries due, a batch at a time.
pub struct Dispatcher {
    pub db: Pool,
    pub clock: SharedClock,
    pub secrets: Arc<SecretBox>,
    pub http: ureq::Agent,
}

impl Dispatcher {
    pub fn agent() -> ureq::Agent {
        // A fresh connection per delivery: a receiver that closed an idle one must not
        // turn a delivery into a retry half a minute later.
        ureq::Agent::config_builder()
            .max_idle_connections(0)
            .max_idle_connections_per_host(0)
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .user_agent(format!("Comptoir-Webhooks/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .into()
    }
}

impl Job for Dispatcher {
    async fn tick(&mut self) -> Round {
        let now = self.clock.now();
        let claimed = db::call(&self.db, move |conn| {
            // A read first: an idle round takes no write lock.
            let busy: bool = conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM outgoing_events WHERE fanned = 0)
                         OR EXISTS (SELECT 1 FROM webhook_deliveries
                                    WHERE status = 'pending' AND next_attempt_at <= ?1)",
                )?
                .query_row([now.as_second()], |r| r.get(0))?;
            if !busy {
                return Ok(Vec::new());
            }
            db::write(conn, |tx| {
                fan_out(tx, now)?;
                claim(tx, now)
            })
        })
        .await;
        let claimed = match claimed {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks could not be prepared");
                return Round::Idle;
            }
        };
        if claimed.is_empty() {
            return Round::Idle;
        }
        let more = claimed.len() == 16;
        // The round's deliveries go out at once (each on a blocking thread); a slow
        // receiver holds only its own.
        let sends: Vec<_> = claimed
            .into_iter()
            .map(|c| {
                let secrets: Vec<String> = c
                    .secrets
                    .iter()
                    .filter_map(|s| self.secrets.open(s).ok())
                    .filter_map(|b| String::from_utf8(b).ok())
                    .collect();
                let http = self.http.clone();
                tokio::task::spawn_blocking(move || {
                    let o = send(&http, &c, &secrets, now);
                    (c, o)
                })
            })
            .collect();
        let mut results = Vec::with_capacity(sends.len());
        for s in sends {
            if let Ok(r) = s.await {
                results.push(r);
            }
        }
        let jitter = crate::jobs::jitter();
        let saved = db::call(&self.db, move |conn| {
            db::write(conn, |tx| {
                for (c, o) in &results {
                    record(tx, c, o, now, jitter)?;
                }
                Ok::<_, AppError>(())
            })
        })
        .await;
        if let Err(e) = saved {
            tracing::warn!(error = %e, "webhook outcomes could not be recorded");
        }
        if more { Round::More } else { Round::Idle }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.10",
            "172.16.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
        assert!(check_url("http://127.0.0.1:9/hook", false).is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).is_ok());
        assert!(check_url("ftp://example.org", true).is_err());
        assert!(check_url("https://user@127.0.0.1/", true).is_err());
    }

    #[test]
    fn an_endpoint_failing_again_and_again_is_paused_with_a_notice() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        let now = Timestamp::from_second(1_790_000_000).unwrap();
        conn.execute(
            "INSERT INTO webhook_endpoints (url, secret, events, created_at)
             VALUES ('https://hooks.example/x', x'00', '[\"message.created\"]', 0)",
            [],
        )
        .unwrap();
        let fail = |attempts: i64| {
            conn.execute(
                "INSERT INTO webhook_deliveries (endpoint_id, kind, payload, next_attempt_at, created_at)
                 VALUES (1, 'message.created', '{}', 0, 0)",
                [],
            )
            .unwrap();
            let c = Claimed {
                id: conn.last_insert_rowid(),
                endpoint: 1,
                url: String::new(),
                allow_private: false,
                payload: String::new(),
                attempts,
                secrets: Vec::new(),
            };
            let o = Outcome::Retry(Some(500), String::new(), "réponse 500".into());
            record(&conn, &c, &o, now, 0.5).unwrap();
        };
        for _ in 0..PAUSE_AFTER - 1 {
            fail(1);
        }
        let state = |conn: &Connection| -> (bool, Option<String>) {
            conn.query_row(
                "SELECT enabled, paused_reason FROM webhook_endpoints WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(state(&conn), (true, None));
        fail(1);
        let (enabled, why) = state(&conn);
        assert!(!enabled);
        assert!(why.unwrap().contains("20 échecs d'affilée"));
        // A delivery past its last attempt is failed for good, not retried.
        fail(MAX_ATTEMPTS);
        let last: String = conn
            .query_row(
                "SELECT status FROM webhook_deliveries ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(last, "failed");
    }

    #[test]
    fn secrets_are_whsec_base64() {
        let s = new_secret();
        let b = s.strip_prefix("whsec_").unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .unwrap()
                .len(),
            32
        );
    }
}
