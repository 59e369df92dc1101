//! The detail view's answer to "will this token outlive a job of N minutes?",
//! and Enter opening it.

#[path = "support/fixtures.rs"]
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokentop::model::{Kind, Row, TokenRole};
use tokentop::tui::event::Event;
use tokentop::tui::overlay::Overlay;
use tokentop::tui::screens::detail::outlives;
use tokentop::tui::theme::Slot;

fn row(profile: &str) -> Row {
    fixtures::rows()
        .into_iter()
        .find(|r| r.profile == profile)
        .expect(profile)
}

#[test]
fn a_token_with_time_to_spare_outlives_the_job() {
    // 50 minutes left; google-auth stops using it 3m45s before.
    let (said, slot) = outlives(&row("etl-dataproc"), 30, fixtures::t0());
    assert_eq!(slot, Slot::TtlFresh);
    assert!(said.contains("16m15s to spare"), "{said}");
}

#[test]
fn a_renewable_token_that_dies_mid_job_says_who_renews_it() {
    let (said, slot) = outlives(&row("lakehouse"), 60, fixtures::t0());
    assert_eq!(slot, Slot::TtlExpiring);
    // 25 minutes left, less Databricks' 40 s.
    assert!(
        said.contains("24m20s into the job") && said.contains("renews it itself"),
        "{said}"
    );
    let (said, _) = outlives(&row("old-adc"), 10, fixtures::t0());
    assert!(said.contains("already past use"), "{said}");
}

#[test]
fn a_token_nothing_renews_says_no() {
    let mut pat = row("lakehouse");
    pat.kind = Kind::DatabricksPat;
    pat.token_role = Some(TokenRole::Pat);
    let (said, slot) = outlives(&pat, 60, fixtures::t0());
    assert_eq!(slot, Slot::TtlExpired);
    assert!(said.contains("nothing renews it"), "{said}");
    pat.expires_at = None;
    let (said, slot) = outlives(&pat, 60, fixtures::t0());
    assert_eq!(slot, Slot::TtlFresh);
    assert!(said.contains("no expiry"), "{said}");
}

#[test]
fn enter_opens_the_detail_where_digits_are_the_job_length() {
    let mut app = fixtures::app();
    let key = |code| Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    for c in "9x0j".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Detail { job, scroll: 1, .. }) if job == "90"),
        "{:?}",
        app.overlays
    );
    app.update(key(KeyCode::Backspace));
    assert!(matches!(app.overlays.last(), Some(Overlay::Detail { job, .. }) if job == "9"));
    app.update(key(KeyCode::Esc));
    assert!(app.overlays.is_empty());
}

#[test]
fn the_detail_says_where_a_trusted_profile_sends_its_credential() {
    let mut app = fixtures::app();
    for row in &mut app.rows {
        row.trusted_endpoints = vec!["https://idp.corp.example/token".into()];
    }
    let screen = detail_screen(&mut app);
    assert!(
        screen.contains("(sends to https://idp.corp.example/token, trusted in config.toml)"),
        "{screen}"
    );
}

#[test]
fn a_revoked_or_refused_credential_outlives_nothing() {
    // 50 minutes left on the clock, but revoked at the issuer.
    let mut revoked = row("etl-dataproc");
    revoked.status = tokentop::model::Status::Revoked;
    let (said, slot) = outlives(&revoked, 1, fixtures::t0());
    assert_eq!(slot, Slot::TtlExpired);
    assert!(said.starts_with("✗ no: the token was revoked"), "{said}");
    // A user's sign-in refused (invalid_grant): the token alive now is the last.
    let mut refused = row("lakehouse");
    refused.kind = Kind::User;
    refused.error = Some(tokentop::model::Problem::Provider {
        op: "refresh",
        error: tokentop::model::ProviderError::Rejected {
            endpoint: "https://oauth2.googleapis.com/token".into(),
            status: 400,
            error: Some("invalid_grant".into()),
            message: "invalid_grant: Token has been expired or revoked.".into(),
        },
    });
    let (said, slot) = outlives(&refused, 60, fixtures::t0());
    assert_eq!(slot, Slot::TtlExpired);
    assert!(said.contains("nothing renews it"), "{said}");
}

/// Enter on the selected row, and what the dashboard then draws at
/// 200x60, as one string.
fn detail_screen(app: &mut tokentop::tui::app::App) -> String {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    let theme = tokentop::tui::theme::Theme::built_in("default").expect("theme");
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 60)).expect("terminal");
    terminal
        .draw(|frame| tokentop::tui::view::view(&*app, &theme, frame))
        .expect("draw");
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect()
}

#[test]
fn a_revoked_tokens_timeline_says_revoked_not_time_left() {
    let mut app = fixtures::app();
    for row in &mut app.rows {
        row.status = tokentop::model::Status::Revoked;
    }
    let screen = detail_screen(&mut app);
    assert!(
        screen.contains("revoked: refused wherever it is sent"),
        "{screen}"
    );
    assert!(!screen.contains("left, exp"), "{screen}");
}
