//! Mutex locking that survives poisoning: the guarded maps (caches, running-sync sets,
//! reader queues) stay valid whatever a panicking holder was doing.

/// Locks `m`, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
