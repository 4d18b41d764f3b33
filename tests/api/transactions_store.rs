//! How the transaction store answers, below HTTP: the query plans SQLite picks (every
//! query walks a partial index, never the table) and the equivalence of the different
//! ways a search is answered.

use breadbox::store::transactions::{self as store, TransactionFilter};

use crate::transactions::{contains_ci, expected, seeded};

/// Every list, count and summary must walk a partial index, never the whole table; lists
/// must come out of the index already in order and summaries need no sort either.
#[tokio::test]
async fn query_plans_use_the_partial_indexes() {
    let (app, fx) = seeded().await;
    let id = |i: usize| Some(breadbox::ids::IdRef::Uuid(fx.accounts[i].id));
    let cases = [
        (TransactionFilter::default(), "transactions_date"),
        (
            TransactionFilter {
                start_date: Some("2024-01-01".into()),
                end_date: Some("2025-01-01".into()),
                min_amount: Some(10_000),
                ..TransactionFilter::default()
            },
            "transactions_date",
        ),
        (
            TransactionFilter {
                account_id: id(0),
                pending: Some(true),
                ..TransactionFilter::default()
            },
            "transactions_account_date",
        ),
        (
            TransactionFilter {
                connection_id: Some(breadbox::ids::IdRef::Short(fx.connections[0].1.clone())),
                ..TransactionFilter::default()
            },
            "transactions_connection_date",
        ),
        (
            TransactionFilter {
                user_id: Some(breadbox::ids::IdRef::Uuid(fx.users[0].0)),
                search: Some("coffee".into()),
                ..TransactionFilter::default()
            },
            "transactions_user_date",
        ),
    ];
    for (filter, index) in cases {
        let unfiltered = index == "transactions_date" && filter.start_date.is_none();
        let searched = filter.search.is_some();
        let plan = app
            .state
            .db
            .read(move |c| store::explain(c, &filter))
            .await
            .unwrap();
        for query in [
            "list",
            "list_rows",
            "list_scan",
            "window_edge",
            "count",
            "summary",
        ] {
            let steps: Vec<&str> = plan
                .iter()
                .filter(|(q, _)| q == query)
                .map(|(_, s)| s.as_str())
                .collect();
            let by_fts = searched && ["list", "count", "summary"].contains(&query);
            // Known rowids drive whenever they are given (a rare word or pair).
            let by_rows = query == "list_rows";
            let want = if by_fts {
                // The trigram index drives; each match is read by rowid.
                "SCAN transactions_fts VIRTUAL TABLE"
            } else if by_rows {
                // A rare word's rowids drive.
                "SCAN j VIRTUAL TABLE"
            } else if unfiltered && query == "count" {
                // Counting everything may walk whichever partial index is smallest.
                "USING COVERING INDEX transactions_"
            } else {
                index
            };
            assert!(
                steps[0].contains(want),
                "{query} should use {want}: {steps:?}"
            );
            if by_fts || by_rows {
                assert_eq!(steps[1], "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)");
            }
            // By date alone, count, summary and the window edge never touch the table.
            if index == "transactions_date" && query != "list" && !query.starts_with("list_") {
                assert!(steps[0].contains("COVERING INDEX"), "{query}: {steps:?}");
            }
            assert!(!steps.contains(&"SCAN t"), "{query}: {steps:?}");
            // Lists come out of the index in order (only the index's matches are sorted);
            // summaries add up without sorting.
            if query != "count" && !by_rows && !(by_fts && query == "list") {
                assert!(
                    !steps.iter().any(|s| s.contains("TEMP B-TREE")),
                    "{query}: {steps:?}"
                );
            }
        }
    }
}

/// A page searches through the trigram index (rare words) or by scanning a window of rows
/// with `LIKE`, falling back to the index: whatever the plan, the pages are equal.
#[tokio::test]
async fn search_pages_are_the_same_whatever_the_scan_window() {
    let (app, fx) = seeded().await;
    for needle in [
        "amazon",
        "coffee",
        "CHEESE",
        "juice bar",
        "0% J",
        "no such",
        "qz",
        "QZ",
        "êp",
        "P\t",
        "bp",
        "BU",
        "zz",
        "% ",
        "e ",
    ] {
        let want = expected(&fx, |t| contains_ci(t, needle));
        for order in [store::SortOrder::Desc, store::SortOrder::Asc] {
            for (rare_below, window) in [
                (0, 1),
                (0, 5),
                (0, 40),
                (3, 5),
                (1_000_000, 1),
                (0, 100_000),
            ] {
                let plan = store::SearchPlan { rare_below, window };
                let filter = TransactionFilter {
                    search: Some(needle.to_owned()),
                    ..TransactionFilter::default()
                };
                let got = app
                    .state
                    .db
                    .read(move |c| {
                        let mut ids = Vec::new();
                        let mut after = None;
                        loop {
                            let page =
                                store::page_with(c, &filter, order, 7, after.as_ref(), plan)?;
                            ids.extend(page.items.iter().map(|t| t.id.to_string()));
                            match page.next {
                                Some(next) => after = Some(next),
                                None => return Ok(ids),
                            }
                        }
                    })
                    .await
                    .unwrap();
                let mut want = want.clone();
                if order == store::SortOrder::Asc {
                    want.reverse();
                }
                assert_eq!(got, want, "{needle} {order:?} {plan:?}");
            }
        }
    }
}

/// Count and summary need every match: through a rare word's rowids or the index itself,
/// the answers are equal.
#[tokio::test]
async fn counts_and_summaries_are_the_same_through_rowids_or_the_index() {
    let (app, fx) = seeded().await;
    for needle in [
        "amazon",
        "CAFÉ OLÉ",
        "\"cheese\"",
        "no such",
        "bu",
        "qz",
        "êp",
        "p\t",
        "bp",
        "zz",
        "e ",
    ] {
        let want = expected(&fx, |t| contains_ci(t, needle)).len();
        let filter = TransactionFilter {
            search: Some(needle.to_owned()),
            ..TransactionFilter::default()
        };
        let got = app
            .state
            .db
            .read(move |c| {
                let mut out = Vec::new();
                for rare_below in [0, 1_000_000] {
                    let plan = store::SearchPlan {
                        rare_below,
                        window: 1,
                    };
                    let n = store::count_with(c, &filter, plan)?;
                    let s = store::summary_with(c, &filter, store::GroupBy::Category, plan)?;
                    let rows: Vec<_> = s
                        .rows
                        .iter()
                        .map(|r| (r.key.clone(), r.iso_currency_code.clone(), r.total_amount))
                        .collect();
                    out.push((n, rows));
                }
                Ok(out)
            })
            .await
            .unwrap();
        assert_eq!(got[0], got[1], "{needle}");
        assert_eq!(got[0].0, i64::try_from(want).unwrap(), "{needle}");
    }
}
