//! The manual store ("Autre système / Configuration manuelle"): a catalogue kept in
//! Comptoir itself, imported from CSV (validated whole) and exported back.

pub mod csv;

use jiff::Timestamp;

use crate::config::Config;
use crate::db::ids::StoreId;
use crate::error::AppError;

/// Adds or updates catalogue lines (a small file in the import format: the product form
/// and the API) in one run: checked whole first, then merged; nothing is removed. The
/// lines refused, if any, and nothing written.
pub fn add_lines(
    conn: &mut rusqlite::Connection,
    config: &Config,
    store: StoreId,
    file: &[u8],
    now: Timestamp,
) -> Result<Result<(), Vec<csv::LineError>>, AppError> {
    if let Err(errors) = csv::check_catalogue(file) {
        return Ok(Err(errors));
    }
    super::repo::close_orphaned_runs(conn, now)?;
    let run = super::repo::begin_run(conn, store, false, now)?;
    super::sync::import_run(
        conn,
        config,
        store,
        run,
        super::sync::catalogue_feed(file),
        false,
        now,
    )?;
    Ok(Ok(()))
}
