//! Keeping bank data fresh: the engine (one database transaction per sync, one sync at a
//! time per connection) and the scheduler that triggers it on an interval.

pub mod engine;
pub mod scheduler;

pub use engine::{SyncEngine, Trigger};
