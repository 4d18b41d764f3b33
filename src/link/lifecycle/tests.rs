//! The lifecycle checked against a hand-written table covering every status × event × use ×
//! expiry, whole-grid invariants, and the stories of docs/api.md (Hosted-link sessions) as sentence-named tests.

use super::*;

const EXPIRES: i64 = 10_000;
const BEFORE: i64 = EXPIRES - 1;
const AFTER: i64 = EXPIRES;
const STARTED: i64 = 1_000;

/// Expected outcome of each event, written from the lifecycle table in docs/api.md rather than from the code.
/// Columns: stored status, events (comma list), use (single|multi|*), time (before|after|*),
/// outcome (a status, or `!refusal`), attempt effect (`-`, `new`, a finish status, `new+finish`).
/// The sessions are the canonical ones of `canonical`: an active session runs attempt 1; no
/// other session has a running attempt.
const TABLE: &str = "
pending    open                  *       before  active        new
pending    succeed               single  before  consumed      new+succeeded
pending    succeed               multi   before  completed     new+succeeded
pending    fail                  *       before  failed        new+failed
pending    done                  single  before  !not-allowed  -
pending    done                  multi   before  consumed      -
pending    sweep                 *       before  pending       -
pending    open,succeed,fail,done *      after   !expired      -
pending    sweep                 *       after   expired       -

active     open                  *       before  active        -
active     succeed               single  before  consumed      succeeded
active     succeed               multi   before  completed     succeeded
active     fail                  *       before  failed        failed
active     done                  single  before  !not-allowed  -
active     done                  multi   before  consumed      abandoned
active     sweep                 *       before  active        -
active     open,succeed,fail,done *      after   !expired      -
active     sweep                 *       after   expired       abandoned

completed  open                  *       before  completed     new
completed  succeed               single  before  consumed      new+succeeded
completed  succeed               multi   before  completed     new+succeeded
completed  fail                  *       before  completed     new+failed
completed  done                  single  before  !not-allowed  -
completed  done                  multi   before  consumed      -
completed  sweep                 *       *       completed     -
completed  open,succeed,fail,done *      after   !expired      -

consumed   open,succeed,fail     *       *       !consumed     -
consumed   done,sweep            *       *       consumed      -

failed     open                  *       before  active        new
failed     succeed               single  before  consumed      new+succeeded
failed     succeed               multi   before  completed     new+succeeded
failed     fail                  *       before  failed        -
failed     done                  single  before  !not-allowed  -
failed     done                  multi   before  consumed      -
failed     sweep                 *       before  failed        -
failed     open,succeed,fail,done *      after   !expired      -
failed     sweep                 *       after   expired       -

expired    open,succeed,fail,done *      *       !expired      -
expired    sweep                 *       *       expired       -
";

const EVENTS: [&str; 5] = ["open", "succeed", "fail", "done", "sweep"];

fn event(name: &str) -> Event {
    match name {
        "open" => Event::Open,
        "succeed" => Event::Succeed,
        "fail" => failure("BANK_DOWN"),
        "done" => Event::Done,
        "sweep" => Event::Sweep,
        other => panic!("unknown event {other}"),
    }
}

fn failure(code: &str) -> Event {
    Event::Fail {
        code: code.to_owned(),
        message: format!("{code} happened"),
    }
}

fn error(code: &str) -> (String, String) {
    (code.to_owned(), format!("{code} happened"))
}

fn canonical(status: Status, single_use: bool) -> Snapshot {
    let started = status != Status::Pending;
    Snapshot {
        status,
        single_use,
        expires_at: EXPIRES,
        started_at: started.then_some(STARTED),
        has_results: matches!(status, Status::Completed | Status::Consumed),
        active_attempt: (status == Status::Active).then_some(1),
        last_attempt: u32::from(started),
    }
}

fn refusal(name: &str) -> Refusal {
    match name {
        "expired" => Refusal::Expired,
        "consumed" => Refusal::Consumed,
        "gone" => Refusal::Gone,
        "not-allowed" => Refusal::NotAllowed(SINGLE_USE_DONE),
        other => panic!("unknown refusal {other}"),
    }
}

/// The expected outcome and attempt column of the one row matching the case.
fn expected(status: Status, event: &str, single_use: bool, after: bool) -> (String, String) {
    let use_name = if single_use { "single" } else { "multi" };
    let time_name = if after { "after" } else { "before" };
    let rows: Vec<Vec<&str>> = TABLE
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|cols| cols.len() == 6)
        .filter(|c| c[0] == status.as_str() && c[1].split(',').any(|e| e == event))
        .filter(|c| (c[2] == "*" || c[2] == use_name) && (c[3] == "*" || c[3] == time_name))
        .collect();
    let case = format!("{} {event} {use_name} {time_name}", status.as_str());
    assert_eq!(rows.len(), 1, "table rows matching {case}: {rows:?}");
    (rows[0][4].to_owned(), rows[0][5].to_owned())
}

fn check_attempts(s: &Snapshot, t: &Transition, attempt: &str, case: &str) {
    let (new, finish) = match attempt.split_once('+') {
        Some((new, finish)) => (Some(new), Some(finish)),
        None if attempt == "new" => (Some("new"), None),
        None if attempt == "-" => (None, None),
        None => (None, Some(attempt)),
    };
    let opened = new.map(|_| s.last_attempt + 1);
    assert_eq!(t.new_attempt, opened, "new attempt for {case}");
    let running = opened.or(s.active_attempt);
    let finished = finish.map(|f| {
        let status = AttemptStatus::parse(f).expect("attempt status in table");
        (running.expect("a running attempt to finish"), status)
    });
    assert_eq!(t.finish_attempt, finished, "finished attempt for {case}");
}

fn for_every_case(mut check: impl FnMut(&Snapshot, &str, i64)) {
    for status in Status::ALL {
        for name in EVENTS {
            for single_use in [true, false] {
                for now in [BEFORE, AFTER] {
                    check(&canonical(status, single_use), name, now);
                }
            }
        }
    }
}

#[test]
fn every_status_event_use_and_expiry_matches_the_table() {
    let mut cases = 0;
    for_every_case(|s, name, now| {
        let case = format!("{s:?} {name} at {now}");
        let (outcome, attempt) = expected(s.status, name, s.single_use, now == AFTER);
        match (apply(s, &event(name), now), outcome.strip_prefix('!')) {
            (Err(got), Some(want)) => assert_eq!(got, refusal(want), "{case}"),
            (Ok(t), None) => {
                assert_eq!(t.status.as_str(), outcome, "{case}");
                check_attempts(s, &t, &attempt, &case);
            }
            (got, _) => panic!("{case}: expected {outcome}, got {got:?}"),
        }
        cases += 1;
    });
    assert_eq!(cases, 6 * 5 * 2 * 2);
}

#[test]
fn every_transition_keeps_the_timestamp_and_error_rules() {
    for_every_case(|s, name, now| {
        let Ok(t) = apply(s, &event(name), now) else {
            return;
        };
        let case = format!("{s:?} {name} at {now}: {t:?}");
        let entered = t.status != s.status;
        let ends_up_failed = t.status == Status::Failed;
        assert!(!t.stamp_started_at || s.started_at.is_none(), "{case}");
        assert!(t.set_error.is_none() || ends_up_failed, "{case}");
        assert_eq!(
            t.clear_error,
            s.status == Status::Failed && !ends_up_failed,
            "{case}"
        );
        let finished_failed = matches!(t.finish_attempt, Some((_, AttemptStatus::Failed)));
        assert_eq!(t.attempt_error.is_some(), finished_failed, "{case}");
        let completes = matches!(
            t.status,
            Status::Completed | Status::Consumed | Status::Failed
        );
        if entered && completes {
            assert!(t.stamp_completed_at, "{case}");
        }
        if !completes {
            assert!(!t.stamp_completed_at, "{case}");
        }
    });
}

/// Applies a transition as the store would, so stories can chain events.
fn persist(s: &Snapshot, t: &Transition, now: i64) -> Snapshot {
    let mut next = s.clone();
    next.status = t.status;
    if t.stamp_started_at {
        next.started_at = Some(now);
    }
    if let Some(number) = t.new_attempt {
        next.active_attempt = Some(number);
        next.last_attempt = number;
    }
    if let Some((number, status)) = t.finish_attempt {
        assert_eq!(
            next.active_attempt,
            Some(number),
            "finishing a running attempt"
        );
        next.active_attempt = None;
        next.has_results |= status == AttemptStatus::Succeeded;
    }
    next
}

/// Applies `event` at `now` and persists it, failing the test on a refusal.
fn step(s: &Snapshot, event: &Event, now: i64) -> (Snapshot, Transition) {
    let t = apply(s, event, now).expect("event accepted");
    (persist(s, &t, now), t)
}

fn pending(single_use: bool) -> Snapshot {
    canonical(Status::Pending, single_use)
}

#[test]
fn failed_session_can_be_reclaimed_with_a_new_attempt() {
    let (s, _) = step(&pending(true), &Event::Open, 100);
    let (s, _) = step(&s, &failure("INVALID_CREDENTIALS"), 200);
    assert_eq!(s.status, Status::Failed);
    let (s, t) = step(&s, &Event::Open, 300);
    assert_eq!(
        t,
        Transition {
            status: Status::Active,
            clear_error: true,
            new_attempt: Some(2),
            ..Transition::default()
        }
    );
    assert_eq!((s.active_attempt, s.last_attempt), (Some(2), 2));
}

#[test]
fn opening_a_pending_session_starts_attempt_one() {
    let t = apply(&pending(true), &Event::Open, 100).expect("open");
    assert_eq!(
        t,
        Transition {
            status: Status::Active,
            stamp_started_at: true,
            new_attempt: Some(1),
            ..Transition::default()
        }
    );
}

#[test]
fn single_use_success_consumes() {
    let (s, _) = step(&pending(true), &Event::Open, 100);
    let (s, t) = step(&s, &Event::Succeed, 200);
    assert_eq!(
        t,
        Transition {
            status: Status::Consumed,
            stamp_completed_at: true,
            finish_attempt: Some((1, AttemptStatus::Succeeded)),
            ..Transition::default()
        }
    );
    assert_eq!(apply(&s, &Event::Open, 300), Err(Refusal::Consumed));
    assert_eq!(apply(&s, &Event::Succeed, 300), Err(Refusal::Consumed));
}

#[test]
fn multi_use_completes_then_done_consumes() {
    let (s, _) = step(&pending(false), &Event::Open, 100);
    let (s, t) = step(&s, &Event::Succeed, 200);
    assert_eq!(t.status, Status::Completed);
    assert!(t.stamp_completed_at);
    let (s, t) = step(&s, &Event::Open, 300);
    assert_eq!((t.status, t.new_attempt), (Status::Completed, Some(2)));
    let (s, _) = step(&s, &Event::Succeed, 400);
    assert_eq!(
        (s.status, s.last_attempt, s.active_attempt),
        (Status::Completed, 2, None)
    );
    let (s, t) = step(&s, &Event::Done, 500);
    assert_eq!(
        t,
        Transition {
            status: Status::Consumed,
            stamp_completed_at: true,
            ..Transition::default()
        }
    );
    assert_eq!(s.status, Status::Consumed);
}

#[test]
fn done_abandons_an_attempt_left_running() {
    let (s, _) = step(&pending(false), &Event::Open, 100);
    let (s, _) = step(&s, &Event::Succeed, 200);
    let (s, _) = step(&s, &Event::Open, 300);
    let t = apply(&s, &Event::Done, 400).expect("done");
    assert_eq!(t.status, Status::Consumed);
    assert_eq!(t.finish_attempt, Some((2, AttemptStatus::Abandoned)));
}

#[test]
fn completed_session_survives_expiry() {
    let s = canonical(Status::Completed, false);
    assert_eq!(effective_status(&s, EXPIRES + 3_600), Status::Completed);
    let t = apply(&s, &Event::Sweep, EXPIRES + 3_600).expect("sweep");
    assert!(t.is_noop(Status::Completed), "{t:?}");
}

#[test]
fn completed_session_takes_no_more_connections_after_expiry() {
    let s = canonical(Status::Completed, false);
    for event in [Event::Open, Event::Succeed, failure("X"), Event::Done] {
        assert_eq!(apply(&s, &event, AFTER), Err(Refusal::Expired), "{event:?}");
    }
}

#[test]
fn started_at_is_stamped_once() {
    let (s, t) = step(&pending(false), &Event::Open, 100);
    assert!(t.stamp_started_at);
    assert_eq!(s.started_at, Some(100));
    let (s, _) = step(&s, &failure("BANK_DOWN"), 200);
    let (s, t) = step(&s, &Event::Open, 300);
    assert!(!t.stamp_started_at);
    let (_, t) = step(&s, &Event::Succeed, 400);
    assert!(!t.stamp_started_at);
}

#[test]
fn repeated_done_is_a_no_op() {
    let (s, _) = step(&pending(false), &Event::Done, 100);
    assert_eq!(s.status, Status::Consumed);
    for now in [200, AFTER + 1] {
        let t = apply(&s, &Event::Done, now).expect("repeat done");
        assert!(t.is_noop(Status::Consumed), "{t:?}");
    }
    let single = canonical(Status::Consumed, true);
    assert_eq!(
        apply(&single, &Event::Done, 200),
        Ok(Transition::to(Status::Consumed))
    );
}

#[test]
fn done_on_a_single_use_session_is_not_allowed() {
    let refused = apply(&canonical(Status::Active, true), &Event::Done, 100);
    assert_eq!(refused, Err(Refusal::NotAllowed(SINGLE_USE_DONE)));
    let message = refused.expect_err("refused").to_string();
    assert_eq!(
        message,
        "a single-use session ends when a connection is added"
    );
}

#[test]
fn refresh_while_active_keeps_the_attempt() {
    let (s, _) = step(&pending(true), &Event::Open, 100);
    let t = apply(&s, &Event::Open, 150).expect("refresh");
    assert!(t.is_noop(Status::Active), "{t:?}");
    assert_eq!(persist(&s, &t, 150), s);
}

#[test]
fn sweep_persists_expiry_and_abandons_the_attempt() {
    let (s, _) = step(&pending(true), &Event::Open, 100);
    assert!(
        apply(&s, &Event::Sweep, BEFORE)
            .expect("early")
            .is_noop(Status::Active)
    );
    let (s, t) = step(&s, &Event::Sweep, AFTER);
    assert_eq!(
        t,
        Transition {
            status: Status::Expired,
            finish_attempt: Some((1, AttemptStatus::Abandoned)),
            ..Transition::default()
        }
    );
    let again = apply(&s, &Event::Sweep, AFTER + 60).expect("second sweep");
    assert!(again.is_noop(Status::Expired), "{again:?}");
}

#[test]
fn sweep_clears_the_error_of_a_failed_session() {
    let s = canonical(Status::Failed, true);
    let t = apply(&s, &Event::Sweep, AFTER).expect("sweep");
    assert_eq!((t.status, t.clear_error), (Status::Expired, true));
}

#[test]
fn expiry_is_reported_on_read_before_the_sweep() {
    for status in [Status::Pending, Status::Active, Status::Failed] {
        let s = canonical(status, true);
        assert_eq!(effective_status(&s, BEFORE), status);
        assert_eq!(
            effective_status(&s, AFTER),
            Status::Expired,
            "expiry is inclusive"
        );
        assert_eq!(apply(&s, &Event::Open, AFTER), Err(Refusal::Expired));
    }
    let consumed = canonical(Status::Consumed, true);
    assert_eq!(effective_status(&consumed, AFTER), Status::Consumed);
}

#[test]
fn failure_sets_the_error_and_closes_the_attempt() {
    let (s, _) = step(&pending(true), &Event::Open, 100);
    let t = apply(&s, &failure("PROVIDER_ERROR"), 200).expect("fail");
    assert_eq!(
        t,
        Transition {
            status: Status::Failed,
            stamp_completed_at: true,
            set_error: Some(error("PROVIDER_ERROR")),
            finish_attempt: Some((1, AttemptStatus::Failed)),
            attempt_error: Some(error("PROVIDER_ERROR")),
            ..Transition::default()
        }
    );
}

#[test]
fn failure_before_the_claim_records_a_failed_attempt() {
    let t = apply(&pending(true), &failure("NO_JS"), 100).expect("fail");
    assert_eq!((t.status, t.stamp_started_at), (Status::Failed, true));
    assert_eq!(t.new_attempt, Some(1));
    assert_eq!(t.finish_attempt, Some((1, AttemptStatus::Failed)));
}

#[test]
fn repeated_failure_updates_the_error_only() {
    let s = canonical(Status::Failed, false);
    let t = apply(&s, &failure("TIMEOUT"), 100).expect("fail again");
    assert_eq!(
        t,
        Transition {
            status: Status::Failed,
            set_error: Some(error("TIMEOUT")),
            ..Transition::default()
        }
    );
}

#[test]
fn failure_after_a_success_keeps_the_session_completed() {
    let (s, _) = step(&canonical(Status::Completed, false), &Event::Open, 100);
    let t = apply(&s, &failure("MFA_TIMEOUT"), 200).expect("fail");
    assert_eq!(
        t,
        Transition {
            status: Status::Completed,
            finish_attempt: Some((2, AttemptStatus::Failed)),
            attempt_error: Some(error("MFA_TIMEOUT")),
            ..Transition::default()
        }
    );
}

#[test]
fn success_without_a_claim_opens_and_closes_an_attempt() {
    let t = apply(&pending(true), &Event::Succeed, 100).expect("succeed");
    assert_eq!(
        t,
        Transition {
            status: Status::Consumed,
            stamp_started_at: true,
            stamp_completed_at: true,
            new_attempt: Some(1),
            finish_attempt: Some((1, AttemptStatus::Succeeded)),
            ..Transition::default()
        }
    );
}

#[test]
fn success_after_a_failure_clears_the_error() {
    let s = canonical(Status::Failed, false);
    let t = apply(&s, &Event::Succeed, 100).expect("succeed");
    assert_eq!((t.status, t.clear_error), (Status::Completed, true));
    assert_eq!(t.finish_attempt, Some((2, AttemptStatus::Succeeded)));
}

#[test]
fn consumed_token_is_refused_for_everything_but_done_and_sweep() {
    let s = canonical(Status::Consumed, false);
    for event in [Event::Open, Event::Succeed, failure("X")] {
        assert_eq!(apply(&s, &event, 100), Err(Refusal::Consumed), "{event:?}");
    }
    assert!(
        apply(&s, &Event::Sweep, AFTER)
            .expect("sweep")
            .is_noop(Status::Consumed)
    );
}

#[test]
fn stored_expiry_is_refused_even_before_expires_at() {
    let s = canonical(Status::Expired, false);
    assert_eq!(apply(&s, &Event::Done, BEFORE), Err(Refusal::Expired));
    assert_eq!(effective_status(&s, BEFORE), Status::Expired);
}

#[test]
fn statuses_round_trip_through_their_spelling() {
    let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "pending",
            "active",
            "completed",
            "consumed",
            "failed",
            "expired"
        ]
    );
    for status in Status::ALL {
        assert_eq!(Status::parse(status.as_str()), Some(status));
    }
    assert_eq!(Status::parse("Pending"), None);
    assert_eq!(Status::parse(""), None);
    let terminal: Vec<_> = Status::ALL
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(terminal, [Status::Consumed, Status::Expired]);
}

#[test]
fn attempt_statuses_round_trip_through_their_spelling() {
    let names: Vec<_> = AttemptStatus::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["active", "succeeded", "failed", "abandoned"]);
    for status in AttemptStatus::ALL {
        assert_eq!(AttemptStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(AttemptStatus::parse("success"), None);
}

#[test]
fn refusals_read_as_sentences() {
    assert_eq!(Refusal::Expired.to_string(), "this link has expired");
    assert_eq!(
        Refusal::Consumed.to_string(),
        "this link has already been used"
    );
    assert_eq!(Refusal::Gone.to_string(), "this link is no longer usable");
}
