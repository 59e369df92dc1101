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

fn best(filter: &str) -> Option<String> {
    let rows = fixtures::rows();
    Filter::new(filter)
        .best(&rows, fixtures::t0())
        .map(|i| rows[i].profile.clone())
}

#[test]
fn the_best_match_is_the_one_whose_field_holds_the_words_closest() {
    // Kept in table order, but old-adc is the one named so.
    assert_eq!(kept("old"), ["etl-dataproc", "nightly-dataflow", "old-adc"]);
    assert_eq!(best("old").as_deref(), Some("old-adc"));
    assert_eq!(best("adc").as_deref(), Some("old-adc"));
    assert_eq!(best("dtf").as_deref(), Some("nightly-dataflow"));
    assert_eq!(best("zzz"), None);
}

#[test]
fn typing_a_filter_selects_its_best_match() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use tokentop::tui::event::Event;
    let mut app = fixtures::app();
    let key = |app: &mut tokentop::tui::app::App, code| {
        app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    // The last row, etl-dataproc, is selected; the filter keeps it.
    key(&mut app, KeyCode::Char('G'));
    let profile = |app: &tokentop::tui::app::App| app.selected_row().map(|r| r.profile.clone());
    assert_eq!(profile(&app).as_deref(), Some("etl-dataproc"));
    for c in "/dtf".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    assert_eq!(
        profile(&app).as_deref(),
        Some("nightly-dataflow"),
        "as it is typed"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(profile(&app).as_deref(), Some("nightly-dataflow"));
}
