//! Facts a message states outright: the size asked for, how many, an order number, an
//! e-mail address or phone number. Product and colour names are the catalogue
//! matcher's job; these need no catalogue.

use super::text::{fold, words};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// A size as written in catalogues: "38", "M", "XL", "39" (shoes).
    pub size: Option<String>,
    pub quantity: Option<u32>,
    /// An order number without its `#`: "1004".
    pub order: Option<String>,
    pub email: Option<String>,
    /// Digits with a leading `+` when given: "+33612345678".
    pub phone: Option<String>,
}

const LETTER_SIZES: [&str; 9] = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "tu"];
const SIZE_WORDS: [&str; 5] = ["taille", "size", "pointure", "en", "in"];
const ORDER_WORDS: [&str; 6] = ["commande", "order", "purchase", "cmd", "no", "numero"];
const NUMBER_WORDS: [(&str, u32); 12] = [
    ("un", 1),
    ("une", 1),
    ("deux", 2),
    ("trois", 3),
    ("quatre", 4),
    ("cinq", 5),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("a", 1),
];

fn numeric_size(word: &str) -> bool {
    // Clothing 32–56 and shoes 35–46 (whole or half sizes such as 38.5).
    let whole = word.split(['.', ',']).next().unwrap_or("");
    whole.parse::<u32>().is_ok_and(|n| (32..=56).contains(&n)) && word.len() <= 4
}

/// The facts of one message.
pub fn extract(text: &str) -> Facts {
    let mut facts = Facts::default();
    let raw = text.trim();
    // E-mail: the first word with an @ and a dot after it.
    facts.email = raw
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '<' || c == '>')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .find(|w| {
            w.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        })
        .map(str::to_lowercase);
    // Phone: 9 to 15 digits in a row, spaces and dots allowed, optional leading +.
    let compact: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    facts.phone = compact
        .split(|c: char| !(c.is_ascii_digit() || c == '+'))
        .find(|s| {
            let digits = s.trim_start_matches('+');
            (9..=15).contains(&digits.len())
                && digits.chars().all(|c| c.is_ascii_digit())
                && (s.starts_with('+') || s.starts_with('0'))
        })
        .map(str::to_string);

    // Marketplace order numbers: Amazon's 402-1234567-1234567.
    facts.order = raw
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .find(|t| {
            let parts: Vec<&str> = t.split('-').collect();
            parts.len() == 3
                && [3, 7, 7]
                    .iter()
                    .zip(&parts)
                    .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_digit()))
        })
        .map(str::to_string);
    // Cdiscount's: ten digits (when it was placed) and five letters or digits,
    // 2411301527VAJH3, written alone too.
    if facts.order.is_none() {
        facts.order = raw
            .split(|c: char| !c.is_ascii_alphanumeric())
            .find(|t| {
                t.len() == 15
                    && t[..10].chars().all(|c| c.is_ascii_digit())
                    && t[10..].chars().any(|c| c.is_ascii_alphabetic())
            })
            .map(str::to_ascii_uppercase);
    }
    // A marketplace's reference after an order word: "commande MK-100245",
    // "order 12-34567-89012" (letters, digits and dashes, three digits at least).
    if facts.order.is_none() {
        let tokens: Vec<&str> = raw
            .split(|c: char| {
                c.is_whitespace() || matches!(c, ',' | ';' | '?' | '!' | ':' | '(' | ')')
            })
            .filter(|t| !t.is_empty())
            .collect();
        facts.order = tokens.windows(2).find_map(|pair| {
            let before = fold(pair[0].trim_matches(|c: char| !c.is_alphanumeric()));
            let token = pair[1].trim_matches(|c: char| !c.is_alphanumeric());
            let digits = token.chars().filter(char::is_ascii_digit).count();
            (ORDER_WORDS.contains(&before.as_str())
                && (5..=30).contains(&token.len())
                && digits >= 3
                && token.chars().any(|c| c.is_ascii_alphabetic() || c == '-')
                && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .then(|| token.to_ascii_uppercase())
        });
    }
    let w = words(&fold(raw).replace('#', " # "));
    let hashed: Vec<bool> = {
        // Which numbers were written right after a '#'.
        let tokens: Vec<&str> = raw.split_whitespace().collect();
        w.iter()
            .map(|word| {
                tokens.iter().any(|t| {
                    t.trim_end_matches(|c: char| !c.is_alphanumeric()) == format!("#{word}")
                })
            })
            .collect()
    };
    let mut skip_next = false;
    for (i, word) in w.iter().enumerate() {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let before = i.checked_sub(1).map(|j| w[j].as_str());
        let is_number = word.chars().all(|c| c.is_ascii_digit());
        // Order numbers: "#1004", "commande 1002", "order 1009"; 3 digits or more.
        if is_number
            && word.len() >= 3
            && (hashed[i] || before.is_some_and(|b| ORDER_WORDS.contains(&b)))
        {
            facts.order.get_or_insert_with(|| word.clone());
            continue;
        }
        // Sizes: "en 38", "taille M", "size 40", "pointure 39", or a bare size word.
        let after_size_word = before.is_some_and(|b| SIZE_WORDS.contains(&b));
        if facts.size.is_none() {
            // Half sizes ("39,5") were split by `words`; the raw text has them whole.
            let half = [format!("{word},5"), format!("{word}.5")]
                .iter()
                .any(|h| raw.contains(h.as_str()))
                && w.get(i + 1).is_some_and(|n| n == "5");
            let last = i + 1 == w.len() || (half && i + 2 == w.len());
            if numeric_size(word) && (after_size_word || w.len() <= 3 || last) {
                facts.size = Some(if half {
                    format!("{word}.5")
                } else {
                    word.clone()
                });
                skip_next = half;
                continue;
            }
            // One letter (S, M, L) only where a size is expected: after a size word, in a
            // short message, or last; "XS", "XL" anywhere.
            let short_or_last = w.len() <= 3 || i + 1 == w.len();
            let letter_ok = if word.len() >= 2 && word != "tu" {
                true
            } else {
                after_size_word || short_or_last
            };
            if LETTER_SIZES.contains(&word.as_str()) && letter_ok {
                facts.size = Some(word.to_uppercase());
                continue;
            }
        }
        // Quantities: "3 robes", "deux paires"; a small number before a word.
        if facts.quantity.is_none() && i + 1 < w.len() && !after_size_word {
            let next = &w[i + 1];
            let quantity = if is_number {
                word.parse::<u32>().ok().filter(|n| (1..=20).contains(n))
            } else {
                None
            }
            .or_else(|| {
                NUMBER_WORDS
                    .iter()
                    .find(|(n, _)| n == word)
                    .map(|(_, v)| *v)
                    .filter(|v| *v > 1)
            });
            if let Some(q) = quantity {
                if !next.chars().all(|c| c.is_ascii_digit()) && !SIZE_WORDS.contains(&next.as_str())
                {
                    facts.quantity = Some(q);
                }
            }
        }
    }
    // A shoe size in another system ("UK 5") is the EU size it stands for.
    if facts.size.is_none() {
        facts.size = super::sizes::shoe_size(&w);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(text: &str) -> Option<String> {
        extract(text).size
    }

    #[test]
    fn sizes_in_their_many_spellings() {
        let cases = [
            (
                "Bonjour, vous avez la robe fleurie bleue en 38 ?",
                Some("38"),
            ),
            ("le pull cachemire beige en M il est dispo ?", Some("M")),
            ("Je cherche le trench beige taille 38", Some("38")),
            ("Avez-vous les escarpins rouges en 37 ?", Some("37")),
            ("Le cardigan torsadé bordeaux taille L svp", Some("L")),
            ("do you have the blue floral dress in size 38?", Some("38")),
            (
                "is the cashmere turtleneck available in beige, size M?",
                Some("M"),
            ),
            ("38", Some("38")),
            ("en 34", Some("34")),
            ("et en 36 ?", Some("36")),
            ("noir M", Some("M")),
            ("en kaki, taille 38", Some("38")),
            ("pointure 39,5 svp", Some("39.5")),
            ("des bonnets roses ?", None),
            ("the red pumps in UK 6?", Some("39")),
            ("Le manteau camel vous l'avez encore ?", None),
            ("HELLO DO YOU HAVE THE STRAW HAT", None),
        ];
        for (text, expected) in cases {
            assert_eq!(size(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn quantities_orders_and_contacts() {
        assert_eq!(
            extract("Je voudrais 3 robes fleuries bleues en 38").quantity,
            Some(3)
        );
        assert_eq!(extract("deux paires de baskets").quantity, Some(2));
        assert_eq!(extract("la robe en 38").quantity, None);
        assert_eq!(
            extract("pointure 39,5 svp").quantity,
            None,
            "the half is not a quantity"
        );
        let cases = [
            ("Où en est la commande #1004 ?", Some("1004")),
            ("ma commande 1002 est arrivée ?", Some("1002")),
            ("Hello, where is my order #1009?", Some("1009")),
            (
                "ma commande amazon 402-1000001-7000001 ?",
                Some("402-1000001-7000001"),
            ),
            ("où en est ma commande mk-100245 ?", Some("MK-100245")),
            ("order 12-34567-89012 please", Some("12-34567-89012")),
            (
                "c'est la 2411301527vajh3, livrée ?",
                Some("2411301527VAJH3"),
            ),
            ("la commande de robe taille 38", None),
            ("I want assistance locating purchase 1001", Some("1001")),
            ("la robe en 38", None),
        ];
        for (text, expected) in cases {
            assert_eq!(extract(text).order.as_deref(), expected, "{text}");
        }
        let f = extract("fatou.andre@example.fr");
        assert_eq!(f.email.as_deref(), Some("fatou.andre@example.fr"));
        assert_eq!(
            extract("mon mail: <Alice.Bernard@Example.fr>")
                .email
                .as_deref(),
            Some("alice.bernard@example.fr")
        );
        assert_eq!(
            extract("appelez-moi au 06 75 39 71 57").phone.as_deref(),
            Some("0675397157")
        );
        assert_eq!(
            extract("+33 6 75 39 71 57 merci").phone.as_deref(),
            Some("+33675397157")
        );
        assert_eq!(extract("commande 1004").phone, None);
    }
}
