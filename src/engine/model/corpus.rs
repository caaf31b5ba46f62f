//! The assistant's training corpus: plain text files in `assets/corpus/`, one per
//! language, that a shop could read and extend.
//!
//! ```text
//! # a comment
//! [order_status]            every line below is an example of this intent
//! où en est ma commande {order} ?
//! [@order]                  values for a placeholder, picked in turn
//! 1042
//! ```
//! Placeholders: `{product}` names one product (the model sees "a product was named"),
//! `{kind}` a kind of product ("des robes"), and `{size}`, `{color}`, `{order}`,
//! `{email}`, `{day}`, `{place}` plain values. Each example is also seen framed as
//! people write (a greeting before, a thank-you after) and with a typo, so those
//! registers need no examples of their own.

use super::Example;
use super::features::{Hint, Signals};
use crate::engine::intent::Intent;
use crate::engine::{catalogue, facts};

pub const FRENCH: &str = include_str!("../../../assets/corpus/fr.txt");
pub const ENGLISH: &str = include_str!("../../../assets/corpus/en.txt");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorpusError {
    #[error("line {line}: `[{name}]` is not an intent (one of: {known})")]
    UnknownIntent {
        line: usize,
        name: String,
        known: String,
    },
    #[error("line {line}: an example comes before any `[intent]` heading")]
    NoHeading { line: usize },
    #[error("line {line}: `{{{name}}}` has no `[@{name}]` list of values")]
    NoValues { line: usize, name: String },
}

/// A parsed corpus file: examples with their placeholders still in.
struct Parsed {
    examples: Vec<(usize, Intent, String)>,
    values: Vec<(String, Vec<String>)>,
}

fn parse(text: &str) -> Result<Parsed, CorpusError> {
    let mut parsed = Parsed {
        examples: Vec::new(),
        values: Vec::new(),
    };
    enum Section {
        None,
        Intent(Intent),
        Values(usize),
    }
    let mut section = Section::None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = if let Some(list) = name.strip_prefix('@') {
                parsed.values.push((list.to_string(), Vec::new()));
                Section::Values(parsed.values.len() - 1)
            } else {
                let intent = Intent::from_code(name).ok_or_else(|| CorpusError::UnknownIntent {
                    line: i + 1,
                    name: name.to_string(),
                    known: Intent::ALL.map(Intent::code).join(", "),
                })?;
                Section::Intent(intent)
            };
            continue;
        }
        match section {
            Section::None => return Err(CorpusError::NoHeading { line: i + 1 }),
            Section::Intent(intent) => parsed.examples.push((i + 1, intent, line.to_string())),
            Section::Values(at) => parsed.values[at].1.push(line.to_string()),
        }
    }
    Ok(parsed)
}

/// Small deterministic picks (the same corpus always gives the same examples).
fn pick(seed: usize, salt: usize, len: usize) -> usize {
    let mut x = (seed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (salt as u64 + 1);
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 32;
    (x % len.max(1) as u64) as usize
}

/// The signals the engine would find in `text`, with the product hint the placeholders
/// stand for.
pub fn signals_of(text: &str, hint: Hint) -> Signals {
    let f = facts::extract(text);
    Signals {
        hint,
        size: f.size.is_some(),
        order_number: f.order.is_some(),
        email: f.email.is_some(),
    }
}

fn expand(
    line_no: usize,
    template: &str,
    round: usize,
    values: &[(String, Vec<String>)],
) -> Result<(String, Hint), CorpusError> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut hint = Hint::None;
    let mut rest = template;
    let mut n = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let list = values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| CorpusError::NoValues {
                line: line_no,
                name: name.to_string(),
            })?;
        let value = &list[pick(line_no * 7 + round, n, list.len())];
        match name {
            // The product's name is left out: what was found is the signal.
            "product" => out.push_str(&catalogue::mask_names(value, &[value])),
            _ => out.push_str(value),
        }
        match name {
            "product" => hint = Hint::Specific,
            "kind" if hint == Hint::None => hint = Hint::Category,
            _ => {}
        }
        n += 1;
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok((out, hint))
}

/// One letter dropped or two swapped in the message's longest word: what thumbs do.
fn typo(text: &str, seed: usize) -> Option<String> {
    let word = text
        .split_whitespace()
        .filter(|w| {
            w.chars().count() >= 5
                && w.chars().all(char::is_alphabetic)
                && *w != catalogue::NAME_TOKEN
        })
        .max_by_key(|w| w.chars().count())?;
    let chars: Vec<char> = word.chars().collect();
    let at = 1 + pick(seed, 99, chars.len() - 2);
    let mut changed = chars.clone();
    if seed % 2 == 0 {
        changed.remove(at);
    } else {
        changed.swap(at, at + 1);
    }
    let changed: String = changed.into_iter().collect();
    Some(text.replacen(word, &changed, 1))
}

const FRAMES_FR: [(&str, &str); 6] = [
    ("Bonjour, ", ""),
    ("bjr ", " svp"),
    ("Bonjour madame, ", " Merci d'avance."),
    ("", " merci"),
    ("Salut ! ", ""),
    ("Bonsoir, ", " Bonne soirée"),
];
const FRAMES_EN: [(&str, &str); 6] = [
    ("Hello, ", ""),
    ("hi ", " pls"),
    ("Good morning, ", " Thanks in advance."),
    ("", " thanks"),
    ("Hey! ", ""),
    ("Hi there, ", " Many thanks"),
];

/// The examples of one corpus file, placeholders filled, with their framed and
/// misspelt variants; groups are numbered from `first_group`, one per written line.
pub fn examples(
    text: &str,
    english: bool,
    first_group: usize,
) -> Result<Vec<Example>, CorpusError> {
    let parsed = parse(text)?;
    let frames = if english { &FRAMES_EN } else { &FRAMES_FR };
    let mut out = Vec::with_capacity(parsed.examples.len() * 3);
    for (k, (line, intent, template)) in parsed.examples.iter().enumerate() {
        let rounds = if template.contains('{') { 2 } else { 1 };
        for round in 0..rounds {
            let (text, hint) = expand(*line, template, round, &parsed.values)?;
            let mut push = |text: String| {
                let signals = signals_of(&text, hint);
                out.push(Example {
                    text,
                    intent: *intent,
                    signals,
                    group: first_group + k,
                });
            };
            // Greetings and thanks are not framed: "Bonjour, merci" is still thanks,
            // but framing them would teach the opposite. Nor is a line with less than
            // two words ("???", "test"): with a greeting it becomes one.
            let words = text
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .count();
            if !matches!(intent, Intent::Greeting | Intent::Thanks)
                && words >= 2
                && (k + round) % 3 == 0
            {
                let (before, after) = frames[pick(k, round, frames.len())];
                push(format!("{before}{text}{after}"));
            }
            if (k + round) % 4 == 1
                && let Some(t) = typo(&text, k)
            {
                push(t);
            }
            push(text);
        }
    }
    Ok(out)
}

/// The corpus the project ships, both languages.
pub fn builtin() -> Result<Vec<Example>, CorpusError> {
    let mut all = examples(FRENCH, false, 0)?;
    let next = all.last().map_or(0, |e| e.group + 1);
    all.extend(examples(ENGLISH, true, next)?);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_corpus_reads_and_covers_every_intent_in_both_languages() {
        for (text, english) in [(FRENCH, false), (ENGLISH, true)] {
            let examples = examples(text, english, 0).unwrap();
            for intent in Intent::ALL {
                let n = examples.iter().filter(|e| e.intent == intent).count();
                assert!(
                    n >= 50,
                    "{} has {n} examples (english: {english})",
                    intent.code()
                );
            }
        }
    }

    #[test]
    fn placeholders_are_filled_and_the_product_is_a_signal_not_a_name() {
        let text = "[price]\ncombien coûte {product} ?\n[@product]\nla robe rouge\n";
        let examples = examples(text, false, 0).unwrap();
        assert!(examples.iter().all(|e| !e.text.contains('{')));
        // The product's name is left out: the signal says a product was named.
        let masked = format!("la {}", catalogue::NAME_TOKEN);
        assert!(
            examples.iter().all(|e| e.text.contains(&masked)),
            "{examples:?}"
        );
        assert!(examples.iter().all(|e| !e.text.contains("rouge")));
        assert!(examples.iter().all(|e| e.signals.hint == Hint::Specific));
    }

    #[test]
    fn mistakes_in_a_corpus_name_their_line() {
        assert_eq!(
            parse("[shop_hourz]\nx")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()[..30],
            "line 1: `[shop_hourz]` is not "[..30].to_string()
        );
        assert_eq!(
            parse("hello").err(),
            Some(CorpusError::NoHeading { line: 1 })
        );
        assert!(matches!(
            examples("[price]\n{nope}", false, 0),
            Err(CorpusError::NoValues { line: 2, .. })
        ));
    }

    #[test]
    fn typos_change_one_word() {
        let t = typo("vous avez des chemises", 3).unwrap();
        assert_ne!(t, "vous avez des chemises");
        assert!(t.starts_with("vous avez des "));
    }
}
