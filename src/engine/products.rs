//! Questions about products: is it in stock (and put it aside), which size or colour,
//! how much, what do you have; and cancelling holds.

use super::alerts;
use super::catalogue::{Matched, Product, Variant, is_stop, meanings, stem};
use super::data::DataError;
use super::data::{NewHold, ShopData, Stock};
use super::dialogue::{Asked, Dialogue};
use super::grammar;
use super::info;
use super::intent::Intent;
use super::lang::Lang;
use super::options::{self, Kind};
use super::sizes;
use super::{Action, Decision, Turn};

/// Words that may come with a follow-up without naming another product.
const FILLER: &[&str] = &[
    "et",
    "alors",
    "plutot",
    "sinon",
    "ok",
    "oui",
    "non",
    "and",
    "or",
    "what",
    "about",
    "how",
    "then",
    "maybe",
    "peut-etre",
    "svp",
    "please",
    "couleur",
    "color",
    "colour",
    "sinon",
    "combien",
    "much",
    "prix",
    "price",
    "coute",
    "cost",
    "costs",
    "elle",
    "il",
    "lui",
    "it",
    "one",
    "celle",
    "celui",
    "la",
    "le",
    "les",
    "ca",
    "that",
    "this",
    "them",
    "en",
    "aussi",
    "also",
    "too",
    "any",
    "got",
    "have",
    "you",
    "do",
    "does",
    "in",
    "size",
    "ones",
    "instead",
    "rather",
    "version",
    "je",
    "veux",
    "voudrais",
    "prends",
    "prendrais",
    "take",
    "want",
    "like",
    "i'd",
    "i'll",
];

/// Letter sizes, which stand for themselves in a follow-up ("S/M" reads "s", "m").
const LETTER_SIZES: &[&str] = &["xxs", "xs", "s", "m", "l", "xl", "xxl"];

/// The intent a product follow-up carries: asking a price stays a price question, a
/// request to hold stays one; anything else is about availability.
pub(super) fn product_intent(intent: Intent) -> Intent {
    match intent {
        Intent::Price | Intent::Reservation => intent,
        _ => Intent::ProductAvailability,
    }
}

/// Whether a message goes on about the product under discussion: every word it says
/// fits that product (a size, one of its colours, its name) or says nothing.
pub(super) fn follows_up(
    turn: &Turn<'_>,
    intent: Intent,
    matched: &Matched<'_>,
    product: &Product,
) -> bool {
    if !matches!(
        intent,
        Intent::ProductAvailability
            | Intent::Reservation
            | Intent::Price
            | Intent::Unknown
            | Intent::ProductSearch
    ) {
        return false;
    }
    // Another product named: the message moves to it only by a word that the product
    // under discussion does not have ("et en marine ?" stays on the dress, even when a
    // coat is called "marine").
    let other = match matched {
        Matched::One(other) if other.id != product.id => Some(*other),
        _ => None,
    };
    if other.is_some_and(|o| named_in_full(turn, o)) {
        return false;
    }
    let index = turn.engine.index;
    let mut says_something = turn.facts.size.is_some();
    for w in &turn.words {
        if is_stop(w) || FILLER.contains(&w.as_str()) {
            continue;
        }
        let describes = |id: i64| meanings(w).iter().any(|m| index.describes(id, m));
        let current = describes(product.id);
        // A size word is a size here ("et en petit ?"), not the other product's name
        // ("Petite Robe Noire"), unless that name was said in full.
        if !current && !sizes::is_size_word(w) && other.is_some_and(|o| describes(o.id)) {
            return false;
        }
        let is_size = sizes::is_size_word(w)
            || turn.facts.size.as_deref().is_some_and(|s| {
                options::same_size(s, w)
                    || s.split('.').next() == Some(w.as_str())
                    || LETTER_SIZES.contains(&w.as_str())
            })
            || (w.len() <= 4 && w.chars().all(|c| c.is_ascii_digit()));
        if !(current || is_size) {
            return false;
        }
        says_something = true;
    }
    says_something || matches!(intent, Intent::Price | Intent::Reservation)
}

/// Whether every word of the product's name is in the message.
fn named_in_full(turn: &Turn<'_>, product: &Product) -> bool {
    let said: Vec<Vec<String>> = turn.words.iter().map(|w| meanings(w)).collect();
    super::text::words(&product.title)
        .iter()
        .filter(|w| !is_stop(w))
        .all(|w| said.iter().any(|m| m.contains(&stem(w))))
}

/// A product question, by what the catalogue matcher found.
pub(super) fn asked(
    turn: &Turn<'_>,
    intent: Intent,
    matched: Matched<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    match matched {
        // Looking for a kind of product and finding one is asking about that one.
        Matched::One(product) => about(turn, product_intent(intent), product, state, data),
        // Browsing ("vous avez quoi comme pulls ?") gets a list, not "which one?".
        Matched::Several(products) if intent == Intent::ProductSearch => {
            list(turn, intent, products, data)
        }
        Matched::Several(products) => which(turn, intent, products, state, data),
        Matched::Category(products) => list(turn, intent, products, data),
        Matched::Nothing => {
            if turn.engine.index.is_empty() {
                return Ok(turn.decide(intent, Action::Handoff, "unsure", &[]));
            }
            state.choices.clear();
            Ok(turn.decide(intent, Action::Ask(Asked::Product), "ask_product_name", &[]))
        }
    }
}

/// A price as shoppers read it: "89 €", "€89.50".
pub fn price(cents: i64, lang: Lang) -> String {
    let (units, rest) = (cents / 100, cents % 100);
    match (lang, rest) {
        (Lang::Fr, 0) => format!("{units}\u{a0}€"),
        (Lang::Fr, _) => format!("{units},{rest:02}\u{a0}€"),
        (Lang::En, 0) => format!("€{units}"),
        (Lang::En, _) => format!("€{units}.{rest:02}"),
    }
}

fn price_range(variants: &[&Variant], lang: Lang) -> Option<String> {
    let prices: Vec<i64> = variants.iter().filter_map(|v| v.price_cents).collect();
    let (min, max) = (*prices.iter().min()?, *prices.iter().max()?);
    Some(match (min == max, lang) {
        (true, _) => price(min, lang),
        (false, Lang::Fr) => format!("de {} à {}", price(min, lang), price(max, lang)),
        (false, Lang::En) => format!("from {} to {}", price(min, lang), price(max, lang)),
    })
}

/// "Robe Fleurie Bleue en 38 : 89 €." for the item a decision is about, with the
/// amount, to follow an answer that did not say it.
pub(super) fn price_line(turn: &Turn<'_>, d: &Decision) -> Option<(String, String)> {
    let handle = d.product.as_deref()?;
    let product = turn.engine.index.products().find(|p| p.handle == handle)?;
    let variants: Vec<&Variant> = product
        .variants
        .iter()
        .filter(|v| d.variant.as_deref().is_none_or(|t| v.title == t))
        .collect();
    let variant = (variants.len() == 1).then(|| variants[0]);
    let item = options::describe(product, variant, turn.lang);
    let amount = price_range(&variants, turn.lang)?;
    let line = say_about(
        turn,
        "price",
        product,
        &[("item", &item), ("price", &amount)],
    );
    Some((line, amount))
}

/// `turn.say` for a sentence about `product`: `{item}` and `{product}` with their
/// article ("la Robe Fleurie Bleue en 38"), and the words that agree with it.
pub(super) fn say_about(
    turn: &Turn<'_>,
    key: &str,
    product: &Product,
    vars: &[(&str, &str)],
) -> String {
    let mut all: Vec<(&str, String)> = vars
        .iter()
        .map(|(k, v)| match *k {
            "item" | "product" => (*k, grammar::the(&product.title, v, turn.lang)),
            _ => (*k, v.to_string()),
        })
        .collect();
    all.extend(grammar::agreement(&product.title).map(|(k, v)| (k, v.to_string())));
    let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
    turn.say(key, &refs)
}

fn sold_out(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "épuisé",
        Lang::En => "sold out",
    }
}

/// Values of option `i` among `variants`, those in stock at the shop first; the others
/// marked as sold out.
fn values_by_stock(
    product: &Product,
    i: usize,
    variants: &[usize],
    stocks: &[Stock],
    lang: Lang,
) -> String {
    let mut in_stock: Vec<&str> = Vec::new();
    let mut out: Vec<&str> = Vec::new();
    for value in options::values(product, i) {
        let here = variants
            .iter()
            .filter(|&&v| product.variants[v].options[i].as_deref() == Some(value));
        let mut any = false;
        let mut available = false;
        for &v in here {
            any = true;
            available |= stocks[v].shop > 0;
        }
        if available {
            in_stock.push(value);
        } else if any {
            out.push(value);
        }
    }
    let mut text = in_stock.join(", ");
    if !out.is_empty() {
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&format!("{} ({})", out.join(", "), sold_out(lang)));
    }
    text
}

/// What a shopper asked about one product.
pub(super) fn about(
    turn: &Turn<'_>,
    intent: Intent,
    product: &Product,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let lang = turn.lang;
    state.switch_product(product.id);
    state.choices.clear();
    let n = options::count(product);
    let kinds: Vec<Kind> = (0..n).map(|i| options::kind(product, i)).collect();
    let mut wanted = options::named(product, &turn.body, turn.facts.size.as_deref());
    for i in 0..n {
        let slot = match kinds[i] {
            Kind::Size => &mut state.size,
            Kind::Color => &mut state.color,
            Kind::Other => &mut state.other,
        };
        match wanted[i].as_slice() {
            [] => {
                if let Some(v) = slot.clone() {
                    wanted[i] = vec![v];
                }
            }
            [one] => *slot = Some(one.clone()),
            _ => {}
        }
    }
    let all: Vec<&Variant> = product.variants.iter().collect();
    let stocks = data.stock(&all)?;
    let fitting: Vec<usize> = (0..all.len())
        .filter(|&v| options::fits(all[v], &wanted))
        .collect();
    let mut d = Decision::new(intent, lang, Action::Answer, String::new());
    d.product = Some(product.handle.clone());

    if fitting.is_empty() {
        // A value the product does not come in ("en 52", "en violet").
        let i = (0..n)
            .find(|&i| {
                !wanted[i].is_empty()
                    && !product
                        .variants
                        .iter()
                        .any(|v| v.options[i].as_ref().is_some_and(|o| wanted[i].contains(o)))
            })
            .unwrap_or(0);
        let every: Vec<usize> = (0..all.len()).collect();
        let value = wanted
            .get(i)
            .and_then(|w| w.first())
            .cloned()
            .unwrap_or_default();
        match kinds.get(i) {
            Some(Kind::Size) => state.size = None,
            Some(Kind::Color) => state.color = None,
            _ => state.other = None,
        }
        d.action = Action::Ask(if kinds.get(i) == Some(&Kind::Color) {
            Asked::Color
        } else {
            Asked::Size
        });
        d.reply = say_about(
            turn,
            "no_such_option",
            product,
            &[
                ("product", &product.title),
                ("value", &value),
                (
                    "values",
                    &values_by_stock(product, i, &every, &stocks, lang),
                ),
            ],
        );
        return Ok(d);
    }

    if intent == Intent::Price {
        let chosen: Vec<&Variant> = fitting.iter().map(|&v| all[v]).collect();
        let variant = (fitting.len() == 1).then(|| all[fitting[0]]);
        let item = options::describe(product, variant, lang);
        let amount = price_range(&chosen, lang).unwrap_or_default();
        d.variant = variant.map(|v| v.title.clone());
        d.reply = say_about(
            turn,
            "price",
            product,
            &[("item", &item), ("price", &amount)],
        );
        d.facts.push(amount);
        return Ok(d);
    }

    if let [one] = fitting.as_slice() {
        return one_variant(turn, intent, product, *one, &stocks, state, data, d);
    }

    let in_stock = fitting.iter().any(|&v| stocks[v].shop > 0);
    d.in_stock = Some(in_stock);
    if !in_stock {
        let item = options::describe(product, None, lang);
        let elsewhere: Vec<&Stock> = fitting.iter().map(|&v| &stocks[v]).collect();
        d.reply = out_of_stock(turn, product, &item, &elsewhere, None);
        return Ok(d);
    }
    // Ask for the option still open: colour first, then size, then any other.
    for want in [Kind::Color, Kind::Size, Kind::Other] {
        for i in (0..n).filter(|&i| kinds[i] == want) {
            let distinct = options::values(product, i)
                .into_iter()
                .filter(|value| {
                    fitting
                        .iter()
                        .any(|&v| all[v].options[i].as_deref() == Some(*value))
                })
                .count();
            if distinct < 2 {
                continue;
            }
            let values = values_by_stock(product, i, &fitting, &stocks, lang);
            let title = product.title.clone();
            let (action, key) = match want {
                Kind::Color => (Action::Ask(Asked::Color), "ask_color"),
                Kind::Size => (Action::Ask(Asked::Size), "ask_size"),
                // Amounts, scents…: list them with their prices.
                Kind::Other => (Action::Answer, "option_values"),
            };
            let values = if want == Kind::Other {
                other_values_with_prices(product, i, &fitting, lang)
            } else {
                values
            };
            d.action = action;
            d.reply = say_about(
                turn,
                key,
                product,
                &[("product", &title), ("values", &values)],
            );
            return Ok(d);
        }
    }
    // Variants that differ in nothing the shopper can name: the first in stock.
    let first = fitting
        .iter()
        .copied()
        .find(|&v| stocks[v].shop > 0)
        .unwrap_or(fitting[0]);
    one_variant(turn, intent, product, first, &stocks, state, data, d)
}

fn other_values_with_prices(product: &Product, i: usize, fitting: &[usize], lang: Lang) -> String {
    let values: Vec<&Variant> = fitting.iter().map(|&v| &product.variants[v]).collect();
    let prices_differ = price_range(&values, lang).is_some_and(|p| p.contains(' '));
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for v in values {
        let Some(value) = v.options[i].as_deref() else {
            continue;
        };
        if seen.contains(&value) {
            continue;
        }
        seen.push(value);
        match v.price_cents {
            // The value already says the amount ("50 €"): no price to add.
            Some(cents) if prices_differ && !value.contains('€') => {
                out.push(format!("{value} ({})", price(cents, lang)))
            }
            _ => out.push(value.to_string()),
        }
    }
    out.join(", ")
}

/// The reply for an item not in stock at the shop: where else it is, and what the
/// shop has instead (`others`: in-stock values to offer).
fn out_of_stock(
    turn: &Turn<'_>,
    product: &Product,
    item: &str,
    stocks: &[&Stock],
    others: Option<String>,
) -> String {
    let mut reply = say_about(turn, "out_of_stock", product, &[("item", item)]);
    let mut places: Vec<String> = Vec::new();
    for s in stocks {
        for (name, n) in &s.elsewhere {
            if *n > 0 && !places.contains(name) {
                places.push(name.clone());
            }
        }
    }
    if !places.is_empty() {
        let places = info::list(&places, turn.lang);
        reply = format!(
            "{reply} {}",
            say_about(turn, "available_elsewhere", product, &[("places", &places)])
        );
    }
    if let Some(values) = others.filter(|v| !v.is_empty()) {
        reply = format!(
            "{reply} {}",
            turn.say("other_values", &[("values", &values)])
        );
    }
    reply
}

#[allow(clippy::too_many_arguments)]
fn one_variant(
    turn: &Turn<'_>,
    intent: Intent,
    product: &Product,
    v: usize,
    stocks: &[Stock],
    state: &mut Dialogue,
    data: &mut dyn ShopData,
    mut d: Decision,
) -> Result<Decision, DataError> {
    let lang = turn.lang;
    let variant = &product.variants[v];
    let stock = &stocks[v];
    let item = options::describe(product, Some(variant), lang);
    d.variant = Some(variant.title.clone());
    d.in_stock = Some(stock.shop > 0);
    state.variant = Some(variant.id);
    if stock.shop <= 0 {
        // Offer the values of the last option still in stock, the others kept.
        let n = options::count(product);
        let vary = (0..n)
            .rev()
            .find(|&i| options::kind(product, i) == Kind::Size)
            .or(n.checked_sub(1));
        let others = vary.map(|i| {
            let same: Vec<usize> = (0..product.variants.len())
                .filter(|&o| {
                    (0..n).all(|j| j == i || product.variants[o].options[j] == variant.options[j])
                        && stocks[o].shop > 0
                })
                .collect();
            let mut values: Vec<&str> = Vec::new();
            for &o in &same {
                if let Some(value) = product.variants[o].options[i].as_deref()
                    && !values.contains(&value)
                {
                    values.push(value);
                }
            }
            values.join(", ")
        });
        d.reply = out_of_stock(turn, product, &item, &[stock], others);
        alerts::offer(turn, product, variant, state, data, &mut d)?;
        return Ok(d);
    }
    let count = stock.shop.to_string();
    d.facts.push(count.clone());
    if let Some(held) = data
        .holds()?
        .into_iter()
        .find(|h| h.item_key == variant.item_key)
    {
        let until = info::moment(held.until, turn.input.now, &turn.engine.shop.hours, lang);
        d.reply = say_about(
            turn,
            "already_reserved",
            product,
            &[("item", &item), ("until", &until)],
        );
        d.facts.push(until);
        return Ok(d);
    }
    if !(turn.engine.shop.auto_reserve || intent == Intent::Reservation) {
        d.action = Action::Ask(Asked::Hold);
        d.reply = say_about(
            turn,
            "in_stock",
            product,
            &[("item", &item), ("count", &count)],
        );
        return Ok(d);
    }
    let wanted = i64::from(turn.facts.quantity.unwrap_or(1).max(1));
    reserve(turn, product, variant, stock.shop, wanted, data, d)
}

fn reserve(
    turn: &Turn<'_>,
    product: &Product,
    variant: &Variant,
    available: i64,
    wanted: i64,
    data: &mut dyn ShopData,
    mut d: Decision,
) -> Result<Decision, DataError> {
    let shop = turn.engine.shop;
    let now = turn.input.now;
    let until = shop.hold_end(product.store_id, now);
    let quantity = wanted.min(available);
    data.reserve(&NewHold {
        store_id: product.store_id,
        item_key: variant.item_key.clone(),
        product_title: product.title.clone(),
        variant_title: variant.title.clone(),
        quantity,
        until,
    })?;
    let item = options::describe(product, Some(variant), turn.lang);
    let when = info::moment(until, now, &shop.hours, turn.lang);
    let key = if wanted > available {
        "reserved_fewer"
    } else {
        "reserved"
    };
    let count = available.to_string();
    d.action = Action::Reserve;
    d.reply = say_about(
        turn,
        key,
        product,
        &[("item", &item), ("count", &count), ("until", &when)],
    );
    d.facts.push(when);
    Ok(d)
}

/// "Oui" to the offer to put the item aside.
pub(super) fn hold_current(
    turn: &Turn<'_>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let index = turn.engine.index;
    let found = state.product.and_then(|p| index.product(p)).and_then(|p| {
        let v = p
            .variants
            .iter()
            .position(|v| Some(v.id) == state.variant)?;
        Some((p, v))
    });
    let Some((product, v)) = found else {
        return Ok(turn.decide(
            Intent::Reservation,
            Action::Ask(Asked::Product),
            "ask_product_name",
            &[],
        ));
    };
    let variant = &product.variants[v];
    let stock = data.stock(&[variant])?.pop().unwrap_or_default();
    let mut d = Decision::new(
        Intent::Reservation,
        turn.lang,
        Action::Answer,
        String::new(),
    );
    d.product = Some(product.handle.clone());
    d.variant = Some(variant.title.clone());
    d.in_stock = Some(stock.shop > 0);
    if stock.shop <= 0 {
        let item = options::describe(product, Some(variant), turn.lang);
        d.reply = out_of_stock(turn, product, &item, &[&stock], None);
        return Ok(d);
    }
    let wanted = i64::from(turn.facts.quantity.unwrap_or(1).max(1));
    reserve(turn, product, variant, stock.shop, wanted, data, d)
}

/// Several products fit as well: ask which, listing those in stock first (with the
/// size asked for, when there is one).
fn which(
    turn: &Turn<'_>,
    intent: Intent,
    products: Vec<&Product>,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let ranked = rank_by_stock(turn, &products, data)?;
    state.product = None;
    state.choices = ranked.iter().map(|p| p.id).collect();
    if let Some(size) = &turn.facts.size {
        state.size = Some(size.clone());
    }
    let names: Vec<String> = ranked.iter().take(6).map(|p| p.title.clone()).collect();
    let values = info::list(&names, turn.lang);
    Ok(turn.decide(
        intent,
        Action::Ask(Asked::Product),
        "ask_product",
        &[("values", &values)],
    ))
}

const RANKED: usize = 40;

/// Products with stock at the shop first (with the size asked for, when given).
fn rank_by_stock<'a>(
    turn: &Turn<'_>,
    products: &[&'a Product],
    data: &mut dyn ShopData,
) -> Result<Vec<&'a Product>, DataError> {
    // A big catalogue may give thousands: the first few are enough to offer.
    let mut scored = Vec::with_capacity(products.len().min(RANKED));
    for (order, product) in products.iter().take(RANKED).enumerate() {
        let variants: Vec<&Variant> = product
            .variants
            .iter()
            .filter(|v| match &turn.facts.size {
                Some(size) => v.options.iter().flatten().any(|o| sizes::fits(o, size)),
                None => true,
            })
            .collect();
        let stocked = if variants.is_empty() {
            0
        } else {
            data.stock(&variants)?.iter().filter(|s| s.shop > 0).count()
        };
        scored.push((stocked == 0, order, *product));
    }
    scored.sort_by_key(|(empty, order, _)| (*empty, *order));
    Ok(scored.into_iter().map(|(_, _, p)| p).collect())
}

/// The reply to "which one?": the listed product the message fits best.
pub(super) fn pick_choice<'a>(turn: &Turn<'a>, state: &Dialogue) -> Option<&'a Product> {
    let index = turn.engine.index;
    let mut best: Vec<(usize, &Product)> = Vec::new();
    for id in &state.choices {
        let Some(product) = index.product(*id) else {
            continue;
        };
        let score = turn
            .words
            .iter()
            .filter(|w| !is_stop(w) && !FILLER.contains(&w.as_str()))
            .filter(|w| {
                meanings(w)
                    .iter()
                    .any(|m| index.describes(product.id, m) || *m == stem(&product.title))
            })
            .count();
        if score > 0 {
            best.push((score, product));
        }
    }
    let top = best.iter().map(|(s, _)| *s).max()?;
    let mut tops = best.into_iter().filter(|(s, _)| *s == top);
    let first = tops.next()?.1;
    tops.next().is_none().then_some(first)
}

/// A kind of product: list what the shop has, in stock first.
fn list(
    turn: &Turn<'_>,
    intent: Intent,
    products: Vec<&Product>,
    data: &mut dyn ShopData,
) -> Result<Decision, DataError> {
    let ranked = rank_by_stock(turn, &products, data)?;
    let names: Vec<String> = ranked
        .iter()
        .take(6)
        .map(|p| {
            let variants: Vec<&Variant> = p.variants.iter().collect();
            match price_range(&variants, turn.lang) {
                Some(amount) => format!("{} ({amount})", p.title),
                None => p.title.clone(),
            }
        })
        .collect();
    let values = info::list(&names, turn.lang);
    let intent = if intent == Intent::ProductAvailability {
        Intent::ProductSearch
    } else {
        intent
    };
    Ok(turn.decide(
        intent,
        Action::ListProducts,
        "list_products",
        &[("values", &values)],
    ))
}

pub(super) fn cancel(turn: &Turn<'_>, data: &mut dyn ShopData) -> Result<Decision, DataError> {
    let cancelled = data.cancel_holds()?;
    if cancelled.is_empty() {
        return Ok(turn.decide(
            Intent::CancelReservation,
            Action::Answer,
            "nothing_to_cancel",
            &[],
        ));
    }
    let items: Vec<String> = cancelled
        .iter()
        .map(|h| {
            let joiner = match turn.lang {
                Lang::Fr => "en",
                Lang::En => "in",
            };
            if h.variant_title == "Default Title" {
                h.product_title.clone()
            } else {
                format!("{} {joiner} {}", h.product_title, h.variant_title)
            }
        })
        .collect();
    let items = info::list(&items, turn.lang);
    Ok(turn.decide(
        Intent::CancelReservation,
        Action::CancelReservation,
        "cancelled",
        &[("items", &items)],
    ))
}
