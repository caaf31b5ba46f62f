//! The manual store ("Autre système / Configuration manuelle"): a catalogue kept in
//! Comptoir itself, imported from CSV (validated whole) and exported back.

pub mod csv;
