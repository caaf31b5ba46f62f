//! What a single message asks, from its words, before any context. Product questions
//! are told apart with a hint from the catalogue matcher (a specific product named, a
//! category, or nothing); the dialogue state later fills in short follow-ups ("en 36 ?").

use super::text::words;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Greeting,
    Thanks,
    ProductAvailability,
    Reservation,
    CancelReservation,
    ProductSearch,
    Price,
    OrderStatus,
    ShopHours,
    ShopAddress,
    ShopContact,
    ReturnsPolicy,
    ShippingInfo,
    HumanHandoff,
    Complaint,
    Unknown,
}

impl Intent {
    /// The label used in decisions (`../shared/eval/README.md`).
    pub fn code(self) -> &'static str {
        match self {
            Intent::Greeting => "greeting",
            Intent::Thanks => "thanks",
            Intent::ProductAvailability => "product_availability",
            Intent::Reservation => "reservation",
            Intent::CancelReservation => "cancel_reservation",
            Intent::ProductSearch => "product_search",
            Intent::Price => "price",
            Intent::OrderStatus => "order_status",
            Intent::ShopHours => "shop_hours",
            Intent::ShopAddress => "shop_address",
            Intent::ShopContact => "shop_contact",
            Intent::ReturnsPolicy => "returns_policy",
            Intent::ShippingInfo => "shipping_info",
            Intent::HumanHandoff => "human_handoff",
            Intent::Complaint => "complaint",
            Intent::Unknown => "unknown",
        }
    }

    pub const ALL: [Intent; 16] = [
        Intent::Greeting,
        Intent::Thanks,
        Intent::ProductAvailability,
        Intent::Reservation,
        Intent::CancelReservation,
        Intent::ProductSearch,
        Intent::Price,
        Intent::OrderStatus,
        Intent::ShopHours,
        Intent::ShopAddress,
        Intent::ShopContact,
        Intent::ReturnsPolicy,
        Intent::ShippingInfo,
        Intent::HumanHandoff,
        Intent::Complaint,
        Intent::Unknown,
    ];

    pub fn from_code(code: &str) -> Option<Intent> {
        Intent::ALL.into_iter().find(|i| i.code() == code)
    }

    /// What the shopper asked, in words for the shop.
    pub fn label_fr(self) -> &'static str {
        match self {
            Intent::Greeting => "Salutation",
            Intent::Thanks => "Remerciement",
            Intent::ProductAvailability => "Disponibilité d'un produit",
            Intent::Reservation => "Mise de côté",
            Intent::CancelReservation => "Annulation d'une mise de côté",
            Intent::ProductSearch => "Recherche de produits",
            Intent::Price => "Prix",
            Intent::OrderStatus => "Suivi de commande",
            Intent::ShopHours => "Horaires",
            Intent::ShopAddress => "Adresse",
            Intent::ShopContact => "Contact",
            Intent::ReturnsPolicy => "Retours",
            Intent::ShippingInfo => "Livraison",
            Intent::HumanHandoff => "Demande à parler à quelqu'un",
            Intent::Complaint => "Réclamation",
            Intent::Unknown => "Question non comprise",
        }
    }
}

/// What the catalogue matcher found in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductHint {
    None,
    /// A kind of product ("des robes de soirée", "any bags").
    Category,
    /// One product ("la robe fleurie bleue").
    Specific,
}

struct Words(Vec<String>);

impl Words {
    fn any(&self, list: &[&str]) -> bool {
        self.0.iter().any(|w| list.contains(&w.as_str()))
    }

    fn starts(&self, prefixes: &[&str]) -> bool {
        self.0
            .iter()
            .any(|w| prefixes.iter().any(|p| w.starts_with(p)))
    }

    /// `phrase` (space-separated words) appears in order, contiguous.
    fn phrase(&self, phrase: &str) -> bool {
        let p: Vec<&str> = phrase.split(' ').collect();
        self.0
            .windows(p.len())
            .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
    }

    fn phrases(&self, list: &[&str]) -> bool {
        list.iter().any(|p| self.phrase(p))
    }

    /// Every word is one of `list` (or there are none).
    fn only(&self, list: &[&str]) -> bool {
        self.0.iter().all(|w| list.contains(&w.as_str()))
    }
}

const GREETINGS: &[&str] = &[
    "bonjour", "bonsoir", "salut", "coucou", "hello", "hi", "hey", "good", "morning", "evening",
    "madame", "monsieur",
];
const THANKS: &[&str] = &[
    "merci", "thanks", "thank", "you", "beaucoup", "bien", "bonne", "journee", "soiree", "super",
    "parfait", "top", "genial", "great", "perfect", "ok", "d'accord", "a", "demain", "je", "passe",
    "passerai", "see", "tomorrow", "much", "a+", "cool",
];

pub fn classify(text: &str, product: ProductHint) -> Intent {
    let w = Words(words(text));
    if w.starts(&[
        "mecontent",
        "dechire",
        "inadmissible",
        "honteu",
        "arnaque",
        "scandal",
        "furieu",
        "decu",
        "unhappy",
        "awful",
        "terrible",
        "furious",
        "disgust",
        "outrage",
        "unacceptable",
    ]) || w.any(&[
        "complaint",
        "claim",
        "plainte",
        "reclamation",
        "damaged",
        "broken",
        "abime",
        "casse",
        "defectueux",
        "pire",
    ]) {
        return Intent::Complaint;
    }
    if w.phrases(&[
        "parler a quelqu'un",
        "parler a un",
        "parler a une",
        "quelqu'un de",
        "vraie personne",
        "un humain",
        "un conseiller",
        "une conseillere",
        "un vendeur",
        "une vendeuse",
        "real person",
        "a human",
        "talk to someone",
        "talking with someone",
        "speak to someone",
        "live agent",
        "an operator",
        "an agent",
        "customer service agent",
    ]) || w.any(&["conseiller", "conseillere", "operator", "humain", "human"])
    {
        return Intent::HumanHandoff;
    }
    if w.starts(&["annul", "cancel"])
        && (w.starts(&["reserv", "cote"])
            || w.any(&["hold", "finalement", "reservation", "booking"]))
    {
        return Intent::CancelReservation;
    }
    let order_words = w.any(&[
        "commande", "order", "purchase", "tracking", "suivi", "track", "eta",
    ]) || w.phrases(&[
        "mon colis",
        "my package",
        "ma livraison",
        "my delivery",
        "my last delivery",
    ]);
    if order_words && !w.phrases(&["order online", "commander en ligne"]) {
        return Intent::OrderStatus;
    }
    if w.phrase("pas recu") || w.phrase("not received") || w.phrase("never received") {
        return Intent::OrderStatus;
    }
    if w.starts(&["livr", "expedi", "ship", "deliver"])
        || w.phrases(&["frais de port", "how long does it", "delai de"])
    {
        return Intent::ShippingInfo;
    }
    if w.starts(&[
        "retour", "rembours", "echang", "refund", "return", "exchang",
    ]) {
        return Intent::ReturnsPolicy;
    }
    if w.starts(&["horaire", "ouver", "ferm"])
        || w.any(&["open", "opened", "close", "closing", "closes", "hours"])
    {
        return Intent::ShopHours;
    }
    if w.starts(&["adress"])
        || w.phrases(&[
            "vous etes ou",
            "ou etes vous",
            "ou est la boutique",
            "ou se trouve",
            "where is the shop",
            "where is the store",
            "where are you",
            "located",
        ])
    {
        return Intent::ShopAddress;
    }
    if w.any(&[
        "telephone",
        "numero",
        "appeler",
        "phone",
        "call",
        "mail",
        "e-mail",
        "email",
        "joindre",
        "contact",
        "contacter",
    ]) && product == ProductHint::None
    {
        return Intent::ShopContact;
    }
    let hold = w.phrases(&[
        "mettre de cote",
        "me le garder",
        "me la garder",
        "put aside",
        "put it aside",
        "set aside",
    ]) || w.starts(&["reserv"])
        || w.any(&["hold", "reserve", "garder"]);
    if hold && product != ProductHint::None {
        return Intent::Reservation;
    }
    if w.any(&["combien", "prix", "tarif", "price", "cost", "costs"]) || w.phrase("how much") {
        return if product == ProductHint::None && !w.any(&["combien", "how"]) {
            Intent::Unknown
        } else {
            Intent::Price
        };
    }
    match product {
        ProductHint::Specific => return Intent::ProductAvailability,
        ProductHint::Category => return Intent::ProductSearch,
        ProductHint::None => {}
    }
    if w.any(&["merci", "thanks", "thank"]) && w.only(THANKS) {
        return Intent::Thanks;
    }
    if !w.0.is_empty() && w.only(GREETINGS) {
        return Intent::Greeting;
    }
    Intent::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProductHint::*;

    #[test]
    fn labelled_messages() {
        let cases: &[(&str, ProductHint, Intent)] = &[
            (
                "Pouvez-vous me mettre de côté le sac bandoulière noir ?",
                Specific,
                Intent::Reservation,
            ),
            (
                "Can you hold the black leather jacket in M for me?",
                Specific,
                Intent::Reservation,
            ),
            (
                "finalement annulez la réservation svp",
                None,
                Intent::CancelReservation,
            ),
            (
                "Bonjour, où en est ma commande ?",
                None,
                Intent::OrderStatus,
            ),
            ("ma commande 1002 est arrivée ?", None, Intent::OrderStatus),
            (
                "Quand est-ce que ma commande sera expédiée ?",
                None,
                Intent::OrderStatus,
            ),
            (
                "Bonjour, je n'ai toujours pas reçu mon colis",
                None,
                Intent::OrderStatus,
            ),
            ("Hello, where is my order #1009?", None, Intent::OrderStatus),
            (
                "I want to track my last delivery, how do I do it?",
                None,
                Intent::OrderStatus,
            ),
            ("check ETA of order 1004", None, Intent::OrderStatus),
            ("Vous êtes ouverts le dimanche ?", None, Intent::ShopHours),
            (
                "Vous fermez à quelle heure ce soir ?",
                None,
                Intent::ShopHours,
            ),
            ("Quels sont vos horaires ?", None, Intent::ShopHours),
            (
                "What time do you open on Saturday?",
                None,
                Intent::ShopHours,
            ),
            ("vous êtes encore ouverts ?", None, Intent::ShopHours),
            ("Vous êtes où exactement ?", None, Intent::ShopAddress),
            ("C'est quoi votre adresse ?", None, Intent::ShopAddress),
            ("Where is the shop?", None, Intent::ShopAddress),
            (
                "Je peux vous appeler ? c'est quoi le numéro",
                None,
                Intent::ShopContact,
            ),
            (
                "do you have an e-mail to contact customer service?",
                None,
                Intent::ShopContact,
            ),
            ("Combien coûte le blazer marine ?", Specific, Intent::Price),
            (
                "How much is the cashmere turtleneck?",
                Specific,
                Intent::Price,
            ),
            (
                "Je peux retourner un article ?",
                None,
                Intent::ReturnsPolicy,
            ),
            (
                "Comment faire un échange de taille ?",
                None,
                Intent::ReturnsPolicy,
            ),
            (
                "in what situations can I ask for a refund?",
                None,
                Intent::ReturnsPolicy,
            ),
            ("Combien coûte la livraison ?", None, Intent::ShippingInfo),
            ("Do you ship to Belgium?", None, Intent::ShippingInfo),
            (
                "how long does it usually take for a package to arrive?",
                None,
                Intent::ShippingInfo,
            ),
            ("Je veux parler à quelqu'un svp", None, Intent::HumanHandoff),
            ("Can I talk to a real person?", None, Intent::HumanHandoff),
            ("passez moi un conseiller", None, Intent::HumanHandoff),
            ("I want a live agent", None, Intent::HumanHandoff),
            (
                "Votre robe est arrivée déchirée, je suis très mécontente !",
                Specific,
                Intent::Complaint,
            ),
            (
                "the experience with your brand was awful, lodge a complaint",
                None,
                Intent::Complaint,
            ),
            ("Bonjour !", None, Intent::Greeting),
            ("Hello", None, Intent::Greeting),
            ("Merci beaucoup, bonne journée", None, Intent::Thanks),
            ("Super merci, je passe demain", None, Intent::Thanks),
            ("Vous faites des retouches ?", None, Intent::Unknown),
            ("Quel temps fait-il à Paris ?", None, Intent::Unknown),
            ("what are your payment modalities?", None, Intent::Unknown),
            (
                "Vous avez des robes de soirée ?",
                Category,
                Intent::ProductSearch,
            ),
            (
                "Bonjour, vous avez la robe fleurie bleue en 38 ?",
                Specific,
                Intent::ProductAvailability,
            ),
        ];
        for (text, hint, expected) in cases {
            assert_eq!(classify(text, *hint), *expected, "{text}");
        }
    }
}
