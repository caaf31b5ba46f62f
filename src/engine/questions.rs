//! Messages that ask two things at once ("c'est combien et il vous reste du 38 ?",
//! "what are your hours and where are you?"): the message is cut into clauses, each is
//! read on its own, and the questions the whole-message reading left out are answered
//! after the main one.

use super::Turn;
use super::catalogue::Matched;
use super::facts;
use super::intent::Intent;
use super::model::Model;

/// A clause must be read at least this surely to be answered on its own: a second
/// answer nobody asked for is worse than none.
const CLAUSE_CONFIDENCE: f32 = 0.6;

/// Questions answered from the shop's profile, which can follow any other answer.
pub(super) fn is_shop_info(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::ShopHours
            | Intent::ShopAddress
            | Intent::ShopContact
            | Intent::ReturnsPolicy
            | Intent::ShippingInfo
    )
}

/// Questions about the shop's products or one order, which lead the reply.
pub(super) fn is_errand(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::ProductAvailability
            | Intent::Reservation
            | Intent::Price
            | Intent::ProductSearch
            | Intent::OrderStatus
    )
}

/// The parts of a message that could each be a question: split at sentence ends and
/// at "et" / "and" / "&" between two parts of two words or more.
fn clauses(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sentence in body.split(['?', '!', '.', ';', '\n']) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        let mut start = 0;
        for (i, w) in words.iter().enumerate() {
            let joins = matches!(w.to_lowercase().as_str(), "et" | "and" | "&" | "puis");
            if joins && i - start >= 2 && words.len() - i > 2 {
                out.push(words[start..i].join(" "));
                start = i + 1;
            }
        }
        if words.len() > start {
            out.push(words[start..].join(" "));
        }
    }
    out.retain(|c| c.split_whitespace().count() >= 2);
    out
}

/// The intents of the message's clauses that the model reads surely, in order, once
/// each; nothing when the message is a single clause. Clauses keep the catalogue
/// finding of the whole message (`matched`): matching each again would cost more than
/// the rest of the turn on a big catalogue.
pub(super) fn asked(model: &Model, turn: &Turn<'_>, matched: &Matched<'_>) -> Vec<Intent> {
    let parts = clauses(&turn.body);
    if parts.len() < 2 {
        return Vec::new();
    }
    let mut out: Vec<Intent> = Vec::new();
    for part in &parts {
        let signals = super::signals(matched, &facts::extract(part));
        let reading = model.read(&super::masked(part, matched), signals);
        if reading.intent != Intent::Unknown
            && reading.confidence >= CLAUSE_CONFIDENCE
            && !out.contains(&reading.intent)
        {
            out.push(reading.intent);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_cut_at_sentence_ends_and_between_questions() {
        assert_eq!(
            clauses("Vous êtes ouverts dimanche ? Et c'est où exactement ?"),
            ["Vous êtes ouverts dimanche", "Et c'est où exactement"]
        );
        assert_eq!(
            clauses("what are your hours and where are you?"),
            ["what are your hours", "where are you"]
        );
        // "et" inside a short phrase does not cut it.
        assert_eq!(clauses("noir et blanc"), ["noir et blanc"]);
        assert_eq!(clauses("ok"), Vec::<String>::new());
    }
}
