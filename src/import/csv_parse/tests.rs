//! Unit tests for the whole pipeline, driven through [`parse`] and [`parse_with_progress`].

use super::fingerprint::fingerprint;
use super::*;
use jiff::civil::date;
use std::fmt::Write as _;

fn usd() -> CsvOptions {
    CsvOptions::default()
}

fn parse_str(text: &str, opts: &CsvOptions) -> ParsedCsv {
    parse(text.as_bytes(), opts).expect("file should parse")
}

fn amounts(parsed: &ParsedCsv) -> Vec<i64> {
    parsed.rows.iter().map(|row| row.amount).collect()
}

fn spec(date: ColumnRef, amount: ColumnRef, description: ColumnRef) -> ColumnSpec {
    ColumnSpec {
        date,
        amount: Some(amount),
        debit: None,
        credit: None,
        description,
        merchant: None,
        category: None,
    }
}

#[test]
fn header_names_are_inferred_case_insensitively() {
    let text = "Transaction Date , DESCRIPTION,Amount,Category,Merchant Name,Balance\n\
                2024-01-05,Coffee shop,-4.50,Food,Blue Bottle,100.00\n\
                2024-01-06,Salary,2500.00,Income,,2600.00\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(parsed.total_rows, 2);
    assert!(parsed.rejected.is_empty());
    let first = &parsed.rows[0];
    assert_eq!(first.line, 2);
    assert_eq!(first.date, date(2024, 1, 5));
    assert_eq!(first.amount, 450);
    assert_eq!(first.description, "Coffee shop");
    assert_eq!(first.merchant.as_deref(), Some("Blue Bottle"));
    assert_eq!(first.category.as_deref(), Some("Food"));
    assert_eq!(parsed.rows[1].amount, -250_000);
    assert_eq!(parsed.rows[1].merchant, None);
    assert_eq!(parsed.date_format, "%Y-%m-%d");
}

#[test]
fn exact_header_names_beat_prefix_matches_and_posted_date() {
    let text = "Posted Date,Date,Amount (EUR),Payee,Description\n\
                2024-02-01,2024-01-30,12.00,ACME,Widgets\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(parsed.rows[0].date, date(2024, 1, 30));
    assert_eq!(parsed.rows[0].amount, -1200);
    assert_eq!(parsed.rows[0].description, "Widgets");
}

#[test]
fn missing_columns_error_names_what_is_missing_and_the_headers_seen() {
    let err = parse(b"When,What\n2024-01-01,x\n", &usd()).expect_err("cannot infer");
    assert_eq!(
        err,
        CsvError::CannotInferColumns {
            missing: vec![
                "date".to_owned(),
                "amount (or debit/credit)".to_owned(),
                "description".to_owned()
            ],
            headers: vec!["When".to_owned(), "What".to_owned()],
        }
    );
    let message = err.to_string();
    assert!(message.contains("\"When\", \"What\""), "{message}");
    assert!(
        message.contains("date, amount (or debit/credit), description"),
        "{message}"
    );
}

#[test]
fn explicit_columns_by_index_pick_the_right_cells() {
    let text = "a,b,c,d\nignored,Lunch,2024-03-04,-9.99\n";
    let opts = CsvOptions {
        columns: Some(spec(
            ColumnRef::Index(2),
            ColumnRef::Index(3),
            ColumnRef::Index(1),
        )),
        ..usd()
    };
    let parsed = parse_str(text, &opts);
    assert_eq!(parsed.rows[0].date, date(2024, 3, 4));
    assert_eq!(parsed.rows[0].amount, 999);
    assert_eq!(parsed.rows[0].description, "Lunch");
}

#[test]
fn explicit_columns_by_name_ignore_case_and_surrounding_spaces() {
    let text = "When, Sum ,What\n2024-03-04,5.00,Refund\n";
    let columns = spec(
        ColumnRef::Name("when".to_owned()),
        ColumnRef::Name("SUM".to_owned()),
        ColumnRef::Name(" what ".to_owned()),
    );
    let opts = CsvOptions {
        columns: Some(columns),
        ..usd()
    };
    let parsed = parse_str(text, &opts);
    assert_eq!(parsed.rows[0].amount, -500);
    assert_eq!(parsed.rows[0].description, "Refund");
}

#[test]
fn unknown_column_names_and_indexes_are_whole_file_errors() {
    let text = "When,Sum,What\n2024-03-04,5.00,Refund\n";
    let named = spec(
        ColumnRef::Name("Date".to_owned()),
        ColumnRef::Index(1),
        ColumnRef::Index(2),
    );
    let opts = CsvOptions {
        columns: Some(named),
        ..usd()
    };
    let err = parse(text.as_bytes(), &opts).expect_err("unknown name");
    assert!(matches!(&err, CsvError::UnknownColumn { name, .. } if name == "Date"));
    assert!(err.to_string().contains("\"When\", \"Sum\", \"What\""));
    let indexed = spec(
        ColumnRef::Index(0),
        ColumnRef::Index(7),
        ColumnRef::Index(2),
    );
    let opts = CsvOptions {
        columns: Some(indexed),
        ..usd()
    };
    let err = parse(text.as_bytes(), &opts).expect_err("bad index");
    assert_eq!(err, CsvError::ColumnOutOfRange { index: 7, width: 3 });
}

#[test]
fn debit_and_credit_columns_give_plaid_signs_whatever_the_written_sign() {
    let text = "Date,Description,Withdrawals,Deposits\n\
                2024-01-02,Rent,1200.00,\n\
                2024-01-03,Card,-30.00,\n\
                2024-01-04,Paycheck,,2000.00\n\
                2024-01-05,Netted,10.00,4.00\n\
                2024-01-06,Nothing,,\n";
    for negative_are_debits in [true, false] {
        let opts = CsvOptions {
            amounts_negative_are_debits: negative_are_debits,
            ..usd()
        };
        let parsed = parse_str(text, &opts);
        assert_eq!(amounts(&parsed), vec![120_000, 3000, -200_000, 600]);
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].line, 6);
        assert_eq!(
            parsed.rejected[0].reason,
            "neither debit nor credit has a value"
        );
    }
}

#[test]
fn parentheses_trailing_minus_plus_and_currency_symbols_are_understood() {
    let text = "Date,Description,Amount\n\
                2024-01-01,a,(12.34)\n\
                2024-01-01,b,12.34-\n\
                2024-01-01,c,+5.00\n\
                2024-01-01,d,$-7.25\n\
                2024-01-01,e,USD 3.10\n\
                2024-01-01,f,\"£ (1,000.00)\"\n\
                2024-01-01,g,−2.00\n";
    let parsed = parse_str(text, &usd());
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(
        amounts(&parsed),
        vec![1234, 1234, -500, 725, -310, 100_000, 200]
    );
}

#[test]
fn thousands_separators_are_removed_and_misplaced_ones_rejected() {
    let text = "Date,Description,Amount\n\
                2024-01-01,a,\"-1,234.56\"\n\
                2024-01-01,b,\"1,234,567.89\"\n\
                2024-01-01,c,\"12,34\"\n\
                2024-01-01,d,\"-1,234\"\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(amounts(&parsed), vec![123_456, -123_456_789, 123_400]);
    assert_eq!(parsed.rejected.len(), 1);
    assert_eq!(parsed.rejected[0].line, 4);
    assert_eq!(
        parsed.rejected[0].reason,
        "amount \"12,34\" has misplaced thousands separators"
    );
}

#[test]
fn european_decimal_comma_with_semicolons_is_understood() {
    let text = "Buchungstag;Verwendungszweck;Betrag\n\
                05.01.2024;Bäckerei;-3,50\n\
                06.01.2024;Gehalt;1.234,56\n\
                07.01.2024;Miete;-1.000\n";
    let opts = CsvOptions {
        iso_currency_code: "EUR".to_owned(),
        ..usd()
    };
    let parsed = parse_str(text, &opts);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(amounts(&parsed), vec![350, -123_456, 100_000]);
    assert_eq!(parsed.rows[0].date, date(2024, 1, 5));
    assert_eq!(parsed.rows[0].description, "Bäckerei");
    assert_eq!(parsed.date_format, "%d.%m.%Y");
}

#[test]
fn decimal_comma_is_detected_from_values_even_with_commas_as_delimiters() {
    let text = "Date,Description,Amount\n2024-01-01,a,\"-12,34\"\n2024-01-02,b,\"1.000,5\"\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(amounts(&parsed), vec![1234, -100_050]);
}

#[test]
fn byte_order_mark_is_stripped_before_the_header() {
    let bytes = b"\xEF\xBB\xBFDate,Description,Amount\n2024-01-01,Tea,-2.00\n";
    let parsed = parse(bytes, &usd()).expect("parses");
    assert_eq!(parsed.rows[0].amount, 200);
    assert_eq!(parsed.rows[0].date, date(2024, 1, 1));
}

#[test]
fn windows_1252_and_utf16_files_are_decoded() {
    let latin = b"Date,Description,Amount\n2024-01-01,Caf\xe9 \x80,-2.00\n";
    let parsed = parse(latin, &usd()).expect("parses");
    assert_eq!(parsed.rows[0].description, "Café €");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "Date,Description,Amount\n2024-01-01,Tea,-2.00\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let parsed = parse(&utf16, &usd()).expect("parses");
    assert_eq!(parsed.rows[0].amount, 200);
}

#[test]
fn utf16_big_endian_odd_trailing_bytes_and_undefined_windows_1252_bytes_decode() {
    let mut units: Vec<u16> = "Date,Description,Amount\n2024-01-01,Tea"
        .encode_utf16()
        .collect();
    units.push(0xD83D); // an unpaired lead surrogate
    units.extend(",-2.00\n".encode_utf16());
    let mut utf16 = vec![0xFE, 0xFF];
    for unit in units {
        utf16.extend_from_slice(&unit.to_be_bytes());
    }
    utf16.push(b'x');
    let parsed = parse(&utf16, &usd()).expect("parses");
    assert_eq!(parsed.rows[0].description, "Tea\u{fffd}");
    assert_eq!(parsed.rows[0].amount, 200);
    assert_eq!(parsed.total_rows, 1);
    let latin = b"Date,Description,Amount\n2024-01-01,A\x81B\x9f,-2.00\n";
    let parsed = parse(latin, &usd()).expect("parses");
    assert_eq!(parsed.rows[0].description, "A\u{81}B\u{178}");
}

#[test]
fn comma_semicolon_and_tab_delimiters_are_detected() {
    let files = [
        "Date,Description,Amount\n2024-01-01,\"Tea; milk\",-2.00\n",
        "Date;Description;Amount\n2024-01-01;Tea, milk;-2,00\n",
        "Date\tDescription\tAmount\n2024-01-01\tTea, milk; sugar\t-2.00\n",
    ];
    for text in files {
        let parsed = parse_str(text, &usd());
        assert_eq!(parsed.rows.len(), 1, "{text}");
        assert_eq!(parsed.rows[0].amount, 200, "{text}");
        assert!(parsed.rows[0].description.starts_with("Tea"), "{text}");
    }
}

#[test]
fn day_first_dates_are_detected_when_a_day_exceeds_twelve() {
    let text = "Date,Description,Amount\n05/01/2024,a,1\n25/01/2024,b,1\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(parsed.date_format, "%d/%m/%Y");
    assert_eq!(parsed.rows[0].date, date(2024, 1, 5));
    assert_eq!(parsed.rows[1].date, date(2024, 1, 25));
}

#[test]
fn month_first_two_digit_years_and_named_months_are_detected() {
    let us = parse_str("Date,Description,Amount\n1/5/24,a,1\n1/31/24,b,1\n", &usd());
    assert_eq!(us.date_format, "%m/%d/%y");
    assert_eq!(us.rows[0].date, date(2024, 1, 5));
    let named = parse_str("Date,Description,Amount\n\"Jan 5, 2024\",a,1\n", &usd());
    assert_eq!(named.rows[0].date, date(2024, 1, 5));
    let long = parse_str("Date,Description,Amount\n5 March 2024,a,1\n", &usd());
    assert_eq!(long.rows[0].date, date(2024, 3, 5));
}

#[test]
fn iso_datetimes_use_their_date_part() {
    let text = "Date,Description,Amount\n2024-01-05T10:00:00,a,1\n2024-01-06 23:59:59.5Z,b,1\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(parsed.date_format, "%Y-%m-%d");
    assert_eq!(parsed.rows[0].date, date(2024, 1, 5));
    assert_eq!(parsed.rows[1].date, date(2024, 1, 6));
}

#[test]
fn ambiguous_day_month_order_is_an_error_asking_for_date_format() {
    let text = "Date,Description,Amount\n01/02/2024,a,1\n03/04/2024,b,1\n";
    let err = parse(text.as_bytes(), &usd()).expect_err("ambiguous");
    assert_eq!(
        err,
        CsvError::AmbiguousDateFormat {
            candidates: vec!["%m/%d/%Y".to_owned(), "%d/%m/%Y".to_owned()]
        }
    );
    let message = err.to_string();
    assert!(message.contains("day/month order"), "{message}");
    assert!(message.contains("set date_format"), "{message}");
}

#[test]
fn explicit_date_format_resolves_ambiguity_and_rejects_non_matching_rows() {
    let text = "Date,Description,Amount\n01/02/2024,a,1\n03/04/2024,b,1\n2024-05-06,c,1\n";
    let opts = CsvOptions {
        date_format: Some("%d/%m/%Y".to_owned()),
        ..usd()
    };
    let parsed = parse_str(text, &opts);
    assert_eq!(parsed.date_format, "%d/%m/%Y");
    assert_eq!(parsed.rows[0].date, date(2024, 2, 1));
    assert_eq!(parsed.rows[1].date, date(2024, 4, 3));
    assert_eq!(
        parsed.rejected,
        vec![Rejected {
            line: 4,
            reason: "date \"2024-05-06\" does not match the format %d/%m/%Y".to_owned()
        }]
    );
}

#[test]
fn the_format_reading_most_dates_wins_and_the_rest_are_rejected() {
    let text = "Date,Description,Amount\n2024-01-05,a,1\n2024-01-06,b,1\nyesterday,c,1\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(parsed.date_format, "%Y-%m-%d");
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rejected[0].line, 4);
}

#[test]
fn rejected_rows_report_physical_line_numbers_while_good_rows_import() {
    let text = "Date,Description,Amount\n\
                2024-01-01,\"Multi\nline memo\",-1.00\n\
                \n\
                2024-01-02,Bad amount,abc\n\
                ,,\n\
                2024-01-03,,-3.00\n\
                2024-01-04,Short row\n\
                2024-13-45,Bad date,-5.00\n\
                2024-01-06,DR marker,5.00 DR\n\
                2024-01-07,Good,-7.00\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(parsed.total_rows, 7);
    let good: Vec<(usize, i64)> = parsed.rows.iter().map(|r| (r.line, r.amount)).collect();
    assert_eq!(good, vec![(2, 100), (11, 700)]);
    assert_eq!(parsed.rows[0].description, "Multi\nline memo");
    let rejected: Vec<(usize, &str)> = parsed
        .rejected
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (5, "amount \"abc\" is not a number"),
            (7, "missing description"),
            (8, "expected 3 columns like the header but found 2"),
            (9, "date \"2024-13-45\" does not match the format %Y-%m-%d"),
            (
                10,
                "amount \"5.00 DR\" has a CR/DR marker; use signed amounts or separate \
                 debit/credit columns"
            ),
        ]
    );
}

#[test]
fn line_numbers_stay_physical_with_crlf_and_lone_cr_endings() {
    for ending in ["\r\n", "\r"] {
        let text = [
            "Date,Description,Amount",
            "",
            "2024-01-01,a,x",
            "",
            "",
            "2024-01-02,b,1",
        ]
        .join(ending);
        let parsed = parse_str(&text, &usd());
        assert_eq!(parsed.rejected[0].line, 3, "{ending:?}");
        assert_eq!(parsed.rows[0].line, 6, "{ending:?}");
    }
}

#[test]
fn too_precise_amounts_are_rejected_with_the_digit_count() {
    let parsed = parse_str(
        "Date,Description,Amount\n2024-01-01,a,1.234\n2024-01-01,b,1.50\n",
        &usd(),
    );
    assert_eq!(amounts(&parsed), vec![-150]);
    assert_eq!(
        parsed.rejected[0].reason,
        "amount \"1.234\" has more than 2 decimal places"
    );
}

#[test]
fn identical_twins_get_distinct_fingerprints_and_reparsing_is_stable() {
    let text = "Date,Description,Amount\n\
                2024-01-01,Coffee,-3.00\n\
                2024-01-01,  COFFEE ,-3.00\n\
                2024-01-02,Coffee,-3.00\n";
    let first = parse_str(text, &usd());
    let again = parse_str(text, &usd());
    let prints: Vec<&str> = first.rows.iter().map(|r| r.fingerprint.as_str()).collect();
    let reprints: Vec<&str> = again.rows.iter().map(|r| r.fingerprint.as_str()).collect();
    assert_eq!(prints, reprints);
    assert_eq!(prints.len(), 3);
    assert_ne!(prints[0], prints[1]);
    assert_ne!(prints[0], prints[2]);
    assert_ne!(prints[1], prints[2]);
    assert_eq!(prints[0].len(), 64);
    assert!(prints[0].bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(prints[0], fingerprint(date(2024, 1, 1), 300, "coffee", 0));
    assert_eq!(prints[1], fingerprint(date(2024, 1, 1), 300, "coffee", 1));
}

#[test]
fn overlapping_exports_share_fingerprints_for_shared_rows() {
    let january = "Date,Description,Amount\n2024-01-30,Rent,-900\n2024-01-31,Tea,-2\n";
    let later = "Date;Description;Amount\n2024-01-31;tea;-2,00\n2024-02-01;Bus;-1,50\n";
    let a = parse_str(january, &usd());
    let b = parse_str(later, &usd());
    assert_eq!(a.rows[1].fingerprint, b.rows[0].fingerprint);
    assert_ne!(a.rows[0].fingerprint, b.rows[1].fingerprint);
}

#[test]
fn negative_file_amounts_become_positive_plaid_amounts_by_default() {
    let text = "Date,Description,Amount\n2024-01-01,Purchase,-10.00\n2024-01-02,Refund,4.00\n";
    let parsed = parse_str(text, &usd());
    assert_eq!(amounts(&parsed), vec![1000, -400]);
}

#[test]
fn files_already_in_plaid_sign_keep_their_signs_when_the_flag_is_off() {
    let text = "Date,Description,Amount\n2024-01-01,Purchase,10.00\n2024-01-02,Refund,-4.00\n";
    let opts = CsvOptions {
        amounts_negative_are_debits: false,
        ..usd()
    };
    let parsed = parse_str(text, &opts);
    assert_eq!(amounts(&parsed), vec![1000, -400]);
}

#[test]
fn yen_amounts_have_no_minor_digits() {
    let text = "Date,Description,Amount\n2024-01-01,Ramen,-980\n2024-01-02,Rail,\"-1,200\"\n\
                2024-01-03,Odd,-1.5\n";
    let opts = CsvOptions {
        iso_currency_code: "JPY".to_owned(),
        ..usd()
    };
    let parsed = parse_str(text, &opts);
    assert_eq!(amounts(&parsed), vec![980, 1200]);
    assert_eq!(
        parsed.rejected[0].reason,
        "amount \"-1.5\" has more than 0 decimal places"
    );
}

#[test]
fn a_file_where_no_row_parses_is_ok_with_every_row_rejected() {
    let text = "Date,Description,Amount\nsoon,a,1\nlater,b,x\n";
    let parsed = parse_str(text, &usd());
    assert!(parsed.rows.is_empty());
    assert_eq!(parsed.total_rows, 2);
    assert_eq!(parsed.date_format, "");
    assert_eq!(parsed.rejected.len(), 2);
    assert_eq!(
        parsed.rejected[0].reason,
        "date \"soon\" is in no recognised format; set date_format"
    );
}

#[test]
fn empty_and_header_only_files_are_whole_file_errors() {
    assert_eq!(parse(b"", &usd()), Err(CsvError::NoHeader));
    assert_eq!(parse(b"\n \n", &usd()), Err(CsvError::NoHeader));
    assert_eq!(
        parse(b"Date,Description,Amount\n\n", &usd()),
        Err(CsvError::NoRows)
    );
    let bad_currency = CsvOptions {
        iso_currency_code: "dollars".to_owned(),
        ..usd()
    };
    assert!(matches!(
        parse(b"Date,Description,Amount\n", &bad_currency),
        Err(CsvError::InvalidCurrency(_))
    ));
}

#[test]
fn progress_is_reported_from_zero_up_to_the_total() {
    let mut text = String::from("Date,Description,Amount\n");
    for day in 0..3000 {
        writeln!(text, "2024-01-{:02},Item {day},-1.00", day % 28 + 1).expect("string write");
    }
    let mut calls = Vec::new();
    let parsed = parse_with_progress(text.as_bytes(), &usd(), &mut |done, total| {
        calls.push((done, total));
    })
    .expect("parses");
    assert_eq!(parsed.rows.len(), 3000);
    assert_eq!(
        calls,
        vec![(0, 3000), (1024, 3000), (2048, 3000), (3000, 3000)]
    );
}
