//! `App::update` sequences: keys in, effects out. No terminal, no engine.

#[path = "support/fixtures.rs"]
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;
use tokentop::engine::protocol::{Command, CopyForm, Level, Reveal, Update};
use tokentop::model::{Clock, FixedClock, Secret};
use tokentop::tui::app::App;
use tokentop::tui::event::{Effect, Event};
use tokentop::tui::overlay::Overlay;

fn press(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn selected_profile(app: &App) -> String {
    app.selected_row()
        .map(|r| r.profile.clone())
        .unwrap_or_default()
}

#[test]
fn rows_sort_by_time_left_and_selection_starts_at_the_top() {
    let app = fixtures::app();
    let order: Vec<&str> = app.rows.iter().map(|r| r.profile.as_str()).collect();
    assert_eq!(
        order,
        [
            "old-adc",
            "orders-api",
            "nightly-dataflow",
            "lakehouse",
            "etl-dataproc"
        ]
    );
    assert_eq!(selected_profile(&app), "old-adc");
}

#[test]
fn r_refreshes_the_selected_row() {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    press(&mut app, 'j');
    assert_eq!(selected_profile(&app), "nightly-dataflow");
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert_eq!(
        press(&mut app, 'r'),
        vec![Effect::Send(Command::Refresh(id))]
    );
}

#[test]
fn selection_follows_the_credential_when_rows_reorder() {
    let mut app = fixtures::app();
    press(&mut app, 'G');
    assert_eq!(selected_profile(&app), "etl-dataproc");
    // A refresh of another row moves it to the bottom; the selection stays put.
    let mut refreshed = app.rows[0].clone();
    refreshed.expires_at = refreshed.expires_at.map(|t| t + chrono::Duration::hours(5));
    app.update(Event::Engine(Box::new(Update::Row(Box::new(refreshed)))));
    assert_eq!(app.rows.last().map(|r| r.profile.as_str()), Some("old-adc"));
    assert_eq!(selected_profile(&app), "etl-dataproc");
}

#[test]
fn x_asks_first_and_only_y_revokes() {
    let mut app = fixtures::app();
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert!(press(&mut app, 'x').is_empty());
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::ConfirmRevoke { .. })
    ));
    assert!(
        press(&mut app, 'r').is_empty(),
        "r means nothing in the confirmation"
    );
    assert!(press(&mut app, 'n').is_empty());
    assert!(app.overlays.is_empty());
    press(&mut app, 'x');
    assert_eq!(
        press(&mut app, 'y'),
        vec![Effect::Send(Command::Revoke(id))]
    );
    assert!(app.overlays.is_empty());
}

#[test]
fn s_prompts_for_scopes_where_typing_is_text_and_enter_asks() {
    let mut app = fixtures::app();
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert!(press(&mut app, 's').is_empty());
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Downscope { .. })
    ));
    // q and r are letters here, not quit and refresh.
    for c in "devstorage.read_only qr".chars() {
        assert!(press(&mut app, c).is_empty(), "{c}");
    }
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Backspace,
        KeyModifiers::NONE,
    )));
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Backspace,
        KeyModifiers::NONE,
    )));
    let effects = app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    assert_eq!(
        effects,
        vec![Effect::Send(Command::Downscope(
            id,
            tokentop::model::Downscope::Scopes(vec![
                "https://www.googleapis.com/auth/devstorage.read_only".into()
            ])
        ))]
    );
    assert!(app.overlays.is_empty());
    // Esc leaves without asking.
    press(&mut app, 's');
    let effects = app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(effects.is_empty() && app.overlays.is_empty());
}

#[test]
fn revoke_on_a_platform_without_an_endpoint_explains_instead() {
    let mut app = fixtures::app();
    while selected_profile(&app) != "lakehouse" {
        press(&mut app, 'j');
    }
    assert!(press(&mut app, 'x').is_empty());
    assert!(app.overlays.is_empty());
    let (level, text) = app.status.clone().expect("a status message");
    assert_eq!(level, Level::Warn);
    assert!(text.contains("revocation endpoint"), "{text}");
}

#[test]
fn d_opens_decode_and_the_report_fills_it() {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert_eq!(
        press(&mut app, 'd'),
        vec![Effect::Send(Command::Decode(id.clone()))]
    );
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Decode { report: None, .. })
    ));
    app.update(Event::Engine(Box::new(Update::Decoded(
        fixtures::jwt_report(&id),
    ))));
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Decode {
            report: Some(_),
            ..
        })
    ));
    press(&mut app, 'j');
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Decode { scroll: 1, .. })
    ));
    app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(app.overlays.is_empty());
}

#[test]
fn unknown_keys_do_nothing_q_closes_overlays_then_quits() {
    let mut app = fixtures::app();
    let before = app.selected.clone();
    for c in ['z', '!', '5', ' '] {
        assert!(press(&mut app, c).is_empty());
    }
    assert!(app.overlays.is_empty() && app.status.is_none());
    assert_eq!(app.selected, before);
    press(&mut app, '?');
    press(&mut app, 'j');
    assert_eq!(app.overlays, vec![Overlay::Help { scroll: 1 }]);
    assert!(press(&mut app, 'q').is_empty(), "q closes the help first");
    assert!(app.overlays.is_empty());
    assert_eq!(press(&mut app, 'q'), vec![Effect::Quit]);
    press(&mut app, 'd');
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(
        app.update(Event::Key(ctrl_c)),
        vec![Effect::Quit],
        "Ctrl-C quits from anywhere"
    );
}

#[test]
fn without_a_token_decode_and_revoke_explain_instead() {
    let mut app = fixtures::app();
    let mut pending = app.selected_row().cloned().expect("selected");
    pending.fingerprint = None;
    pending.expires_at = None;
    pending.status = tokentop::model::Status::Pending;
    let profile = pending.profile.clone();
    app.update(Event::Engine(Box::new(Update::Row(Box::new(pending)))));
    while selected_profile(&app) != profile {
        press(&mut app, 'j');
    }
    for key in ['d', 'x'] {
        app.status = None;
        assert!(press(&mut app, key).is_empty(), "{key}");
        assert!(app.overlays.is_empty(), "{key}");
        let (_, text) = app.status.clone().expect("a status message");
        assert!(text.contains("no token"), "{key}: {text}");
    }
}

#[test]
fn revoking_twice_is_refused_with_a_hint() {
    let mut app = fixtures::app();
    let mut revoked = app.selected_row().cloned().expect("selected");
    revoked.status = tokentop::model::Status::Revoked;
    app.update(Event::Engine(Box::new(Update::Row(Box::new(revoked)))));
    // Revoked rows sink to the bottom.
    assert_eq!(
        app.rows.last().map(|r| r.status.clone()),
        Some(tokentop::model::Status::Revoked)
    );
    press(&mut app, 'G');
    assert!(press(&mut app, 'x').is_empty());
    assert!(app.overlays.is_empty());
    let (_, text) = app.status.clone().expect("a status message");
    assert!(text.contains("already revoked"), "{text}");
}

#[test]
fn acting_on_a_row_pins_the_selection_through_a_re_sort() {
    let mut app = fixtures::app();
    let top = app.selected_row().cloned().expect("the top row");
    assert!(!app.user_moved);
    assert_eq!(
        press(&mut app, 'r'),
        vec![Effect::Send(Command::Refresh(top.id.clone()))]
    );
    // The refreshed row now expires last and sinks; the selection goes with it.
    let mut refreshed = top.clone();
    refreshed.expires_at = refreshed.expires_at.map(|t| t + chrono::Duration::hours(9));
    app.update(Event::Engine(Box::new(Update::Row(Box::new(refreshed)))));
    assert_ne!(app.rows[0].id, top.id);
    assert_eq!(app.selected_row().map(|r| r.id.clone()), Some(top.id));
}

#[test]
fn a_view_about_a_vanished_credential_closes() {
    let mut app = fixtures::app();
    press(&mut app, 'd');
    assert!(matches!(app.overlays.last(), Some(Overlay::Decode { .. })));
    let gone = app.selected_row().map(|r| r.id.clone()).expect("selected");
    let rest: Vec<_> = fixtures::rows()
        .into_iter()
        .filter(|r| r.id != gone)
        .collect();
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows: rest,
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    assert!(app.overlays.is_empty(), "{:?}", app.overlays);
    press(&mut app, '?');
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows: fixtures::rows(),
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    assert_eq!(app.overlays.len(), 1, "help stays");
}

#[test]
fn the_readme_names_every_key_of_the_table_and_global_layers() {
    use tokentop::tui::keymap::{Keymap, Layer};
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let keys = &readme[readme.find("## Keys").expect("a Keys section")..];
    let keymap = Keymap::default_keys().expect("keymap");
    for layer in [Layer::Table, Layer::Global] {
        for b in keymap.bindings(layer) {
            let written = match b.on.strip_prefix("<C-").and_then(|k| k.strip_suffix('>')) {
                Some(k) => format!("Ctrl-{}", k.to_uppercase()),
                None if b.on.chars().count() == 1 => format!("`{}`", b.on),
                None => continue, // <Up>, <Enter>...: described in words
            };
            assert!(
                keys.contains(&written),
                "README's Keys table does not mention {written} ({})",
                b.desc
            );
        }
    }
}

#[test]
fn a_downscoped_row_hangs_under_its_source_and_d_drops_only_it() {
    let mut app = fixtures::app();
    // The longest-lived row gets a short-lived child: it still sits under it.
    let source = app.rows.last().cloned().expect("rows");
    let child = tokentop::model::Row {
        id: tokentop::model::CredentialId(format!("{}~downscoped", source.id.0)),
        profile: format!("{}/downscoped", source.profile),
        kind: tokentop::model::Kind::Downscoped,
        derived_from: Some(source.id.clone()),
        expires_at: app.rows[0].expires_at,
        ..source.clone()
    };
    app.update(Event::Engine(Box::new(Update::Row(Box::new(
        child.clone(),
    )))));
    let order: Vec<&str> = app.rows.iter().map(|r| r.profile.as_str()).collect();
    assert_eq!(order.last(), Some(&"etl-dataproc/downscoped"), "{order:?}");
    assert_eq!(order[order.len() - 2], "etl-dataproc");

    // D on a row that is not downscoped says so and sends nothing.
    assert!(press(&mut app, 'D').is_empty());
    assert!(
        app.status
            .as_ref()
            .is_some_and(|(_, said)| said.contains("only a downscoped token's row"))
    );
    press(&mut app, 'G');
    assert_eq!(
        press(&mut app, 'D'),
        vec![Effect::Send(Command::Drop(child.id.clone()))]
    );
    app.update(Event::Engine(Box::new(Update::Removed(child.id.clone()))));
    assert_eq!(app.rows.len(), 5);
    assert_eq!(
        selected_profile(&app),
        "etl-dataproc",
        "the selection goes back to the source"
    );
}

#[test]
fn l_signs_in_shows_the_code_and_esc_gives_up() {
    let mut app = fixtures::app();
    // A service account's row signs in with its own tool: said, nothing asked.
    press(&mut app, 'j');
    assert_eq!(
        app.selected_row().map(|r| r.kind),
        Some(tokentop::model::Kind::ServiceAccountIdToken)
    );
    assert_eq!(press(&mut app, 'L'), vec![]);
    assert!(app.overlays.is_empty());
    let (mut app, id) = signing_in();
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Login { prompt: None, .. })
    ));
    app.update(Event::Engine(Box::new(Update::LoginPrompt {
        id: id.clone(),
        verification_uri: "https://idp.example/device".into(),
        verification_uri_complete: None,
        user_code: "WDJB-MJHT".into(),
        expires_at: fixtures::t0() + chrono::Duration::minutes(10),
    })));
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Login { prompt: Some(p), .. }) if p.user_code == "WDJB-MJHT"
    ));
    let esc = app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_eq!(esc, vec![Effect::Send(Command::CancelLogin(id))]);
    assert!(app.overlays.is_empty());
}

#[test]
fn p_runs_the_doctor_p_again_asks_again_and_esc_closes() {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    let ask = Command::Doctor(id.clone(), tokentop::model::DoctorAsk::default());
    assert_eq!(press(&mut app, 'p'), vec![Effect::Send(ask.clone())]);
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Doctor { report: None, .. })
    ));
    // A report about another credential does not fill this view.
    let other = tokentop::model::CredentialId("someone-else".into());
    app.update(Event::Engine(Box::new(Update::Diagnosed(Box::new(
        fixtures::doctor_report(&other),
    )))));
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Doctor { report: None, .. })
    ));
    app.update(Event::Engine(Box::new(Update::Diagnosed(Box::new(
        fixtures::doctor_report(&id),
    )))));
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Doctor {
            report: Some(_),
            ..
        })
    ));
    press(&mut app, 'j');
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Doctor { scroll: 1, .. })
    ));
    // Asking again empties the view until the new report, on the same row.
    assert_eq!(press(&mut app, 'p'), vec![Effect::Send(ask)]);
    assert_eq!(app.overlays.len(), 1);
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Doctor {
            report: None,
            scroll: 0,
            ..
        })
    ));
    app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(app.overlays.is_empty());
}

/// The app with its first row made an OIDC profile, selected, and `L` pressed.
fn signing_in() -> (App, tokentop::model::CredentialId) {
    let mut app = fixtures::app();
    let mut rows = fixtures::rows();
    rows[0].platform = tokentop::model::Platform::Oidc;
    rows[0].kind = tokentop::model::Kind::OidcClient;
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows,
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    let id = app
        .rows
        .iter()
        .find(|r| r.platform == tokentop::model::Platform::Oidc)
        .expect("an OIDC row")
        .id
        .clone();
    while app.selected_row().map(|r| &r.id) != Some(&id) {
        press(&mut app, 'j');
    }
    assert_eq!(
        press(&mut app, 'L'),
        vec![Effect::Send(Command::Login(id.clone()))]
    );
    (app, id)
}

#[test]
fn a_browser_sign_in_takes_a_pasted_address_as_text_and_esc_gives_up() {
    let (mut app, id) = signing_in();
    app.update(Event::Engine(Box::new(Update::BrowserPrompt {
        id: id.clone(),
        url: "https://idp.example/authorize?client_id=tt".into(),
        port: 8765,
        forward: "ssh -N -L 8765:127.0.0.1:8765 dana@bastion".into(),
        expires_at: fixtures::t0() + chrono::Duration::minutes(15),
    })));
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::BrowserLogin { prompt, .. }) if prompt.port == 8765
    ));
    // Tab copies the address to open, whole.
    assert_eq!(
        key(&mut app, KeyCode::Tab),
        vec![Effect::Clipboard(Secret::new(
            "https://idp.example/authorize?client_id=tt"
        ))]
    );
    // Every key is text here, q and j included: nothing closes or moves.
    let address = "http://127.0.0.1:8765/callback?code=q&state=j";
    for c in address.chars() {
        assert_eq!(press(&mut app, c), vec![]);
    }
    let enter = app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    assert_eq!(
        enter,
        vec![Effect::Send(Command::LoginRedirect(
            id.clone(),
            address.into()
        ))]
    );
    // The field is empty again for another try; Enter on nothing sends nothing.
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::BrowserLogin { prompt, .. }) if prompt.pasted.is_empty()
    ));
    let again = app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    assert_eq!(again, vec![]);
    let esc = app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_eq!(esc, vec![Effect::Send(Command::CancelLogin(id))]);
    assert!(app.overlays.is_empty());
}

#[test]
fn read_only_refuses_what_changes_tokens_and_says_so() {
    let mut app = fixtures::app();
    app.readonly = true;
    press(&mut app, 'j');
    for key in ['r', 'x', 's', 'L'] {
        assert_eq!(press(&mut app, key), vec![], "{key}");
        assert!(app.overlays.is_empty(), "{key} opened {:?}", app.overlays);
        let said = app
            .status
            .as_ref()
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        assert!(said.contains("read-only"), "{key}: {said}");
    }
    // Looking still works: decode and the doctor.
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert_eq!(
        press(&mut app, 'd'),
        vec![Effect::Send(Command::Decode(id))]
    );
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert!(press(app, c).is_empty(), "typing {c:?} did something");
    }
}

fn shown(app: &App) -> Vec<String> {
    app.visible().map(|r| r.profile.clone()).collect()
}

#[test]
fn slash_filters_as_you_type_and_letters_are_text_not_keys() {
    let mut app = fixtures::app();
    press(&mut app, '/');
    type_text(&mut app, "user");
    assert_eq!(shown(&app), ["old-adc", "nightly-dataflow"]);
    assert_eq!(selected_profile(&app), "old-adc");
    // q, j and r typed here are letters: nothing quits, moves or refreshes.
    type_text(&mut app, " qjr");
    assert!(shown(&app).is_empty());
    for _ in 0..4 {
        key(&mut app, KeyCode::Backspace);
    }
    assert_eq!(shown(&app).len(), 2);
    // Enter keeps the filter; keys are keys again, over the rows shown.
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(app.overlays.is_empty());
    press(&mut app, 'G');
    assert_eq!(selected_profile(&app), "nightly-dataflow");
    press(&mut app, 'j');
    assert_eq!(
        selected_profile(&app),
        "nightly-dataflow",
        "j stops at the last shown"
    );
    // / again edits the same filter; Esc on the table clears it.
    press(&mut app, '/');
    assert!(matches!(app.overlays.last(), Some(Overlay::Filter { text }) if text == "user"));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    assert_eq!(shown(&app).len(), 5);
    assert_eq!(
        selected_profile(&app),
        "nightly-dataflow",
        "the selection stays"
    );
}

#[test]
fn esc_in_the_filter_clears_it_and_a_hidden_selection_moves_to_a_shown_row() {
    let mut app = fixtures::app();
    press(&mut app, 'G');
    assert_eq!(selected_profile(&app), "etl-dataproc");
    press(&mut app, '/');
    type_text(&mut app, "!dataproc");
    assert_eq!(selected_profile(&app), "old-adc", "etl-dataproc is hidden");
    key(&mut app, KeyCode::Esc);
    assert!(app.overlays.is_empty());
    assert!(app.filter.is_empty());
    assert_eq!(shown(&app).len(), 5);
}

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    press(app, ':');
    type_text(app, line);
    key(app, KeyCode::Enter)
}

#[test]
fn command_line_sorts_refreshes_what_expires_and_quits() {
    let mut app = fixtures::app();
    assert!(command(&mut app, "sort profile").is_empty());
    assert_eq!(
        shown(&app),
        [
            "etl-dataproc",
            "lakehouse",
            "nightly-dataflow",
            "old-adc",
            "orders-api"
        ]
    );
    command(&mut app, "sort platform");
    assert_eq!(shown(&app)[0], "orders-api", "cloud-run sorts first");
    command(&mut app, "sort ttl");
    assert_eq!(shown(&app)[0], "old-adc");
    // Expired old-adc, orders-api (170 s) and nightly-dataflow (7 min)
    // need a refresh; lakehouse (25 min) and etl-dataproc (50 min) do not.
    let effects = command(&mut app, "refresh expiring");
    let asked: Vec<String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(Command::Refresh(id)) => app
                .rows
                .iter()
                .find(|r| &r.id == id)
                .map(|r| r.profile.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, ["old-adc", "orders-api", "nightly-dataflow"]);
    // Only what the filter shows.
    press(&mut app, '/');
    type_text(&mut app, "orders");
    key(&mut app, KeyCode::Enter);
    assert_eq!(command(&mut app, "refresh all").len(), 1);
    assert_eq!(command(&mut app, "q"), vec![Effect::Quit]);
}

#[test]
fn command_line_completes_with_tab_and_says_what_it_does_not_know() {
    let mut app = fixtures::app();
    press(&mut app, ':');
    type_text(&mut app, "so");
    key(&mut app, KeyCode::Tab);
    type_text(&mut app, "pro");
    key(&mut app, KeyCode::Tab);
    assert!(
        matches!(app.overlays.last(), Some(Overlay::Command { text, .. }) if text == "sort profile ")
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(shown(&app)[0], "etl-dataproc");
    assert!(command(&mut app, "frobnicate").is_empty());
    let (level, text) = app.status.clone().expect("said");
    assert_eq!(level, Level::Warn);
    assert!(text.contains("no command `frobnicate`"), "{text}");
    // Esc leaves without running.
    press(&mut app, ':');
    type_text(&mut app, "q");
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.overlays.is_empty());
}

#[test]
fn readonly_from_the_command_line_refuses_what_changes_tokens() {
    let mut app = fixtures::app();
    assert_eq!(
        command(&mut app, "readonly"),
        vec![Effect::Send(Command::ReadOnly)],
        "the engine refuses too"
    );
    assert!(app.readonly);
    for c in ['r', 'x', 's', 'L'] {
        assert!(press(&mut app, c).is_empty(), "{c}");
        assert!(app.overlays.is_empty(), "{c} opened something");
    }
    assert!(command(&mut app, "refresh all").is_empty());
    let (_, text) = app.status.clone().expect("said");
    assert!(text.contains("read-only"), "{text}");
    assert!(!press(&mut app, 'd').is_empty(), "decode still works");
}

#[test]
fn t_cycles_themes_and_the_command_line_picks_one() {
    let mut app = fixtures::app();
    let names = app.themes.names();
    assert!(names.len() >= 2, "{names:?}");
    assert_eq!(app.themes.current().name, names[0]);
    press(&mut app, 't');
    assert_eq!(app.themes.current().name, names[1]);
    command(&mut app, &format!("theme {}", names[0]));
    assert_eq!(app.themes.current().name, names[0]);
    command(&mut app, "theme neon");
    assert_eq!(app.themes.current().name, names[0]);
    let (_, text) = app.status.clone().expect("said");
    assert!(text.contains(":theme takes a theme"), "{text}");
}

fn revealed(app: &mut App, token: &str, purpose: Reveal) -> Vec<Effect> {
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    app.update(Event::Engine(Box::new(Update::Revealed {
        id,
        token: Secret::new(token),
        purpose,
    })))
}

#[test]
fn c_offers_the_forms_and_the_engine_is_asked_for_the_one_chosen() {
    let mut app = fixtures::app();
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert!(press(&mut app, 'c').is_empty());
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::Copy { chosen: 0, .. })
    ));
    press(&mut app, 'j');
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        vec![Effect::Send(Command::Reveal(
            id.clone(),
            Reveal::Copy(CopyForm::Header)
        ))]
    );
    assert!(app.overlays.is_empty());
    press(&mut app, 'c');
    assert_eq!(
        press(&mut app, '3'),
        vec![Effect::Send(Command::Reveal(
            id,
            Reveal::Copy(CopyForm::Curl)
        ))],
        "a digit picks its line"
    );
    press(&mut app, 'c');
    assert!(key(&mut app, KeyCode::Esc).is_empty());
    assert!(app.overlays.is_empty());
}

#[test]
fn a_copy_the_engine_made_goes_to_the_clipboard_and_only_the_fingerprint_is_said() {
    let mut app = fixtures::app();
    let text = "Authorization: Bearer ya29.a0AfH6SMBx-token_value";
    let effects = revealed(&mut app, text, Reveal::Copy(CopyForm::Header));
    assert_eq!(effects, vec![Effect::Clipboard(Secret::new(text))]);
    let (level, said) = app.status.clone().expect("said");
    assert_eq!(level, Level::Info);
    let fingerprint = app
        .selected_row()
        .and_then(|r| r.fingerprint.clone())
        .expect("fp");
    assert!(
        said.contains("OSC 52") && said.contains(&fingerprint),
        "{said}"
    );
    assert!(!said.contains("ya29"), "{said}");
    // A token shown (v) is not copied.
    assert!(revealed(&mut app, "ya29.shown", Reveal::Show).is_empty());
}

#[test]
fn v_shows_the_token_for_ten_seconds_then_masks_it() {
    let clock = Arc::new(FixedClock::at(fixtures::t0()));
    let mut app = fixtures::app_on(clock.clone());
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert_eq!(
        press(&mut app, 'v'),
        vec![Effect::Send(Command::Reveal(id, Reveal::Show))]
    );
    revealed(&mut app, "ya29.shown", Reveal::Show);
    assert!(app.shown_token.is_some());
    clock.advance(chrono::Duration::seconds(9));
    app.update(Event::Tick);
    assert!(app.shown_token.is_some(), "still shown at 9 s");
    clock.advance(chrono::Duration::seconds(1));
    app.update(Event::Tick);
    assert!(app.shown_token.is_none(), "masked at 10 s");
    // v again hides it at once; moving away does too.
    press(&mut app, 'v');
    revealed(&mut app, "ya29.shown", Reveal::Show);
    assert!(press(&mut app, 'v').is_empty());
    assert!(app.shown_token.is_none());
    press(&mut app, 'v');
    revealed(&mut app, "ya29.shown", Reveal::Show);
    press(&mut app, 'j');
    assert!(app.shown_token.is_none());
}

#[test]
fn a_keeps_the_selected_token_alive_and_shift_a_every_token() {
    let mut app = fixtures::app();
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    assert_eq!(
        press(&mut app, 'a'),
        vec![Effect::Send(Command::AutoRefresh(Some(id.clone()), true))]
    );
    // The engine says it is on: a again turns it off.
    let mut row = app.selected_row().cloned().expect("row");
    row.auto_refresh = true;
    app.update(Event::Engine(Box::new(Update::Row(Box::new(row)))));
    assert_eq!(
        press(&mut app, 'a'),
        vec![Effect::Send(Command::AutoRefresh(Some(id), false))]
    );
    assert_eq!(
        press(&mut app, 'A'),
        vec![Effect::Send(Command::AutoRefresh(None, true))]
    );
    let rows: Vec<_> = app
        .rows
        .iter()
        .cloned()
        .map(|mut r| {
            r.auto_refresh = true;
            r
        })
        .collect();
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows,
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    assert_eq!(
        press(&mut app, 'A'),
        vec![Effect::Send(Command::AutoRefresh(None, false))],
        "all on: A turns all off"
    );
    app.readonly = true;
    assert!(press(&mut app, 'a').is_empty(), "read-only refuses");
}

fn with_token(row: &tokentop::model::Row, fingerprint: &str, extra_s: i64) -> tokentop::model::Row {
    let mut row = row.clone();
    row.fingerprint = Some(fingerprint.into());
    row.expires_at = row
        .expires_at
        .map(|t| t + chrono::Duration::seconds(extra_s));
    row.busy = None;
    row
}

fn arrive(app: &mut App, row: tokentop::model::Row) {
    app.update(Event::Engine(Box::new(Update::Row(Box::new(row)))));
}

#[test]
fn a_refresh_asked_for_is_compared_before_and_after_and_its_row_flashes() {
    let clock = Arc::new(FixedClock::at(fixtures::t0()));
    let mut app = fixtures::app_on(clock.clone());
    let before = app.selected_row().cloned().expect("row");
    press(&mut app, 'r');
    let mut busy = before.clone();
    busy.busy = Some("refresh".into());
    arrive(&mut app, busy);
    assert!(app.changes.compared.is_none(), "not while it runs");
    arrive(&mut app, with_token(&before, "sha256:0000beef", 3600));
    let compared = app.changes.compared.clone().expect("a comparison");
    assert_eq!(compared.old.fingerprint, before.fingerprint);
    assert_eq!(compared.new.fingerprint.as_deref(), Some("sha256:0000beef"));
    assert!(app.changes.flashing(&before.id, clock.now()));
    clock.advance(chrono::Duration::seconds(3));
    app.update(Event::Tick);
    assert!(
        !app.changes.flashing(&before.id, clock.now()),
        "the flash is brief"
    );
    assert!(app.changes.compared.is_some());
    // (The renewed row sorts last: k moves up from it.)
    let at = app.selected_index();
    press(&mut app, 'k');
    assert!(app.changes.compared.is_none(), "any key puts it away");
    assert_ne!(app.selected_index(), at, "and goes on to do what it does");
    press(&mut app, 'j');
    // q there closes the comparison; it does not quit.
    press(&mut app, 'r');
    arrive(&mut app, with_token(&before, "sha256:0000cafe", 3600));
    assert!(app.changes.compared.is_some());
    assert!(
        press(&mut app, 'q').is_empty(),
        "q closed the comparison only"
    );
    assert!(app.changes.compared.is_none());
    // Esc too: the filter typed before stays.
    press(&mut app, '/');
    type_text(&mut app, &before.profile);
    key(&mut app, KeyCode::Enter);
    press(&mut app, 'r');
    arrive(&mut app, with_token(&before, "sha256:0000f00d", 3600));
    assert!(app.changes.compared.is_some());
    key(&mut app, KeyCode::Esc);
    assert!(app.changes.compared.is_none());
    assert_eq!(
        app.filter.text(),
        before.profile,
        "Esc closed the comparison only"
    );
}

#[test]
fn a_failed_refresh_or_one_nobody_asked_for_is_not_compared() {
    let mut app = fixtures::app();
    let before = app.selected_row().cloned().expect("row");
    press(&mut app, 'r');
    let mut failed = before.clone();
    failed.error = Some(tokentop::model::Problem::Provider {
        op: "refresh",
        error: tokentop::model::ProviderError::Rejected {
            endpoint: "https://oauth2.googleapis.com/token".into(),
            status: 400,
            error: Some("invalid_grant".into()),
            message: "invalid_grant".into(),
        },
    });
    arrive(&mut app, failed);
    assert!(app.changes.compared.is_none());
    // Auto-refresh, or another tool's new token: it flashes, no comparison.
    let other = app.rows[1].clone();
    arrive(&mut app, with_token(&other, "sha256:00000042", 60));
    assert!(app.changes.compared.is_none());
    assert!(app.changes.flashing(&other.id, fixtures::t0()));
}

#[test]
fn a_downscoped_token_is_compared_with_its_source() {
    let mut app = fixtures::app();
    while selected_profile(&app) != "etl-dataproc" {
        press(&mut app, 'j');
    }
    let source = app.selected_row().cloned().expect("row");
    press(&mut app, 's');
    type_text(&mut app, "devstorage.read_only");
    assert!(matches!(
        key(&mut app, KeyCode::Enter).as_slice(),
        [Effect::Send(Command::Downscope(..))]
    ));
    let child = tokentop::model::Row {
        id: tokentop::model::CredentialId(format!("{}~downscoped", source.id.0)),
        profile: format!("{}/downscoped", source.profile),
        kind: tokentop::model::Kind::Downscoped,
        derived_from: Some(source.id.clone()),
        fingerprint: Some("sha256:0000d0d0".into()),
        scopes: vec!["https://www.googleapis.com/auth/devstorage.read_only".into()],
        ..source.clone()
    };
    arrive(&mut app, child);
    let compared = app.changes.compared.clone().expect("compared");
    assert_eq!(compared.old.profile, "etl-dataproc");
    assert_eq!(compared.new.profile, "etl-dataproc/downscoped");
}

#[test]
fn paging_reload_journal_and_the_help_and_audit_commands() {
    let mut app = fixtures::app();
    assert_eq!(key(&mut app, KeyCode::PageDown), vec![]);
    assert_eq!(
        selected_profile(&app),
        "etl-dataproc",
        "a page down stops at the last row"
    );
    key(&mut app, KeyCode::PageUp);
    assert_eq!(selected_profile(&app), "old-adc");
    assert_eq!(press(&mut app, 'R'), vec![Effect::Send(Command::Reload)]);
    press(&mut app, 'J');
    assert_eq!(app.overlays, vec![Overlay::Journal { scroll: 0 }]);
    press(&mut app, 'J');
    assert!(app.overlays.is_empty(), "J again closes it");
    command(&mut app, "audit");
    assert_eq!(app.overlays, vec![Overlay::Journal { scroll: 0 }]);
    key(&mut app, KeyCode::Esc);
    command(&mut app, "help");
    assert_eq!(app.overlays, vec![Overlay::Help { scroll: 0 }]);
}

#[test]
fn a_row_at_work_stays_in_a_filter_on_its_state() {
    let mut app = fixtures::app();
    press(&mut app, '/');
    type_text(&mut app, "fresh");
    key(&mut app, KeyCode::Enter);
    let before = shown(&app);
    assert!(before.contains(&"lakehouse".to_string()), "{before:?}");
    let mut busy = app
        .rows
        .iter()
        .find(|r| r.profile == "lakehouse")
        .cloned()
        .expect("row");
    busy.busy = Some("refresh".into());
    arrive(&mut app, busy);
    assert_eq!(shown(&app), before, "a refresh does not hide it");
}

#[test]
fn a_shown_token_is_masked_when_its_row_gets_a_new_one() {
    let mut app = fixtures::app();
    press(&mut app, 'v');
    revealed(&mut app, "ya29.shown", Reveal::Show);
    assert!(app.shown_token.is_some());
    let row = app.selected_row().cloned().expect("row");
    arrive(&mut app, with_token(&row, "sha256:0000cafe", 60));
    assert!(
        app.shown_token.is_none(),
        "the old token is not left on screen"
    );
}
