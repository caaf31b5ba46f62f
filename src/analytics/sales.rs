//! Attribution des ventes: what the assistant's conversations sold. Two sources, each
//! with its rule written on the page: holds handed over ("Remis au client", at the
//! variant's price), and store orders placed by a shopper identified in a conversation
//! (the same e-mail address or phone number) within N days after it started.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;

use super::report::{Fact, Filters, Period, facts};
use crate::engine::phone_key;
use crate::error::AppError;

/// One sale credited to a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    /// "Mise de côté remise" or the order's name ("#1004").
    pub what: String,
    pub at: Timestamp,
    pub cents: i64,
    pub conversation: i64,
    pub channel: String,
    pub intent: Option<String>,
    /// For an order: how long after the conversation started.
    pub after: Option<SignedDuration>,
}

/// The shopper's identities a conversation is known by: phone key, e-mail.
fn keys(contact: &str, email: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let bare = contact.trim_start_matches("whatsapp:");
    if bare.contains('@') {
        out.push(bare.to_lowercase());
    } else if let Some(k) = phone_key(bare) {
        out.push(format!("tel:{k}"));
    }
    if let Some(e) = email.filter(|e| e.contains('@')) {
        out.push(e.trim().to_lowercase());
    }
    out
}

/// Sales of the period credited to conversations that pass the filters.
pub fn sales(
    conn: &Connection,
    p: &Period,
    f: &Filters,
    window_days: i64,
) -> Result<Vec<Sale>, AppError> {
    let window = SignedDuration::from_hours(24 * window_days);
    // Conversations that can be credited: started up to N days before the period.
    let earlier = Period {
        start: p.start - window,
        ..p.clone()
    };
    let convs = facts(conn, &earlier, f)?;
    let by_id: HashMap<i64, &Fact> = convs.iter().map(|c| (c.id, c)).collect();
    let mut sales = Vec::new();

    // Holds handed over in the period.
    let mut stmt = conn.prepare_cached(
        "SELECT r.conversation_id, r.closed_at, r.quantity * COALESCE(
            (SELECT v.price_cents FROM variants v WHERE v.sku = r.item_key AND v.sku <> ''
             ORDER BY v.id LIMIT 1), 0), r.product_title
         FROM reservations r
         WHERE r.status = 'fulfilled' AND r.closed_at >= ?1 AND r.closed_at < ?2
           AND r.conversation_id IS NOT NULL",
    )?;
    let holds = stmt.query_map([p.start.as_second(), p.end.as_second()], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    for h in holds {
        let (conversation, closed, cents, title) = h?;
        if let Some(c) = by_id.get(&conversation) {
            sales.push(Sale {
                what: format!("Mise de côté remise : {title}"),
                at: Timestamp::from_second(closed).unwrap_or(Timestamp::UNIX_EPOCH),
                cents,
                conversation,
                channel: c.channel.clone(),
                intent: c.first_intent.clone(),
                after: None,
            });
        }
    }

    // The shoppers' identities, with the conversations they had.
    let emails: HashMap<i64, String> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, contact_email FROM conversations
             WHERE contact_email IS NOT NULL AND contact_email <> '' AND last_message_at >= ?1",
        )?;
        let rows = stmt.query_map([earlier.start.as_second()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut known: HashMap<String, Vec<&Fact>> = HashMap::new();
    for c in &convs {
        for k in keys(&c.contact, emails.get(&c.id).map(String::as_str)) {
            known.entry(k).or_default().push(c);
        }
    }
    // Orders of the period. Their dates are the stores' own text, with offsets: a day
    // either side is read by index, then each date is compared exactly.
    let day = |t: Timestamp| t.strftime("%Y-%m-%d").to_string();
    let margin = SignedDuration::from_hours(24);
    let mut stmt = conn.prepare_cached(
        "SELECT name, email, phone, created_at, COALESCE(total_cents, 0) FROM orders
         WHERE cancelled_at IS NULL AND created_at >= ?1 AND created_at < ?2",
    )?;
    let orders = stmt.query_map([day(p.start - margin), day(p.end + margin)], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    for o in orders {
        let (name, email, phone, created, cents) = o?;
        let Ok(at) = created.parse::<Timestamp>() else {
            continue;
        };
        if at < p.start || at >= p.end {
            continue;
        }
        let mut ids = Vec::new();
        if email.contains('@') {
            ids.push(email.trim().to_lowercase());
        }
        if let Some(k) = phone_key(&phone) {
            ids.push(format!("tel:{k}"));
        }
        // The latest conversation before the order, within the window.
        let credited = ids
            .iter()
            .filter_map(|k| known.get(k))
            .flatten()
            .filter(|c| {
                let started = Timestamp::from_second(c.started_at).unwrap_or(Timestamp::UNIX_EPOCH);
                started <= at && at - window <= started
            })
            .max_by_key(|c| c.started_at);
        if let Some(c) = credited {
            let started = Timestamp::from_second(c.started_at).unwrap_or(Timestamp::UNIX_EPOCH);
            sales.push(Sale {
                what: format!("Commande {name}"),
                at,
                cents,
                conversation: c.id,
                channel: c.channel.clone(),
                intent: c.first_intent.clone(),
                after: Some(at.duration_since(started)),
            });
        }
    }
    sales.sort_by_key(|s| s.at);
    Ok(sales)
}

/// Totals by a key (channel, intent), largest first.
pub fn totals_by(sales: &[Sale], key: impl Fn(&Sale) -> String) -> Vec<(String, i64, i64)> {
    let mut out: Vec<(String, i64, i64)> = Vec::new();
    for s in sales {
        let k = key(s);
        match out.iter_mut().find(|(g, ..)| *g == k) {
            Some((_, n, cents)) => {
                *n += 1;
                *cents += s.cents;
            }
            None => out.push((k, 1, s.cents)),
        }
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::keys;

    #[test]
    fn a_shopper_is_known_by_phone_or_address() {
        assert_eq!(keys("whatsapp:+33612345678", None), ["tel:612345678"]);
        assert_eq!(keys("Marie@Example.org", None), ["marie@example.org"]);
        assert_eq!(
            keys("visitor:abc", Some("jo@example.org")),
            ["jo@example.org"]
        );
    }
}
