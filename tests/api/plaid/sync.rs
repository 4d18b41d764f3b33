//! Linking by public token and `/transactions/sync`: many pages, the restart rule,
//! removed and pending→posted rows, exact amounts, an empty cursor.

use serde_json::json;

use super::{connect, connection, spawn_plaid, sync_now, transactions};
use crate::fake_plaid::{Change, Txn};

#[tokio::test]
async fn a_public_token_is_exchanged_and_three_pages_land_in_one_sync() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 1203).await;

    let conn = connection(&app, &id).await;
    assert_eq!(conn["status"], "active");
    assert_eq!(conn["institution_id"], "ins_109508");
    assert_eq!(conn["institution_name"], "First Platypus Bank");
    assert_eq!(conn["account_count"], 2);
    assert_eq!(fake.calls("/item/public_token/exchange").len(), 1);
    // No institution came with the token, so Breadbox asked /item/get.
    assert_eq!(fake.calls("/item/get").len(), 1);

    let pages = fake.calls("/transactions/sync");
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages.iter().all(|p| p["count"] == 500));
    assert!(pages[0].get("cursor").is_none(), "{}", pages[0]);
    assert!(pages[1]["cursor"].is_string() && pages[1]["cursor"] != pages[2]["cursor"]);
    assert_eq!(transactions(&app, &id).await.len(), 1203);

    let log = &app.get(&format!("/api/v1/connections/{id}/status")).await.1["last_sync"];
    assert_eq!(
        (log["trigger"].as_str(), log["added_count"].as_i64()),
        (Some("initial"), Some(1203))
    );
    // The access token is sealed at rest.
    let token = fake.item(&item_id).access_token;
    let db = std::fs::read(app.state.db.path()).unwrap();
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()));
}

#[tokio::test]
async fn amounts_balances_and_categories_arrive_exact() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 0).await;
    let chk = format!("{item_id}-chk");
    fake.add(
        &item_id,
        &[
            Txn::new("big", &chk, "9999999999999.99", "2025-06-01", "Yacht"),
            Txn::new("refund", &chk, "-12.5", "2025-06-02", "Refund"),
            Txn::new("noise", &chk, "0.30000000000000004", "2025-06-03", "Gum"),
        ],
    );
    let log = sync_now(&app, &id).await;
    assert_eq!(log["status"], "success", "{log}");
    let rows = transactions(&app, &id).await;
    let amount = |name: &str| {
        rows.iter()
            .find(|t| t["name"] == name)
            .map(|t| t["amount"].to_string())
            .unwrap()
    };
    assert_eq!(amount("Yacht"), "9999999999999.99");
    assert_eq!(amount("Refund"), "-12.50");
    assert_eq!(amount("Gum"), "0.30");
    let yacht = rows.iter().find(|t| t["name"] == "Yacht").unwrap();
    assert_eq!(yacht["category_primary"], "FOOD_AND_DRINK");
    assert_eq!(yacht["category_detailed"], "FOOD_AND_DRINK_COFFEE");
    assert_eq!(yacht["merchant_name"], "Yacht Inc");

    let (_, accounts) = app
        .get(&format!("/api/v1/accounts?connection_id={id}"))
        .await;
    let card = accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "credit")
        .unwrap();
    assert_eq!(card["balance_current"].to_string(), "410.25");
    assert_eq!(card["balance_limit"].to_string(), "5000.00");
    assert!(card["balance_available"].is_null());
}

#[tokio::test]
async fn a_later_sync_retires_pending_rows_and_hides_removed_ones() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 3).await;
    let chk = format!("{item_id}-chk");
    fake.add(
        &item_id,
        &[Txn::new("pend", &chk, "4.50", "2025-12-30", "Bakery").pending()],
    );
    assert_eq!(sync_now(&app, &id).await["status"], "success");
    let pending = transactions(&app, &id).await;
    let pend = pending
        .iter()
        .find(|t| t["name"] == "Bakery")
        .unwrap()
        .clone();
    assert_eq!(pend["pending"], true);

    let mut edited = Txn::new("t-1", &chk, "99.99", "2025-12-30", "Coffee edited").json();
    edited["merchant_name"] = json!("Edited Inc");
    fake.push(
        &item_id,
        [
            Change::Added(
                Txn::new("posted", &chk, "4.75", "2025-12-31", "Bakery")
                    .replacing("pend")
                    .json(),
            ),
            Change::Removed {
                transaction_id: "pend".into(),
                account_id: chk.clone(),
            },
            Change::Removed {
                transaction_id: "t-0".into(),
                account_id: chk.clone(),
            },
            Change::Modified(edited),
        ],
    );
    let log = sync_now(&app, &id).await;
    assert_eq!(
        (
            log["added_count"].as_i64(),
            log["modified_count"].as_i64(),
            log["removed_count"].as_i64()
        ),
        (Some(1), Some(1), Some(2)),
        "{log}"
    );
    let rows = transactions(&app, &id).await;
    let names: Vec<&str> = rows.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(rows.len(), 3, "{names:?}");
    assert!(!names.contains(&"Coffee 0"), "{names:?}");
    let posted = rows.iter().find(|t| t["name"] == "Bakery").unwrap();
    assert_eq!(posted["pending"], false);
    assert_eq!(posted["amount"].to_string(), "4.75");
    assert_eq!(posted["pending_transaction_id"], pend["id"]);
    let edited = rows.iter().find(|t| t["name"] == "Coffee edited").unwrap();
    assert_eq!(edited["amount"].to_string(), "99.99");
    // The second sync started from the stored cursor, not from the beginning.
    let calls = fake.calls("/transactions/sync");
    assert!(calls.last().unwrap()["cursor"].is_string());
}

#[tokio::test]
async fn a_mutation_while_paging_restarts_the_whole_loop_from_its_first_cursor() {
    let (app, fake) = spawn_plaid().await;
    let (id, item_id) = connect(&app, &fake, 10).await;
    let before = fake.calls("/transactions/sync").len();
    fake.add(&item_id, &super::history(&item_id, "more", 1100));
    let late = Txn::new(
        "late",
        &format!("{item_id}-chk"),
        "1.00",
        "2025-12-31",
        "Late arrival",
    );
    fake.mutate_during_pagination(1, vec![Change::Added(late.json())]);

    let log = sync_now(&app, &id).await;
    assert_eq!(log["status"], "success", "{log}");
    assert_eq!(log["added_count"], 1101);
    assert_eq!(transactions(&app, &id).await.len(), 1111);
    let calls: Vec<_> = fake.calls("/transactions/sync").split_off(before);
    // page 1, page 2 fails, then page 1 again from the same cursor and on to the end.
    let next_cursor_of_first_loop = calls[1]["cursor"].clone();
    assert_eq!(calls[0]["cursor"], calls[2]["cursor"]);
    assert_ne!(calls[2]["cursor"], next_cursor_of_first_loop);
    assert_eq!(calls.len(), 2 + 3, "{calls:?}");
}

#[tokio::test]
async fn an_empty_next_cursor_means_not_ready_and_keeps_the_stored_one() {
    let (app, fake) = spawn_plaid().await;
    let (public_token, item_id) = fake.add_item("Tartan Bank");
    fake.with_item(&item_id, |i| i.not_ready = true);
    let user = app.create_user("Sam").await;
    let (s, conn) = app
        .post(
            "/api/v1/connections",
            json!({"provider": "plaid", "user_id": user["id"],
                   "credentials": {"public_token": public_token,
                                   "institution": {"institution_id": "ins_3", "name": "Tartan Bank"}}}),
        )
        .await;
    assert_eq!(s, 201, "{conn}");
    let id = conn["id"].as_str().unwrap().to_owned();
    let status = app.wait_for_sync(&id).await;
    assert_eq!(status["last_sync"]["status"], "success", "{status}");
    // The page sent the institution, so /item/get was not needed.
    assert!(fake.calls("/item/get").is_empty());
    assert_eq!(status["account_count"], 2);

    fake.with_item(&item_id, |i| i.not_ready = false);
    fake.add(&item_id, &super::history(&item_id, "t", 5));
    assert_eq!(sync_now(&app, &id).await["added_count"], 5);
    let calls = fake.calls("/transactions/sync");
    assert!(calls.iter().all(|c| c.get("cursor").is_none()), "{calls:?}");
}
