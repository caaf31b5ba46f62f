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
