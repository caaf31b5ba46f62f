//! One error type for everything a request can run into. People see a safe French
//! message and a stable code; the log gets the full cause. SQL never reaches a browser.

use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};

use crate::db::DbError;
use crate::web::{layout, paths};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("login required")]
    LoginRequired { next: Option<String> },
    #[error("forbidden for this role")]
    Forbidden,
    #[error("missing or wrong CSRF token")]
    Csrf,
    /// The message is shown to people as is: write it for them.
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("too many attempts, retry in {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Data(#[from] crate::engine::data::DataError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// Stable machine-readable code, shown on error pages and usable by scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::LoginRequired { .. } => "login_required",
            Self::Forbidden => "forbidden",
            Self::Csrf => "csrf",
            Self::BadRequest(_) => "bad_request",
            Self::RateLimited { .. } => "rate_limited",
            Self::Db(_) | Self::Data(_) | Self::Internal(_) => "internal",
        }
    }

    fn title_and_message(&self) -> (&'static str, String) {
        match self {
            Self::NotFound => (
                "Page introuvable",
                "Cette page n'existe pas ou a été déplacée. Revenez au tableau de bord.".into(),
            ),
            Self::LoginRequired { .. } => (
                "Connexion requise",
                "Connectez-vous pour accéder à cette page.".into(),
            ),
            Self::Forbidden => (
                "Accès refusé",
                "Votre rôle ne permet pas cette action. Demandez à un administrateur si vous en avez besoin.".into(),
            ),
            Self::Csrf => (
                "Formulaire expiré",
                "Ce formulaire a expiré ou ne vient pas de Comptoir. Rechargez la page et réessayez : rien n'a été enregistré.".into(),
            ),
            Self::BadRequest(message) => ("Demande invalide", message.clone()),
            Self::RateLimited { retry_after_secs } => (
                "Trop de tentatives",
                format!(
                    "Trop de tentatives de connexion. Réessayez dans {}.",
                    minutes_fr(*retry_after_secs)
                ),
            ),
            Self::Db(_) | Self::Data(_) | Self::Internal(_) => (
                "Erreur interne",
                "Une erreur inattendue s'est produite. Rien n'a été perdu ; réessayez dans un instant. Le détail est dans le journal du serveur.".into(),
            ),
        }
    }
}

pub fn minutes_fr(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::LoginRequired { .. } => StatusCode::SEE_OTHER,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Db(_) | Self::Data(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        if let Self::LoginRequired { next } = self {
            let location = match next {
                Some(next) => format!(
                    "{}?next={}",
                    paths::LOGIN,
                    serde_urlencoded::to_string([("", next)])
                        .unwrap_or_default()
                        .trim_start_matches('=')
                ),
                None => paths::LOGIN.to_string(),
            };
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
        }
        let (title, message) = self.title_and_message();
        let mut response = HttpResponse::build(status);
        response.insert_header(("X-Comptoir-Error", self.code()));
        if let Self::RateLimited { retry_after_secs } = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        response
            .content_type(respond::HTML)
            .body(layout::error_page(status.as_u16(), title, &message, self.code()).into_string())
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Db(DbError::Sqlite(e))
    }
}
