//! The conversation engine's pure core. No network and no clock of its own: text in,
//! decisions out, with the catalogue and the time passed in.
//!
//! Built so far: text normalisation and language detection (the ground every matcher
//! stands on). Intents, the catalogue index, dialogue state and replies follow.

pub mod lang;
pub mod text;
