//! Alerts and appointments through the API: the alerts shoppers wait on (read), the
//! appointments by start time (read), and cancelling one (the shopper is told by the
//! notices job, as when the team cancels on the Rendez-vous page).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rusqlite::params;
use serde_json::json;

use super::auth::Caller;
use super::error::ApiError;
use super::v1::{Page, idempotent, iso, page, rows_page};
use crate::db;
use crate::error::AppError;
use crate::web::AppState;

const ALERT_STATUSES: [&str; 5] = ["unconfirmed", "active", "sent", "unsubscribed", "closed"];

pub(super) async fn alerts(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("alerts:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    let status = q.status.clone().unwrap_or_default();
    if !status.is_empty() && !ALERT_STATUSES.contains(&status.as_str()) {
        return Err(ApiError::invalid(
            "status",
            format!("`status` is one of {}.", ALERT_STATUSES.join(", ")),
        ));
    }
    let (items, next) = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let before = after.map_or(i64::MAX, |(_, id)| id);
        rows_page(
            conn,
            "SELECT id, kind, item_key, product_title, variant_title, price_cents, channel,
                    recipient, conversation_id, status, created_at, sent_at, ended_at
             FROM alerts WHERE id < ?1 AND (?2 = '' OR status = ?2) ORDER BY id DESC LIMIT ?3",
            params![before, status, limit],
            |r| {
                Ok((
                    json!({
                        "id": r.get::<_, i64>(0)?, "kind": r.get::<_, String>(1)?,
                        "sku": r.get::<_, String>(2)?, "product": r.get::<_, String>(3)?,
                        "variant": r.get::<_, String>(4)?,
                        "price_cents_when_subscribed": r.get::<_, Option<i64>>(5)?,
                        "channel": r.get::<_, String>(6)?, "recipient": r.get::<_, String>(7)?,
                        "conversation_id": r.get::<_, Option<i64>>(8)?,
                        "status": r.get::<_, String>(9)?, "created_at": iso(Some(r.get(10)?)),
                        "sent_at": iso(r.get(11)?), "ended_at": iso(r.get(12)?),
                    }),
                    (0, r.get(0)?),
                ))
            },
        )
    })
    .await?;
    Ok(page(items, limit, next))
}

const APPOINTMENT_COLUMNS: &str = "a.id, s.name, a.starts_at, a.ends_at, a.contact, a.name,
    a.email, a.conversation_id, a.status, a.created_at";

fn appointment_json(r: &rusqlite::Row<'_>) -> rusqlite::Result<serde_json::Value> {
    Ok(json!({
        "id": r.get::<_, i64>(0)?, "service": r.get::<_, String>(1)?,
        "starts_at": iso(Some(r.get(2)?)), "ends_at": iso(Some(r.get(3)?)),
        "contact": r.get::<_, String>(4)?, "name": r.get::<_, String>(5)?,
        "email": r.get::<_, String>(6)?, "conversation_id": r.get::<_, Option<i64>>(7)?,
        "status": r.get::<_, String>(8)?, "created_at": iso(Some(r.get(9)?)),
    }))
}

pub(super) async fn appointments(
    state: web::Data<AppState>,
    caller: Caller,
    q: web::Query<Page>,
) -> Result<HttpResponse, ApiError> {
    caller.require("appointments:read")?;
    let (limit, after) = (q.limit()?, q.after()?);
    let status = q.status.clone().unwrap_or_default();
    if !matches!(status.as_str(), "" | "booked" | "cancelled") {
        return Err(ApiError::invalid(
            "status",
            "`status` is booked or cancelled.",
        ));
    }
    let (items, next) = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let (at, id) = after.unwrap_or((i64::MIN, 0));
        rows_page(
            conn,
            &format!(
                "SELECT {APPOINTMENT_COLUMNS}
                 FROM appointments a JOIN services s ON s.id = a.service_id
                 WHERE (a.starts_at, a.id) > (?1, ?2) AND (?3 = '' OR a.status = ?3)
                 ORDER BY a.starts_at, a.id LIMIT ?4"
            ),
            params![at, id, status, limit],
            |r| Ok((appointment_json(r)?, (r.get(2)?, r.get(0)?))),
        )
    })
    .await?;
    Ok(page(items, limit, next))
}

pub(super) async fn cancel_appointment(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    caller.require("appointments:write")?;
    let id = path.into_inner();
    let st = state.clone();
    idempotent(
        &state,
        &req,
        &caller,
        "POST /appointments/{id}/cancel",
        async move || {
            let now = st.clock.now();
            let done = db::call(&st.db, move |conn| {
                db::write(conn, |tx| -> Result<_, AppError> {
                    let found = tx
                        .prepare_cached(&format!(
                            "SELECT {APPOINTMENT_COLUMNS} FROM appointments a
                             JOIN services s ON s.id = a.service_id WHERE a.id = ?1"
                        ))?
                        .query_row([id], |r| Ok((appointment_json(r)?, r.get::<_, String>(8)?)));
                    let Ok((_, status)) = found else {
                        return Ok(None);
                    };
                    if status != "booked" {
                        return Ok(Some(Err(())));
                    }
                    crate::appointments::repo::cancel(tx, id, now)?;
                    let row = tx
                        .prepare_cached(&format!(
                            "SELECT {APPOINTMENT_COLUMNS} FROM appointments a
                             JOIN services s ON s.id = a.service_id WHERE a.id = ?1"
                        ))?
                        .query_row([id], appointment_json)?;
                    Ok(Some(Ok(row)))
                })
            })
            .await?;
            match done {
                None => Err(ApiError::not_found("appointment")),
                Some(Err(())) => Err(ApiError::conflict(
                    "already_cancelled",
                    "This appointment is already cancelled.",
                )),
                Some(Ok(row)) => {
                    // The shopper is told (SMS, WhatsApp or e-mail with the ICS).
                    st.notices_wanted.notify_one();
                    Ok((StatusCode::OK, json!({"data": row})))
                }
            }
        },
    )
    .await
}
