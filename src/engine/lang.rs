//! Which language a message is written in, French or English, from its words. Each
//! message is judged on its own (the reply follows it); a message with no telling word
//! ("38", "ok") gives no answer and the conversation's language stands.

use super::text::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Words that only, or mostly, mean something in one of the two languages.
const FRENCH: &[&str] = &[
    "le",
    "la",
    "les",
    "des",
    "du",
    "un",
    "une",
    "est",
    "et",
    "vous",
    "avez",
    "je",
    "tu",
    "il",
    "elle",
    "nous",
    "mon",
    "ma",
    "mes",
    "votre",
    "vos",
    "ton",
    "ta",
    "bonjour",
    "bonsoir",
    "salut",
    "coucou",
    "merci",
    "oui",
    "non",
    "pour",
    "avec",
    "dans",
    "sur",
    "quand",
    "pourquoi",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "ou",
    "commande",
    "taille",
    "reste",
    "encore",
    "toujours",
    "disponible",
    "disponibles",
    "cherche",
    "voudrais",
    "veux",
    "peux",
    "pouvez",
    "souhaiterais",
    "plait",
    "s'il",
    "c'est",
    "qu'il",
    "est-ce",
    "ce",
    "cette",
    "ces",
    "horaires",
    "ouverts",
    "ouvert",
    "fermez",
    "adresse",
    "livraison",
    "retour",
    "rembourser",
    "annulez",
    "annuler",
    "finalement",
    "demain",
    "aujourd'hui",
    "ce soir",
    "robe",
    "pantalon",
    "chaussures",
    "vendredi",
    "samedi",
    "dimanche",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "colis",
    "recu",
    "parler",
    "quelqu'un",
    "genial",
    "super",
    "d'accord",
    "passe",
    "passerai",
    "mettre",
    "cote",
];

const ENGLISH: &[&str] = &[
    "the",
    "do",
    "does",
    "you",
    "have",
    "has",
    "is",
    "are",
    "my",
    "your",
    "i",
    "me",
    "we",
    "it",
    "this",
    "that",
    "these",
    "hello",
    "hi",
    "hey",
    "thanks",
    "thank",
    "please",
    "yes",
    "no",
    "for",
    "with",
    "what",
    "when",
    "where",
    "why",
    "which",
    "how",
    "order",
    "size",
    "still",
    "available",
    "looking",
    "want",
    "would",
    "like",
    "can",
    "could",
    "hold",
    "open",
    "close",
    "closing",
    "address",
    "shipping",
    "delivery",
    "return",
    "refund",
    "cancel",
    "tomorrow",
    "today",
    "tonight",
    "dress",
    "shoes",
    "sneakers",
    "friday",
    "saturday",
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "package",
    "received",
    "talk",
    "someone",
    "great",
    "ok",
    "okay",
    "stock",
    "any",
    "of",
    "to",
    "in",
    "at",
    "on",
    "from",
    "shop",
    "store",
];

/// The language of `text`, or None when nothing tells.
pub fn detect(text: &str) -> Option<Lang> {
    let words = words(text);
    let mut fr = 0i32;
    let mut en = 0i32;
    for w in &words {
        // "on" and "en" are words in both; "in", "to", "of" weigh as English, and
        // French contractions (l', d', qu') as French.
        if FRENCH.contains(&w.as_str())
            || w.starts_with("l'")
            || w.starts_with("d'")
            || w.starts_with("qu'")
        {
            fr += 1;
        }
        if ENGLISH.contains(&w.as_str()) {
            en += 1;
        }
    }
    // Accented letters are a strong French sign.
    if text.to_lowercase().chars().any(|c| "éèêàçùôîœ".contains(c)) {
        fr += 2;
    }
    match fr.cmp(&en) {
        std::cmp::Ordering::Greater => Some(Lang::Fr),
        std::cmp::Ordering::Less => Some(Lang::En),
        std::cmp::Ordering::Equal => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_from_the_labelled_set() {
        let cases: &[(&str, Option<Lang>)] = &[
            (
                "Bonjour, vous avez la robe fleurie bleue en 38 ?",
                Some(Lang::Fr),
            ),
            ("slt vous avez la robe fleurie bleu en 38", Some(Lang::Fr)),
            (
                "le pull cachemire beige en M il est dispo ?",
                Some(Lang::Fr),
            ),
            ("des bonnets roses ?", Some(Lang::Fr)),
            (
                "Hi, do you have the blue floral dress in size 38?",
                Some(Lang::En),
            ),
            ("HELLO DO YOU HAVE THE STRAW HAT", Some(Lang::En)),
            (
                "is the cashmere turtleneck available in beige, size M?",
                Some(Lang::En),
            ),
            (
                "Can you hold the black leather jacket in M for me?",
                Some(Lang::En),
            ),
            ("What time do you open on Saturday?", Some(Lang::En)),
            ("Vous êtes où exactement ?", Some(Lang::Fr)),
            ("Où en est la commande #1004 ?", Some(Lang::Fr)),
            ("finalement annulez la réservation svp", Some(Lang::Fr)),
            ("38", None),
            ("fatou.andre@example.fr", None),
        ];
        for (text, expected) in cases {
            assert_eq!(detect(text), *expected, "{text}");
        }
    }
}

#[cfg(test)]
mod labelled_set {
    /// Every message of the labelled conversations (copied in `tests/data/eval/`): none
    /// may be judged in the wrong language; only fragments with no telling word ("38",
    /// "noir M", an e-mail address) may go without an answer.
    #[test]
    fn no_message_is_judged_in_the_wrong_language() {
        for file in ["dev.jsonl", "bitext.jsonl"] {
            let path = format!("{}/tests/data/eval/{file}", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).unwrap();
            let mut unanswered = Vec::new();
            for line in text.lines() {
                let case: serde_json::Value = serde_json::from_str(line).unwrap();
                let lang = case["lang"].as_str().unwrap();
                for turn in case["turns"].as_array().unwrap() {
                    let user = turn["user"].as_str().unwrap();
                    match super::detect(user) {
                        Some(l) => assert_eq!(l.code(), lang, "{file}: {user}"),
                        None => unanswered.push(user.to_string()),
                    }
                }
            }
            assert!(
                unanswered.len() <= 4,
                "{file}: too many without an answer: {unanswered:?}"
            );
            for fragment in &unanswered {
                assert!(
                    fragment.split_whitespace().count() <= 2,
                    "{file}: {fragment}"
                );
            }
        }
    }
}
