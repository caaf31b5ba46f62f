//! One row per conversation of the period, streamed: rows are read from the database a
//! page at a time on a blocking thread and written to the response as they come, so
//! 100,000 conversations never sit in memory.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use jiff::SignedDuration;
use rusqlite::params;

use super::pages::{Query, frame};
use super::report::Period;
use super::sales;
use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::{AppState, spreadsheet};

/// Conversations read per page.
const PAGE: i64 = 2000;

const COLUMNS: [&str; 16] = [
    "id",
    "lien",
    "client",
    "canal",
    "statut",
    "membre",
    "département",
    "demande du premier message",
    "première réponse assistant (s)",
    "première réponse équipe (s)",
    "résolution (s)",
    "satisfaction",
    "mises de côté",
    "mises de côté remises (€)",
    "commandes attribuées (€)",
    "début",
];

fn euros(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub async fn conversations(
    state: web::Data<AppState>,
    _staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let now = state.clock.now();
    let qq = q.clone();
    // What the rows need besides their own figures: names, and the orders credited.
    let (period, tz, members, departments, credited) =
        db::call(&state.db, move |conn| -> Result<_, AppError> {
            let f = frame(conn, &qq, now)?;
            let period = f.period.map_err(AppError::BadRequest)?;
            // Orders up to the window after the period's end count for its conversations.
            let window = SignedDuration::from_hours(24 * f.choices.attribution_days);
            let later = Period {
                end: period.end + window,
                ..period.clone()
            };
            let mut credited: HashMap<i64, i64> = HashMap::new();
            for s in sales::sales(conn, &later, &qq.filters(), f.choices.attribution_days)? {
                if s.after.is_some() {
                    *credited.entry(s.conversation).or_default() += s.cents;
                }
            }
            Ok((period, f.tz, f.members, f.departments, credited))
        })
        .await?;
    let filters = q.filters();
    let base = state.config.public_url.clone().unwrap_or_default();
    let pool = state.db.clone();
    let (tx, rx) = tokio::sync::mpsc::channel::<web::Bytes>(4);
    tokio::task::spawn_blocking(move || {
        let produce = || -> Result<(), AppError> {
            let conn = pool
                .get()
                .map_err(|e| AppError::Internal(format!("conversations export: {e}")))?;
            let fail = |e: csv::Error| AppError::Internal(format!("conversations export: {e}"));
            let mut after = 0i64;
            let mut first = true;
            loop {
                let mut w = csv::Writer::from_writer(Vec::new());
                if std::mem::take(&mut first) {
                    w.write_record(COLUMNS).map_err(fail)?;
                }
                let mut stmt = conn.prepare_cached(
                    "SELECT f.conversation_id, f.contact, f.channel, f.handed_over, f.team_replies,
                            f.closed_at, f.assignee_id, f.department_id, f.first_intent,
                            f.first_bot_secs, f.first_team_secs, f.resolution_secs, f.csat,
                            f.holds, f.fulfilled_cents, f.started_at
                     FROM conversation_facts f
                     WHERE f.test = 0 AND f.started_at >= ?1 AND f.started_at < ?2
                       AND f.conversation_id > ?3
                       AND (?4 IS NULL OR f.channel = ?4) AND (?5 IS NULL OR f.department_id = ?5)
                       AND (?6 IS NULL OR f.assignee_id = ?6) AND (?7 IS NULL OR f.first_intent = ?7)
                     ORDER BY f.conversation_id LIMIT ?8",
                )?;
                let mut rows = stmt.query(params![
                    period.start.as_second(),
                    period.end.as_second(),
                    after,
                    filters.channel,
                    filters.department,
                    filters.member,
                    filters.intent,
                    PAGE
                ])?;
                let mut read = 0;
                while let Some(r) = rows.next()? {
                    read += 1;
                    let id: i64 = r.get(0)?;
                    after = id;
                    let name = |list: &[(i64, String)], id: Option<i64>| {
                        id.and_then(|id| list.iter().find(|(i, _)| *i == id))
                            .map(|(_, n)| n.clone())
                            .unwrap_or_default()
                    };
                    let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
                    let handed: bool = r.get(3)?;
                    let team: i64 = r.get(4)?;
                    let closed: Option<i64> = r.get(5)?;
                    let status = match (closed.is_some(), handed || team > 0) {
                        (true, _) => "fermée",
                        (false, true) => "avec l'équipe",
                        (false, false) => "assistant",
                    };
                    let started = jiff::Timestamp::from_second(r.get(15)?)
                        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
                        .to_zoned(tz.clone())
                        .strftime("%Y-%m-%d %H:%M")
                        .to_string();
                    w.write_record([
                        id.to_string(),
                        format!("{base}/inbox/{id}"),
                        spreadsheet::safe(&r.get::<_, String>(1)?),
                        r.get::<_, String>(2)?,
                        status.to_string(),
                        spreadsheet::safe(&name(&members, r.get(6)?)),
                        spreadsheet::safe(&name(&departments, r.get(7)?)),
                        r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                        opt(r.get(9)?),
                        opt(r.get(10)?),
                        opt(r.get(11)?),
                        opt(r.get(12)?),
                        r.get::<_, i64>(13)?.to_string(),
                        euros(r.get(14)?),
                        euros(credited.get(&id).copied().unwrap_or(0)),
                        started,
                    ])
                    .map_err(fail)?;
                }
                drop(rows);
                let chunk = w
                    .into_inner()
                    .map_err(|e| AppError::Internal(format!("conversations export: {e}")))?;
                if !chunk.is_empty() && tx.blocking_send(web::Bytes::from(chunk)).is_err() {
                    return Ok(()); // The client went away.
                }
                if read < PAGE {
                    return Ok(());
                }
            }
        };
        if let Err(e) = produce() {
            tracing::error!(error = %e, "conversations export stopped");
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, actix_web::Error>(chunk), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"comptoir-conversations.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}
