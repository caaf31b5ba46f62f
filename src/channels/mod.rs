//! Channels shoppers write through: SMS and WhatsApp (Twilio), e-mail (Resend), and the
//! web chat widget; with their webhook signatures, the sender that delivers what the
//! assistant's outbox holds, and the settings pages that turn each one on.

pub mod pages;
pub mod resend;
pub mod sender;
pub mod settings;
pub mod signatures;
pub mod twilio;
pub mod webchat;

/// Whether a provider's id of a message (Twilio's `SM…`, Resend's UUID) has the shape
/// providers give: 1 to 64 letters, digits, `-` or `_`. Anything else is refused before
/// it is stored or put in a URL.
pub fn provider_id_ok(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::provider_id_ok;

    #[test]
    fn provider_ids_are_plain_tokens() {
        for ok in [
            "SM0123456789abcdef0123456789abcdef",
            "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
        ] {
            assert!(provider_id_ok(ok), "{ok}");
        }
        for bad in [
            "",
            "../../emails/x?limit=1",
            "a/b",
            "a b",
            "é",
            &"a".repeat(65),
            "x%2F",
        ] {
            assert!(!provider_id_ok(bad), "{bad}");
        }
    }
}
