//! What the intent model sees of a message: its normalised words (accents, case and SMS
//! shorthand folded by `text::words`), word pairs, the character 3–5-grams of each word
//! (so typos and missing accents still share most of their features), and a few signals
//! that exact rules or the catalogue matcher found (a product named, a size, an order
//! number, an e-mail address). Features are hashed to 64 bits, stable across runs.

use crate::engine::text::words;

/// What was found outside the words themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Signals {
    pub hint: Hint,
    pub size: bool,
    pub order_number: bool,
    pub email: bool,
}

/// What the catalogue matcher found in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hint {
    #[default]
    None,
    /// A kind of product ("des robes de soirée", "any bags").
    Category,
    /// One product, or a few alike ("la robe fleurie bleue").
    Specific,
}

impl Hint {
    pub fn code(self) -> &'static str {
        match self {
            Hint::None => "none",
            Hint::Category => "category",
            Hint::Specific => "specific",
        }
    }

    pub fn from_code(code: &str) -> Hint {
        match code {
            "category" => Hint::Category,
            "specific" => Hint::Specific,
            _ => Hint::None,
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// A character n-gram's hash, straight from the characters (no string is built: this
/// runs for every n-gram of every message).
fn gram(chars: &[char]) -> u64 {
    let mut h = (FNV_OFFSET ^ 2).wrapping_mul(FNV_PRIME);
    let mut buf = [0u8; 4];
    for c in chars {
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// FNV-1a: small, fast and the same on every machine and build.
fn hash(kind: u8, parts: &[&str]) -> u64 {
    let mut h: u64 = FNV_OFFSET;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    };
    eat(kind);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            eat(0x1f);
        }
        p.bytes().for_each(&mut eat);
    }
    h
}

/// Digits say little by their value: "1004" and "2291" are both a number of four digits.
fn shape(word: &str) -> String {
    if word.chars().all(|c| c.is_ascii_digit()) {
        format!("#{}", word.len().min(6))
    } else {
        word.to_string()
    }
}

/// The features of a message, deduplicated and sorted.
pub fn extract(text: &str, signals: Signals) -> Vec<u64> {
    let ws: Vec<String> = words(text).iter().map(|w| shape(w)).collect();
    let mut out = Vec::with_capacity(ws.len() * 14 + 8);
    out.push(hash(0, &["bias"]));
    for w in &ws {
        out.push(hash(1, &[w]));
        // Character n-grams of the word with its boundaries: "<robe>".
        let mut chars: Vec<char> = Vec::with_capacity(w.len() + 2);
        chars.push('<');
        chars.extend(w.chars());
        chars.push('>');
        for n in 3..=5 {
            out.extend(chars.windows(n).map(gram));
        }
    }
    for pair in ws.windows(2) {
        out.push(hash(3, &[&pair[0], &pair[1]]));
    }
    if let Some(first) = ws.first() {
        out.push(hash(4, &[first]));
    }
    out.push(hash(5, &[signals.hint.code()]));
    if signals.size {
        out.push(hash(5, &["size"]));
    }
    if signals.order_number {
        out.push(hash(5, &["order_number"]));
    }
    if signals.email {
        out.push(hash(5, &["email"]));
    }
    // Short messages behave differently ("merci !", "yo") from long ones.
    let length = match ws.len() {
        0..=2 => "short",
        3..=8 => "medium",
        _ => "long",
    };
    out.push(hash(5, &[length]));
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_shorthand_do_not_change_the_features() {
        let a = extract("Où est la boutique ?", Signals::default());
        let b = extract("ou est la BOUTIQUE", Signals::default());
        assert_eq!(a, b);
        assert_eq!(
            extract("vs avez", Signals::default()),
            extract("vous avez", Signals::default())
        );
    }

    #[test]
    fn a_typo_keeps_most_character_grams() {
        let a = extract("horaires", Signals::default());
        let b = extract("horraires", Signals::default());
        let shared = a.iter().filter(|f| b.binary_search(f).is_ok()).count();
        assert!(shared * 2 > a.len(), "{shared} of {}", a.len());
    }

    #[test]
    fn a_gram_hashes_as_the_same_text_would() {
        let chars: Vec<char> = "<rob".chars().collect();
        assert_eq!(gram(&chars), hash(2, &["<rob"]));
    }

    #[test]
    fn signals_are_features() {
        let plain = extract("en 38", Signals::default());
        let sized = extract(
            "en 38",
            Signals {
                size: true,
                hint: Hint::Specific,
                ..Signals::default()
            },
        );
        assert_ne!(plain, sized);
    }
}
