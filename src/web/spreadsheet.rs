//! Cells of the CSV files people download and open in a spreadsheet.

/// Cells a spreadsheet would run as a formula when they start with one of these.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as exported: one that a spreadsheet would read as a formula is prefixed
/// with `'`, which spreadsheets show as text and the catalogue import takes off again
/// (as is one that starts with `'` itself, so it comes back whole).
pub fn safe(cell: &str) -> String {
    if cell.starts_with(FORMULA_STARTS) || cell.starts_with('\'') {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}
