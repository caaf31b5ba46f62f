//! Appointments (fittings, alterations, personal shopping): the services a shop offers,
//! and bookings checked against the free slots in the same transaction that writes
//! them, so two shoppers can never take the last seat of a slot. The conversation and
//! the pages that book are issue 17's next steps; this is their store.

pub mod repo;
