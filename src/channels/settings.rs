//! Channels as set up from the pages, stored encrypted, and the effective settings the
//! webhooks and the sender use: the config file's keys win, the pages fill the rest, and
//! a channel switched off on the page is off unless the config file sets it up.

use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::config::{Channels, Config, Secret};
use crate::db::{self, Pool};
use crate::error::AppError;
use crate::secrets::SecretBox;
use crate::web::AppState;

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TwilioPage {
    pub account_sid: String,
    pub auth_token: String,
    pub sms_from: String,
    pub whatsapp_from: String,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResendPage {
    pub api_key: String,
    pub from: String,
    pub webhook_secret: String,
}

// Debug by hand for the two above: their secrets never reach a log.
impl std::fmt::Debug for TwilioPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioPage")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("sms_from", &self.sms_from)
            .field("whatsapp_from", &self.whatsapp_from)
            .finish()
    }
}

impl std::fmt::Debug for ResendPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResendPage")
            .field("api_key", &"***")
            .field("from", &self.from)
            .field("webhook_secret", &"***")
            .finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebchatPage {
    pub allowed_origins: Vec<String>,
}

/// What the pages stored for a provider: (enabled, settings).
pub fn load<T: for<'de> Deserialize<'de> + Default>(
    conn: &Connection,
    secrets: &SecretBox,
    provider: &str,
) -> Result<Option<(bool, T)>, AppError> {
    let row: Option<(bool, Vec<u8>)> = conn
        .query_row(
            "SELECT enabled, sealed FROM channel_settings WHERE provider = ?1",
            [provider],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((enabled, sealed)) = row else {
        return Ok(None);
    };
    let json = secrets.open(&sealed)?;
    let settings = serde_json::from_slice(&json).unwrap_or_default();
    Ok(Some((enabled, settings)))
}

pub fn save<T: Serialize>(
    conn: &Connection,
    secrets: &SecretBox,
    provider: &str,
    enabled: bool,
    settings: &T,
    now: Timestamp,
) -> Result<(), AppError> {
    let json = serde_json::to_vec(settings).map_err(|e| AppError::Internal(e.to_string()))?;
    let sealed = secrets.seal(&json)?;
    conn.execute(
        "INSERT INTO channel_settings (provider, enabled, sealed, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (provider) DO UPDATE SET enabled = excluded.enabled, sealed = excluded.sealed,
            updated_at = excluded.updated_at",
        params![provider, enabled, sealed, now.as_second()],
    )?;
    Ok(())
}

fn fill(slot: &mut Option<String>, value: &str) {
    if slot.is_none() && !value.trim().is_empty() {
        *slot = Some(value.trim().to_string());
    }
}

fn fill_secret(slot: &mut Option<Secret>, value: &str) {
    if slot.is_none() && !value.trim().is_empty() {
        *slot = Some(Secret::new(value.trim()));
    }
}

/// Where the channels in effect are read from, and the copy kept of them.
#[derive(Clone)]
pub struct Source {
    db: Pool,
    config: Arc<Config>,
    secrets: Arc<SecretBox>,
    cache: Arc<RwLock<Option<Channels>>>,
}

impl Source {
    pub fn of(state: &AppState) -> Self {
        Self {
            db: state.db.clone(),
            config: state.config.clone(),
            secrets: state.secrets.clone(),
            cache: state.channels.clone(),
        }
    }

    /// The channels in effect, for the webhooks, the sender and the pages: read once,
    /// then kept until the Channels page saves (only this process changes them).
    pub async fn current(&self) -> Result<Channels, AppError> {
        if let Some(cached) = self.cache.read().ok().and_then(|c| c.clone()) {
            return Ok(cached);
        }
        let (config, secrets) = (self.config.clone(), self.secrets.clone());
        let channels = db::call(&self.db, move |conn| effective(conn, &config, &secrets)).await?;
        if let Ok(mut cache) = self.cache.write() {
            *cache = Some(channels.clone());
        }
        Ok(channels)
    }
}

/// The channels in effect (see `Source::current`).
pub async fn current(state: &AppState) -> Result<Channels, AppError> {
    Source::of(state).current().await
}

/// After a save: the next `current` reads the settings again.
pub fn forget(state: &AppState) {
    if let Ok(mut cache) = state.channels.write() {
        *cache = None;
    }
}

/// The channels in effect: the config file's keys, then what the pages stored (for a
/// channel enabled there).
pub fn effective(
    conn: &Connection,
    config: &Config,
    secrets: &SecretBox,
) -> Result<Channels, AppError> {
    let mut out = config.channels.clone();
    if let Some((true, t)) = load::<TwilioPage>(conn, secrets, "twilio")? {
        fill(&mut out.twilio.account_sid, &t.account_sid);
        fill_secret(&mut out.twilio.auth_token, &t.auth_token);
        fill(&mut out.twilio.sms_from, &t.sms_from);
        fill(&mut out.twilio.whatsapp_from, &t.whatsapp_from);
    }
    if let Some((true, r)) = load::<ResendPage>(conn, secrets, "resend")? {
        fill_secret(&mut out.resend.api_key, &r.api_key);
        fill(&mut out.resend.from, &r.from);
        fill_secret(&mut out.resend.webhook_secret, &r.webhook_secret);
    }
    match load::<WebchatPage>(conn, secrets, "webchat")? {
        // Switched off on the page: no site may call the widget API, unless the config
        // file lists some.
        Some((false, _)) => {}
        Some((true, w)) if out.webchat.allowed_origins.is_empty() => {
            out.webchat.allowed_origins = w.allowed_origins;
        }
        _ => {}
    }
    Ok(out)
}

/// The channels shoppers can reach the shop on, as named to the shop.
pub fn active(c: &Channels) -> Vec<&'static str> {
    let twilio = c.twilio.account_sid.is_some() && c.twilio.auth_token.is_some();
    let mut out = Vec::new();
    if twilio && c.twilio.sms_from.is_some() {
        out.push("SMS");
    }
    if twilio && c.twilio.whatsapp_from.is_some() {
        out.push("WhatsApp");
    }
    if c.resend.api_key.is_some() && c.resend.from.is_some() {
        out.push("E-mail");
    }
    if !c.webchat.allowed_origins.is_empty() {
        out.push("Chat web");
    }
    out
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let twilio = TwilioPage {
            account_sid: "AC123".into(),
            auth_token: "tok-secret".into(),
            ..TwilioPage::default()
        };
        let resend = ResendPage {
            api_key: "re_secret".into(),
            webhook_secret: "whsec_secret".into(),
            ..ResendPage::default()
        };
        let shown = format!("{twilio:?} {resend:?}");
        assert!(shown.contains("AC123"));
        for secret in ["tok-secret", "re_secret", "whsec_secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
