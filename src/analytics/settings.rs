//! The shop's choices for its reports (one row, defaults when never saved).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub struct Choices {
    /// Days after a conversation within which an order is credited to it.
    pub attribution_days: i64,
    /// Agents see the whole team's figures.
    pub team_visible: bool,
    /// A summary e-mailed to admins every Monday.
    pub weekly_report: bool,
    /// Addresses or ranges whose web chat visits are left out (the shop's own).
    pub excluded_ips: Vec<String>,
}

impl Default for Choices {
    fn default() -> Self {
        Choices {
            attribution_days: 7,
            team_visible: true,
            weekly_report: false,
            excluded_ips: Vec::new(),
        }
    }
}

pub fn load(conn: &Connection) -> Result<Choices, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT attribution_days, team_visible, weekly_report, excluded_ips
             FROM analytics_settings WHERE id = 1",
        )?
        .query_row([], |r| {
            Ok(Choices {
                attribution_days: r.get(0)?,
                team_visible: r.get(1)?,
                weekly_report: r.get(2)?,
                excluded_ips: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
            })
        })
        .optional()?
        .unwrap_or_default())
}

pub fn save(conn: &Connection, c: &Choices, now: Timestamp) -> Result<(), AppError> {
    conn.execute(
        "INSERT INTO analytics_settings (id, attribution_days, team_visible, weekly_report,
            updated_at, excluded_ips)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET attribution_days = excluded.attribution_days,
            team_visible = excluded.team_visible, weekly_report = excluded.weekly_report,
            updated_at = excluded.updated_at, excluded_ips = excluded.excluded_ips",
        params![
            c.attribution_days,
            c.team_visible,
            c.weekly_report,
            now.as_second(),
            serde_json::to_string(&c.excluded_ips).unwrap_or_else(|_| "[]".into())
        ],
    )?;
    Ok(())
}
