//! The `/` filter's matching, on the fixture rows.

#[path = "support/fixtures.rs"]
mod fixtures;

use tokentop::tui::filter::Filter;

fn kept(filter: &str) -> Vec<String> {
    let rows = fixtures::rows();
    Filter::new(filter)
        .apply(&rows, fixtures::t0())
        .into_iter()
        .map(|i| rows[i].profile.clone())
        .collect()
}

#[test]
fn words_match_fuzzily_in_any_one_field_and_every_word_must_match() {
    assert_eq!(kept("").len(), 5);
    assert_eq!(kept("lkhs"), ["lakehouse"]);
    assert_eq!(kept("acme-data"), ["etl-dataproc", "orders-api"]);
    assert_eq!(kept("user"), ["nightly-dataflow", "old-adc"]);
    assert_eq!(kept("user acme"), ["nightly-dataflow", "old-adc"]);
    assert_eq!(kept("user orders"), Vec::<String>::new());
}

#[test]
fn state_and_platform_words_are_matched_as_shown() {
    assert_eq!(kept("expired"), ["old-adc"]);
    assert_eq!(kept("error"), ["nightly-dataflow"]);
    assert_eq!(kept("databricks"), ["lakehouse"]);
    assert_eq!(kept("cloud-run"), ["orders-api"]);
}

#[test]
fn a_bang_inverts_and_an_apostrophe_asks_for_the_exact_text() {
    assert_eq!(
        kept("!acme-data"),
        ["nightly-dataflow", "lakehouse", "old-adc"]
    );
    assert_eq!(kept("user !old"), ["nightly-dataflow"]);
    assert_eq!(kept("'lkhs"), Vec::<String>::new());
    assert_eq!(kept("^night"), ["nightly-dataflow"]);
}

#[test]
fn a_capital_letter_makes_the_word_case_sensitive() {
    assert_eq!(kept("ORDERS"), Vec::<String>::new());
    assert_eq!(kept("orders"), ["orders-api"]);
}
