//! Online backups: `VACUUM INTO` writes a consistent, compact copy while the server keeps
//! writing (readers and writers are not blocked under WAL).

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::DbError;

/// Copies the database behind `conn` to `dest`, checks the copy, and returns its size.
pub fn backup_to(conn: &Connection, dest: &Path) -> Result<u64, DbError> {
    if dest.exists() {
        return Err(DbError::Backup(format!(
            "{} already exists; choose a new file name (nothing was overwritten)",
            dest.display()
        )));
    }
    let dest_text = dest
        .to_str()
        .ok_or_else(|| DbError::Backup(format!("{} is not a UTF-8 path", dest.display())))?;
    conn.execute("VACUUM INTO ?1", [dest_text]).map_err(|e| {
        DbError::Backup(format!(
            "cannot write the backup to {}: {e}",
            dest.display()
        ))
    })?;

    let copy = Connection::open_with_flags(dest, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let check: String = copy.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(DbError::Backup(format!(
            "the backup at {} failed its integrity check: {check}",
            dest.display()
        )));
    }
    let size = std::fs::metadata(dest)
        .map(|m| m.len())
        .map_err(|e| DbError::Backup(format!("cannot read {}: {e}", dest.display())))?;
    Ok(size)
}
