//! Appointments (fittings, alterations, personal shopping): the services a shop offers,
//! and bookings checked against the free slots in the same transaction that writes
//! them, so two shoppers can never take the last seat of a slot; and the calendar
//! invitations that confirm, move or cancel them. The conversation and the pages that
//! book are issue 17's next steps; this is what they will build on.

pub mod ics;
pub mod repo;
