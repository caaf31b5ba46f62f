//! Demo mode: the Élégance Paris shop, created once in its own data directory so a
//! newcomer sees a working shop without any store credentials.

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;
use rust_embed::RustEmbed;
use serde::Deserialize;

use crate::accounts::profile::{BusinessType, ShopProfile};
use crate::accounts::{self, password, repo};
use crate::assistant::{self, settings::Settings};
use crate::config::Config;
use crate::db;
use crate::engine::shop::{Policy, Tone};
use crate::error::AppError;
use crate::stores::model::{OrderRec, Platform, Record};
use crate::stores::repo::{self as store_repo, Counts, NewStore};
use crate::stores::shopify::rest;
use crate::stores::sync;
use crate::token;
use crate::web::roles::Role;

#[derive(RustEmbed)]
#[folder = "assets/demo/"]
pub struct DemoData;

pub const OWNER_EMAIL: &str = "demo@elegance-paris.com";
/// The printed login link works once, for this long.
pub const LINK_HOURS: i64 = 24;
/// Where the demo lives inside the configured data directory.
pub const SUBDIR: &str = "demo";

#[derive(Deserialize)]
struct ShopFile {
    profile: ProfileFile,
}

#[derive(Deserialize)]
struct ProfileFile {
    display_name: String,
    business_type: String,
    phone: String,
    email: String,
    address: String,
    timezone: String,
    language: String,
}

pub fn file(name: &str) -> Result<Vec<u8>, AppError> {
    DemoData::get(name)
        .map(|f| f.data.into_owned())
        .ok_or_else(|| AppError::Internal(format!("demo file {name} missing from the build")))
}

fn demo_profile() -> Result<ShopProfile, AppError> {
    let shop: ShopFile = serde_json::from_slice(&file("shop.json")?)
        .map_err(|e| AppError::Internal(format!("demo shop.json: {e}")))?;
    let p = shop.profile;
    Ok(ShopProfile {
        business_name: p.display_name,
        business_type: BusinessType::from_code(&p.business_type).unwrap_or(BusinessType::Ecommerce),
        phone: p.phone,
        email: p.email,
        address: p.address,
        timezone: p.timezone,
        language: p.language,
    })
}

fn json<T: serde::de::DeserializeOwned>(name: &str, key: &str) -> Result<Vec<T>, AppError> {
    let mut value: serde_json::Value = serde_json::from_slice(&file(name)?)
        .map_err(|e| AppError::Internal(format!("demo {name}: {e}")))?;
    serde_json::from_value(value[key].take())
        .map_err(|e| AppError::Internal(format!("demo {name}: {e}")))
}

/// The demo catalogue as sync records. With `recent_as_of`, order dates move so that the
/// newest order is from the day before (the data stays "recent" whenever the demo is
/// started); without, they stay as published (the labelled conversations expect them).
pub fn catalogue(recent_as_of: Option<Timestamp>) -> Result<Vec<Record>, AppError> {
    let mut records = Vec::new();
    for l in json::<rest::Location>("locations.json", "locations")? {
        records.push(Record::Location(rest::location(l)));
    }
    for p in json::<rest::Product>("products.json", "products")? {
        let (product, variants) = rest::product(p);
        records.push(Record::Product(product));
        records.extend(variants.into_iter().map(Record::Variant));
    }
    for level in json::<rest::InventoryLevel>("inventory_levels.json", "inventory_levels")? {
        records.push(Record::Stock(rest::stock(level)));
    }
    let customers: Vec<_> = json::<rest::Customer>("customers.json", "customers")?
        .into_iter()
        .map(rest::customer)
        .collect();
    let orders: Vec<OrderRec> = json::<rest::Order>("orders.json", "orders")?
        .into_iter()
        .map(rest::order)
        .collect();
    let newest = orders
        .iter()
        .filter_map(|o| o.created_at.parse::<Timestamp>().ok())
        .max();
    let shift = match (recent_as_of, newest) {
        (Some(now), Some(newest)) => (now - SignedDuration::from_hours(24)).duration_since(newest),
        _ => SignedDuration::ZERO,
    };
    let moved = |ts: &str| {
        ts.parse::<Timestamp>()
            .map(|t| (t + shift).strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_else(|_| ts.to_string())
    };
    for mut c in customers {
        c.updated_at = moved(&c.updated_at);
        records.push(Record::Customer(c));
    }
    for mut o in orders {
        o.created_at = moved(&o.created_at);
        o.updated_at = moved(&o.updated_at);
        o.cancelled_at = o.cancelled_at.as_deref().map(moved);
        records.push(Record::Order(o));
    }
    Ok(records)
}

/// Creates the demo owner on first use, then issues a fresh one-time login link (the
/// returned token). Nobody knows the owner's password: the link is the way in.
pub fn prepare(conn: &mut Connection, now: Timestamp) -> Result<String, AppError> {
    let unknown_password = password::hash(&token::random_token()).map_err(AppError::Internal)?;
    db::write(conn, |tx| {
        let owner = match repo::find_by_email(tx, OWNER_EMAIL)? {
            Some(id) => id,
            None => {
                let id = repo::create_user(
                    tx,
                    OWNER_EMAIL,
                    "Équipe Élégance",
                    &unknown_password,
                    Role::Admin,
                    now,
                )?;
                tracing::info!("demo owner created");
                id
            }
        };
        accounts::issue_login_link(tx, owner, now, LINK_HOURS)
    })
}

/// English versions of the demo policies (the shop writes its own in Settings).
const RETURNS_EN: &str = "Free returns within 30 days, unworn items with their tags. Size exchanges in the shop or by Colissimo.";
const SHIPPING_EN: &str =
    "Colissimo home delivery €4.90 (2 to 3 working days), free from €100. Chronopost 24 h: €9.90.";

#[derive(Deserialize)]
struct AssistantFile {
    hours: serde_json::Value,
    tone: String,
    auto_reserve: bool,
    policies: PoliciesFile,
}

#[derive(Deserialize)]
struct PoliciesFile {
    returns: String,
    shipping: String,
    shipping_countries: Vec<String>,
}

pub fn assistant_settings() -> Result<Settings, AppError> {
    let shop: serde_json::Value = serde_json::from_slice(&file("shop.json")?)
        .map_err(|e| AppError::Internal(format!("demo shop.json: {e}")))?;
    let a: AssistantFile = serde_json::from_value(shop["profile"].clone())
        .map_err(|e| AppError::Internal(format!("demo shop.json: {e}")))?;
    Ok(Settings {
        hours: a.hours,
        tone: Tone::from_code(&a.tone).unwrap_or(Tone::Vous),
        signature: "L'équipe Élégance Paris".into(),
        auto_reserve: a.auto_reserve,
        returns: Policy {
            fr: a.policies.returns,
            en: RETURNS_EN.into(),
        },
        shipping: Policy {
            fr: a.policies.shipping,
            en: SHIPPING_EN.into(),
        },
        shipping_countries: a.policies.shipping_countries,
    })
}

/// An in-memory database holding the demo shop, its dates as published: what
/// `comptoir eval --demo`, `comptoir chat --demo` and the benches work on.
pub fn in_memory(config: &Config, now: Timestamp) -> Result<Connection, AppError> {
    let mut conn = Connection::open_in_memory()?;
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    db::migrate(&mut conn, std::path::Path::new(":memory:"))?;
    seed_shop(&mut conn, config, now, false)?;
    Ok(conn)
}

/// Gives the demo shop what it lacks (on first use, or after an upgrade added more):
/// its profile, the assistant's settings, and a local store holding the demo
/// catalogue, with dates made recent (`recent`) or as published.
pub fn seed_shop(
    conn: &mut Connection,
    config: &Config,
    now: Timestamp,
    recent: bool,
) -> Result<Option<Counts>, AppError> {
    let profile = demo_profile()?;
    let settings = assistant_settings()?;
    db::write(conn, |tx| -> Result<_, AppError> {
        if repo::profile(tx)?.is_none() {
            repo::save_profile(tx, &profile, now)?;
        }
        let has_settings: bool =
            tx.query_row("SELECT count(*) > 0 FROM assistant_settings", [], |r| {
                r.get(0)
            })?;
        if !has_settings {
            assistant::settings::save(tx, &settings, now)?;
            let extras = assistant::settings::Extras {
                carriers: crate::engine::tracking::Carrier::ALL.to_vec(),
                customers_from_store: true,
                when_unsure: Default::default(),
            };
            assistant::settings::save_extras(tx, &extras, now)?;
        }
        // The demo shop is set up: its owner lands on the dashboard, not the wizard.
        crate::onboarding::repo::finish(tx, now)?;
        Ok(())
    })?;
    if !store_repo::stores(conn)?.is_empty() {
        db::write(conn, |tx| seed_places_and_services(tx, now))?;
        return Ok(None);
    }
    let store = db::write(conn, |tx| {
        store_repo::create_store(
            tx,
            &NewStore {
                platform: Platform::Manual,
                name: "Élégance Paris (démo)",
                domain: "",
                api_url: None,
                credentials: None,
                sync_minutes: 60,
            },
            now,
        )
    })?;
    let records = catalogue(recent.then_some(now))?;
    // As published, the orders are as recent as the day after the newest of them.
    let as_of = if recent {
        now
    } else {
        records
            .iter()
            .filter_map(|r| match r {
                Record::Order(o) => o.created_at.parse::<Timestamp>().ok(),
                _ => None,
            })
            .max()
            .map_or(now, |t| t + SignedDuration::from_hours(24))
    };
    let counts = sync::import_records(conn, config, store, &records, true, as_of)?;
    db::write(conn, |tx| seed_places_and_services(tx, now))?;
    Ok(Some(counts))
}

/// The demo's two shops open to the public ("which shop has it") and what it books
/// (fittings, alterations, personal shopping), unless the shop changed them.
fn seed_places_and_services(tx: &Connection, now: Timestamp) -> Result<(), AppError> {
    let any_public: bool = tx.query_row(
        "SELECT count(*) > 0 FROM locations WHERE public = 1",
        [],
        |r| r.get(0),
    )?;
    if !any_public {
        for (external, hours) in [
            ("61001", "du lundi au samedi de 10h à 19h"),
            ("61002", "du mardi au samedi de 10h à 19h"),
        ] {
            tx.execute(
                "UPDATE locations SET public = 1, opening_hours = ?2 WHERE external_id = ?1",
                rusqlite::params![external, hours],
            )?;
        }
    }
    let any_service: bool = tx.query_row("SELECT count(*) > 0 FROM services", [], |r| r.get(0))?;
    if !any_service {
        let minutes = SignedDuration::from_mins;
        for (name, length, buffer, seats) in [
            ("Essayage", 30, 10, 2),
            ("Retouches", 20, 10, 1),
            ("Personal shopping", 60, 15, 1),
        ] {
            crate::appointments::repo::add_service(
                tx,
                name,
                &crate::engine::slots::Service {
                    length: minutes(length),
                    buffer: minutes(buffer),
                    min_notice: minutes(120),
                    window_days: 14,
                    seats,
                    step: minutes(30),
                },
                now,
            )?;
        }
    }
    Ok(())
}
