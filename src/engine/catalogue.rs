//! The catalogue index the engine matches questions against: built once from the
//! products (never a scan of all variants per message), words stemmed the same way on
//! both sides, English words translated to the French names shops use, small typos
//! forgiven in proportion to a word's length, colours matched against each product's own
//! option values.

use std::collections::{HashMap, HashSet};

use super::text::{fold, words};

#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: i64,
    pub store_id: i64,
    pub handle: String,
    pub title: String,
    pub product_type: String,
    /// The shop's tags ("robe, soirée"): they say which kinds a product belongs to.
    pub tags: Vec<String>,
    pub option_names: Vec<String>,
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub id: i64,
    pub title: String,
    /// What reservations are keyed by: the SKU, or the platform's variant id without one.
    pub item_key: String,
    pub price_cents: Option<i64>,
    pub options: [Option<String>; 3],
}

/// A word reduced so that forms of it meet: plural and feminine endings removed
/// (`blanches` → `blanc`, `bleue` → `bleu`, `plissée` → `pliss`).
pub fn stem(word: &str) -> String {
    let mut w = fold(word);
    // Plurals lose their s or x; "gris" and "dress" are not plurals (they would no
    // longer meet "grise" and "dresses").
    let not_plural = (w.chars().count() <= 4 && w.ends_with("is")) || w.ends_with("ss");
    if w.chars().count() > 3 && (w.ends_with('s') || w.ends_with('x')) && !not_plural {
        w.pop();
    }
    if w.chars().count() > 4 && w.ends_with("che") {
        w.truncate(w.len() - 3);
        w.push('c');
    }
    while w.chars().count() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// English words shoppers use for French-named products and colours, and what they are
/// in the shop's words (French stems, after `stem`).
const LEXICON: &[(&str, &[&str])] = &[
    ("dress", &["rob"]),
    ("sneaker", &["basket"]),
    ("trainer", &["basket"]),
    ("turtleneck", &["col", "roul"]),
    ("coat", &["manteau"]),
    ("jacket", &["vest", "perfecto"]),
    ("leather", &["cuir"]),
    ("wool", &["lain"]),
    ("skirt", &["jup"]),
    ("shirt", &["chemis"]),
    ("sweater", &["pull"]),
    ("jumper", &["pull"]),
    ("pump", &["escarpin"]),
    ("heel", &["escarpin"]),
    ("patent", &["verni"]),
    ("boot", &["bottin"]),
    ("bag", &["sac"]),
    ("hat", &["chapeau"]),
    ("straw", &["paill"]),
    ("scarf", &["foulard", "echarp"]),
    ("silk", &["soi"]),
    ("cashmer", &["cachemir"]),
    ("belt", &["ceintur"]),
    ("swimsuit", &["maillot"]),
    ("lace", &["dentell"]),
    ("floral", &["fleuri"]),
    ("flower", &["fleuri"]),
    ("pleated", &["pliss"]),
    ("wrap", &["portefeuill"]),
    ("linen", &["lin"]),
    ("denim", &["jean"]),
    ("trouser", &["pantalon"]),
    ("pant", &["pantalon"]),
    ("tote", &["cabas"]),
    ("crossbody", &["bandoulier"]),
    ("beanie", &["bonnet"]),
    ("evening", &["soire"]),
    ("earring", &["boucl"]),
    ("necklace", &["collier"]),
    ("sunglass", &["lunett"]),
    ("pyjama", &["pyjama"]),
    ("sandal", &["sandal"]),
    ("loafer", &["mocassin"]),
    ("black", &["noir"]),
    ("white", &["blanc"]),
    ("blue", &["bleu"]),
    ("red", &["roug"]),
    ("green", &["vert"]),
    ("pink", &["ros"]),
    ("navy", &["marin"]),
    ("grey", &["gris"]),
    ("gray", &["gris"]),
    ("brown", &["marron"]),
    ("yellow", &["jaun"]),
    ("emerald", &["emeraud"]),
    ("burgundy", &["bordeau"]),
    ("khaki", &["kaki"]),
    ("gold", &["dor"]),
    ("ivory", &["ivoir"]),
    ("cream", &["crem"]),
    ("summer", &["ete"]),
    ("winter", &["hiver"]),
    ("beach", &["plag"]),
    ("knit", &["maill"]),
    ("knitwear", &["maill"]),
    ("jewellery", &["bijou"]),
    ("jewelry", &["bijou"]),
    ("shoe", &["chaussur"]),
    ("tan", &["camel"]),
    ("sage", &["saug"]),
    ("olive", &["kaki"]),
    ("wine", &["bordeau"]),
    ("maroon", &["bordeau"]),
    ("nude", &["beig"]),
    ("charcoal", &["gris"]),
    ("silver", &["argent"]),
    ("purple", &["violet"]),
];

/// Words that carry no product meaning.
const STOP: &[&str] = &[
    "le",
    "la",
    "les",
    "l'",
    "un",
    "une",
    "des",
    "du",
    "de",
    "d'",
    "en",
    "et",
    "ou",
    "a",
    "au",
    "aux",
    "vous",
    "avez",
    "avez-vous",
    "est",
    "il",
    "elle",
    "ils",
    "reste",
    "encore",
    "toujours",
    "disponible",
    "disponibles",
    "dispo",
    "bonjour",
    "salut",
    "coucou",
    "svp",
    "s'il",
    "plait",
    "taille",
    "pointure",
    "size",
    "the",
    "do",
    "you",
    "have",
    "any",
    "is",
    "are",
    "still",
    "available",
    "in",
    "hi",
    "hello",
    "please",
    "ce",
    "cette",
    "modele",
    "je",
    "cherche",
    "voudrais",
    "c'est",
    "possible",
    "tu",
    "as",
    "y",
    "qu'il",
    "est-ce",
    "for",
    "me",
    "a",
    "of",
    "my",
    "can",
    "hold",
    "pour",
    "moi",
    "mettre",
    "cote",
    "pouvez",
    "pouvez-vous",
    "an",
    // Ways of asking to see things: "faites-moi voir vos robes", "got any dresses?".
    "got",
    "show",
    "see",
    "some",
    "your",
    "vos",
    "voir",
    "faites",
    "montrez",
    "montre",
    "quoi",
    "comme",
];

/// Whether a (folded) word carries no product meaning.
pub fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

struct Entry {
    product: Product,
    /// Stems of the title's words.
    title: Vec<String>,
    /// Stems of the product type's words.
    kind: Vec<String>,
    /// Stems of the tags' words.
    tags: Vec<String>,
    /// Stems of every option value (colours, sizes).
    options: HashSet<String>,
}

/// Entries holding a stem, by where they hold it.
#[derive(Default)]
struct Postings {
    title: Vec<usize>,
    kind: Vec<usize>,
    options: Vec<usize>,
    tags: Vec<usize>,
}

/// The index; cheap to share (build once after each sync, swap atomically).
pub struct Index {
    entries: Vec<Entry>,
    /// Stem → entries whose title, type, options or tags hold it.
    postings: HashMap<String, Postings>,
    /// Product row id → entry.
    by_id: HashMap<i64, usize>,
}

/// What a question names.
#[derive(Debug, PartialEq)]
pub enum Matched<'a> {
    /// One product, clearly.
    One(&'a Product),
    /// Several products fit as well: ask which.
    Several(Vec<&'a Product>),
    /// A kind of product ("des robes", "any bags"), not one of them.
    Category(Vec<&'a Product>),
    Nothing,
}

fn allowed_typos(word: &str) -> usize {
    match word.chars().count() {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

/// What a product's name becomes in what the intent model reads, in the corpus and in
/// shoppers' messages alike: the model learns from the matcher's finding that a product
/// was named, never from the names the corpus happened to pick ("le trench" says
/// nothing about a complaint).
pub const NAME_TOKEN: &str = "xproduitx";

/// `text`'s words with those of the product names `titles` replaced by one token.
pub fn mask_names(text: &str, titles: &[&str]) -> String {
    let stems: HashSet<String> = titles
        .iter()
        .flat_map(|t| words(t))
        .filter(|w| !is_stop(w))
        .map(|w| stem(&w))
        .collect();
    let mut out: Vec<String> = Vec::new();
    for w in words(text) {
        let named = !is_stop(&w) && meanings(&w).iter().any(|m| stems.contains(m));
        if !named {
            out.push(w);
        } else if out.last().map(String::as_str) != Some(NAME_TOKEN) {
            out.push(NAME_TOKEN.to_string());
        }
    }
    out.join(" ")
}

/// The lexicon by the stem of its English words, built once.
fn lexicon() -> &'static HashMap<String, &'static [&'static str]> {
    static STEMMED: std::sync::OnceLock<HashMap<String, &'static [&'static str]>> =
        std::sync::OnceLock::new();
    STEMMED.get_or_init(|| LEXICON.iter().map(|(en, fr)| (stem(en), *fr)).collect())
}

/// Stems a query word may stand for: itself, and its translations.
pub(crate) fn meanings(word: &str) -> Vec<String> {
    let s = stem(word);
    let mut out = vec![s.clone()];
    if let Some(french) = lexicon().get(s.as_str()) {
        out.extend(french.iter().map(|f| f.to_string()));
    }
    out
}

impl Index {
    pub fn new(products: Vec<Product>) -> Self {
        let mut entries = Vec::with_capacity(products.len());
        let mut postings: HashMap<String, Postings> = HashMap::new();
        let mut by_id = HashMap::with_capacity(products.len());
        for (i, product) in products.into_iter().enumerate() {
            by_id.insert(product.id, i);
            let title: Vec<String> = words(&product.title)
                .iter()
                .filter(|w| !STOP.contains(&w.as_str()))
                .map(|w| stem(w))
                .collect();
            let kind: Vec<String> = words(&product.product_type)
                .iter()
                .map(|w| stem(w))
                .collect();
            let options: HashSet<String> = product
                .variants
                .iter()
                .flat_map(|v| v.options.iter().flatten())
                .flat_map(|value| words(value))
                .map(|w| stem(&w))
                .collect();
            let mut tags: Vec<String> = product
                .tags
                .iter()
                .flat_map(|t| words(t))
                .map(|w| stem(&w))
                .collect();
            tags.sort_unstable();
            tags.dedup();
            let fields = [
                (&title[..], 0),
                (&kind[..], 1),
                (&options.iter().cloned().collect::<Vec<_>>()[..], 2),
                (&tags[..], 3),
            ];
            for (stems, field) in fields {
                for s in stems {
                    let p = postings.entry(s.clone()).or_default();
                    let list = match field {
                        0 => &mut p.title,
                        1 => &mut p.kind,
                        2 => &mut p.options,
                        _ => &mut p.tags,
                    };
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
            entries.push(Entry {
                product,
                title,
                kind,
                tags,
                options,
            });
        }
        Index {
            entries,
            postings,
            by_id,
        }
    }

    /// Products of the kind a question names: every word of it in their name, type or
    /// tags ("des robes de soirée": robes tagged "soirée" as well as the one so named).
    pub fn kind_of(&self, question: &str) -> Vec<&Product> {
        let query = self.query(question);
        let Some(first) = query.first() else {
            return Vec::new();
        };
        let mut candidates: Vec<usize> = first
            .iter()
            .filter_map(|s| self.postings.get(s))
            .flat_map(|p| p.title.iter().chain(&p.kind).chain(&p.tags))
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let any = |set: &HashSet<String>, pool: &[String]| pool.iter().any(|s| set.contains(s));
        candidates
            .into_iter()
            .filter(|&i| {
                let e = &self.entries[i];
                query
                    .iter()
                    .all(|set| any(set, &e.title) || any(set, &e.kind) || any(set, &e.tags))
            })
            .map(|i| &self.entries[i].product)
            .collect()
    }

    /// The content words of a question, each as the set of stems it may stand for:
    /// itself, its translations, and (when the index lacks it) stems within its typo
    /// allowance. Computed once per question, so matching is set lookups.
    fn query(&self, question: &str) -> Vec<HashSet<String>> {
        words(question)
            .iter()
            .filter(|w| {
                !STOP.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()) && w.len() > 1
            })
            .take(32)
            .map(|w| {
                let mut set: HashSet<String> = HashSet::new();
                let meant = meanings(w);
                // A word the lexicon knows is no typo ("dress" is not "tressé").
                let known = meant.len() > 1;
                for m in meant {
                    let allowed = allowed_typos(&m);
                    if allowed > 0 && !known && !self.postings.contains_key(&m) {
                        set.extend(
                            self.postings
                                .keys()
                                .filter(|s| s.len() > 4 && distance(&m, s) <= allowed)
                                .cloned(),
                        );
                    }
                    set.insert(m);
                }
                set
            })
            .collect()
    }

    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.entries.iter().map(|e| &e.product)
    }

    pub fn product(&self, id: i64) -> Option<&Product> {
        self.by_id.get(&id).map(|&i| &self.entries[i].product)
    }

    /// Whether `word` (a stem) belongs to the product's title or option values.
    pub fn describes(&self, product: i64, word: &str) -> bool {
        self.by_id.get(&product).is_some_and(|&i| {
            let e = &self.entries[i];
            Self::hits(word, &e.title) || Self::hits(word, &e.options)
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The stem in `pool` that `meaning` names, exactly or within its typo allowance.
    fn hits<'a>(meaning: &str, pool: impl IntoIterator<Item = &'a String>) -> bool {
        let allowed = allowed_typos(meaning);
        pool.into_iter().any(|s| {
            s == meaning || (allowed > 0 && s.len() > 4 && distance(meaning, s) <= allowed)
        })
    }

    /// Which product(s) a question names.
    pub fn find(&self, question: &str) -> Matched<'_> {
        let query = self.query(question);
        if query.is_empty() {
            return Matched::Nothing;
        }
        // For each entry, which query words it holds in its title, options and type
        // (one bit per word), from the postings alone.
        let mut masks: HashMap<usize, [u32; 3]> = HashMap::new();
        for (i, set) in query.iter().enumerate() {
            let bit = 1u32 << i;
            for p in set.iter().filter_map(|s| self.postings.get(s)) {
                for (list, field) in [(&p.title, 0), (&p.options, 1), (&p.kind, 2)] {
                    for &e in list {
                        masks.entry(e).or_default()[field] |= bit;
                    }
                }
            }
        }
        let n = query.len() as i32;
        let mut scored: Vec<Score> = Vec::new();
        for (entry, [title, options, kind]) in masks {
            if title == 0 && kind == 0 {
                continue;
            }
            let in_title = title.count_ones() as i32;
            let in_options = (options & !title).count_ones() as i32;
            let in_kind = (kind & !title & !options).count_ones() as i32;
            let unknown = n - (title | options | kind).count_ones() as i32;
            // Title words weigh most; a colour among the options helps; words that fit
            // nothing in this product count against it.
            let key = in_title * 10 + in_options * 4 + in_kind * 3 - unknown * 6;
            scored.push(Score {
                key,
                uncovered: 0,
                in_title,
                entry,
            });
        }
        // Among the best, the title with fewest words the question leaves out wins.
        let best_key = scored.iter().map(|s| s.key).max();
        for s in scored.iter_mut().filter(|s| Some(s.key) == best_key) {
            s.uncovered = self.entries[s.entry]
                .title
                .iter()
                .filter(|t| !query.iter().any(|set| set.contains(*t)))
                .count() as i32;
        }
        scored.sort_by(|a, b| {
            b.key
                .cmp(&a.key)
                .then(a.uncovered.cmp(&b.uncovered))
                .then(a.entry.cmp(&b.entry))
        });
        let Some(best) = scored.first().copied() else {
            return Matched::Nothing;
        };
        let product = |s: &Score| &self.entries[s.entry].product;
        let group: Vec<&Score> = scored.iter().filter(|s| s.key == best.key).collect();
        if best.in_title == 0 {
            return Matched::Category(group.into_iter().map(product).collect());
        }
        // One shared word ("pull", "sac") fits several products equally: ask which.
        if group.len() > 1 && best.in_title == 1 {
            return Matched::Several(group.into_iter().map(product).collect());
        }
        let closest: Vec<&Score> = group
            .into_iter()
            .filter(|s| s.uncovered == best.uncovered)
            .collect();
        match closest.as_slice() {
            [one] => Matched::One(product(one)),
            _ => Matched::Several(closest.into_iter().map(product).collect()),
        }
    }
}

#[derive(Clone, Copy)]
struct Score {
    key: i32,
    uncovered: i32,
    in_title: i32,
    entry: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_names_are_masked_in_any_language() {
        let titles = ["Trench Classique Beige"];
        assert_eq!(
            mask_names("Vous avez le trench classique ?", &titles),
            format!("vous avez le {NAME_TOKEN}")
        );
        assert_eq!(
            mask_names(
                "do you have the blue floral dress in 38?",
                &["Robe Fleurie Bleue"]
            ),
            format!("do you have the {NAME_TOKEN} in 38")
        );
        assert_eq!(
            mask_names("vous êtes ouverts ?", &titles),
            "vous etes ouverts"
        );
    }

    #[test]
    fn stems_meet() {
        for (a, b) in [
            ("blanches", "blanc"),
            ("bleue", "bleu"),
            ("plissée", "plisse"),
            ("Robes", "robe"),
            ("noire", "noir"),
            ("Escarpins", "escarpin"),
            ("dresses", "dress"),
            ("grises", "gris"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} ~ {b}");
        }
        assert_eq!(distance("cachemire", "cachemir"), 1);
    }
}

#[cfg(test)]
pub(crate) mod demo_index {
    use super::*;
    use crate::stores::model::Record;

    /// One product of the demo shop, by handle.
    pub(crate) fn product(handle: &str) -> Product {
        index()
            .products()
            .find(|p| p.handle == handle)
            .cloned()
            .unwrap()
    }

    /// The demo shop's catalogue as the engine sees it.
    pub(crate) fn index() -> Index {
        let records = crate::demo::catalogue(None).unwrap();
        let mut products: Vec<Product> = Vec::new();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for r in &records {
            if let Record::Product(p) = r {
                ids.insert(p.external_id.clone(), products.len());
                products.push(Product {
                    id: products.len() as i64,
                    store_id: 1,
                    handle: p.handle.clone(),
                    title: p.title.clone(),
                    product_type: p.product_type.clone(),
                    tags: p.tags.split(',').map(|t| t.trim().to_string()).collect(),
                    option_names: p.option_names.clone(),
                    variants: Vec::new(),
                });
            }
        }
        for r in &records {
            if let Record::Variant(v) = r {
                let p = ids[&v.product_external_id];
                let id = products[p].variants.len() as i64;
                products[p].variants.push(Variant {
                    id,
                    title: v.title.clone(),
                    item_key: v.sku.clone(),
                    price_cents: v.price_cents,
                    options: v.options.clone(),
                });
            }
        }
        Index::new(products)
    }

    /// Every first message of the labelled conversations that names a product finds
    /// exactly that product (follow-ups like "en 34" need the dialogue state).
    #[test]
    fn labelled_first_messages_find_their_product() {
        let index = index();
        let mut checked = 0;
        for file in ["dev.jsonl", "bitext.jsonl"] {
            let text = std::fs::read_to_string(format!(
                "{}/tests/data/eval/{file}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            for line in text.lines() {
                let case: serde_json::Value = serde_json::from_str(line).unwrap();
                let first = &case["turns"][0];
                let (user, expected) =
                    (first["user"].as_str().unwrap(), &first["expect"]["product"]);
                let Some(handle) = expected.as_str() else {
                    continue;
                };
                match index.find(user) {
                    Matched::One(p) => assert_eq!(p.handle, handle, "{user}"),
                    other => panic!("{user}: expected {handle}, got {other:?}"),
                }
                checked += 1;
            }
        }
        assert!(
            checked >= 40,
            "the labelled set has product questions: {checked}"
        );
    }

    #[test]
    fn categories_several_and_nothing() {
        let index = index();
        assert!(matches!(
            index.find("do you have any bags?"),
            Matched::Category(_) | Matched::Several(_)
        ));
        assert!(matches!(
            index.find("Vous avez des robes de soirée ?"),
            Matched::One(_) | Matched::Category(_)
        ));
        // "le pull" fits the cashmere pull and the pull dress: ask which.
        match index.find("Vous avez le pull en M ?") {
            Matched::Several(ps) => {
                assert!(ps.iter().any(|p| p.handle == "pull-cachemire-col-roule"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(index.find("Quel temps fait-il à Paris ?"), Matched::Nothing);
        assert_eq!(index.find("38"), Matched::Nothing);
    }
}
