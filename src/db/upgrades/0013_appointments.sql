-- Version 12 -> 13: appointments booked in the conversation or by the team (fittings,
-- alterations, personal shopping).

-- What the shop offers to book.
CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    length_minutes INTEGER NOT NULL CHECK (length_minutes > 0),
    -- Kept free around each appointment.
    buffer_minutes INTEGER NOT NULL DEFAULT 0 CHECK (buffer_minutes >= 0),
    -- How soon before its start a slot can still be booked.
    notice_minutes INTEGER NOT NULL DEFAULT 120 CHECK (notice_minutes >= 0),
    -- How many days ahead slots are offered.
    window_days INTEGER NOT NULL DEFAULT 14 CHECK (window_days >= 0),
    -- Appointments that can run at once.
    seats INTEGER NOT NULL DEFAULT 1 CHECK (seats > 0),
    -- Slots start every this many minutes from each opening time.
    step_minutes INTEGER NOT NULL DEFAULT 30 CHECK (step_minutes > 0),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- The service's buffer when booked (a later change does not move past bookings).
    buffer_minutes INTEGER NOT NULL DEFAULT 0,
    -- The shopper, as the conversation knows them (+33…, an e-mail, visitor:ID).
    contact TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'cancelled')),
    -- The calendar invitation's identity and revision (RFC 5545 UID and SEQUENCE).
    uid TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX appointments_upcoming ON appointments(starts_at) WHERE status = 'booked';
