//! "Where is my order?": found by its number or by the sender's phone or e-mail, and
//! told only to its owner. A sender whose phone or address does not match the order is
//! asked for the order's e-mail first; nothing about the order is said before.

use super::data::DataError;
use super::data::{Order, ShopData};
use super::dialogue::{Asked, Dialogue};
use super::intent::Intent;
use super::{Action, Decision, Turn};

/// Wrong e-mail addresses tolerated before a human takes over.
const EMAIL_TRIES: u8 = 3;

/// The sender's phone number and e-mail address, from their channel identity.
fn sender(contact: &str) -> (Option<String>, Option<String>) {
    let contact = contact.trim().trim_start_matches("whatsapp:");
    if contact.contains('@') {
        return (None, Some(contact.to_lowercase()));
    }
    let digits: String = contact.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 9 && !contact.starts_with("visitor:") {
        (Some(contact.to_string()), None)
    } else {
        (None, None)
    }
}

/// The last nine digits: "+33 6 12 34 56 78" and "06 12 34 56 78" are one number.
pub fn phone_key(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 9).then(|| digits[digits.len() - 9..].to_string())
}

fn owns(order: &Order, phone: Option<&str>, emails: &[&str]) -> bool {
    let phone_match = match (phone.and_then(phone_key), phone_key(&order.phone)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    };
    phone_match
        || (!order.email.is_empty()
            && emails
                .iter()
                .any(|e| e.eq_ignore_ascii_case(order.email.trim())))
}

pub(super) fn status(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let (phone, email) = sender(turn.input.contact);
    let mut emails: Vec<&str> = Vec::new();
    emails.extend(email.as_deref());
    emails.extend(state.verified_email.as_deref());
    let intent = Intent::OrderStatus;
    if let Some(number) = &turn.facts.order {
        let name = format!("#{number}");
        return Ok(match data.order_named(&name)? {
            None => turn.decide(
                intent,
                Action::Ask(Asked::Order),
                "order_not_found",
                &[("order", &name)],
            ),
            Some(order) if owns(&order, phone.as_deref(), &emails) => {
                state.order = Some(order.name.clone());
                tell(turn, &order)
            }
            // A marketplace hides its buyers' contact: the ship-to postcode or name
            // proves the sender bought it.
            Some(order) if !order.marketplace.is_empty() => {
                state.order = Some(order.name.clone());
                state.email_tries = 0;
                turn.decide(
                    intent,
                    Action::Ask(Asked::ShipTo),
                    "ask_ship_to",
                    &[("order", &order.name)],
                )
            }
            Some(order) => {
                state.order = Some(order.name.clone());
                state.email_tries = 0;
                turn.decide(
                    intent,
                    Action::Ask(Asked::Email),
                    "ask_email",
                    &[("order", &order.name)],
                )
            }
        });
    }
    let mine = data.orders_of(phone.as_deref(), emails.first().copied())?;
    Ok(match mine.first() {
        Some(order) => {
            state.order = Some(order.name.clone());
            tell(turn, order)
        }
        None => turn.decide(intent, Action::Ask(Asked::Order), "ask_order", &[]),
    })
}

/// The shopper gave an e-mail address for the order the bot asked about.
pub(super) fn verify(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let intent = Intent::OrderStatus;
    let given = turn.facts.email.clone().unwrap_or_default();
    let order = match &state.order {
        Some(name) => data.order_named(name)?,
        None => None,
    };
    let Some(order) = order else {
        return status(turn, state, data);
    };
    if owns(&order, None, &[given.as_str()]) {
        state.verified_email = Some(given);
        state.email_tries = 0;
        return Ok(tell(turn, &order));
    }
    state.email_tries += 1;
    if state.email_tries >= EMAIL_TRIES {
        return Ok(turn.decide(intent, Action::Handoff, "unsure", &[]));
    }
    Ok(turn.decide(
        intent,
        Action::Ask(Asked::Email),
        "email_mismatch",
        &[("order", &order.name)],
    ))
}

/// Whether `text` gives the order's ship-to postcode, or its ship-to name (every word
/// of it, or the surname), case, accents and spaces aside.
fn ships_to(order: &Order, text: &str) -> bool {
    let folded = super::text::fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let compact: String = folded.chars().filter(|c| c.is_alphanumeric()).collect();
    let postcode: String = super::text::fold(&order.ship_postcode)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if postcode.len() >= 4 && compact.contains(&postcode) {
        return true;
    }
    let name = super::text::fold(&order.ship_name);
    let parts: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 2)
        .collect();
    !parts.is_empty()
        && (parts.iter().all(|p| words.contains(p))
            || parts
                .last()
                .is_some_and(|last| parts.len() > 1 && words.contains(last)))
}

/// The shopper answered with a postcode or a name for the marketplace order asked about.
pub(super) fn verify_ship_to(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let intent = Intent::OrderStatus;
    let order = match &state.order {
        Some(name) => data.order_named(name)?,
        None => None,
    };
    let Some(order) = order else {
        return status(turn, state, data);
    };
    if ships_to(&order, turn.input.text) {
        state.email_tries = 0;
        return Ok(tell(turn, &order));
    }
    state.email_tries += 1;
    if state.email_tries >= EMAIL_TRIES {
        return Ok(turn.decide(intent, Action::Handoff, "unsure", &[]));
    }
    Ok(turn.decide(
        intent,
        Action::Ask(Asked::ShipTo),
        "ship_to_mismatch",
        &[("order", &order.name)],
    ))
}

/// The order's state in words, with its tracking when it has one.
fn tell(turn: &Turn<'_>, order: &Order) -> Decision {
    let financial = order.financial_status.to_lowercase();
    let fulfilment = order.fulfillment_status.to_lowercase();
    let shipment = order.shipment_status.to_lowercase();
    let shipped = matches!(
        fulfilment.as_str(),
        "fulfilled" | "partial" | "partially_fulfilled" | "shipped" | "completed"
    );
    let key = if order.cancelled || financial == "voided" {
        "order_cancelled"
    } else if financial == "refunded" {
        "order_refunded"
    } else if shipped && shipment == "delivered" {
        "order_delivered"
    } else if shipped && shipment == "out_for_delivery" {
        "order_out_for_delivery"
    } else if fulfilment == "partial" || fulfilment == "partially_fulfilled" {
        "order_partial"
    } else if shipped {
        "order_shipped"
    } else if matches!(financial.as_str(), "pending" | "authorized" | "expired") {
        "order_awaiting_payment"
    } else {
        "order_preparing"
    };
    let tracking = if order.tracking_number.is_empty() || !shipped {
        String::new()
    } else {
        let link = crate::engine::tracking::link(
            &turn.engine.shop.carriers,
            &order.carrier,
            &order.tracking_number,
            &order.tracking_url,
        );
        turn.say(
            "tracking",
            &[
                ("carrier", order.carrier.as_str()),
                ("number", &order.tracking_number),
                ("link", &link),
            ],
        )
    };
    let mut d = turn.decide(
        Intent::OrderStatus,
        Action::Answer,
        key,
        &[("order", &order.name), ("tracking", &tracking)],
    );
    d.order = Some(order.name.clone());
    if !order.tracking_number.is_empty() && shipped {
        d.facts.push(order.tracking_number.clone());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marketplace_buyer_is_known_by_the_ship_to_postcode_or_name() {
        let order = Order {
            name: "402-1000001-7000001".into(),
            marketplace: "Amazon.fr".into(),
            ship_name: "Léa Martin".into(),
            ship_postcode: "69003".into(),
            ..Order::default()
        };
        assert!(ships_to(&order, "c'est le 69003"));
        assert!(ships_to(&order, "69 003"));
        assert!(ships_to(&order, "au nom de lea martin"));
        assert!(ships_to(&order, "Martin"));
        assert!(!ships_to(&order, "75004"));
        assert!(!ships_to(&order, "Léa"), "a first name alone is not enough");
        assert!(!ships_to(&Order::default(), "69003"));
    }

    #[test]
    fn senders_are_read_from_their_channel_identity() {
        assert_eq!(sender("+33675397157"), (Some("+33675397157".into()), None));
        assert_eq!(
            sender("whatsapp:+33600000002"),
            (Some("+33600000002".into()), None)
        );
        assert_eq!(
            sender("Marie@Example.org"),
            (None, Some("marie@example.org".into()))
        );
        assert_eq!(sender("visitor:7f3a"), (None, None));
    }

    #[test]
    fn an_order_belongs_to_its_phone_or_email_only() {
        let order = Order {
            name: "#1004".into(),
            email: "fatou.andre@example.fr".into(),
            phone: "+33633359724".into(),
            ..Order::default()
        };
        assert!(owns(&order, Some("06 33 35 97 24"), &[]));
        assert!(owns(&order, None, &["Fatou.Andre@example.fr"]));
        assert!(!owns(&order, Some("+33611111111"), &["someone@example.fr"]));
        assert!(
            !owns(&Order::default(), None, &[""]),
            "an order without e-mail matches no one"
        );
    }
}
