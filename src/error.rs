//! One error type for everything a request can run into, with a stable code. How it is
//! shown (a safe French page, the full cause in the log) is the web edge's business:
//! `web::errors`.

use crate::db::DbError;

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
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    #[error("a blocking task failed: {0}")]
    Blocking(#[from] actix_web::error::BlockingError),
    #[error("a background task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("cannot build the response: {0}")]
    Http(#[from] actix_web::error::HttpError),
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
            Self::Db(_)
            | Self::Data(_)
            | Self::Secret(_)
            | Self::Blocking(_)
            | Self::Join(_)
            | Self::Http(_)
            | Self::Internal(_) => "internal",
        }
    }
}

/// A command-line failure: the message for the terminal, and the exit code (2 for bad
/// usage or configuration, 1 otherwise).
pub type CliError = (String, u8);

pub fn minutes_fr(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    if minutes == 1 {
        "1 minute".into()
    } else {
        format!("{minutes} minutes")
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        AppError::Db(DbError::Sqlite(e))
    }
}
