//! Alerts in the conversation: an out-of-stock answer offers to tell the shopper when
//! the item is back, "oui" subscribes them; "prévenez-moi si le prix baisse" asks for a
//! price alert. Where the channel cannot reach them later (the web chat), an e-mail
//! address is asked first; the application decides the consent rules (double opt-in
//! for e-mail) behind `ShopData::subscribe`.

use super::catalogue::{Product, Variant};
use super::data::{AlertKind, DataError, NewAlert, ShopData, Subscribed};
use super::dialogue::{Asked, Dialogue};
use super::grammar;
use super::intent::Intent;
use super::lang::Lang;
use super::options;
use super::products;
use super::replies::Templates;
use super::shop::Shop;
use super::{Action, Decision, Turn};

/// Words asking to be told later.
const TELL_ME: &[&str] = &[
    "prevenez",
    "previens",
    "prevenir",
    "prevenez-moi",
    "avertir",
    "avertissez",
    "avertis",
    "alerte",
    "alerter",
    "alertez",
    "notify",
    "notified",
    "alert",
    "ping",
];
/// Two-word forms of the same ("tenez-moi au courant", "let me know").
const TELL_ME_PHRASES: &[&str] = &[
    "tenez moi",
    "tiens moi",
    "dites moi quand",
    "dis moi quand",
    "let me know",
    "tell me when",
    "keep me posted",
    "email me when",
    "text me when",
];
const PRICE_WORDS: &[&str] = &[
    "prix",
    "baisse",
    "baisser",
    "baisserait",
    "solde",
    "soldes",
    "promo",
    "moins",
    "price",
    "drops",
    "drop",
    "cheaper",
    "sale",
    "reduction",
    "reduced",
];
/// Words that make it about an order, not an item ("prévenez-moi quand ma commande part").
const ORDER_WORDS: &[&str] = &[
    "commande",
    "colis",
    "livraison",
    "order",
    "parcel",
    "package",
    "delivery",
];

/// The alert a message asks for ("prévenez-moi quand elle revient", "let me know if
/// the price drops"), if it asks for one.
pub(super) fn asked_for(turn: &Turn<'_>) -> Option<AlertKind> {
    let text = format!(" {} ", turn.words.join(" "));
    let asks = turn.has(TELL_ME)
        || TELL_ME_PHRASES
            .iter()
            .any(|p| text.contains(&format!(" {p} ")));
    if !asks || turn.has(ORDER_WORDS) {
        return None;
    }
    Some(if turn.has(PRICE_WORDS) {
        AlertKind::Price
    } else {
        AlertKind::Stock
    })
}

/// Adds the alert offer to an out-of-stock answer about one variant, when alerts can
/// reach this shopper.
pub(super) fn offer(
    turn: &Turn<'_>,
    product: &Product,
    variant: &Variant,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
    d: &mut Decision,
) -> Result<(), DataError> {
    if !data.offers_alerts()? {
        return Ok(());
    }
    let item = options::describe(product, Some(variant), turn.lang);
    let line = products::say_about(turn, "alert_offer", product, &[("item", &item)]);
    d.reply = format!("{} {line}", d.reply);
    d.action = Action::Ask(Asked::Alert);
    state.alert = Some(AlertKind::Stock);
    Ok(())
}

/// The variant under discussion, for an alert: the one answered about, or the only
/// one, or (for a price, which sizes share) the first that fits what was said.
fn current<'a>(turn: &Turn<'a>, state: &Dialogue, kind: AlertKind) -> Option<(&'a Product, usize)> {
    let product = turn.engine.index.product(state.product?)?;
    if let Some(v) = product
        .variants
        .iter()
        .position(|v| Some(v.id) == state.variant)
    {
        return Some((product, v));
    }
    if product.variants.len() == 1 {
        return Some((product, 0));
    }
    if kind == AlertKind::Price {
        let v = product
            .variants
            .iter()
            .position(|v| {
                state
                    .size
                    .as_ref()
                    .is_none_or(|s| v.options.iter().flatten().any(|o| o == s))
            })
            .unwrap_or(0);
        return Some((product, v));
    }
    None
}

/// Subscribes the shopper to `kind` for the variant under discussion (`email` when they
/// just gave one for it).
pub(super) fn subscribe(
    turn: &Turn<'_>,
    kind: AlertKind,
    email: Option<String>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let intent = Intent::ProductAvailability;
    let Some((product, v)) = current(turn, state, kind) else {
        // A product but not which size: the availability answer asks for it, and offers
        // the alert once the variant is known.
        if let Some(product) = state.product.and_then(|p| turn.engine.index.product(p)) {
            return products::about(turn, intent, product, state, data);
        }
        return Ok(turn.decide(intent, Action::Ask(Asked::Product), "ask_product_name", &[]));
    };
    let variant = &product.variants[v];
    state.variant = Some(variant.id);
    let item = options::describe(product, Some(variant), turn.lang);
    let alert = NewAlert {
        kind,
        store_id: product.store_id,
        item_key: variant.item_key.clone(),
        product_title: product.title.clone(),
        variant_title: variant.title.clone(),
        price_cents: variant.price_cents,
        email,
        lang: turn.lang,
    };
    let mut d = Decision::new(intent, turn.lang, Action::Answer, String::new());
    d.product = Some(product.handle.clone());
    d.variant = Some(variant.title.clone());
    let (action, key, email) = match data.subscribe(&alert)? {
        Subscribed::Active => {
            state.alert = None;
            let key = match kind {
                AlertKind::Stock => "alert_subscribed",
                AlertKind::Price => "price_alert_subscribed",
            };
            (Action::Subscribe, key, String::new())
        }
        Subscribed::Confirm { email } => {
            state.alert = None;
            (Action::Subscribe, "alert_confirm", email)
        }
        Subscribed::NeedEmail => {
            state.alert = Some(kind);
            (
                Action::Ask(Asked::AlertEmail),
                "alert_ask_email",
                String::new(),
            )
        }
        Subscribed::Already => {
            state.alert = None;
            (Action::Answer, "alert_already", String::new())
        }
        Subscribed::Off => {
            state.alert = None;
            (Action::Answer, "alert_off", String::new())
        }
    };
    d.action = action;
    d.reply = products::say_about(turn, key, product, &[("item", &item), ("email", &email)]);
    if !email.is_empty() {
        d.facts.push(email);
    }
    Ok(d)
}

/// A message the shop sends on its own about one variant (an alert, a confirmation),
/// in the shopper's language and the shop's tone, with `{item}` said as in the
/// conversation ("la Robe Fleurie Bleue en 38") and the words that agree with it.
pub fn about_variant(
    shop: &Shop,
    templates: &Templates,
    lang: Lang,
    product: &Product,
    variant: &Variant,
    key: &str,
    vars: &[(&str, &str)],
) -> String {
    let item = grammar::the(
        &product.title,
        &options::describe(product, Some(variant), lang),
        lang,
    );
    let mut all: Vec<(&str, String)> = vec![("item", item)];
    all.extend(vars.iter().map(|(k, v)| (*k, v.to_string())));
    all.extend(grammar::agreement(&product.title).map(|(k, v)| (k, v.to_string())));
    let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    templates.render(key, lang, shop.tone, &refs)
}
