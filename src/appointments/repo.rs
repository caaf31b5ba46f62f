//! Services and appointments in SQLite. A booking (new or moved) runs inside the
//! caller's write transaction: the slot is checked against the bookings as they are at
//! that moment, and only then written.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::engine::hours::WeekHours;
use crate::engine::lang::Lang;
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
        "UPDATE appointments SET starts_at = ?2, ends_at = ?3, sequence = sequence + 1, updated_at = ?4,
            reminded_at = NULL
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

/// The services the shop books, in the order it created them.
pub fn services(conn: &Connection) -> Result<Vec<ServiceRow>, AppError> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM services WHERE active = 1 ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(s) = service(conn, id)? {
            out.push(s);
        }
    }
    Ok(out)
}

/// Changes a service; bookings already made keep their length and buffer.
pub fn update_service(
    conn: &Connection,
    id: i64,
    name: &str,
    s: &Service,
) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE services SET name = ?2, length_minutes = ?3, buffer_minutes = ?4,
                notice_minutes = ?5, window_days = ?6, seats = ?7, step_minutes = ?8
             WHERE id = ?1 AND active = 1",
        )?
        .execute(params![
            id,
            name,
            s.length.as_mins(),
            s.buffer.as_mins(),
            s.min_notice.as_mins(),
            s.window_days,
            s.seats as i64,
            s.step.as_mins()
        ])?
        == 1)
}

/// Withdraws a service from booking; its appointments stay.
pub fn retire_service(conn: &Connection, id: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("UPDATE services SET active = 0 WHERE id = ?1 AND active = 1")?
        .execute([id])?
        == 1)
}

/// Who an appointment is for and where they are told (name and e-mail may be empty).
pub fn set_shopper(
    conn: &Connection,
    id: i64,
    name: &str,
    email: &str,
    channel: &str,
    lang: Lang,
) -> Result<(), AppError> {
    conn.prepare_cached(
        "UPDATE appointments SET name = ?2, email = ?3, channel = ?4, lang = ?5 WHERE id = ?1",
    )?
    .execute(params![
        id,
        name.trim(),
        email.trim().to_lowercase(),
        channel,
        lang.code()
    ])?;
    Ok(())
}

/// An appointment as the pages and the notices see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub service_id: i64,
    pub service: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub contact: String,
    pub name: String,
    pub email: String,
    pub channel: String,
    pub lang: Lang,
    pub conversation: Option<i64>,
    pub status: String,
    pub uid: String,
    pub sequence: i64,
    pub sent_sequence: Option<i64>,
}

const ROW_COLUMNS: &str = "a.id, a.service_id, s.name, a.starts_at, a.ends_at, a.contact, a.name,
    a.email, a.channel, a.lang, a.conversation_id, a.status, a.uid, a.sequence, a.sent_sequence
    FROM appointments a JOIN services s ON s.id = a.service_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let at = |secs: i64| Timestamp::from_second(secs).unwrap_or(Timestamp::UNIX_EPOCH);
    Ok(Row {
        id: r.get(0)?,
        service_id: r.get(1)?,
        service: r.get(2)?,
        start: at(r.get(3)?),
        end: at(r.get(4)?),
        contact: r.get(5)?,
        name: r.get(6)?,
        email: r.get(7)?,
        channel: r.get(8)?,
        lang: Lang::from_code(&r.get::<_, String>(9)?).unwrap_or(Lang::Fr),
        conversation: r.get(10)?,
        status: r.get(11)?,
        uid: r.get(12)?,
        sequence: r.get(13)?,
        sent_sequence: r.get(14)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Row>, AppError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {ROW_COLUMNS} WHERE a.id = ?1"))?
        .query_row([id], row)
        .optional()?)
}

/// Appointments (booked or cancelled) starting in `from`..`to`, in time order.
pub fn between(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<Row>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} WHERE a.starts_at >= ?1 AND a.starts_at < ?2
             ORDER BY a.starts_at, a.id"
        ))?
        .query_map(params![from.as_second(), to.as_second()], row)?
        .collect::<Result<_, _>>()?)
}

/// Appointments whose invitation (or cancellation) is still to be e-mailed.
pub fn unsent_invitations(conn: &Connection) -> Result<Vec<Row>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} WHERE a.email != ''
               AND (a.sent_sequence IS NULL OR a.sent_sequence < a.sequence)
             ORDER BY a.id LIMIT 200"
        ))?
        .query_map([], row)?
        .collect::<Result<_, _>>()?)
}

pub fn mark_invitation_sent(conn: &Connection, id: i64, sequence: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE appointments SET sent_sequence = ?2 WHERE id = ?1")?
        .execute(params![id, sequence])?;
    Ok(())
}

/// Booked appointments within a day whose reminder is due: booked more than a day
/// ahead (a booking made the day before needs no reminder), not reminded yet.
pub fn reminders_due(conn: &Connection, now: Timestamp) -> Result<Vec<Row>, AppError> {
    let day = 86_400;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} WHERE a.status = 'booked' AND a.reminded_at IS NULL
               AND a.starts_at > ?1 AND a.starts_at <= ?1 + ?2 AND a.created_at <= a.starts_at - ?2
             ORDER BY a.starts_at LIMIT 200"
        ))?
        .query_map(params![now.as_second(), day], row)?
        .collect::<Result<_, _>>()?)
}

/// The shopper was told of the appointment as it is now (in the conversation).
pub fn mark_told(conn: &Connection, id: i64) -> Result<(), AppError> {
    conn.prepare_cached("UPDATE appointments SET told_sequence = sequence WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Appointments on SMS or WhatsApp the team booked, moved or cancelled, not yet told to
/// the shopper (those to come, or cancelled ones that were told before).
pub fn untold(conn: &Connection, now: Timestamp) -> Result<Vec<Row>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} WHERE a.channel IN ('sms', 'whatsapp')
               AND (a.told_sequence IS NULL OR a.told_sequence < a.sequence)
               AND a.ends_at > ?1
             ORDER BY a.id LIMIT 200"
        ))?
        .query_map([now.as_second()], row)?
        .collect::<Result<_, _>>()?)
}

pub fn told_sequence(conn: &Connection, id: i64) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached("SELECT told_sequence FROM appointments WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?)
}

pub fn mark_reminded(conn: &Connection, id: i64, now: Timestamp) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "UPDATE appointments SET reminded_at = ?2 WHERE id = ?1 AND reminded_at IS NULL",
        )?
        .execute(params![id, now.as_second()])?
        == 1)
}
