//! The shop's profile: who it is, where, and how to reach it.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BusinessType {
    Ecommerce,
    RealEstate,
    Restaurant,
    Services,
    Other,
}

impl BusinessType {
    pub const ALL: [BusinessType; 5] = [
        BusinessType::Ecommerce,
        BusinessType::RealEstate,
        BusinessType::Restaurant,
        BusinessType::Services,
        BusinessType::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BusinessType::Ecommerce => "ecommerce",
            BusinessType::RealEstate => "real_estate",
            BusinessType::Restaurant => "restaurant",
            BusinessType::Services => "services",
            BusinessType::Other => "other",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            BusinessType::Ecommerce => "E-commerce / boutique",
            BusinessType::RealEstate => "Immobilier",
            BusinessType::Restaurant => "Restaurant",
            BusinessType::Services => "Services",
            BusinessType::Other => "Autre",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn options() -> Vec<(&'static str, &'static str)> {
        Self::ALL.iter().map(|t| (t.code(), t.label_fr())).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ShopProfile {
    pub business_name: String,
    pub business_type: BusinessType,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub timezone: String,
    pub language: String,
}

impl ShopProfile {
    pub fn new(business_name: &str, business_type: BusinessType) -> Self {
        Self {
            business_name: business_name.trim().to_string(),
            business_type,
            phone: String::new(),
            email: String::new(),
            address: String::new(),
            timezone: "Europe/Paris".into(),
            language: "fr".into(),
        }
    }
}

/// A plausible e-mail address: one @, something on each side, a dot in the domain.
pub fn looks_like_email(email: &str) -> bool {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && email.len() <= 254
                && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}

pub fn valid_timezone(tz: &str) -> bool {
    jiff::tz::TimeZone::get(tz).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["a@b.fr", " owner@elegance-paris.com "] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.fr", "a@.fr", "a b@c.fr", "a@b@c.fr"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn timezones() {
        assert!(valid_timezone("Europe/Paris"));
        assert!(!valid_timezone("Europe/Lutece"));
    }
}
