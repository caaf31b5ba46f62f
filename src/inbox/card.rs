//! The customer card beside a conversation: who the shopper is on each channel, the
//! store customer they are linked to, their orders with tracking, their active holds,
//! and their other conversations. Also fills a saved reply's variables from it.

use maud::{Markup, html};
use rusqlite::{Connection, OptionalExtension, params};

use super::repo::Thread;
use crate::clock::{deadline_fr, from_unix, relative_fr};
use crate::db::ids::ContactId;
use crate::error::AppError;
use crate::web::components::{Tone, badge};
use crate::web::paths;

#[derive(Debug, Clone)]
pub struct Customer {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone)]
pub struct OrderRow {
    pub name: String,
    pub created_at: String,
    pub financial_status: String,
    pub fulfillment_status: String,
    pub shipment_status: String,
    pub cancelled: bool,
    pub tracking_url: String,
}

#[derive(Debug, Clone)]
pub struct Hold {
    pub title: String,
    pub quantity: i64,
    /// Its deadline as people read it ("demain à 19:00", in the shop's time zone).
    pub until: String,
}

#[derive(Debug, Clone)]
pub struct Past {
    pub id: i64,
    pub channel: String,
    pub last_at: i64,
    pub closed: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Card {
    /// (channel, identity) of every contact known to be this person.
    pub identities: Vec<(String, String)>,
    pub customer: Option<Customer>,
    pub orders: Vec<OrderRow>,
    pub holds: Vec<Hold>,
    pub past: Vec<Past>,
    /// The title of the product the conversation is about.
    pub product: Option<String>,
}

pub fn load(conn: &Connection, t: &Thread, now: i64) -> Result<Card, AppError> {
    let mut card = Card::default();
    // This contact and every other contact linked to the same store customer.
    let customer_id: Option<i64> = match t.contact_id {
        Some(id) => conn
            .query_row(
                "SELECT customer_id FROM contacts WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten(),
        None => None,
    };
    let mut contact_ids: Vec<ContactId> = t.contact_id.into_iter().collect();
    // Two indexed lookups (an OR across columns would scan every contact).
    let mut stmt = conn.prepare_cached(
        "SELECT id, channel, identity FROM contacts WHERE id = ?1
         UNION SELECT id, channel, identity FROM contacts WHERE customer_id = ?2
         ORDER BY id LIMIT 20",
    )?;
    for row in stmt.query_map(params![t.contact_id, customer_id], |r| {
        Ok((r.get::<_, ContactId>(0)?, r.get(1)?, r.get(2)?))
    })? {
        let (id, channel, identity) = row?;
        if !contact_ids.contains(&id) {
            contact_ids.push(id);
        }
        card.identities.push((channel, identity));
    }
    if card.identities.is_empty() {
        card.identities.push((t.channel.clone(), t.contact.clone()));
    }
    let mut store_customer: Option<(i64, String)> = None;
    if let Some(id) = customer_id {
        card.customer = conn
            .query_row(
                "SELECT first_name, last_name, email, phone, store_id, external_id
                 FROM customers WHERE id = ?1",
                [id],
                |r| {
                    store_customer = Some((r.get(4)?, r.get(5)?));
                    Ok(Customer {
                        first_name: r.get(0)?,
                        last_name: r.get(1)?,
                        email: r.get(2)?,
                        phone: r.get(3)?,
                    })
                },
            )
            .optional()?;
    }
    // Orders: the customer's, and any placed with an e-mail address this person used.
    let mut emails: Vec<String> = card
        .identities
        .iter()
        .filter(|(_, i)| i.contains('@'))
        .map(|(_, i)| i.clone())
        .collect();
    emails.extend(t.contact_email.clone());
    emails.extend(card.customer.as_ref().map(|c| c.email.clone()));
    emails.retain(|e| !e.is_empty());
    let (store, external) = store_customer.unwrap_or((0, String::new()));
    let emails_json = serde_json::to_string(&emails).unwrap_or_else(|_| "[]".into());
    let carriers = crate::assistant::settings::extras(conn)?.carriers;
    card.orders = conn
        .prepare_cached(
            "SELECT name, created_at, financial_status, fulfillment_status, shipment_status,
                    cancelled_at IS NOT NULL, tracking_url, carrier, tracking_number
             FROM orders
             WHERE (store_id = ?1 AND customer_external_id = ?2 AND ?2 != '')
                OR (email != '' AND lower(email) IN (SELECT lower(value) FROM json_each(?3)))
             ORDER BY created_at DESC LIMIT 5",
        )?
        .query_map(params![store, external, emails_json], |r| {
            Ok(OrderRow {
                name: r.get(0)?,
                created_at: r.get(1)?,
                financial_status: r.get(2)?,
                fulfillment_status: r.get(3)?,
                shipment_status: r.get(4)?,
                cancelled: r.get(5)?,
                tracking_url: crate::engine::tracking::link(
                    &carriers,
                    &r.get::<_, String>(7)?,
                    &r.get::<_, String>(8)?,
                    &r.get::<_, String>(6)?,
                ),
            })
        })?
        .collect::<Result<_, _>>()?;
    let identities_json = serde_json::to_string(
        &card
            .identities
            .iter()
            .map(|(_, i)| i.as_str())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let tz = crate::accounts::repo::shop_timezone(conn);
    let at_now = from_unix(now);
    card.holds = conn
        .prepare_cached(
            "SELECT product_title || ' — ' || variant_title, quantity, expires_at FROM reservations
             WHERE status = 'active' AND expires_at > ?2
               AND (contact IN (SELECT value FROM json_each(?1)) OR conversation_id = ?3)
             ORDER BY expires_at LIMIT 10",
        )?
        .query_map(params![identities_json, now, t.id], |r| {
            Ok(Hold {
                title: r.get(0)?,
                quantity: r.get(1)?,
                until: deadline_fr(from_unix(r.get(2)?), at_now, &tz),
            })
        })?
        .collect::<Result<_, _>>()?;
    let contacts_json = serde_json::to_string(&contact_ids).unwrap_or_else(|_| "[]".into());
    card.past = conn
        .prepare_cached(
            "SELECT id, channel, last_message_at, closed_at IS NOT NULL FROM conversations
             WHERE contact_id IN (SELECT value FROM json_each(?1)) AND id != ?2
             ORDER BY last_message_at DESC LIMIT 10",
        )?
        .query_map(params![contacts_json, t.id], |r| {
            Ok(Past {
                id: r.get(0)?,
                channel: r.get(1)?,
                last_at: r.get(2)?,
                closed: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    if let Some(product) = t.product_id {
        card.product = conn
            .query_row("SELECT title FROM products WHERE id = ?1", [product], |r| {
                r.get(0)
            })
            .optional()?;
    }
    Ok(card)
}

impl Card {
    /// What `{prenom}` becomes: the store customer's first name, else the first word of
    /// the name the channel gave.
    pub fn first_name(&self, display_name: &str) -> Option<String> {
        self.customer
            .as_ref()
            .map(|c| c.first_name.trim().to_string())
            .filter(|n| !n.is_empty())
            .or_else(|| display_name.split_whitespace().next().map(str::to_string))
    }

    /// The newest tracking link among the orders.
    pub fn tracking_link(&self) -> Option<&str> {
        self.orders
            .iter()
            .map(|o| o.tracking_url.as_str())
            .find(|u| !u.is_empty())
    }

    /// A saved reply with its variables filled in; a variable with no value is left as
    /// written, for the teammate to complete (a reply still holding one is refused).
    pub fn fill(&self, body: &str, display_name: &str) -> String {
        let mut out = body.to_string();
        let values = [
            ("prenom", self.first_name(display_name)),
            ("produit", self.product.clone()),
            ("lien_suivi", self.tracking_link().map(str::to_string)),
        ];
        for (name, value) in values {
            if let Some(value) = value {
                out = out.replace(&format!("{{{name}}}"), &value);
            }
        }
        out
    }
}

/// A variable of a saved reply still unfilled in `body`, if any.
pub fn unfilled(body: &str) -> Option<&'static str> {
    super::settings::VARIABLES
        .into_iter()
        .find(|v| body.contains(&format!("{{{v}}}")))
}

fn order_status(o: &OrderRow) -> (&'static str, Tone) {
    if o.cancelled {
        return ("Annulée", Tone::Danger);
    }
    match (o.shipment_status.as_str(), o.fulfillment_status.as_str()) {
        ("delivered", _) => ("Livrée", Tone::Success),
        ("out_for_delivery", _) => ("En cours de livraison", Tone::Info),
        ("in_transit" | "confirmed", _) | (_, "fulfilled") => ("Expédiée", Tone::Info),
        (_, "partial") => ("Expédiée en partie", Tone::Info),
        _ if matches!(o.financial_status.as_str(), "refunded" | "voided") => {
            ("Remboursée", Tone::Neutral)
        }
        _ if o.financial_status == "pending" => ("Paiement en attente", Tone::Warning),
        _ => ("En préparation", Tone::Neutral),
    }
}

pub fn view(card: &Card, t: &Thread, now: jiff::Timestamp) -> Markup {
    html! {
        aside.card.customer-card aria-label="Fiche client" {
            h2 { "Fiche client" }
            @if let Some(c) = &card.customer {
                p { strong { (c.first_name) " " (c.last_name) } br; span.muted { "Client de la boutique" } }
                @if !c.email.is_empty() { p.muted { (c.email) } }
                @if !c.phone.is_empty() { p.muted { (c.phone) } }
            } @else if !t.name.is_empty() {
                p { strong { (t.name) } br; span.muted { "Pas encore lié à un client de la boutique" } }
            } @else {
                p.muted { "Pas encore lié à un client de la boutique" }
            }
            @if t.blocked { p { (badge("Contact bloqué", Tone::Danger)) } }
            h3 { "Identités" }
            ul.plain {
                @for (channel, identity) in &card.identities {
                    li { (super::channel_label(channel)) " : " (identity) }
                }
                @if let Some(email) = &t.contact_email { li { "E-mail laissé : " (email) } }
            }
            h3 { "Commandes" }
            @if card.orders.is_empty() { p.muted { "Aucune commande trouvée." } }
            ul.plain {
                @for o in &card.orders {
                    @let (label, tone) = order_status(o);
                    li {
                        strong { (o.name) } " " (badge(label, tone))
                        @if !o.tracking_url.is_empty() {
                            " " a href=(o.tracking_url) target="_blank" rel="noopener noreferrer" { "Suivi" }
                        }
                        br; span.muted { (o.created_at.get(..10).unwrap_or(&o.created_at)) }
                    }
                }
            }
            h3 { "Mises de côté" }
            @if card.holds.is_empty() { p.muted { "Aucune mise de côté active." } }
            ul.plain {
                @for h in &card.holds {
                    li { (h.title) " × " (h.quantity) br; span.muted { "jusqu'à " (h.until) } }
                }
            }
            h3 { "Autres conversations" }
            @if card.past.is_empty() { p.muted { "Aucune." } }
            ul.plain {
                @for p in &card.past {
                    li {
                        a href=(paths::with_id(paths::CONVERSATION, p.id)) { (super::channel_label(&p.channel)) }
                        " · " span.muted { (relative_fr(from_unix(p.last_at), now)) }
                        @if p.closed { " · " span.muted { "fermée" } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_from_the_card_or_left_for_the_teammate() {
        let card = Card {
            customer: Some(Customer {
                first_name: "Claire".into(),
                last_name: "Martin".into(),
                email: String::new(),
                phone: String::new(),
            }),
            product: Some("Robe fleurie".into()),
            ..Card::default()
        };
        let text = card.fill("Bonjour {prenom}, la {produit} : {lien_suivi}", "");
        assert_eq!(text, "Bonjour Claire, la Robe fleurie : {lien_suivi}");
        assert_eq!(unfilled(&text), Some("lien_suivi"));
        // Without a store customer, the channel's name.
        let bare = Card::default();
        assert_eq!(bare.fill("{prenom}", "Léa Dubois"), "Léa");
    }

    #[test]
    fn cancelled_and_refunded_orders_are_not_in_preparation() {
        let order = |financial: &str, cancelled: bool| OrderRow {
            name: "#1001".into(),
            created_at: String::new(),
            financial_status: financial.into(),
            fulfillment_status: "unfulfilled".into(),
            shipment_status: String::new(),
            cancelled,
            tracking_url: String::new(),
        };
        assert_eq!(order_status(&order("paid", true)).0, "Annulée");
        assert_eq!(order_status(&order("refunded", false)).0, "Remboursée");
        assert_eq!(order_status(&order("voided", false)).0, "Remboursée");
        assert_eq!(order_status(&order("paid", false)).0, "En préparation");
    }
}
