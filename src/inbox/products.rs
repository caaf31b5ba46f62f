//! The product panel beside a conversation: the catalogue searched as the bot reads it
//! (typos, accents, sizes and colours), stock per location net of holds, a line to
//! insert in the reply, and a hold created for the shopper.

use jiff::Timestamp;
use maud::{Markup, html};
use rusqlite::Connection;

use crate::assistant::shop_data::held;
use crate::engine::catalogue::{Index, Matched, Product, Variant};
use crate::error::AppError;
use crate::web::components::csrf_input;
use crate::web::paths;

/// How many products a search shows.
const SHOWN: usize = 5;

#[derive(Debug, Clone)]
pub struct Found {
    pub title: String,
    pub variants: Vec<FoundVariant>,
}

#[derive(Debug, Clone)]
pub struct FoundVariant {
    pub id: i64,
    pub title: String,
    /// (location, counts as the shop, units) for each active location.
    pub stock: Vec<(String, bool, i64)>,
    /// Units at the shop's own locations, less active holds.
    pub at_shop: i64,
    /// Units of it put aside for shoppers (active holds).
    pub held: i64,
}

impl FoundVariant {
    /// The line a teammate inserts: "Robe fleurie disponible en 38 (2 en boutique)".
    pub fn sentence(&self, product: &str) -> String {
        let variant = if self.title.is_empty() || self.title == "Default Title" {
            String::new()
        } else {
            format!(" en {}", self.title)
        };
        if self.at_shop > 0 {
            return format!(
                "{product} disponible{variant} ({} en boutique)",
                self.at_shop
            );
        }
        let elsewhere: Vec<String> = self
            .stock
            .iter()
            .filter(|(_, shop, n)| !shop && *n > 0)
            .map(|(name, _, n)| format!("{n} à {name}"))
            .collect();
        if elsewhere.is_empty() {
            format!("{product}{variant} : épuisé pour le moment")
        } else {
            format!(
                "{product}{variant} : plus en boutique, mais disponible ({})",
                elsewhere.join(", ")
            )
        }
    }
}

/// Products the words name: the bot's own matching first, then titles that contain them.
pub fn search(
    conn: &Connection,
    index: &Index,
    words: &str,
    now: Timestamp,
) -> Result<Vec<Found>, AppError> {
    let mut products: Vec<&Product> = match index.find(words) {
        Matched::One(p) => vec![p],
        Matched::Several(ps) | Matched::Category(ps) => ps,
        Matched::Nothing => Vec::new(),
    };
    if products.is_empty() {
        let needle = crate::engine::text::fold(words);
        products = index
            .products()
            .filter(|p| crate::engine::text::fold(&p.title).contains(&needle))
            .collect();
    }
    products.truncate(SHOWN);
    products
        .into_iter()
        .map(|p| {
            Ok(Found {
                title: p.title.clone(),
                variants: p
                    .variants
                    .iter()
                    .map(|v| variant_stock(conn, v, now))
                    .collect::<Result<_, AppError>>()?,
            })
        })
        .collect()
}

pub fn variant_stock(
    conn: &Connection,
    v: &Variant,
    now: Timestamp,
) -> Result<FoundVariant, AppError> {
    let stock: Vec<(String, bool, i64)> = conn
        .prepare_cached(
            "SELECT l.name, l.in_shop, max(s.available, 0) FROM stock_levels s
             JOIN locations l ON l.id = s.location_id
             WHERE s.variant_id = ?1 AND l.active = 1 ORDER BY l.in_shop DESC, l.name",
        )?
        .query_map([v.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let shop: i64 = stock.iter().filter(|(_, s, _)| *s).map(|(_, _, n)| n).sum();
    let held = held(conn, &v.item_key, now)?;
    Ok(FoundVariant {
        id: v.id,
        title: v.title.clone(),
        at_shop: (shop - held).max(0),
        held,
        stock,
    })
}

/// The variant `id` and its product, from the index.
pub fn variant(index: &Index, id: i64) -> Option<(&Product, &Variant)> {
    index
        .products()
        .find_map(|p| p.variants.iter().find(|v| v.id == id).map(|v| (p, v)))
}

pub fn view(
    conversation: crate::db::ids::ConversationId,
    csrf: &str,
    words: &str,
    found: &[Found],
    can_reserve: bool,
) -> Markup {
    let here = paths::with_id(paths::CONVERSATION, conversation);
    html! {
        section.card.product-panel aria-label="Produits" {
            h2 { "Produits" }
            form.inline-form method="get" action=(here) role="search" {
                input type="search" name="product" value=(words) placeholder="robe fleurie 38" aria-label="Chercher un produit";
                " " button.btn type="submit" { "Chercher" }
            }
            @if !words.trim().is_empty() && found.is_empty() {
                p.muted { "Aucun produit ne correspond." }
            }
            @for p in found {
                h3 { (p.title) }
                ul.plain.variants {
                    @for v in &p.variants {
                        @let sentence = v.sentence(&p.title);
                        li {
                            strong { (if v.title.is_empty() { "Unique" } else { &v.title }) }
                            " · "
                            // What can still be sold at the shop comes first: the shelf
                            // less what is put aside.
                            span.stock.in-shop.out[v.at_shop == 0] data-available=(v.at_shop) {
                                (v.at_shop) " disponible" @if v.at_shop > 1 { "s" } " en boutique"
                            }
                            @if v.held > 0 {
                                " " span.muted { "(" (v.held) " mis de côté)" }
                            }
                            br;
                            span.muted {
                                @for (i, (name, _, n)) in v.stock.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (name) " : " (n)
                                }
                                @if v.stock.is_empty() { "pas de stock suivi" }
                            }
                            br;
                            a.insert href={ (here) "?" (query(words, v.id)) "#reponse" } data-insert=(sentence) { "Insérer" }
                            @if can_reserve && v.at_shop > 0 {
                                " "
                                form.inline method="post" action=(paths::with_id(paths::CONVERSATION_RESERVE, conversation)) {
                                    (csrf_input(csrf))
                                    input type="hidden" name="variant" value=(v.id);
                                    button.btn.small type="submit" { "Mettre de côté" }
                                }
                            }
                            @if can_reserve && v.at_shop == 0 {
                                " "
                                form.inline method="post" action=(paths::with_id(paths::CONVERSATION_ALERT, conversation)) {
                                    (csrf_input(csrf))
                                    input type="hidden" name="variant" value=(v.id);
                                    button.btn.small type="submit" { "Prévenir ce client au retour" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page's query that inserts variant `id`'s line (the search kept).
fn query(words: &str, id: i64) -> String {
    let id = id.to_string();
    serde_urlencoded::to_string([("product", words), ("insert", id.as_str())]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inserted_line_says_where_the_item_is() {
        let mut v = FoundVariant {
            id: 1,
            title: "38".into(),
            stock: vec![
                ("Boutique".into(), true, 2),
                ("Entrepôt Lyon".into(), false, 3),
            ],
            at_shop: 2,
            held: 0,
        };
        assert_eq!(
            v.sentence("Robe fleurie"),
            "Robe fleurie disponible en 38 (2 en boutique)"
        );
        v.at_shop = 0;
        assert_eq!(
            v.sentence("Robe fleurie"),
            "Robe fleurie en 38 : plus en boutique, mais disponible (3 à Entrepôt Lyon)"
        );
        v.stock.truncate(1);
        assert_eq!(
            v.sentence("Robe fleurie"),
            "Robe fleurie en 38 : épuisé pour le moment"
        );
    }
}
