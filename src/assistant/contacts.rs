//! The people who write: one contact per channel identity, linked to the store's
//! customer with the same phone number or e-mail address. A blocked contact's messages
//! are kept but get no reply.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::db::ids::ContactId;
use crate::engine::{Channel, phone_key};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    pub blocked: bool,
    pub customer_id: Option<i64>,
}

/// A shopper's best name: the store customer's, else the name they gave, with their
/// phone or e-mail; a web visitor nobody knows is "Visiteur du site" and a short id.
pub fn best_name(name: &str, contact: &str) -> String {
    let visitor = contact.strip_prefix("visitor:");
    match (name.trim(), visitor) {
        ("", Some(id)) => format!(
            "Visiteur du site · {}",
            id.chars().take(6).collect::<String>()
        ),
        ("", None) => contact.to_string(),
        (name, Some(_)) => name.to_string(),
        (name, None) => format!("{name} ({contact})"),
    }
}

/// The store customer with this e-mail, or this phone number: as written or in its
/// national form through the index, then (on first contact only, `scan`) by its last
/// nine digits whatever the customer's spelling.
fn customer_for(conn: &Connection, identity: &str, scan: bool) -> Result<Option<i64>, AppError> {
    let identity = identity.trim_start_matches("whatsapp:");
    if identity.contains('@') {
        return Ok(conn
            .query_row(
                "SELECT id FROM customers WHERE lower(email) = lower(?1) ORDER BY id LIMIT 1",
                [identity],
                |r| r.get(0),
            )
            .optional()?);
    }
    let Some(key) = phone_key(identity) else {
        return Ok(None);
    };
    let exact: Option<i64> = conn
        .query_row(
            "SELECT id FROM customers WHERE phone IN (?1, ?2) ORDER BY id LIMIT 1",
            params![identity, format!("0{key}")],
            |r| r.get(0),
        )
        .optional()?;
    if exact.is_some() || !scan {
        return Ok(exact);
    }
    let mut stmt =
        conn.prepare_cached("SELECT id, phone FROM customers WHERE phone != '' ORDER BY id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if phone_key(&r.get::<_, String>(1)?).as_deref() == Some(key.as_str()) {
            return Ok(Some(r.get(0)?));
        }
    }
    Ok(None)
}

/// The contact for this identity, created on first contact and linked to a customer
/// as soon as one matches.
pub fn find_or_create(
    conn: &Connection,
    channel: Channel,
    identity: &str,
    now: Timestamp,
) -> Result<Contact, AppError> {
    let contact = conn
        .prepare_cached(
            "INSERT INTO contacts (channel, identity, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel, identity) DO UPDATE SET channel = excluded.channel
         RETURNING id, blocked, customer_id, created_at",
        )?
        .query_row(params![channel.code(), identity, now.as_second()], |r| {
            Ok((
                Contact {
                    id: r.get(0)?,
                    blocked: r.get(1)?,
                    customer_id: r.get(2)?,
                },
                r.get::<_, i64>(3)? == now.as_second(),
            ))
        })?;
    let (mut contact, new) = contact;
    if contact.customer_id.is_none()
        && links_customers(conn)?
        && let Some(customer) = customer_for(conn, identity, new)?
    {
        conn.prepare_cached("UPDATE contacts SET customer_id = ?2 WHERE id = ?1")?
            .execute(params![contact.id, customer])?;
        contact.customer_id = Some(customer);
    }
    Ok(contact)
}

/// Whether the shop links people who write to its store's customers (the default).
fn links_customers(conn: &Connection) -> Result<bool, AppError> {
    let source: Option<String> = conn
        .prepare_cached("SELECT customers_source FROM assistant_settings WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(source.as_deref() != Some("none"))
}

/// The name the provider gives the sender (WhatsApp profile name, e-mail display name).
pub fn set_name(
    conn: &Connection,
    channel: Channel,
    identity: &str,
    name: &str,
) -> Result<(), AppError> {
    let name: String = name.trim().chars().take(120).collect();
    conn.prepare_cached(
        "UPDATE contacts SET display_name = ?3 WHERE channel = ?1 AND identity = ?2",
    )?
    .execute(params![channel.code(), identity, name])?;
    Ok(())
}

pub fn set_blocked(conn: &Connection, contact: ContactId, blocked: bool) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE contacts SET blocked = ?2 WHERE id = ?1")?
        .execute(params![contact, blocked])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::best_name;

    #[test]
    fn shoppers_are_named_as_people_read_them() {
        assert_eq!(
            best_name("", "visitor:9a99b9086ed220c21c3baf2e"),
            "Visiteur du site · 9a99b9"
        );
        assert_eq!(
            best_name("Claire Martin", "visitor:9a99b9086ed2"),
            "Claire Martin"
        );
        assert_eq!(
            best_name("Claire Martin", "+33612345678"),
            "Claire Martin (+33612345678)"
        );
        assert_eq!(best_name("", "claire@example.fr"), "claire@example.fr");
    }
}
