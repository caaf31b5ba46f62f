//! "Vous l'avez dans quelle boutique ?": the shops open to the public that hold the
//! item, with their address and hours, nearest first when the shopper gives a postcode
//! or a town. Nearness is read from French postcodes: the same town or postcode, then
//! the same département, then the same region (no map data is shipped).

use super::catalogue::{Product, Variant};
use super::data::{DataError, Place, ShopData};
use super::dialogue::Dialogue;
use super::intent::Intent;
use super::options;
use super::products;
use super::text::{fold, words};
use super::{Action, Decision, Turn};

const SHOP_WORDS: &[&str] = &[
    "boutique",
    "boutiques",
    "magasin",
    "magasins",
    "shop",
    "shops",
    "store",
    "stores",
];
const WHICH: &[&str] = &[
    "quelle", "quelles", "quel", "quels", "which", "what", "where", "ou",
];
const NEAR: &[&str] = &["proche", "pres", "nearest", "closest", "near"];
/// Questions about the shop itself, answered elsewhere.
const NOT_HERE: &[&str] = &[
    "adresse", "address", "horaires", "hours", "ouvert", "ouverte", "open", "ferme", "closed",
];

/// Whether the message asks which shop has an item.
pub(super) fn asks_where(turn: &Turn<'_>) -> bool {
    !turn.has(NOT_HERE)
        && (turn.has(SHOP_WORDS) && turn.has(WHICH) || turn.has(SHOP_WORDS) && turn.has(NEAR))
}

/// Metropolitan regions by their départements' numbers (2A/2B: Corsica).
const REGIONS: &[&[&str]] = &[
    &[
        "01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74",
    ],
    &["21", "25", "39", "58", "70", "71", "89", "90"],
    &["22", "29", "35", "56"],
    &["18", "28", "36", "37", "41", "45"],
    &["2A", "2B", "20"],
    &["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"],
    &["02", "59", "60", "62", "80"],
    &["75", "77", "78", "91", "92", "93", "94", "95"],
    &["14", "27", "50", "61", "76"],
    &[
        "16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87",
    ],
    &[
        "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82",
    ],
    &["44", "49", "53", "72", "85"],
    &["04", "05", "06", "13", "83", "84"],
];

/// The département of a French postcode ("69003" → "69", "97411" → "974").
fn departement(postcode: &str) -> String {
    if postcode.starts_with("97") || postcode.starts_with("98") {
        postcode[..3].to_string()
    } else {
        postcode[..2].to_string()
    }
}

fn region(dep: &str) -> Option<usize> {
    REGIONS.iter().position(|r| r.contains(&dep))
}

fn postcode_in(text: &str) -> Option<String> {
    words(text)
        .into_iter()
        .find(|w| w.len() == 5 && w.chars().all(|c| c.is_ascii_digit()))
}

/// The town after the postcode in an address ("…, 69003 Lyon" → "lyon").
fn town(address: &str) -> Option<String> {
    let ws = words(address);
    let at = ws
        .iter()
        .position(|w| w.len() == 5 && w.chars().all(|c| c.is_ascii_digit()))?;
    ws.get(at + 1).cloned()
}

/// How near a place is to what the shopper said: 0 same town or postcode, 1 same
/// département, 2 same region, 3 farther or unknown.
fn distance(place: &Place, theirs: Option<&str>, said: &[String]) -> u8 {
    let ours = postcode_in(&place.address);
    if town(&place.address).is_some_and(|t| said.contains(&t)) {
        return 0;
    }
    let (Some(theirs), Some(ours)) = (theirs, ours.as_deref()) else {
        return 3;
    };
    if theirs == ours {
        return 0;
    }
    let (a, b) = (departement(theirs), departement(ours));
    if a == b {
        1
    } else if region(&a).is_some() && region(&a) == region(&b) {
        2
    } else {
        3
    }
}

/// Orders places nearest first (stable: the shop's order otherwise).
pub fn nearest_first(places: &mut [Place], text: &str) {
    let theirs = postcode_in(text);
    let said = words(&fold(text));
    places.sort_by_key(|p| distance(p, theirs.as_deref(), &said));
}

/// The variants meant: the one answered about, else those of the size or colour said.
fn meant<'p>(turn: &Turn<'_>, product: &'p Product, state: &Dialogue) -> Vec<&'p Variant> {
    if let Some(v) = product
        .variants
        .iter()
        .find(|v| Some(v.id) == state.variant)
    {
        return vec![v];
    }
    let wanted = options::named(product, &turn.body, turn.facts.size.as_deref());
    product
        .variants
        .iter()
        .filter(|v| options::fits(v, &wanted))
        .collect()
}

/// The answer, or `None` when the shop has no place open to the public.
pub(super) fn answer(
    turn: &Turn<'_>,
    product: &Product,
    state: &mut Dialogue,
    data: &mut dyn ShopData,
) -> Result<Option<Decision>, DataError> {
    state.switch_product(product.id);
    let variants = meant(turn, product, state);
    let mut places = data.places(&variants)?;
    if places.is_empty() {
        return Ok(None);
    }
    places.retain(|p| p.available > 0);
    nearest_first(&mut places, &turn.body);
    let variant = (variants.len() == 1).then(|| variants[0]);
    if let Some(v) = variant {
        state.variant = Some(v.id);
    }
    let item = options::describe(product, variant, turn.lang);
    let mut d = Decision::new(
        Intent::ProductAvailability,
        turn.lang,
        Action::Answer,
        String::new(),
    );
    d.product = Some(product.handle.clone());
    d.variant = variant.map(|v| v.title.clone());
    d.in_stock = Some(!places.is_empty());
    if places.is_empty() {
        d.reply = products::say_about(turn, "places_none", product, &[("item", &item)]);
        return Ok(Some(d));
    }
    let said: Vec<String> = places
        .iter()
        .map(|p| {
            let mut s = p.name.clone();
            let details: Vec<&str> = [p.address.trim(), p.hours.trim()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect();
            if !details.is_empty() {
                s.push_str(&format!(" ({})", details.join(", ")));
            }
            s
        })
        .collect();
    d.facts.extend(places.iter().map(|p| p.name.clone()));
    d.reply = products::say_about(
        turn,
        "places",
        product,
        &[("item", &item), ("places", &said.join(" ; "))],
    );
    Ok(Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, address: &str) -> Place {
        Place {
            name: name.into(),
            address: address.into(),
            hours: String::new(),
            available: 1,
        }
    }

    #[test]
    fn the_nearest_shop_comes_first_by_postcode_or_town() {
        let all = vec![
            place("Paris", "24 Rue de Rivoli, 75004 Paris"),
            place("Lyon", "12 Rue de la Part-Dieu, 69003 Lyon"),
            place("Annecy", "3 Quai Perrière, 74000 Annecy"),
        ];
        let order = |text: &str| {
            let mut p = all.clone();
            nearest_first(&mut p, text);
            p.into_iter().map(|p| p.name).collect::<Vec<_>>()
        };
        assert_eq!(order("je suis à Lyon"), ["Lyon", "Paris", "Annecy"]);
        assert_eq!(order("j'habite au 69100"), ["Lyon", "Annecy", "Paris"]);
        // From Grenoble: the same region (Auvergne-Rhône-Alpes) before Paris.
        assert_eq!(order("38000"), ["Lyon", "Annecy", "Paris"]);
        assert_eq!(order("92100 Boulogne"), ["Paris", "Lyon", "Annecy"]);
        // Nothing said: the shop's own order.
        assert_eq!(order("dans quelle boutique ?"), ["Paris", "Lyon", "Annecy"]);
    }
}
