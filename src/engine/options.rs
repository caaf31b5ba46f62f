//! A product's options as shoppers name them: which option is the size and which the
//! colour, which values a message picks among the product's own, and how a variant is
//! said in a reply ("Pull Cachemire Col Roulé en beige, taille M").

use super::catalogue::{Product, Variant, meanings, stem};
use super::lang::Lang;
use super::sizes;
use super::text::{fold, words};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Size,
    Color,
    Other,
}

const LETTER_SIZES: [&str; 9] = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "TU"];

fn looks_like_size(value: &str) -> bool {
    let v = value.trim().to_uppercase();
    LETTER_SIZES.contains(&v.as_str())
        || v.replace(',', ".")
            .parse::<f32>()
            .is_ok_and(|n| (30.0..=60.0).contains(&n))
}

/// The values of option `i` across the product's variants, in catalogue order.
pub fn values(product: &Product, i: usize) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for v in &product.variants {
        if let Some(value) = v.options[i].as_deref()
            && !out.contains(&value)
        {
            out.push(value);
        }
    }
    out
}

/// How many options the product really has (a lone "Default Title" is none).
pub fn count(product: &Product) -> usize {
    if product.variants.len() <= 1 {
        return 0;
    }
    (0..3)
        .take_while(|&i| product.variants.iter().any(|v| v.options[i].is_some()))
        .count()
}

pub fn kind(product: &Product, i: usize) -> Kind {
    let name = product
        .option_names
        .get(i)
        .map(|n| fold(n))
        .unwrap_or_default();
    if ["taille", "size", "pointure"]
        .iter()
        .any(|k| name.contains(k))
    {
        Kind::Size
    } else if ["couleur", "color", "colour", "coloris", "teinte"]
        .iter()
        .any(|k| name.contains(k))
    {
        Kind::Color
    } else if values(product, i).iter().all(|v| looks_like_size(v)) {
        Kind::Size
    } else {
        Kind::Other
    }
}

/// English colour names of two words, said the shop's way before matching (the words
/// one by one would mean something else: "off-white" is not white).
const COLOUR_PHRASES: &[(&str, &str)] = &[
    ("off white", "ecru"),
    ("off-white", "ecru"),
    ("dusty pink", "rose poudre"),
    ("powder pink", "rose poudre"),
    ("sage green", "vert sauge"),
    ("navy blue", "marine"),
    ("bleu marine", "marine"),
    ("light grey", "gris clair"),
    ("dark grey", "gris fonce"),
];

fn colour_phrases(text: &str) -> String {
    let mut t = fold(text);
    for (phrase, said) in COLOUR_PHRASES {
        if t.contains(phrase) {
            t = t.replace(phrase, said);
        }
    }
    t
}

pub fn same_size(a: &str, b: &str) -> bool {
    let norm = |s: &str| fold(s.trim()).replace(',', ".");
    norm(a) == norm(b)
}

/// For each option, the values the message names (several when it is ambiguous,
/// none when it names none). `size` is the size the message states, if any.
pub fn named(product: &Product, text: &str, size: Option<&str>) -> [Vec<String>; 3] {
    let query: Vec<Vec<String>> = words(&colour_phrases(text))
        .iter()
        .map(|w| meanings(w))
        .collect();
    let mut out: [Vec<String>; 3] = Default::default();
    for (i, slot) in out.iter_mut().enumerate().take(count(product)) {
        let values = values(product, i);
        if kind(product, i) == Kind::Size {
            slot.extend(sizes::named(product, &values, text, size));
            continue;
        }
        // Colours and other values: the most of the value's words the message says,
        // then the fewest left unsaid ("rose" is Rose rather than Rose poudré).
        let scored: Vec<((usize, usize), &str)> = values
            .iter()
            .map(|value| {
                let ws = words(value);
                let hits = ws
                    .iter()
                    .filter(|w| {
                        let s = stem(w);
                        query.iter().any(|q| q.contains(&s))
                    })
                    .count();
                ((hits, usize::MAX - (ws.len() - hits)), *value)
            })
            .collect();
        let best = scored.iter().map(|(n, _)| *n).max().unwrap_or((0, 0));
        if best.0 > 0 {
            slot.extend(
                scored
                    .iter()
                    .filter(|(n, _)| *n == best)
                    .map(|(_, v)| v.to_string()),
            );
        }
    }
    out
}

/// Whether the variant has one of the wanted values for every option that has some.
pub fn fits(variant: &Variant, wanted: &[Vec<String>; 3]) -> bool {
    wanted.iter().enumerate().all(|(i, want)| {
        want.is_empty()
            || variant.options[i]
                .as_deref()
                .is_some_and(|v| want.iter().any(|w| w == v))
    })
}

/// How a variant is said: "Robe Fleurie Bleue en 38", "… in beige, size M",
/// just the title for a product without options.
pub fn describe(product: &Product, variant: Option<&Variant>, lang: Lang) -> String {
    let Some(variant) = variant.filter(|_| count(product) > 0) else {
        return product.title.clone();
    };
    let n = count(product);
    let kinds: Vec<Kind> = (0..n).map(|i| kind(product, i)).collect();
    let has_other = kinds.iter().any(|k| *k != Kind::Size);
    let parts: Vec<String> = (0..n)
        .filter_map(|i| {
            let value = variant.options[i].as_deref()?;
            Some(match (kinds[i], has_other, lang) {
                (Kind::Size, true, Lang::Fr) => format!("taille {value}"),
                (Kind::Size, true, Lang::En) => format!("size {value}"),
                (Kind::Size, false, _) => value.to_string(),
                _ => value.to_lowercase(),
            })
        })
        .collect();
    let joiner = match lang {
        Lang::Fr => "en",
        Lang::En => "in",
    };
    format!("{} {joiner} {}", product.title, parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalogue::demo_index::product;

    #[test]
    fn option_kinds_come_from_names_or_values() {
        let p = product("pull-cachemire-col-roule");
        assert_eq!((kind(&p, 0), kind(&p, 1)), (Kind::Color, Kind::Size));
        assert_eq!(kind(&product("carte-cadeau"), 0), Kind::Other);
        assert_eq!(count(&product("sac-cabas-cuir-cognac")), 0);
    }

    #[test]
    fn a_message_names_values_of_the_products_own_options() {
        let p = product("pull-cachemire-col-roule");
        let named = named(&p, "le pull cachemire beige en M", Some("M"));
        assert_eq!(named[0], vec!["Beige".to_string()]);
        assert_eq!(named[1], vec!["M".to_string()]);
        // English colour names, and a value of several words named by one of them.
        let named = super::named(&p, "the black one", None);
        assert_eq!(named[0], vec!["Noir".to_string()]);
        let skirt = product("jupe-plissee-midi");
        assert_eq!(
            super::named(&skirt, "la jupe plissée rose", None)[0],
            vec!["Rose poudré".to_string()]
        );
        // A size the product does not come in is kept, so the reply can say so.
        assert_eq!(
            super::named(&p, "en 52", Some("52"))[1],
            vec!["52".to_string()]
        );
    }

    #[test]
    fn colours_in_french_inflections_and_english_names() {
        let colour = |handle: &str, text: &str| named(&product(handle), text, None)[0].clone();
        let dress = "robe-pull-cotelee"; // Camel, Gris
        assert_eq!(colour(dress, "en grise ?"), ["Gris"]);
        assert_eq!(colour(dress, "les grises"), ["Gris"]);
        assert_eq!(colour(dress, "any in grey?"), ["Gris"]);
        assert_eq!(colour(dress, "the tan one"), ["Camel"]);
        let cardigan = "cardigan-torsade"; // Écru, Bordeaux
        assert_eq!(colour(cardigan, "in off-white please"), ["Écru"]);
        assert_eq!(colour(cardigan, "en écrue"), ["Écru"]);
        assert_eq!(colour(cardigan, "the wine one"), ["Bordeaux"]);
        assert_eq!(colour("pantalon-large-fluide", "cream?"), ["Crème"]);
        assert_eq!(colour("pantalon-large-fluide", "les noires"), ["Noir"]);
        assert_eq!(colour("jupe-plissee-midi", "sage green"), ["Vert sauge"]);
        assert_eq!(colour("jupe-plissee-midi", "dusty pink"), ["Rose poudré"]);
        // The value fully named wins over one that also has the word.
        let mut p = product("bonnet-cotele"); // Gris, Rose
        p.variants[0].options[0] = Some("Rose poudré".into());
        assert_eq!(named(&p, "en rose", None)[0], ["Rose"]);
        assert!(colour(dress, "en violet").is_empty());
    }

    #[test]
    fn variants_are_said_the_way_a_shopper_would() {
        let p = product("pull-cachemire-col-roule");
        let v = p.variants.iter().find(|v| v.title == "Beige / M").unwrap();
        assert_eq!(
            describe(&p, Some(v), Lang::Fr),
            "Pull Cachemire Col Roulé en beige, taille M"
        );
        assert_eq!(
            describe(&p, Some(v), Lang::En),
            "Pull Cachemire Col Roulé in beige, size M"
        );
        let dress = product("robe-fleurie-bleue");
        let v = dress.variants.iter().find(|v| v.title == "38").unwrap();
        assert_eq!(
            describe(&dress, Some(v), Lang::Fr),
            "Robe Fleurie Bleue en 38"
        );
        let bag = product("sac-cabas-cuir-cognac");
        assert_eq!(
            describe(&bag, bag.variants.first(), Lang::Fr),
            "Sac Cabas Cuir Cognac"
        );
    }
}
