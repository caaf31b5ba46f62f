//! The conversation engine's pure core. No network and no clock of its own: text in,
//! decisions out, with the catalogue and the time passed in.
//!
//! Built so far: text normalisation, language detection, the context-free intent rules,
//! the facts a message states (size, quantity, order number, e-mail, phone) and the
//! catalogue index that tells which product a question names, and opening hours (open
//! now?, when a hold ends). The catalogue index, dialogue state, actions and replies follow (issue 4).

pub mod catalogue;
pub mod facts;
pub mod hours;
pub mod intent;
pub mod lang;
pub mod text;
