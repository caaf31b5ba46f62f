//! Articles and agreement for product names in replies: "la Robe Fleurie Bleue",
//! "le Pull", "les Baskets", "l'Écharpe"; "je te l'ai mise de côté", "je te les ai
//! mis de côté". The gender comes from the noun that heads the title, in a list of
//! the nouns clothes shops use; a title headed by an unknown word gets no article, so
//! nothing wrong is ever said.

use super::catalogue::stem;
use super::lang::Lang;
use super::text::{fold, words};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    pub feminine: bool,
    pub plural: bool,
}

/// Nouns that head product titles (stems, after `stem`), and whether they are feminine.
const NOUNS: &[(&str, bool)] = &[
    ("rob", true),
    ("jup", true),
    ("chemis", true),
    ("chemisier", false),
    ("blous", true),
    ("vest", true),
    ("manteau", false),
    ("doudoun", true),
    ("parka", true),
    ("pull", false),
    ("gilet", false),
    ("cardigan", false),
    ("blazer", false),
    ("trench", false),
    ("perfecto", false),
    ("blouson", false),
    ("jean", false),
    ("pantalon", false),
    ("short", false),
    ("legging", false),
    ("combinaison", true),
    ("salopett", true),
    ("top", false),
    ("shirt", false),
    ("debardeur", false),
    ("sweat", false),
    ("polo", false),
    ("body", false),
    ("tuniqu", true),
    ("escarpin", false),
    ("basket", true),
    ("bottin", true),
    ("bott", true),
    ("sandal", true),
    ("mocassin", false),
    ("ballerin", true),
    ("espadrill", true),
    ("mul", true),
    ("sac", false),
    ("pochett", true),
    ("caba", false),
    ("portefeuill", false),
    ("foulard", false),
    ("echarp", true),
    ("chal", false),
    ("ceintur", true),
    ("chapeau", false),
    ("casquett", true),
    ("bonnet", false),
    ("beret", false),
    ("gant", false),
    ("boucl", true),
    ("collier", false),
    ("bracelet", false),
    ("bagu", true),
    ("montr", true),
    ("lunett", true),
    ("maillot", false),
    ("bikini", false),
    ("pyjama", false),
    ("nuisett", true),
    ("peignoir", false),
    ("chaussett", true),
    ("collant", false),
    ("cart", true),
    ("coffret", false),
    ("parfum", false),
    ("bougi", true),
];

/// The noun heading a product title: its first or second word ("Petite Robe Noire").
pub fn noun(title: &str) -> Option<Noun> {
    for w in words(title).iter().take(2) {
        let s = stem(w);
        if let Some((_, feminine)) = NOUNS.iter().find(|(n, _)| *n == s) {
            let folded = fold(w);
            let plural = (folded.ends_with('s') || folded.ends_with('x'))
                && !matches!(folded.as_str(), "cabas" | "bas" | "jus");
            return Some(Noun {
                feminine: *feminine,
                plural,
            });
        }
    }
    None
}

/// `text` (the title, maybe with its size or colour) with its definite article.
pub fn the(title: &str, text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!("the {text}"),
        Lang::Fr => match noun(title) {
            None => text.to_string(),
            Some(Noun { plural: true, .. }) => format!("les {text}"),
            Some(_) if fold(text).starts_with(['a', 'e', 'i', 'o', 'u', 'y']) => {
                format!("l'{text}")
            }
            Some(Noun { feminine: true, .. }) => format!("la {text}"),
            Some(_) => format!("le {text}"),
        },
    }
}

/// The words that agree with the product in the replies: `{le}` ("l'" or "les "),
/// `{mis}` (mis, mise, mises), `{la}` (le, la, les), `{il}` (il, elle, ils, elles) and
/// `{revient}` (revient, reviennent) in French; `{it}` (it, them) and `{is}` (is, are) in
/// English.
pub fn agreement(title: &str) -> [(&'static str, &'static str); 7] {
    let noun = noun(title);
    let plural = noun.is_some_and(|n| n.plural);
    let feminine = noun.is_some_and(|n| n.feminine);
    let mis = match noun {
        Some(Noun {
            feminine: true,
            plural: false,
        }) => "mise",
        Some(Noun {
            feminine: true,
            plural: true,
        }) => "mises",
        _ => "mis",
    };
    [
        ("le", if plural { "les " } else { "l'" }),
        ("mis", mis),
        ("it", if plural { "them" } else { "it" }),
        (
            "la",
            match (plural, feminine) {
                (true, _) => "les",
                (false, true) => "la",
                (false, false) => "le",
            },
        ),
        (
            "il",
            match (plural, feminine) {
                (true, true) => "elles",
                (true, false) => "ils",
                (false, true) => "elle",
                (false, false) => "il",
            },
        ),
        ("revient", if plural { "reviennent" } else { "revient" }),
        ("is", if plural { "are" } else { "is" }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_follow_the_noun_that_heads_the_title() {
        let fr = |title: &str, text: &str| the(title, text, Lang::Fr);
        assert_eq!(
            fr("Robe Fleurie Bleue", "Robe Fleurie Bleue en 38"),
            "la Robe Fleurie Bleue en 38"
        );
        assert_eq!(fr("Pull Cachemire", "Pull Cachemire"), "le Pull Cachemire");
        assert_eq!(fr("Baskets Cuir Blanches", "Baskets"), "les Baskets");
        assert_eq!(
            fr("Escarpins Vernis", "Escarpins Vernis"),
            "les Escarpins Vernis"
        );
        assert_eq!(fr("Écharpe Laine", "Écharpe Laine"), "l'Écharpe Laine");
        assert_eq!(
            fr("Petite Robe Noire", "Petite Robe Noire"),
            "la Petite Robe Noire"
        );
        assert_eq!(fr("Sac Cabas Cuir", "Sac Cabas Cuir"), "le Sac Cabas Cuir");
        // An unknown head word: no article rather than a wrong one.
        assert_eq!(fr("Zyx 3000", "Zyx 3000"), "Zyx 3000");
        assert_eq!(the("Robe", "Robe en 38", Lang::En), "the Robe en 38");
    }

    #[test]
    fn the_past_participle_and_pronoun_agree() {
        let get = |title: &str, key: &str| {
            agreement(title)
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v)
                .unwrap()
        };
        assert_eq!(get("Robe Fleurie Bleue", "mis"), "mise");
        assert_eq!(get("Robe Fleurie Bleue", "le"), "l'");
        assert_eq!(get("Pull Cachemire", "mis"), "mis");
        assert_eq!(get("Baskets Cuir Blanches", "mis"), "mises");
        assert_eq!(get("Baskets Cuir Blanches", "le"), "les ");
        assert_eq!(get("Escarpins Vernis Rouges", "mis"), "mis");
        assert_eq!(get("Escarpins Vernis Rouges", "it"), "them");
        assert_eq!(get("Zyx 3000", "mis"), "mis");
        assert_eq!(get("Robe Fleurie Bleue", "il"), "elle");
        assert_eq!(get("Robe Fleurie Bleue", "la"), "la");
        assert_eq!(get("Baskets Cuir Blanches", "il"), "elles");
        assert_eq!(get("Baskets Cuir Blanches", "revient"), "reviennent");
        assert_eq!(get("Pull Cachemire", "la"), "le");
        assert_eq!(get("Escarpins Vernis Rouges", "is"), "are");
    }
}
