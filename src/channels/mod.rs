//! Channels shoppers write through: SMS and WhatsApp (Twilio), e-mail (Resend), and the
//! web chat widget. Built so far: the providers' webhook signature schemes.

pub mod outbox;
pub mod signatures;
