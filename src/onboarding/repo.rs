//! Where the setup wizard stands, kept in the database so a shop that leaves and logs
//! in again resumes at the same step.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use super::Step;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// The furthest step reached.
    pub reached: Step,
    /// Steps passed over with "Passer".
    pub skipped: Vec<Step>,
    /// The shop said it has no online store.
    pub no_store: bool,
    pub finished: bool,
}

pub fn load(conn: &Connection) -> Result<Progress, AppError> {
    let row: Option<(i64, String, bool, Option<i64>)> = conn
        .query_row(
            "SELECT step, skipped, no_store, finished_at FROM onboarding WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        // The account exists (nobody reaches the wizard otherwise): step 2 comes next.
        None => Progress {
            reached: Step::Business,
            skipped: Vec::new(),
            no_store: false,
            finished: false,
        },
        Some((step, skipped, no_store, finished)) => Progress {
            reached: Step::from_number(step).unwrap_or(Step::Business),
            skipped: serde_json::from_str::<Vec<i64>>(&skipped)
                .unwrap_or_default()
                .into_iter()
                .filter_map(Step::from_number)
                .collect(),
            no_store,
            finished: finished.is_some(),
        },
    })
}

fn save(conn: &Connection, p: &Progress, now: Timestamp) -> Result<(), AppError> {
    let skipped: Vec<i64> = p.skipped.iter().map(|s| s.number()).collect();
    conn.execute(
        "INSERT INTO onboarding (id, step, skipped, no_store, finished_at, updated_at)
         VALUES (1, ?1, ?2, ?3, CASE WHEN ?4 THEN ?5 END, ?5)
         ON CONFLICT (id) DO UPDATE SET step = excluded.step, skipped = excluded.skipped,
            no_store = excluded.no_store,
            finished_at = COALESCE(onboarding.finished_at, excluded.finished_at),
            updated_at = excluded.updated_at",
        params![
            p.reached.number(),
            serde_json::to_string(&skipped).unwrap_or_else(|_| "[]".into()),
            p.no_store,
            p.finished,
            now.as_second()
        ],
    )?;
    Ok(())
}

/// Moves on to `step` (never back): `done` was completed, or skipped when `skipped`.
pub fn advance(
    conn: &Connection,
    done: Step,
    skipped: bool,
    step: Step,
    now: Timestamp,
) -> Result<Progress, AppError> {
    let mut p = load(conn)?;
    p.skipped.retain(|s| *s != done);
    if skipped {
        p.skipped.push(done);
    }
    p.reached = p.reached.max(step);
    save(conn, &p, now)?;
    Ok(p)
}

/// Records whether the shop has no online store (then the sync step is passed over).
pub fn set_no_store(conn: &Connection, no_store: bool, now: Timestamp) -> Result<(), AppError> {
    let mut p = load(conn)?;
    p.no_store = no_store;
    save(conn, &p, now)
}

/// Ends the wizard. What its test conversation put aside goes back on the shelf: those
/// holds were for trying the assistant, not for a shopper.
pub fn finish(conn: &Connection, now: Timestamp) -> Result<(), AppError> {
    conn.execute(
        "UPDATE reservations SET status = 'cancelled', closed_at = ?1
         WHERE status = 'active'
           AND conversation_id IN (SELECT id FROM conversations WHERE test = 1)",
        [now.as_second()],
    )?;
    let mut p = load(conn)?;
    p.reached = Step::Done;
    p.finished = true;
    save(conn, &p, now)
}
