//! CSRF protection. Before login, a double-submit token: every browser gets a random
//! token in an HttpOnly, SameSite=Strict cookie and every form carries the same token in
//! `_csrf` (htmx sends it as `X-CSRF-Token`). Once signed in, the token is derived from
//! the session's own secret, so it changes at every login and a token planted in the
//! browser beforehand is worth nothing. `CsrfForm` refuses a post whose token differs.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::token;
use crate::web::{AppState, paths};

pub const COOKIE: &str = "comptoir_csrf";
pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "X-CSRF-Token";
/// Forms are small; uploads (CSV) have their own multipart limit.
const FORM_LIMIT: usize = 256 * 1024;
/// An oversized form is read (and dropped) up to this much, so the browser receives our
/// answer instead of a reset connection; beyond it the connection is simply closed.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// The token for this browser, to embed in forms.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// The token a form must carry: the cookie's before login, the session's after.
#[derive(Clone)]
struct ExpectedToken(String);

/// Middleware: makes sure every browser has a CSRF cookie.
pub async fn ensure_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let well_formed = |v: &String| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit());
    let session = req
        .cookie(crate::web::auth::SESSION_COOKIE)
        .map(|c| c.value().to_string())
        .filter(well_formed);
    let presented = req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .filter(well_formed);
    let needs_none = req.path() == paths::HEALTHZ
        || req.path().starts_with("/assets/")
        || req.path().starts_with("/webhooks/");
    let issued = match (&session, &presented) {
        _ if needs_none => None,
        (Some(session), _) => {
            let bound = bound_to(session);
            req.extensions_mut().insert(ExpectedToken(bound.clone()));
            req.extensions_mut().insert(CsrfToken(bound));
            None
        }
        (None, Some(value)) => {
            req.extensions_mut().insert(ExpectedToken(value.clone()));
            req.extensions_mut().insert(CsrfToken(value.clone()));
            None
        }
        (None, None) => {
            let fresh = token::random_token();
            req.extensions_mut().insert(CsrfToken(fresh.clone()));
            Some(fresh)
        }
    };
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.is_https());
    let mut res = next.call(req).await?;
    if let Some(value) = issued {
        let cookie = Cookie::build(COOKIE, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish();
        // A failure here only means the next form post is refused with a clear page.
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

/// The token of a signed-in browser: a one-way function of its session's secret, never
/// the session's lookup hash.
fn bound_to(session: &str) -> String {
    token::hash_token(&format!("comptoir-csrf:{session}"))
}

impl FromRequest for CsrfToken {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<CsrfToken>()
                .cloned()
                .ok_or_else(|| AppError::Internal("CSRF middleware missing".into())),
        )
    }
}

/// Checks a token sent by other means (a multipart upload's `_csrf` field).
pub fn check(req: &HttpRequest, sent: Option<&str>) -> Result<(), AppError> {
    let presented = req.extensions().get::<ExpectedToken>().cloned();
    match (presented, sent) {
        (Some(ExpectedToken(expected)), Some(sent))
            if token::constant_time_eq(expected.as_bytes(), sent.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(AppError::Csrf),
    }
}

/// A url-encoded form whose CSRF token has been checked.
pub struct CsrfForm<T>(pub T);

/// A form with nothing but its CSRF token (logout, revoke, …).
#[derive(Deserialize)]
pub struct NoFields {}

#[derive(Deserialize)]
struct TokenField {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let presented = req.extensions().get::<ExpectedToken>().cloned();
        let header = req
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read_limited(&mut payload).await?;
            let in_form = serde_urlencoded::from_bytes::<TokenField>(&body)
                .ok()
                .and_then(|f| f.csrf);
            let sent = in_form.or(header);
            match (presented, sent) {
                (Some(ExpectedToken(expected)), Some(sent))
                    if token::constant_time_eq(expected.as_bytes(), sent.as_bytes()) => {}
                _ => return Err(AppError::Csrf),
            }
            let form = serde_urlencoded::from_bytes::<T>(&body)
                .map_err(|e| AppError::BadRequest(explain_form_error(&e.to_string())))?;
            Ok(CsrfForm(form))
        })
    }
}

async fn read_limited(payload: &mut Payload) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            AppError::BadRequest("Le formulaire n'a pas été reçu en entier. Réessayez.".into())
        })?;
        seen += chunk.len();
        if seen <= FORM_LIMIT {
            body.extend_from_slice(&chunk);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > FORM_LIMIT {
        return Err(AppError::BadRequest(
            "Le formulaire envoyé est trop volumineux (256 Ko au plus).".into(),
        ));
    }
    Ok(body.freeze())
}

/// Turns serde's wording into a sentence for people.
fn explain_form_error(error: &str) -> String {
    if let Some(field) = error
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        return format!(
            "Le champ « {field} » manque dans le formulaire. Rechargez la page et réessayez."
        );
    }
    "Le formulaire envoyé n'a pas la forme attendue. Rechargez la page et réessayez.".into()
}
