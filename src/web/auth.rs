//! The one extractor that says who is asking: a logged-in, enabled member with a live
//! session. It refuses any state-changing request from a read-only member, so no route
//! can forget that rule; routes ask for finer permissions with `require`.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::error::AppError;
use crate::token;
use crate::web::csrf::CsrfToken;
use crate::web::roles::{Perm, Role};
use crate::web::sessions::{self, SessionUser};
use crate::web::{AppState, paths};

pub const SESSION_COOKIE: &str = "comptoir_session";

/// A member of the shop's team, authenticated for this request.
pub struct Staff {
    pub user: SessionUser,
    pub session_hash: String,
    pub csrf: String,
    pub path: String,
    /// The address this member reaches Comptoir at (`https://host`), as the request
    /// says; for what must point back here when `public_url` is not set.
    pub origin: String,
}

impl Staff {
    pub fn require(&self, perm: Perm) -> Result<(), AppError> {
        if self.user.role.can(perm) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let cookie = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let csrf = req.extensions().get::<CsrfToken>().map(|t| t.0.clone());
        let safe = req.method().is_safe();
        let path = req.path().to_string();
        let origin = {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        };
        let next = if safe {
            Some(match req.query_string() {
                "" => path.clone(),
                q => format!("{path}?{q}"),
            })
        } else {
            None
        };
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::Internal("app state missing".into()))?;
            let csrf = csrf.ok_or_else(|| AppError::Internal("CSRF middleware missing".into()))?;
            let Some(cookie) = cookie else {
                return Err(AppError::LoginRequired { next });
            };
            let hash = token::hash_token(&cookie);
            let now = state.clock.now();
            let ttl = state.session_ttl();
            let lookup_hash = hash.clone();
            let user = crate::db::call(&state.db, move |conn| {
                sessions::session_user(conn, &lookup_hash, now, ttl)
            })
            .await?;
            let Some(user) = user else {
                return Err(AppError::LoginRequired { next });
            };
            // Read-only members change nothing; logging out is not a change to the shop.
            if !safe && user.role == Role::ReadOnly && path != paths::LOGOUT {
                return Err(AppError::Forbidden);
            }
            Ok(Staff {
                user,
                session_hash: hash,
                csrf,
                path,
                origin,
            })
        })
    }
}
