//! Shopper text as the matchers need it: the e-mail's own words (quotes and signatures
//! cut), accents and case folded, SMS abbreviations spelled out, emojis dropped.

/// Lower case with accents removed: `Écharpe Brodée` → `echarpe brodee`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            // Typographic apostrophes and quotes become plain ones.
            '’' | '‘' | '`' | '´' => out.push('\''),
            c => out.push(c),
        }
    }
    out
}

/// SMS and chat shorthands, spelled out (after folding).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("bjr", "bonjour"),
    ("bsr", "bonsoir"),
    ("slt", "salut"),
    ("cc", "coucou"),
    ("svp", "s'il vous plait"),
    ("stp", "s'il te plait"),
    ("plz", "please"),
    ("pls", "please"),
    ("dispo", "disponible"),
    ("dispos", "disponibles"),
    ("vs", "vous"),
    ("tjrs", "toujours"),
    ("tjs", "toujours"),
    ("qd", "quand"),
    ("pk", "pourquoi"),
    ("pq", "pourquoi"),
    ("mrc", "merci"),
    ("mci", "merci"),
    ("cmd", "commande"),
    ("cde", "commande"),
    ("jsp", "je ne sais pas"),
    ("dac", "d'accord"),
    ("ok", "ok"),
    ("thx", "thanks"),
    ("ty", "thank you"),
    ("u", "you"),
    ("r", "are"),
];

/// Words of a message, folded, shorthands spelled out; digits stay with their word
/// (`38`, `1004`), emojis and punctuation go. `c possible` reads `c'est possible`.
pub fn words(text: &str) -> Vec<String> {
    let folded = fold(text);
    let mut out = Vec::new();
    for raw in folded.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let word = raw.trim_matches('\'');
        if word.is_empty() {
            continue;
        }
        match ABBREVIATIONS.iter().find(|(short, _)| *short == word) {
            Some((_, long)) => out.extend(long.split(' ').map(str::to_string)),
            None if word == "c" => out.push("c'est".into()),
            None => out.push(word.to_string()),
        }
    }
    out
}

/// Lines that start a signature or the quote of an earlier message in an e-mail.
fn ends_own_words(line: &str) -> bool {
    let l = fold(line.trim());
    l == "--"
        || l.starts_with('>')
        || (l.starts_with("le ") && l.ends_with("a ecrit :"))
        || (l.starts_with("le ") && l.ends_with("a ecrit:"))
        || (l.starts_with("on ") && l.ends_with("wrote:"))
        || l.starts_with("-----original message")
        || l.starts_with("----- message d'origine")
        || l.starts_with("de :") && l.contains('@')
        || l.starts_with("from:") && l.contains('@')
        || l.starts_with("envoye de mon")
        || l.starts_with("sent from my")
        || [
            "cordialement",
            "bien a vous",
            "bien cordialement",
            "best regards",
            "kind regards",
            "regards,",
            "best,",
            "merci d'avance,",
            "bonne journee,",
        ]
        .iter()
        .any(|s| l.starts_with(s))
}

/// The shopper's own words from an e-mail body: stops at the first quoted or signature
/// line; a signature-like line at the very start (a one-line mail) is kept.
pub fn own_words(body: &str) -> String {
    let mut kept = Vec::new();
    for (i, line) in body.lines().enumerate() {
        if i > 0 && ends_own_words(line) {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(
            fold("Écharpe BRODÉE à Noël — œuvre"),
            "echarpe brodee a noel — oeuvre"
        );
        assert_eq!(fold("l’été"), "l'ete");
    }

    #[test]
    fn words_spell_out_shorthands_and_drop_emojis() {
        assert_eq!(
            words("slt vous avez la robe fleurie bleu en 38"),
            [
                "salut", "vous", "avez", "la", "robe", "fleurie", "bleu", "en", "38"
            ]
        );
        assert_eq!(
            words("Coucou 😊 la robe en 38 c possible ?"),
            ["coucou", "la", "robe", "en", "38", "c'est", "possible"]
        );
        assert_eq!(
            words("dispo la blouse brodée en M?"),
            ["disponible", "la", "blouse", "brodee", "en", "m"]
        );
        assert_eq!(
            words("vs avez le jean svp"),
            ["vous", "avez", "le", "jean", "s'il", "vous", "plait"]
        );
        assert_eq!(
            words("Où en est la commande #1004 ?"),
            ["ou", "en", "est", "la", "commande", "1004"]
        );
        assert_eq!(
            words("Est-ce qu'il vous reste"),
            ["est", "ce", "qu'il", "vous", "reste"]
        );
    }

    #[test]
    fn e_mail_quotes_and_signatures_are_cut() {
        let body = "Bonjour,\n\nJe souhaiterais savoir si la veste est disponible en M.\n\nCordialement,\nMarie Dupont\n06 12 34 56 78\n\nLe 12 nov. 2025 à 10:00, Élégance Paris <hello@elegance-paris.com> a écrit :\n> Bonjour Marie";
        assert_eq!(
            own_words(body),
            "Bonjour,\n\nJe souhaiterais savoir si la veste est disponible en M."
        );
        let reply = "Yes please hold it\n\nOn Wed, Nov 12, 2025 at 10:00 AM Elegance <hello@elegance-paris.com> wrote:\n> We have it";
        assert_eq!(own_words(reply), "Yes please hold it");
        assert_eq!(
            own_words("Merci !\n--\nJean\nSent from my iPhone"),
            "Merci !"
        );
        assert_eq!(
            own_words("Cordialement"),
            "Cordialement",
            "a one-line mail keeps its words"
        );
    }
}
