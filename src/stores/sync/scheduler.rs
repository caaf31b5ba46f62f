//! The background poller: wakes every few seconds, syncs the stores that are due (state
//! in the database, not in memory), one at a time, off the async executor.

use std::time::Duration;

use tokio::sync::watch;

use crate::db;
use crate::stores::repo;
use crate::stores::sync::{SyncContext, SyncFailure, sync_serving};

pub async fn run(
    ctx: SyncContext,
    wanted: std::sync::Arc<tokio::sync::Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let every = Duration::from_secs(u64::from(ctx.config.sync.poll_seconds));
    let mut tick = tokio::time::interval(every);
    // Missed ticks (a long sync) are skipped, not replayed in a burst.
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = wanted.notified() => {}
            _ = stop.changed() => return,
        }
        let now = ctx.clock.now();
        let due = match db::call(&ctx.db, move |conn| repo::due_stores(conn, now)).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "poller could not read the stores");
                continue;
            }
        };
        for store in due {
            if *stop.borrow() {
                return;
            }
            let ctx = ctx.clone();
            let outcome = tokio::task::spawn_blocking(move || sync_serving(&ctx, store)).await;
            match outcome {
                Ok(Ok(_)) | Ok(Err(SyncFailure::Busy(_))) => {}
                Ok(Err(e)) => tracing::debug!(store = %store, error = %e, "scheduled sync failed"),
                Err(e) => tracing::error!(store = %store, error = %e, "sync task panicked"),
            }
        }
    }
}
