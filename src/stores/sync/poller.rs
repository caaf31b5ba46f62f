//! The background poller: syncs the stores that are due (state in the database, not in
//! memory), one per round, off the async executor. Woken every few seconds, and at once
//! when a page asks for a sync.

use std::collections::VecDeque;

use crate::db;
use crate::db::ids::StoreId;
use crate::jobs::{Job, Round};
use crate::stores::repo;
use crate::stores::sync::{SyncContext, SyncFailure, sync_serving};

pub struct Poller {
    pub ctx: SyncContext,
    /// The stores found due at the start of this pass, not yet synced.
    due: VecDeque<StoreId>,
}

impl Poller {
    pub fn new(ctx: SyncContext) -> Self {
        Self {
            ctx,
            due: VecDeque::new(),
        }
    }
}

impl Job for Poller {
    async fn tick(&mut self) -> Round {
        if self.due.is_empty() {
            let now = self.ctx.clock.now();
            match db::call(&self.ctx.db, move |conn| repo::due_stores(conn, now)).await {
                Ok(due) => self.due = due.into(),
                Err(e) => {
                    tracing::warn!(error = %e, "poller could not read the stores");
                    return Round::Idle;
                }
            }
        }
        let Some(store) = self.due.pop_front() else {
            return Round::Idle;
        };
        let ctx = self.ctx.clone();
        match tokio::task::spawn_blocking(move || sync_serving(&ctx, store)).await {
            Ok(Ok(_)) | Ok(Err(SyncFailure::Busy(_))) => {}
            Ok(Err(e)) => tracing::debug!(store = %store, error = %e, "scheduled sync failed"),
            Err(e) => tracing::error!(store = %store, error = %e, "sync task panicked"),
        }
        if self.due.is_empty() {
            Round::Idle
        } else {
            Round::More
        }
    }
}
