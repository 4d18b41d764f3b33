//! The hosted-link session lifecycle (docs/api.md, Hosted-link sessions) as a pure state machine: given what is
//! stored about a session, an event and the time, it decides the effects to persist or why the
//! token is refused. No I/O here; the store applies a [`Transition`] in one DB transaction.

pub use crate::domain::{AttemptStatus, LinkSessionStatus as Status};

/// What the machine needs to know about a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The stored status (may lag behind expiry until the sweep runs).
    pub status: Status,
    pub single_use: bool,
    /// Unix seconds.
    pub expires_at: i64,
    pub started_at: Option<i64>,
    /// At least one connection has been recorded.
    pub has_results: bool,
    /// Number of the running attempt, if one is running.
    pub active_attempt: Option<u32>,
    /// Highest attempt number so far; 0 = none yet.
    pub last_attempt: u32,
}

/// Something that happens to a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The person opened the page (the claim, `GET /_link/{token}/session`).
    Open,
    /// A connection was added (`POST /_link/{token}/connections`).
    Succeed,
    /// The page or the provider reported a failure.
    Fail { code: String, message: String },
    /// The person pressed Done (`POST /_link/{token}/complete`).
    Done,
    /// The periodic sweep that persists expiry.
    Sweep,
}

/// Effects to persist, all in one DB transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transition {
    /// New status (may equal the old one).
    pub status: Status,
    /// Set `started_at = now` (only ever once).
    pub stamp_started_at: bool,
    /// Set `completed_at = now`.
    pub stamp_completed_at: bool,
    /// Clear the session's `error_code`/`error_message`.
    pub clear_error: bool,
    /// Set the session's `(error_code, error_message)`.
    pub set_error: Option<(String, String)>,
    /// Insert an attempt with this number, status `active`, `started_at = now`.
    /// Happens before `finish_attempt`, which may close this same attempt.
    pub new_attempt: Option<u32>,
    /// Close that attempt with that status, `finished_at = now`.
    pub finish_attempt: Option<(u32, AttemptStatus)>,
    /// `(error_code, error_message)` to record on the attempt closed by `finish_attempt`.
    pub attempt_error: Option<(String, String)>,
}

impl Transition {
    /// A transition to `status` with no other effect.
    #[must_use]
    pub fn to(status: Status) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    /// True when applying this to a session stored as `from` would change nothing.
    #[must_use]
    pub fn is_noop(&self, from: Status) -> bool {
        *self == Self::to(from)
    }
}

/// Why the token may not do what it asked (the token gate and Done on a single-use session).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this link has expired")]
    Expired,
    #[error("this link has already been used")]
    Consumed,
    #[error("this link is no longer usable")]
    Gone,
    #[error("{0}")]
    NotAllowed(&'static str),
}

const SINGLE_USE_DONE: &str = "a single-use session ends when a connection is added";

/// Status a reader should see at `now` (expiry is reported on read, even before the sweep
/// persists it). Completed and consumed sessions keep their status past `expires_at`.
#[must_use]
pub fn effective_status(s: &Snapshot, now: i64) -> Status {
    match s.status {
        Status::Pending | Status::Active | Status::Failed if now >= s.expires_at => Status::Expired,
        status => status,
    }
}

/// Applies `event` at `now`.
///
/// # Errors
/// The token gate refuses an expired, consumed or otherwise terminal session (a repeated Done
/// on a consumed session is the exception: a no-op); Done on a single-use session is
/// [`Refusal::NotAllowed`]. [`Event::Sweep`] is never refused.
pub fn apply(s: &Snapshot, event: &Event, now: i64) -> Result<Transition, Refusal> {
    let transition = match event {
        Event::Sweep => Ok(sweep(s, now)),
        Event::Done => done(s, now),
        Event::Open => gate(s, now).map(|live| open(s, live)),
        Event::Succeed => gate(s, now).map(|_| succeed(s)),
        Event::Fail { code, message } => {
            gate(s, now).map(|live| fail(s, live, (code.clone(), message.clone())))
        }
    }?;
    Ok(with_error_rule(s, transition))
}

/// A status whose token passes the gate.
#[derive(Debug, Clone, Copy)]
enum Live {
    Pending,
    Active,
    Completed,
    Failed,
}

/// The token gate (docs/api.md, Hosted-link sessions). Uses the token's expiry, not only the effective status: a completed
/// multi-use session keeps reading `completed` after `expires_at`, but its token stops working.
fn gate(s: &Snapshot, now: i64) -> Result<Live, Refusal> {
    match effective_status(s, now) {
        Status::Consumed => Err(Refusal::Consumed),
        Status::Expired => Err(Refusal::Expired),
        _ if now >= s.expires_at => Err(Refusal::Expired),
        // "Anything else terminal → GONE": no such status exists yet.
        status if status.is_terminal() => Err(Refusal::Gone),
        Status::Pending => Ok(Live::Pending),
        Status::Active => Ok(Live::Active),
        Status::Completed => Ok(Live::Completed),
        Status::Failed => Ok(Live::Failed),
    }
}

/// Claim: pending/failed start a new attempt; a refresh while active keeps the running one; a
/// completed multi-use session stays completed and gets an attempt for the next connection.
fn open(s: &Snapshot, live: Live) -> Transition {
    let status = match live {
        Live::Completed => Status::Completed,
        Live::Pending | Live::Active | Live::Failed => Status::Active,
    };
    let mut t = Transition::to(status);
    ensure_attempt(s, &mut t);
    t
}

/// A connection was added: the running attempt (opened here if none) succeeds.
fn succeed(s: &Snapshot) -> Transition {
    let status = if s.single_use {
        Status::Consumed
    } else {
        Status::Completed
    };
    let mut t = Transition::to(status);
    let attempt = ensure_attempt(s, &mut t);
    t.finish_attempt = Some((attempt, AttemptStatus::Succeeded));
    t.stamp_completed_at = true;
    t
}

/// A failure report. Pending/active fail; a completed session keeps its success and only the
/// attempt records the failure; a repeated report on a failed session updates the error.
fn fail(s: &Snapshot, live: Live, error: (String, String)) -> Transition {
    match live {
        Live::Pending | Live::Active => {
            let mut t = fail_attempt(s, Status::Failed, error.clone());
            t.set_error = Some(error);
            t.stamp_completed_at = true;
            t
        }
        Live::Completed => fail_attempt(s, Status::Completed, error),
        Live::Failed => {
            let mut t = Transition::to(Status::Failed);
            t.set_error = Some(error);
            t
        }
    }
}

/// The person pressed Done: a multi-use session is consumed; a repeat is a no-op.
fn done(s: &Snapshot, now: i64) -> Result<Transition, Refusal> {
    if s.status == Status::Consumed {
        return Ok(Transition::to(Status::Consumed));
    }
    gate(s, now)?;
    if s.single_use {
        return Err(Refusal::NotAllowed(SINGLE_USE_DONE));
    }
    let mut t = Transition::to(Status::Consumed);
    t.stamp_completed_at = true;
    finish_running(s, &mut t, AttemptStatus::Abandoned);
    Ok(t)
}

/// Persists expiry once it is due; otherwise nothing.
fn sweep(s: &Snapshot, now: i64) -> Transition {
    if effective_status(s, now) != Status::Expired || s.status == Status::Expired {
        return Transition::to(s.status);
    }
    let mut t = Transition::to(Status::Expired);
    finish_running(s, &mut t, AttemptStatus::Abandoned);
    t
}

/// Closes the running attempt (opened here if none) as failed with `error`, leaving `status`.
fn fail_attempt(s: &Snapshot, status: Status, error: (String, String)) -> Transition {
    let mut t = Transition::to(status);
    let attempt = ensure_attempt(s, &mut t);
    t.finish_attempt = Some((attempt, AttemptStatus::Failed));
    t.attempt_error = Some(error);
    t
}

/// Returns the running attempt's number, opening attempt `last_attempt + 1` if none runs.
/// Opening the first attempt stamps `started_at`.
fn ensure_attempt(s: &Snapshot, t: &mut Transition) -> u32 {
    if let Some(number) = s.active_attempt {
        return number;
    }
    let number = s.last_attempt.saturating_add(1);
    t.new_attempt = Some(number);
    t.stamp_started_at = s.started_at.is_none();
    number
}

/// Closes the running attempt, if any, with `status`.
fn finish_running(s: &Snapshot, t: &mut Transition, status: AttemptStatus) {
    t.finish_attempt = s.active_attempt.map(|number| (number, status));
}

/// Error fields exist only while the status is `failed`: leaving it clears them.
fn with_error_rule(s: &Snapshot, mut t: Transition) -> Transition {
    t.clear_error = s.status == Status::Failed && t.status != Status::Failed;
    t
}

#[cfg(test)]
mod tests;
