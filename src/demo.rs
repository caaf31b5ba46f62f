//! Demo mode: the Élégance Paris shop, created once in its own data directory so a
//! newcomer sees a working shop without any store credentials.

use jiff::Timestamp;
use rusqlite::Connection;
use rust_embed::RustEmbed;
use serde::Deserialize;

use crate::accounts::profile::{BusinessType, ShopProfile};
use crate::accounts::roles::Role;
use crate::accounts::{self, password, repo};
use crate::db;
use crate::error::AppError;
use crate::token;

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

/// Seeds the demo shop on first use, then issues a fresh one-time login link (the
/// returned token) for its owner. Nobody knows the owner's password: the link is the way in.
pub fn prepare(conn: &mut Connection, now: Timestamp) -> Result<String, AppError> {
    let profile = demo_profile()?;
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
                repo::save_profile(tx, &profile, now)?;
                tracing::info!("demo shop created");
                id
            }
        };
        accounts::issue_login_link(tx, owner, now, LINK_HOURS)
    })
}
