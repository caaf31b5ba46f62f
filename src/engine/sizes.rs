//! Sizes as shoppers say them, matched against the values the product really comes in:
//! letters ("M"), composite values ("S/M", "38/40"), words in both languages ("petit",
//! "large"), one size ("taille unique") and UK or US shoe sizes ("UK 5" is a 38).

use super::catalogue::{Product, stem};
use super::text::{fold, words};

/// Words that name a letter size. Single letters are not here: whether "l" is a size
/// depends on where it stands, which `facts::extract` decides.
const WORDS: &[(&str, &str)] = &[
    ("xxs", "XXS"),
    ("xs", "XS"),
    ("xl", "XL"),
    ("xxl", "XXL"),
    ("petit", "S"),
    ("petite", "S"),
    ("small", "S"),
    ("moyen", "M"),
    ("moyenne", "M"),
    ("medium", "M"),
    ("grand", "L"),
    ("grande", "L"),
    ("large", "L"),
];

/// Two-word sizes, checked on the folded text before single words.
const PHRASES: &[(&str, &str)] = &[
    ("extra small", "XS"),
    ("tres petit", "XS"),
    ("tres petite", "XS"),
    ("extra large", "XL"),
    ("x large", "XL"),
    ("tres grand", "XL"),
    ("tres grande", "XL"),
    ("taille unique", "TU"),
    ("one size", "TU"),
];

/// Words that say something about size without naming one ("la taille au-dessus").
const MARKERS: &[&str] = &["taille", "size", "pointure", "uk", "us", "eu", "unique"];

/// Whether a word is about sizes, so a follow-up made of it stays on the product.
pub fn is_size_word(word: &str) -> bool {
    MARKERS.contains(&word) || WORDS.iter().any(|(w, _)| *w == word)
}

fn canonical(value: &str) -> String {
    let v = fold(value.trim()).replace(',', ".");
    match v.as_str() {
        "taille unique" | "one size" | "unique" | "tu" | "onesize" => "tu".into(),
        _ => v,
    }
}

/// Whether a catalogue value is the size wanted, or holds it ("S/M" holds "M").
pub fn fits(value: &str, wanted: &str) -> bool {
    let want = canonical(wanted);
    canonical(value) == want || value.split('/').any(|part| canonical(part) == want)
}

/// A UK or US shoe size written with its system ("UK 5", "us7"), in EU size: women's
/// UK sizes are EU − 33 and US sizes EU − 31. Only where a size is meant: after "in",
/// "en", "size"… or in a short message ("email us 3 times" is no size).
pub(super) fn shoe_size(ws: &[String]) -> Option<String> {
    for (i, w) in ws.iter().enumerate() {
        let after_size_word = i.checked_sub(1).is_some_and(|b| {
            ["in", "en", "size", "taille", "pointure", "a"].contains(&ws[b].as_str())
        });
        if !(after_size_word || ws.len() <= 4) {
            continue;
        }
        let (system, number) = match (w.as_str(), ws.get(i + 1)) {
            ("uk" | "us", Some(n)) => (w.as_str(), n.as_str()),
            _ if w.starts_with("uk") || w.starts_with("us") => w.split_at(2),
            _ => continue,
        };
        let Ok(n) = number.parse::<u32>() else {
            continue;
        };
        if (2..=13).contains(&n) {
            return Some((n + if system == "uk" { 33 } else { 31 }).to_string());
        }
    }
    None
}

/// The size a message states for `product`, in the shop's terms when it can be said
/// so: a value written as the shop writes it, a word, a shoe system, or the size that
/// `facts::extract` found (`stated`).
fn wanted(product: &Product, text: &str, stated: Option<&str>) -> Option<String> {
    let folded = fold(text);
    let ws = words(text);
    let title: Vec<String> = words(&product.title).iter().map(|w| stem(w)).collect();
    // A composite value written whole: "S/M", "38/40", "L / XL".
    let compact = folded
        .replace(" / ", "/")
        .replace("/ ", "/")
        .replace(" /", "/");
    for token in compact.split(|c: char| !(c.is_alphanumeric() || c == '/' || c == ',')) {
        if token.contains('/') && token.len() <= 9 {
            return Some(token.to_uppercase());
        }
    }
    if let Some(eu) = shoe_size(&ws) {
        return Some(eu);
    }
    for (phrase, size) in PHRASES {
        if folded.contains(phrase) {
            return Some((*size).to_string());
        }
    }
    if let Some(size) = stated {
        return Some(size.to_string());
    }
    // "petit", "large"… unless the word is part of the product's name ("Pantalon
    // Large Fluide" is not a size L).
    ws.iter().find_map(|w| {
        let (_, size) = WORDS.iter().find(|(word, _)| word == w)?;
        (!title.contains(&stem(w))).then(|| (*size).to_string())
    })
}

/// The values of the product's size option `values` that the message names: one or
/// several (a size that two values hold), or the stated size itself when the product
/// does not come in it, so the reply can say so; empty when no size is said.
pub fn named(product: &Product, values: &[&str], text: &str, stated: Option<&str>) -> Vec<String> {
    let Some(want) = wanted(product, text, stated) else {
        return Vec::new();
    };
    let exact: Vec<String> = values
        .iter()
        .filter(|v| canonical(v) == canonical(&want))
        .map(|v| v.to_string())
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let holding: Vec<String> = if want.contains('/') {
        // "S/M" asked of a product sized S, M, L: both halves are the answer.
        values
            .iter()
            .filter(|v| want.split('/').any(|part| fits(v, part)))
            .map(|v| v.to_string())
            .collect()
    } else {
        values
            .iter()
            .filter(|v| fits(v, &want))
            .map(|v| v.to_string())
            .collect()
    };
    if holding.is_empty() {
        vec![want]
    } else {
        holding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalogue::demo_index::product;
    use crate::engine::facts;

    fn sized(handle: &str, values: &[&str], text: &str) -> Vec<String> {
        let stated = facts::extract(text).size;
        named(&product(handle), values, text, stated.as_deref())
    }

    #[test]
    fn composite_values_are_found_whole_or_by_their_halves() {
        let values = ["S/M", "L/XL"];
        let p = "robe-fleurie-bleue";
        assert_eq!(sized(p, &values, "vous l'avez en S/M ?"), ["S/M"]);
        assert_eq!(sized(p, &values, "en l / xl svp"), ["L/XL"]);
        assert_eq!(sized(p, &values, "do you have it in M?"), ["S/M"]);
        assert_eq!(sized(p, &values, "taille XL"), ["L/XL"]);
        assert_eq!(sized(p, &["38/40", "42/44"], "en 40 ?"), ["38/40"]);
        // A composite asked of a product sized by letters: both halves.
        assert_eq!(sized(p, &["S", "M", "L"], "en S/M"), ["S", "M"]);
    }

    #[test]
    fn sizes_in_words_in_both_languages() {
        let values = ["S", "M", "L", "XL"];
        let p = "robe-fleurie-bleue";
        assert_eq!(sized(p, &values, "en petit ?"), ["S"]);
        assert_eq!(sized(p, &values, "the large one then"), ["L"]);
        assert_eq!(sized(p, &values, "medium please"), ["M"]);
        assert_eq!(sized(p, &values, "en très grand"), ["XL"]);
        assert_eq!(sized(p, &["S/M", "L/XL"], "any in small?"), ["S/M"]);
        assert_eq!(sized(p, &["Taille unique"], "one size?"), ["Taille unique"]);
        assert_eq!(sized(p, &["TU"], "c'est en taille unique ?"), ["TU"]);
        assert!(sized(p, &values, "elle est jolie").is_empty());
    }

    #[test]
    fn a_word_of_the_products_name_is_not_a_size() {
        let trousers = product("pantalon-large-fluide");
        assert!(named(&trousers, &["36", "38"], "le pantalon large fluide", None).is_empty());
        assert_eq!(
            named(
                &trousers,
                &["36", "38"],
                "le pantalon large fluide en 38",
                Some("38")
            ),
            ["38"]
        );
    }

    #[test]
    fn uk_and_us_shoe_sizes_become_eu_sizes() {
        let values = ["36", "37", "38", "39", "40", "41"];
        let p = "escarpins-vernis-rouges";
        assert_eq!(sized(p, &values, "do you have them in UK 5?"), ["38"]);
        assert_eq!(sized(p, &values, "size us7"), ["38"]);
        assert_eq!(sized(p, &values, "en 39"), ["39"]);
        // Not a size the product comes in: kept, so the reply can say so.
        assert_eq!(sized(p, &values, "uk 12"), ["45"]);
        // "us" in a sentence is not a shoe size.
        assert!(sized(p, &values, "can you email us 3 photos of them please").is_empty());
    }
}
