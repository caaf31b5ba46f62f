//! Channels shoppers write through: SMS and WhatsApp (Twilio), e-mail (Resend), and the
//! web chat widget. Built so far: signatures, the outbox and its sender, Twilio, Resend.

pub mod outbox;
pub mod pages;
pub mod resend;
pub mod sender;
pub mod settings;
pub mod signatures;
pub mod twilio;
pub mod webchat;
