//! Usernames and scenarios (good, reauth, error) and cursors the bank refuses.

use super::{SEED, today};
use crate::providers::demo::{DemoBank, DemoError, DemoScenario};

#[test]
fn a_bad_cursor_is_rejected() {
    for cursor in [
        "garbage",
        "v2:0:2025-03-14:-:2025-03-14",
        "v1:x:2025-03-14:-:2025-03-14",
        "v1:0:2025-03-14:-:2025-03-15",
        "v1:1:2025-03-14:-:2025-03-14",
        "v1:2:2025-03-14:2025-03-20:2025-03-16",
        "v1:3:2025-02-30:2025-03-14:2025-03-14",
        "v1:18446744073709551615:2025-03-14:2025-03-14:2025-03-14",
    ] {
        let result = DemoBank::sync(SEED, DemoScenario::Good, Some(cursor), today());
        assert!(
            matches!(result, Err(DemoError::BadCursor(_))),
            "{cursor}: {result:?}"
        );
    }
}

#[test]
fn the_reauth_scenario_syncs_once_then_needs_reauthentication() {
    assert_eq!(DemoBank::link("demo_reauth"), Ok(DemoScenario::Reauth));
    let first = DemoBank::sync(SEED, DemoScenario::Reauth, None, today()).expect("initial");
    assert_eq!(first.accounts.len(), 3);
    let cursor = first.next_cursor.as_deref();
    let second = DemoBank::sync(SEED, DemoScenario::Reauth, cursor, today());
    assert_eq!(second, Err(DemoError::ReauthRequired));
}

#[test]
fn the_error_scenario_fails_link_and_sync_with_bank_down() {
    assert_eq!(DemoBank::link("demo_error"), Err(DemoError::BankDown));
    assert_eq!(
        DemoBank::sync(SEED, DemoScenario::Error, None, today()),
        Err(DemoError::BankDown)
    );
    let cursor = Some("v1:0:2025-03-14:-:2025-03-14");
    assert_eq!(
        DemoBank::sync(SEED, DemoScenario::Error, cursor, today()),
        Err(DemoError::BankDown)
    );
}

#[test]
fn usernames_map_to_scenarios_and_unknown_ones_are_explained() {
    assert_eq!(DemoScenario::from_username(""), Ok(DemoScenario::Good));
    assert_eq!(
        DemoScenario::from_username("demo_good"),
        Ok(DemoScenario::Good)
    );
    assert_eq!(DemoBank::link("demo_good"), Ok(DemoScenario::Good));
    assert_eq!(DemoScenario::Reauth.username(), "demo_reauth");
    let error = DemoScenario::from_username("user_good").expect_err("unknown");
    assert_eq!(error, DemoError::UnknownUser("user_good".to_owned()));
    let message = error.to_string();
    for name in ["demo_good", "demo_reauth", "demo_error", "user_good"] {
        assert!(message.contains(name), "{message}");
    }
    assert!(matches!(
        DemoBank::link("bob"),
        Err(DemoError::UnknownUser(_))
    ));
}
