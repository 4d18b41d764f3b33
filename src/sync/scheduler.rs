//! The scheduler: every tick, sync the active, unpaused connections whose `next_sync_at`
//! has come (the engine sets it with jitter on success and with backoff on failure).

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::ids::IdRef;
use crate::state::AppState;
use crate::store::connections;
use crate::sync::{SyncEngine, Trigger};

/// How often the scheduler looks for due connections.
pub fn tick_for(interval: Duration) -> Duration {
    (interval / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

/// Runs until the task is aborted; reports itself through `state.set_scheduler_running`.
pub async fn run(state: AppState, engine: Arc<SyncEngine>) {
    state.set_scheduler_running(true);
    let _stopped = StopFlag(state.clone());
    let mut tick = tokio::time::interval(tick_for(state.config.sync_interval));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = crate::time::now();
        let due = match state
            .db
            .read(move |c| connections::due_for_sync(c, now))
            .await
        {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler could not list due connections");
                continue;
            }
        };
        let scheduled = |provider: &str| {
            state
                .providers
                .info(provider)
                .is_some_and(|info| info.scheduled)
        };
        for (id, _) in due.into_iter().filter(|(_, p)| scheduled(p)) {
            match engine.run_now(&IdRef::Uuid(id), Trigger::Scheduled).await {
                Ok(_) | Err(Error::SyncInProgress | Error::NotFound(_)) => {}
                Err(e) => {
                    tracing::warn!(connection = %id, error = %e, "scheduled sync not started");
                }
            }
        }
    }
}

/// Marks the scheduler stopped when its task ends (abort included).
struct StopFlag(AppState);

impl Drop for StopFlag {
    fn drop(&mut self) {
        self.0.set_scheduler_running(false);
    }
}
