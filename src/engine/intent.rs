//! What a single message can ask: the intents the model (`model`) tells apart, with
//! their labels for people, and the catalogue matcher's hint that the model weighs.

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
    Appointment,
    CancelAppointment,
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
            Intent::Appointment => "appointment",
            Intent::CancelAppointment => "cancel_appointment",
            Intent::Unknown => "unknown",
        }
    }

    pub const ALL: [Intent; 18] = [
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
        Intent::Appointment,
        Intent::CancelAppointment,
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
            Intent::Appointment => "Prise de rendez-vous",
            Intent::CancelAppointment => "Annulation d'un rendez-vous",
            Intent::Unknown => "Question non comprise",
        }
    }
}
