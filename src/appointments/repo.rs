//! Services and appointments in SQLite. A booking (new or moved) runs inside the
//! caller's write transaction: the slot is checked against the bookings as they are at
//! that moment, and only then written.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::engine::hours::WeekHours;
use crate::engine::slots::{self, Booked, Service};
use crate::error::AppError;

/// A service as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub id: i64,
    pub name: String,
    pub service: Service,
}

/// What a booking attempt gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Booking {
    /// Booked: the appointment's id.
    Booked(i64),
    /// The slot is not free (taken meanwhile, closed, too soon, too far): the next free
    /// ones to offer instead.
    Taken(Vec<Timestamp>),
}

fn minutes(m: i64) -> SignedDuration {
    SignedDuration::from_mins(m)
}

pub fn add_service(
    conn: &Connection,
    name: &str,
    s: &Service,
    now: Timestamp,
) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO services (name, length_minutes, buffer_minutes, notice_minutes,
                window_days, seats, step_minutes, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
                name,
                s.length.as_mins(),
                s.buffer.as_mins(),
                s.min_notice.as_mins(),
                s.window_days,
                s.seats as i64,
                s.step.as_mins(),
                now.as_second()
            ],
            |r| r.get(0),
        )?)
}

pub fn service(conn: &Connection, id: i64) -> Result<Option<ServiceRow>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT id, name, length_minutes, buffer_minutes, notice_minutes, window_days,
                    seats, step_minutes
             FROM services WHERE id = ?1 AND active = 1",
        )?
        .query_row([id], |r| {
            Ok(ServiceRow {
                id: r.get(0)?,
                name: r.get(1)?,
                service: Service {
                    length: minutes(r.get(2)?),
                    buffer: minutes(r.get(3)?),
                    min_notice: minutes(r.get(4)?),
                    window_days: r.get(5)?,
                    seats: r.get::<_, i64>(6)?.max(1) as usize,
                    step: minutes(r.get(7)?),
                },
            })
        })
        .optional()?)
}

/// Booked appointments that may touch `from`..`to` (their buffers included), leaving
/// out `except` (the one being moved).
fn booked_between(
    conn: &Connection,
    from: Timestamp,
    to: Timestamp,
    except: Option<i64>,
) -> Result<Vec<Booked>, AppError> {
    // No buffer is longer than a day.
    let margin = 86_400;
    let rows = conn
        .prepare_cached(
            "SELECT starts_at, ends_at, buffer_minutes FROM appointments
             WHERE status = 'booked' AND starts_at < ?2 AND ends_at > ?1 AND id IS NOT ?3",
        )?
        .query_map(
            params![from.as_second() - margin, to.as_second() + margin, except],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(start, end, buffer)| {
            Some(Booked {
                start: Timestamp::from_second(start).ok()?,
                end: Timestamp::from_second(end).ok()?,
                buffer: minutes(buffer),
            })
        })
        .collect())
}

/// The free start times of `service` from `now`, soonest first, at most `max`.
pub fn free_slots(
    conn: &Connection,
    hours: &WeekHours,
    service: &Service,
    now: Timestamp,
    max: usize,
) -> Result<Vec<Timestamp>, AppError> {
    let until = now + SignedDuration::from_hours(24 * (service.window_days + 1));
    let booked = booked_between(conn, now, until, None)?;
    Ok(slots::free(hours, service, &booked, now, max))
}

/// Whether `start` is one of the service's free slots right now (ignoring `except`).
fn is_free(
    tx: &Connection,
    hours: &WeekHours,
    service: &Service,
    start: Timestamp,
    now: Timestamp,
    except: Option<i64>,
) -> Result<bool, AppError> {
    let end = start + service.length;
    let booked = booked_between(tx, start, end, except)?;
    // The slot's own day only: `free` walks from `now`, so ask from the slot's start
    // with the notice counted against `now`.
    if start < now + service.min_notice
        || start > now + SignedDuration::from_hours(24 * (service.window_days + 1))
    {
        return Ok(false);
    }
    let same_day = Service {
        min_notice: SignedDuration::ZERO,
        window_days: 0,
        ..service.clone()
    };
    let day_start = start
        .to_zoned(hours.tz.clone())
        .start_of_day()
        .map(|z| z.timestamp())
        .unwrap_or(start);
    Ok(slots::free(hours, &same_day, &booked, day_start, usize::MAX).contains(&start))
}

/// Books `service` at `start` for `contact`, if that slot is free now; else the next
/// free ones. Call inside one write transaction (`db::write`): writers queue there, so
/// two requests for the last seat cannot both see it free.
pub fn book(
    tx: &Connection,
    hours: &WeekHours,
    service: &ServiceRow,
    start: Timestamp,
    contact: &str,
    conversation: Option<i64>,
    now: Timestamp,
) -> Result<Booking, AppError> {
    let s = &service.service;
    if !is_free(tx, hours, s, start, now, None)? {
        return Ok(Booking::Taken(free_slots(tx, hours, s, now, 3)?));
    }
    let uid = format!("{}@comptoir", crate::token::random_token());
    let id = tx
        .prepare_cached(
            "INSERT INTO appointments (service_id, starts_at, ends_at, buffer_minutes, contact,
                conversation_id, uid, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
        )?
        .query_row(
            params![
                service.id,
                start.as_second(),
                (start + s.length).as_second(),
                s.buffer.as_mins(),
                contact,
                conversation,
                uid,
                now.as_second()
            ],
            |r| r.get(0),
        )?;
    Ok(Booking::Booked(id))
}

/// Moves a booked appointment to `start` if that slot is free (its own time not
/// counted against it); its invitation's SEQUENCE goes up.
pub fn reschedule(
    tx: &Connection,
    hours: &WeekHours,
    service: &ServiceRow,
    id: i64,
    start: Timestamp,
    now: Timestamp,
) -> Result<Booking, AppError> {
    let s = &service.service;
    if !is_free(tx, hours, s, start, now, Some(id))? {
        return Ok(Booking::Taken(free_slots(tx, hours, s, now, 3)?));
    }
    let moved = tx.prepare_cached(
        "UPDATE appointments SET starts_at = ?2, ends_at = ?3, sequence = sequence + 1, updated_at = ?4
         WHERE id = ?1 AND status = 'booked'",
    )?
    .execute(params![id, start.as_second(), (start + s.length).as_second(), now.as_second()])?;
    if moved == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Booking::Booked(id))
}

/// Cancels a booked appointment; false when it was not booked (any more).
pub fn cancel(tx: &Connection, id: i64, now: Timestamp) -> Result<bool, AppError> {
    Ok(tx
        .prepare_cached(
            "UPDATE appointments SET status = 'cancelled', sequence = sequence + 1, updated_at = ?2
             WHERE id = ?1 AND status = 'booked'",
        )?
        .execute(params![id, now.as_second()])?
        == 1)
}
