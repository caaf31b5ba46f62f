//! What every store connector provides, and how its failures are classified.

use std::time::Duration;

use crate::stores::model::Record;

/// How a sync failed, which decides what the poller does next.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    /// Temporary (timeout, 5xx, 429, throttling, garbled answer): try again later,
    /// not before `after` when the platform said so.
    #[error("{message}")]
    Retry {
        message: String,
        after: Option<Duration>,
    },
    /// The store refuses us for good (credentials revoked, shop gone): stop polling
    /// until someone reconnects it.
    #[error("{message}")]
    Abort { message: String },
    /// Our own side failed (database); retried like a temporary failure.
    #[error("{0}")]
    Local(String),
}

impl SyncError {
    pub fn retry(message: impl Into<String>) -> Self {
        SyncError::Retry {
            message: message.into(),
            after: None,
        }
    }

    pub fn abort(message: impl Into<String>) -> Self {
        SyncError::Abort {
            message: message.into(),
        }
    }

    /// What people are shown and what is stored for them (a store's last error, a
    /// sync run): the platform's answer, written for them by the connector, or for our
    /// own failures a sentence and a code. The internal cause goes to the log only.
    pub fn shown(&self) -> String {
        match self {
            SyncError::Retry { message, .. } | SyncError::Abort { message } => message.clone(),
            SyncError::Local(_) => "Erreur interne de Comptoir pendant la synchronisation \
                 (code : local_error). Elle sera retentée automatiquement ; si elle se répète, \
                 le journal du serveur en donne le détail."
                .to_string(),
        }
    }
}

/// Where a connector puts each page of records as it arrives (streamed, never the
/// whole catalogue in memory).
pub trait Sink {
    fn page(&mut self, records: Vec<Record>) -> Result<(), SyncError>;
    /// Counts one HTTP request, for sync reports and benchmarks.
    fn request(&mut self);
}

/// A sink that keeps nothing: for the one cheap call that checks credentials.
pub struct Discard;

impl Sink for Discard {
    fn page(&mut self, _: Vec<Record>) -> Result<(), SyncError> {
        Ok(())
    }
    fn request(&mut self) {}
}

/// What to fetch.
#[derive(Debug, Clone)]
pub struct FetchPlan {
    /// Only what changed after this upstream timestamp; None fetches everything.
    pub since: Option<String>,
    /// Orders created on or after this date (RFC 3339), the recent-orders window.
    pub orders_since: String,
}

pub trait Connector: Send {
    /// Streams the records of `plan` into `sink`, page by page.
    fn fetch(&mut self, plan: &FetchPlan, sink: &mut dyn Sink) -> Result<(), SyncError>;
}
