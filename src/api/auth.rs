//! Who calls the API: a key sent as `Authorization: Bearer ck_…`, never a session
//! cookie; its scopes checked by each route; calls counted per key per minute (429 with
//! `Retry-After` past the limit) and logged with their status.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::error::ApiError;
use super::keys::{self, Refused};
use crate::db;
use crate::web::AppState;

/// Calls a key may make per minute.
pub const PER_MINUTE: u32 = 120;

/// Calls counted per key in the current minute (in memory: one process serves).
#[derive(Default)]
pub struct Limits(Mutex<HashMap<i64, (i64, u32)>>);

impl Limits {
    /// Counts a call; the seconds to wait when over the limit.
    pub fn take(&self, key: i64, now: i64) -> Result<(), u64> {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let window = now - now.rem_euclid(60);
        let slot = map.entry(key).or_insert((window, 0));
        if slot.0 != window {
            *slot = (window, 0);
        }
        if slot.1 >= PER_MINUTE {
            return Err((window + 60 - now).max(1) as u64);
        }
        slot.1 += 1;
        Ok(())
    }
}

/// The key calling, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct CallerKey(pub i64);

pub struct Caller {
    pub key: i64,
    pub scopes: Vec<String>,
    /// The admin who created the key (replies and notes are theirs).
    pub member: Option<i64>,
}

impl Caller {
    pub fn require(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(scope))
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let limits = req.app_data::<web::Data<Limits>>().cloned();
        let presented = req
            .headers()
            .get("Authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|v| v.trim().to_string());
        let req = req.clone();
        Box::pin(async move {
            let (Some(state), Some(limits)) = (state, limits) else {
                return Err(ApiError::unauthorized("The API is not available."));
            };
            let Some(presented) = presented else {
                return Err(ApiError::unauthorized(
                    "Send an API key as `Authorization: Bearer ck_…` (Paramètres › API et accès).",
                ));
            };
            let now = state.clock.now();
            let checked = db::call(&state.db, move |conn| keys::check(conn, &presented, now))
                .await
                .map_err(ApiError::from)?;
            let key = match checked {
                Ok(k) => k,
                Err(Refused::Unknown) => {
                    return Err(ApiError::unauthorized("This API key is not valid."));
                }
                Err(Refused::Revoked) => {
                    return Err(ApiError::unauthorized("This API key was revoked."));
                }
                Err(Refused::Expired) => {
                    return Err(ApiError::unauthorized("This API key has expired."));
                }
            };
            req.extensions_mut().insert(CallerKey(key.id));
            limits
                .take(key.id, now.as_second())
                .map_err(ApiError::rate_limited)?;
            Ok(Caller {
                key: key.id,
                scopes: key.scopes,
                member: key.created_by,
            })
        })
    }
}

/// Logs every call made with a key (route pattern, status), after its answer.
pub async fn audit(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let key = res.request().extensions().get::<CallerKey>().copied();
    if let (Some(state), Some(CallerKey(key))) = (state, key) {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| res.request().path().to_string());
        let status = res.status().as_u16();
        let now = state.clock.now();
        let logged = db::call(&state.db, move |conn| {
            db::write(conn, |tx| {
                keys::log_call(tx, key, &method, &route, status, now)
            })
        })
        .await;
        if let Err(e) = logged {
            tracing::warn!(error = %e, "an API call could not be logged");
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_calls_per_minute_then_waits_for_the_next() {
        let l = Limits::default();
        for _ in 0..PER_MINUTE {
            assert!(l.take(1, 120).is_ok());
        }
        assert_eq!(l.take(1, 150), Err(30));
        assert!(l.take(2, 150).is_ok(), "another key has its own count");
        assert!(l.take(1, 180).is_ok(), "a new minute");
    }
}
