//! The assistant's settings as stored (`assistant_settings`, `reply_templates`) and as
//! the engine takes them (`Shop`, `Templates`).

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::repo as accounts;
use crate::engine::hours::WeekHours;
use crate::engine::lang::Lang;
use crate::engine::replies::Templates;
use crate::engine::shop::{Policy, Shop, Tone, WhenUnsure};
use crate::engine::tracking::{self, Carrier};
use crate::error::AppError;

/// What the shop set (or the defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `{"mon": ["10:00", "19:00"], …}` as stored.
    pub hours: serde_json::Value,
    pub tone: Tone,
    pub signature: String,
    pub auto_reserve: bool,
    pub returns: Policy,
    pub shipping: Policy,
    pub shipping_countries: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            hours: serde_json::json!({}),
            tone: Tone::Vous,
            signature: String::new(),
            auto_reserve: true,
            returns: Policy::default(),
            shipping: Policy::default(),
            shipping_countries: vec!["FR".into()],
        }
    }
}

pub fn load(conn: &Connection) -> Result<Settings, AppError> {
    let row = conn
        .query_row(
            "SELECT hours, tone, signature, auto_reserve, returns_policy, shipping_policy,
                    returns_policy_en, shipping_policy_en, shipping_countries
             FROM assistant_settings WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    Settings {
                        hours: serde_json::Value::Null,
                        tone: Tone::Vous,
                        signature: r.get(2)?,
                        auto_reserve: r.get(3)?,
                        returns: Policy {
                            fr: r.get(4)?,
                            en: r.get(6)?,
                        },
                        shipping: Policy {
                            fr: r.get(5)?,
                            en: r.get(7)?,
                        },
                        shipping_countries: Vec::new(),
                    },
                    r.get::<_, String>(8)?,
                ))
            },
        )
        .optional()?;
    Ok(match row {
        None => Settings::default(),
        Some((hours, tone, mut s, countries)) => {
            s.hours = serde_json::from_str(&hours).unwrap_or_else(|_| serde_json::json!({}));
            s.tone = Tone::from_code(&tone).unwrap_or(Tone::Vous);
            s.shipping_countries = serde_json::from_str(&countries).unwrap_or_default();
            s
        }
    })
}

pub fn save(conn: &Connection, s: &Settings, now: Timestamp) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO assistant_settings (id, hours, tone, signature, auto_reserve, returns_policy,
            shipping_policy, returns_policy_en, shipping_policy_en, shipping_countries, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET hours = excluded.hours, tone = excluded.tone,
            signature = excluded.signature, auto_reserve = excluded.auto_reserve,
            returns_policy = excluded.returns_policy, shipping_policy = excluded.shipping_policy,
            returns_policy_en = excluded.returns_policy_en,
            shipping_policy_en = excluded.shipping_policy_en,
            shipping_countries = excluded.shipping_countries, updated_at = excluded.updated_at",
    )?
    .execute(params![
        s.hours.to_string(),
        s.tone.code(),
        s.signature,
        s.auto_reserve,
        s.returns.fr,
        s.shipping.fr,
        s.returns.en,
        s.shipping.en,
        serde_json::to_string(&s.shipping_countries).unwrap_or_else(|_| "[]".into()),
        now.as_second()
    ])?;
    Ok(())
}

/// The choices made apart from the Assistant page's main form: tracking carriers, where
/// customers come from, and what the bot does when unsure.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extras {
    pub carriers: Vec<Carrier>,
    /// Link people who write to the store's customers (by phone or e-mail).
    pub customers_from_store: bool,
    pub when_unsure: WhenUnsure,
}

pub fn extras(conn: &Connection) -> Result<Extras, AppError> {
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT carriers, customers_source, when_unsure FROM assistant_settings WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(match row {
        None => Extras {
            customers_from_store: true,
            ..Extras::default()
        },
        Some((carriers, source, unsure)) => Extras {
            carriers: tracking::from_json(&carriers),
            customers_from_store: source != "none",
            when_unsure: WhenUnsure::from_code(&unsure).unwrap_or_default(),
        },
    })
}

pub fn save_extras(conn: &Connection, e: &Extras, now: Timestamp) -> Result<(), AppError> {
    conn.prepare_cached(
        "INSERT INTO assistant_settings (id, carriers, customers_source, when_unsure, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET carriers = excluded.carriers,
            customers_source = excluded.customers_source, when_unsure = excluded.when_unsure,
            updated_at = excluded.updated_at",
    )?
    .execute(params![
        tracking::to_json(&e.carriers),
        if e.customers_from_store {
            "store"
        } else {
            "none"
        },
        e.when_unsure.code(),
        now.as_second()
    ])?;
    Ok(())
}

/// The shop as the engine sees it: profile, settings, and each store's hold duration.
pub fn shop(conn: &Connection) -> Result<Shop, AppError> {
    let profile = accounts::profile(conn)?;
    let settings = load(conn)?;
    let extras = extras(conn)?;
    let tz = accounts::shop_timezone(conn);
    let hours = WeekHours::from_json(&settings.hours, tz.clone())
        .or_else(|_| WeekHours::from_json(&serde_json::json!({}), tz))
        .map_err(AppError::Internal)?;
    let mut hold_hours = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT id, reservation_hours FROM stores")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        hold_hours.insert(r.get(0)?, r.get(1)?);
    }
    let (name, address, phone, email, lang) = match profile {
        Some(p) => (p.business_name, p.address, p.phone, p.email, p.language),
        None => Default::default(),
    };
    Ok(Shop {
        name,
        address,
        phone,
        email,
        lang: Lang::from_code(&lang).unwrap_or(Lang::Fr),
        hours,
        tone: settings.tone,
        signature: settings.signature,
        auto_reserve: settings.auto_reserve,
        returns: settings.returns,
        shipping: settings.shipping,
        shipping_countries: settings.shipping_countries,
        hold_hours,
        carriers: extras.carriers,
        when_unsure: extras.when_unsure,
    })
}

pub fn templates(conn: &Connection) -> Result<Templates, AppError> {
    let mut custom = HashMap::new();
    let mut stmt = conn.prepare_cached("SELECT key, lang, body FROM reply_templates")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(lang) = Lang::from_code(&r.get::<_, String>(1)?) {
            custom.insert((r.get(0)?, lang), r.get(2)?);
        }
    }
    Ok(Templates { custom })
}

/// Saves the shop's text for a template; `None` goes back to the built-in one.
pub fn save_template(
    conn: &Connection,
    key: &str,
    lang: Lang,
    body: Option<&str>,
    now: Timestamp,
) -> Result<(), AppError> {
    match body {
        Some(body) => conn.prepare_cached("INSERT INTO reply_templates (key, lang, body, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (key, lang) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at")?
        .execute(
            params![key, lang.code(), body, now.as_second()],
        )?,
        None => conn.prepare_cached("DELETE FROM reply_templates WHERE key = ?1 AND lang = ?2")?
        .execute(
            params![key, lang.code()],
        )?,
    };
    Ok(())
}
