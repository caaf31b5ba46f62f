//! Parcel carriers whose public tracking pages Comptoir links to, when an order carries a
//! tracking number but no link (common with Colissimo and WooCommerce). Which carriers
//! are used is the shop's choice (Paramètres › Assistant, or the setup wizard).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Colissimo,
    Chronopost,
    Ups,
    Dhl,
    Fedex,
}

impl Carrier {
    pub const ALL: [Carrier; 5] = [
        Carrier::Colissimo,
        Carrier::Chronopost,
        Carrier::Ups,
        Carrier::Dhl,
        Carrier::Fedex,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Carrier::Colissimo => "colissimo",
            Carrier::Chronopost => "chronopost",
            Carrier::Ups => "ups",
            Carrier::Dhl => "dhl",
            Carrier::Fedex => "fedex",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Carrier::Colissimo => "Colissimo",
            Carrier::Chronopost => "Chronopost",
            Carrier::Ups => "UPS",
            Carrier::Dhl => "DHL",
            Carrier::Fedex => "FedEx",
        }
    }

    pub fn from_code(code: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The carrier an order names ("Colissimo", "La Poste", "UPS Standard"…).
    pub fn named(name: &str) -> Option<Carrier> {
        let n = name.to_lowercase();
        let words: Vec<&str> = n.split(|c: char| !c.is_alphanumeric()).collect();
        if n.contains("colissimo") || n.contains("la poste") || n.contains("laposte") {
            Some(Carrier::Colissimo)
        } else if n.contains("chronopost") {
            Some(Carrier::Chronopost)
        } else if words.contains(&"ups") {
            Some(Carrier::Ups)
        } else if words.contains(&"dhl") {
            Some(Carrier::Dhl)
        } else if n.contains("fedex") || n.contains("fed ex") {
            Some(Carrier::Fedex)
        } else {
            None
        }
    }

    /// The carrier's public tracking page for a number.
    pub fn url(self, number: &str) -> String {
        let number: String = number
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match self {
            Carrier::Colissimo => {
                format!("https://www.laposte.fr/outils/suivre-vos-envois?code={number}")
            }
            Carrier::Chronopost => format!(
                "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}"
            ),
            Carrier::Ups => format!("https://www.ups.com/track?tracknum={number}"),
            Carrier::Dhl => {
                format!("https://www.dhl.com/fr-fr/home/tracking.html?tracking-id={number}")
            }
            Carrier::Fedex => format!("https://www.fedex.com/fedextrack/?trknbr={number}"),
        }
    }
}

/// The carriers stored as a JSON array of codes; unknown codes are dropped.
pub fn from_json(json: &str) -> Vec<Carrier> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| Carrier::from_code(c))
        .collect()
}

pub fn to_json(carriers: &[Carrier]) -> String {
    serde_json::to_string(&carriers.iter().map(|c| c.code()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

/// The link to show for an order: the store's own, or one built for a chosen carrier,
/// or none.
pub fn link(chosen: &[Carrier], carrier: &str, number: &str, given: &str) -> String {
    if !given.trim().is_empty() {
        return given.trim().to_string();
    }
    if number.trim().is_empty() {
        return String::new();
    }
    match Carrier::named(carrier) {
        Some(c) if chosen.contains(&c) => c.url(number),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_built_only_for_chosen_carriers() {
        let chosen = [Carrier::Colissimo, Carrier::Ups];
        assert_eq!(
            link(&chosen, "La Poste - Colissimo", "6A 0060", ""),
            "https://www.laposte.fr/outils/suivre-vos-envois?code=6A0060"
        );
        assert_eq!(
            link(&chosen, "UPS Standard", "1Z999", ""),
            "https://www.ups.com/track?tracknum=1Z999"
        );
        assert_eq!(link(&chosen, "DHL Express", "123", ""), "", "not chosen");
        assert_eq!(link(&chosen, "Groups & co", "123", ""), "", "not UPS");
        assert_eq!(link(&chosen, "Colissimo", "", ""), "", "no number");
        assert_eq!(
            link(&[], "Colissimo", "6A1", "https://track.example/6A1"),
            "https://track.example/6A1",
            "the store's own link wins"
        );
    }

    #[test]
    fn stored_lists_round_trip_and_drop_unknown_codes() {
        let json = to_json(&[Carrier::Dhl, Carrier::Fedex]);
        assert_eq!(json, r#"["dhl","fedex"]"#);
        assert_eq!(from_json(&json), vec![Carrier::Dhl, Carrier::Fedex]);
        assert_eq!(from_json(r#"["gls","ups"]"#), vec![Carrier::Ups]);
        assert_eq!(from_json("not json"), vec![]);
    }
}
