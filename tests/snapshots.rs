//! Every screen on ratatui's TestBackend at 80x24 and 40x12, default and mono
//! themes, with a fixed clock. Text snapshots live in tests/snapshots/.

#[path = "support/fixtures.rs"]
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use strum::IntoEnumIterator;
use tokentop::engine::protocol::Update;
use tokentop::tui::app::App;
use tokentop::tui::event::Event;
use tokentop::tui::overlay::Overlay;
use tokentop::tui::theme::{Slot, Theme};
use tokentop::tui::view::view;

fn render(app: &App, theme: &str, width: u16, height: u16) -> Terminal<TestBackend> {
    let theme = Theme::built_in(theme).expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| view(app, &theme, frame))
        .expect("draw");
    terminal
}

fn press(app: &mut App, c: char) {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
}

fn decode_app() -> App {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    press(&mut app, 'd');
    app.update(Event::Engine(Box::new(Update::Decoded(
        fixtures::jwt_report(&id),
    ))));
    app
}

fn doctor_app() -> App {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    press(&mut app, 'p');
    app.update(Event::Engine(Box::new(Update::Diagnosed(Box::new(
        fixtures::doctor_report(&id),
    )))));
    app
}

#[test]
fn doctor_80x24_default() {
    insta::assert_snapshot!(
        "doctor_80x24_default",
        render(&doctor_app(), "default", 80, 24).backend()
    );
}

#[test]
fn doctor_120x30_side_by_side() {
    insta::assert_snapshot!(
        "doctor_120x30_default",
        render(&doctor_app(), "default", 120, 30).backend()
    );
}

#[test]
fn doctor_40x12_mono() {
    insta::assert_snapshot!(
        "doctor_40x12_mono",
        render(&doctor_app(), "mono", 40, 12).backend()
    );
}

#[test]
fn browser_sign_in_80x24() {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    app.overlays.push(tokentop::tui::overlay::Overlay::Login {
        id: id.clone(),
        prompt: None,
    });
    app.update(Event::Engine(Box::new(Update::BrowserPrompt {
        id,
        url: "https://idp.example/authorize?response_type=code&client_id=tokentop&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_challenge_method=S256".into(),
        port: 8765,
        forward: "ssh -N -L 8765:127.0.0.1:8765 dana@bastion.example".into(),
        expires_at: fixtures::t0() + chrono::Duration::minutes(15),
    })));
    for c in "http://127.0.0.1:8765/cal".chars() {
        press(&mut app, c);
    }
    insta::assert_snapshot!(
        "browser_sign_in_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!(
        "browser_sign_in_40x12_mono",
        render(&app, "mono", 40, 12).backend()
    );
}

#[test]
fn device_sign_in_80x24_and_40x12() {
    let mut app = fixtures::app();
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    app.overlays.push(tokentop::tui::overlay::Overlay::Login {
        id: id.clone(),
        prompt: None,
    });
    app.update(Event::Engine(Box::new(Update::LoginPrompt {
        id,
        verification_uri: "https://idp.example/device".into(),
        verification_uri_complete: Some("https://idp.example/device?user_code=WDJB-MJHT".into()),
        user_code: "WDJB-MJHT".into(),
        expires_at: fixtures::t0() + chrono::Duration::minutes(10),
    })));
    insta::assert_snapshot!(
        "device_sign_in_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!(
        "device_sign_in_40x12_mono",
        render(&app, "mono", 40, 12).backend()
    );
}

#[test]
fn downscope_builder_80x24_and_40x12() {
    let mut app = typed("s");
    for c in "devstorage.read_only".chars() {
        press(&mut app, c);
    }
    insta::assert_snapshot!(
        "downscope_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!(
        "downscope_40x12_mono",
        render(&app, "mono", 40, 12).backend()
    );
}

#[test]
fn table_80x24_default() {
    insta::assert_snapshot!(
        "table_80x24_default",
        render(&fixtures::app(), "default", 80, 24).backend()
    );
}

#[test]
fn table_40x12_mono() {
    insta::assert_snapshot!(
        "table_40x12_mono",
        render(&fixtures::app(), "mono", 40, 12).backend()
    );
}

#[test]
fn table_120x24_shows_every_column() {
    insta::assert_snapshot!(
        "table_120x24_default",
        render(&fixtures::app(), "default", 120, 24).backend()
    );
}

#[test]
fn decode_80x24_default() {
    insta::assert_snapshot!(
        "decode_80x24_default",
        render(&decode_app(), "default", 80, 24).backend()
    );
}

#[test]
fn decode_40x12_mono() {
    insta::assert_snapshot!(
        "decode_40x12_mono",
        render(&decode_app(), "mono", 40, 12).backend()
    );
}

#[test]
fn help_80x24() {
    let mut app = fixtures::app();
    press(&mut app, '?');
    insta::assert_snapshot!(
        "help_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
}

#[test]
fn revoke_confirmation_80x24() {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    press(&mut app, 'x');
    insta::assert_snapshot!(
        "confirm_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
}

#[test]
fn colours_come_from_the_theme_file() {
    // The expired row's TTL cell takes the theme's ttl.expired style: red and crossed out.
    let terminal = render(&fixtures::app(), "default", 80, 24);
    let buffer = terminal.backend().buffer();
    let expired_row = (0..24u16)
        .find(|y| {
            (0..80u16)
                .map(|x| buffer[(x, *y)].symbol().to_string())
                .collect::<String>()
                .contains("old-adc")
        })
        .expect("the expired row is on screen");
    let line: String = (0..80u16)
        .map(|x| buffer[(x, expired_row)].symbol().to_string())
        .collect();
    let ttl_x = line.find("-1m30s").expect("negative TTL shown") as u16;
    let cell = &buffer[(ttl_x, expired_row)];
    assert_eq!(cell.fg, Color::Red);
    assert!(
        cell.modifier
            .contains(ratatui::style::Modifier::CROSSED_OUT)
    );
    // Mono has no colour at all, anywhere.
    let mono = render(&fixtures::app(), "mono", 80, 24);
    assert!(
        mono.backend()
            .buffer()
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}

#[test]
fn every_screen_fits_40x12_without_panicking() {
    let mut compared = fixtures::app();
    press(&mut compared, 'r');
    let mut after = compared.selected_row().cloned().expect("row");
    after.fingerprint = Some("sha256:0000beef".into());
    compared.update(Event::Engine(Box::new(Update::Row(Box::new(after)))));
    let mut shown = fixtures::app();
    let id = shown.selected_row().map(|r| r.id.clone()).expect("row");
    shown.update(Event::Engine(Box::new(Update::Revealed {
        id,
        token: tokentop::model::Secret::new("ya29.".repeat(200)),
        purpose: tokentop::engine::protocol::Reveal::Show,
    })));
    let screens = [
        compared,
        shown,
        fixtures::app(),
        decode_app(),
        doctor_app(),
        typed("s"),
        typed("c"),
        typed("/acme"),
        typed(":so"),
        typed("J"),
        typed("?"),
        typed("L"),
    ];
    let mut detail = fixtures::app();
    detail.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    for app in screens.into_iter().chain([detail]) {
        for (w, h) in [(40, 12), (20, 6), (1, 1)] {
            render(&app, "default", w, h);
        }
    }
}

#[test]
fn help_40x12_scrolls() {
    let mut app = fixtures::app();
    press(&mut app, '?');
    insta::assert_snapshot!("help_40x12_mono", render(&app, "mono", 40, 12).backend());
    for _ in 0..6 {
        press(&mut app, 'j');
    }
    insta::assert_snapshot!(
        "help_40x12_mono_scrolled",
        render(&app, "mono", 40, 12).backend()
    );
}

#[test]
fn revoke_confirmation_40x12_keeps_its_keys() {
    let mut app = fixtures::app();
    press(&mut app, 'j');
    press(&mut app, 'j');
    press(&mut app, 'x');
    let terminal = render(&app, "mono", 40, 12);
    let text = format!("{}", terminal.backend());
    assert!(
        text.contains("y revoke") && text.contains("n keep it"),
        "{text}"
    );
    insta::assert_snapshot!("confirm_40x12_mono", terminal.backend());
}

/// A theme giving every slot its own indexed colour, so a cell's colour says
/// which slot styled it, whatever the palette.
fn probe_theme() -> Theme {
    let mut sections: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (i, slot) in Slot::iter().enumerate() {
        let (section, key) = slot.name().split_once('.').expect("section.key");
        // The selection is reverse video only, so the cell's own slot shows through.
        let style = if slot == Slot::Selection {
            "{ reversed = true }".to_string()
        } else {
            format!("{{ fg = \"{}\" }}", 100 + i)
        };
        sections
            .entry(section)
            .or_default()
            .push(format!("{key} = {style}"));
    }
    let mut text = String::from("[meta]\nname = \"probe\"\n");
    for (section, lines) in sections {
        text.push_str(&format!("[{section}]\n{}\n", lines.join("\n")));
    }
    Theme::parse(&text, "probe.toml").expect("probe theme")
}

fn slot_of(color: Color) -> &'static str {
    match color {
        Color::Indexed(i) if i >= 100 => Slot::iter()
            .nth(usize::from(i - 100))
            .map_or("none", Slot::name),
        _ => "none",
    }
}

#[test]
fn cells_take_the_slot_their_meaning_says() {
    let theme = probe_theme();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let app = fixtures::app();
    terminal
        .draw(|frame| view(&app, &theme, frame))
        .expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let line = |y: u16| {
        (0..80u16)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect::<String>()
    };
    let slot_at = |needle: &str, row_of: &str| {
        let y = (0..24u16)
            .find(|y| line(*y).contains(row_of))
            .unwrap_or_else(|| panic!("no line with {row_of}"));
        let x = line(y)
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle} in {}", line(y)));
        let x = line(y)[..x].chars().count() as u16;
        slot_of(buffer[(x, y)].fg)
    };
    assert_eq!(slot_at("-1m30s", "old-adc"), "ttl.expired");
    assert_eq!(slot_at("⚠ stale", "orders-api"), "ttl.critical");
    assert_eq!(slot_at("! error", "nightly-data"), "state.error");
    assert_eq!(slot_at("✓ fresh", "lakehouse"), "ttl.fresh");
    assert_eq!(slot_at("PLATFORM", "PLATFORM"), "chrome.header");
    assert_eq!(slot_at("sha256:", "token sha256:"), "secret.fingerprint");
    assert_eq!(slot_at("r refresh", "q quit"), "chrome.key");
}

#[test]
fn a_selected_gcloud_account_shows_its_adc_place_and_its_cached_id_token() {
    use tokentop::model::{TokenRole, TokenView};
    let mut rows = fixtures::rows();
    let row = rows
        .iter_mut()
        .find(|r| r.profile == "old-adc")
        .expect("fixture row");
    row.profile = "gcloud:default".into();
    row.active_adc = true;
    row.gcloud_account = Some("me@acme.example".into());
    row.gcloud_configurations = vec!["default".into(), "ci".into()];
    row.gcloud_active = true;
    row.project = Some("acme-dev".into());
    row.details = vec!["configuration default (active), project acme-dev".into()];
    row.tokens = vec![TokenView {
        role: TokenRole::Id,
        fingerprint: "sha256:1d70cafe".into(),
        issued_at: None,
        expires_at: row.expires_at,
        scopes: vec![],
        audience: Some("32555940559.apps.googleusercontent.com".into()),
        parent: None,
        found_in: Some("~/.config/gcloud/access_tokens.db".into()),
        note: None,
    }];
    let id = row.id.clone();
    let mut app = fixtures::app();
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows,
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    while app.selected_row().map(|r| &r.id) != Some(&id) {
        press(&mut app, 'j');
    }
    let terminal = render(&app, "default", 80, 24);
    let screen = format!("{}", terminal.backend());
    assert!(screen.contains("ADC active"), "{screen}");
    assert!(screen.contains("id token sha256:1d70cafe"), "{screen}");
    insta::assert_snapshot!("table_80x24_gcloud_account_selected", terminal.backend());
}

/// The fixtures' clock, reporting the servers two minutes ahead.
struct SkewedClock(tokentop::model::FixedClock);

impl tokentop::model::Clock for SkewedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.now()
    }

    fn skew(&self) -> Option<chrono::Duration> {
        Some(chrono::Duration::seconds(125))
    }
}

#[test]
fn a_corrected_clock_is_said_in_the_header() {
    let mut app = fixtures::app();
    app.clock = std::sync::Arc::new(SkewedClock(tokentop::model::FixedClock::at(fixtures::t0())));
    let wide = render(&app, "default", 100, 24);
    let first: String = (0..100)
        .map(|x| wide.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(first.contains("clock +2m05s (corrected)"), "{first}");
    let narrow = render(&app, "mono", 40, 12);
    let first: String = (0..40)
        .map(|x| narrow.backend().buffer()[(x, 0)].symbol().to_string())
        .collect();
    assert!(first.contains("⏱+2m05s"), "{first}");
}

fn typed(keys: &str) -> App {
    let mut app = fixtures::app();
    for c in keys.chars() {
        press(&mut app, c);
    }
    app
}

#[test]
fn filter_being_typed_80x24_and_40x12() {
    let app = typed("/acme");
    insta::assert_snapshot!(
        "filter_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!("filter_40x12_mono", render(&app, "mono", 40, 12).backend());
}

#[test]
fn filter_kept_shows_its_count_in_the_header() {
    let mut app = typed("/acme");
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    insta::assert_snapshot!(
        "filter_kept_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    let mut none = typed("/nothing-matches-this");
    none.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    insta::assert_snapshot!(
        "filter_empty_40x12_mono",
        render(&none, "mono", 40, 12).backend()
    );
}

#[test]
fn command_line_80x24_and_40x12() {
    let app = typed(":sort p");
    insta::assert_snapshot!(
        "command_line_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!(
        "command_line_40x12_mono",
        render(&app, "mono", 40, 12).backend()
    );
}

#[test]
fn copy_menu_80x24_and_40x12() {
    let app = typed("cj");
    insta::assert_snapshot!(
        "copy_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!("copy_40x12_mono", render(&app, "mono", 40, 12).backend());
}

#[test]
fn a_revealed_token_80x24_and_40x12() {
    let mut app = fixtures::app();
    let id = app.selected_row().map(|r| r.id.clone()).expect("selected");
    app.update(Event::Engine(Box::new(Update::Revealed {
        id,
        token: tokentop::model::Secret::new(format!("ya29.{}", "a0AfH6SMB".repeat(12))),
        purpose: tokentop::engine::protocol::Reveal::Show,
    })));
    insta::assert_snapshot!(
        "reveal_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!("reveal_40x12_mono", render(&app, "mono", 40, 12).backend());
}

#[test]
fn detail_80x24_and_40x12_with_a_job_length() {
    let mut app = fixtures::app();
    press(&mut app, 'G');
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    for c in "90".chars() {
        press(&mut app, c);
    }
    insta::assert_snapshot!(
        "detail_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!("detail_40x12_mono", render(&app, "mono", 40, 12).backend());
    // Scrolled to provenance and capabilities.
    for _ in 0..12 {
        press(&mut app, 'j');
    }
    insta::assert_snapshot!(
        "detail_80x24_scrolled",
        render(&app, "default", 80, 24).backend()
    );
}

#[test]
fn before_and_after_a_refresh_80x24_and_40x12() {
    let mut app = fixtures::app();
    let before = app.selected_row().cloned().expect("row");
    press(&mut app, 'r');
    let mut after = before.clone();
    after.fingerprint = Some("sha256:0000beef".into());
    after.expires_at = Some(fixtures::t0() + chrono::Duration::minutes(60));
    app.update(Event::Engine(Box::new(Update::Row(Box::new(after)))));
    insta::assert_snapshot!(
        "compare_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!("compare_40x12_mono", render(&app, "mono", 40, 12).backend());
}

#[test]
fn journal_and_work_under_way_80x24_and_40x12() {
    let mut app = fixtures::app();
    for (action, after, result) in [
        ("refresh", Some("sha256:0000beef"), "ok"),
        ("copy-header", None, "ok"),
        ("revoke", None, "error: HTTP 400"),
    ] {
        app.update(Event::Engine(Box::new(Update::Journaled(
            tokentop::engine::protocol::JournalLine {
                at: fixtures::t0(),
                profile: "etl-dataproc".into(),
                action: action.into(),
                before: Some("sha256:01762adc".into()),
                after: after.map(String::from),
                result: result.into(),
                file: Some("/home/dana/.local/state/tokentop/audit.jsonl".into()),
            },
        ))));
    }
    let mut busy = app.rows[1].clone();
    busy.busy = Some("refresh".into());
    app.update(Event::Engine(Box::new(Update::Row(Box::new(busy)))));
    insta::assert_snapshot!(
        "work_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    press(&mut app, 'J');
    insta::assert_snapshot!(
        "journal_80x24_default",
        render(&app, "default", 80, 24).backend()
    );
    insta::assert_snapshot!("journal_40x12_mono", render(&app, "mono", 40, 12).backend());
}

fn mouse(app: &mut App, kind: crossterm::event::MouseEventKind, row: u16) {
    app.update(Event::Mouse(crossterm::event::MouseEvent {
        kind,
        column: 10,
        row,
        modifiers: KeyModifiers::NONE,
    }));
}

#[test]
fn the_wheel_moves_and_a_click_selects_then_opens_the_row() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let mut app = fixtures::app();
    let terminal = render(&app, "default", 80, 24);
    let line_of = |profile: &str| {
        let buffer = terminal.backend().buffer();
        (0..24u16)
            .find(|y| {
                (0..80u16)
                    .map(|x| buffer[(x, *y)].symbol().to_string())
                    .collect::<String>()
                    .contains(&format!(" {profile} "))
            })
            .expect(profile)
    };
    let lakehouse = line_of("lakehouse");
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), lakehouse);
    assert_eq!(
        app.selected_row().map(|r| r.profile.as_str()),
        Some("lakehouse")
    );
    assert!(app.overlays.is_empty());
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), lakehouse);
    assert!(matches!(
        app.overlays.last(),
        Some(tokentop::tui::overlay::Overlay::Detail { scroll: 0, .. })
    ));
    // The wheel scrolls the screen on top, then, with none, moves the selection.
    mouse(&mut app, MouseEventKind::ScrollDown, 5);
    assert!(matches!(
        app.overlays.last(),
        Some(tokentop::tui::overlay::Overlay::Detail { scroll: 1, .. })
    ));
    app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    mouse(&mut app, MouseEventKind::ScrollDown, 5);
    assert_eq!(
        app.selected_row().map(|r| r.profile.as_str()),
        Some("etl-dataproc")
    );
    // A click below the rows changes nothing.
    mouse(&mut app, MouseEventKind::Down(MouseButton::Left), 23);
    assert_eq!(
        app.selected_row().map(|r| r.profile.as_str()),
        Some("etl-dataproc")
    );
}

#[test]
fn a_text_view_stops_at_its_end_and_one_key_scrolls_back() {
    let mut app = fixtures::app();
    press(&mut app, '?');
    render(&app, "default", 80, 24);
    for _ in 0..200 {
        press(&mut app, 'j');
        render(&app, "default", 80, 24);
    }
    let Some(Overlay::Help { scroll: at_end }) = app.overlays.last().cloned() else {
        panic!("help is open: {:?}", app.overlays);
    };
    assert!(at_end < 200, "held to its end: {at_end}");
    let last = render(&app, "default", 80, 24).backend().to_string();
    assert!(
        last.lines()
            .any(|l| l.contains("Quit") || l.contains("quit")),
        "the end of the help is shown, not blank:\n{last}"
    );
    press(&mut app, 'k');
    assert_eq!(
        app.overlays.last(),
        Some(&Overlay::Help { scroll: at_end - 1 })
    );
}

#[test]
fn every_unread_source_is_listed_by_j_and_a_long_status_takes_two_lines() {
    let mut app = fixtures::app();
    let broken: Vec<String> = (1..=3)
        .map(|i| format!("/home/dana/keys/key-{i}.json: not valid JSON (line 1, column 300): EOF while parsing a string (profile `batch-{i}`)"))
        .collect();
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows: fixtures::rows(),
        source_errors: broken.clone(),
        skipped: vec![],
        settled: true,
    })));
    let screen = render(&app, "default", 80, 24).backend().to_string();
    assert!(
        screen.contains("3 sources not read (J lists them)"),
        "{screen}"
    );
    // Its end is on the next line, not cut off.
    assert!(screen.contains("(profile `batch-1`)"), "{screen}");
    // At 40x12 too: the second line says where to look.
    let small = render(&app, "mono", 40, 12).backend().to_string();
    assert!(small.contains("key-1.json"), "{small}");
    press(&mut app, 'J');
    let screen = render(&app, "default", 120, 30).backend().to_string();
    for line in &broken {
        assert!(
            screen.contains(line.as_str()),
            "{line} not listed:\n{screen}"
        );
    }
}

#[test]
fn the_header_counts_revoked_rows() {
    let mut app = fixtures::app();
    let mut rows = fixtures::rows();
    rows[0].status = tokentop::model::Status::Revoked;
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows,
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    let wide = render(&app, "default", 100, 24).backend().to_string();
    assert!(
        wide.lines().next().is_some_and(|l| l.contains("1 revoked")),
        "{wide}"
    );
    let narrow = render(&app, "default", 40, 12).backend().to_string();
    assert!(
        narrow.lines().next().is_some_and(|l| l.contains("⊘1")),
        "{narrow}"
    );
}

#[test]
fn a_kept_alive_row_without_an_expiry_is_marked_too() {
    let mut app = fixtures::app();
    let mut rows = fixtures::rows();
    for row in &mut rows {
        row.auto_refresh = true;
    }
    rows[0].expires_at = None;
    let profile = rows[0].profile.clone();
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows,
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    let screen = render(&app, "default", 120, 24).backend().to_string();
    let line = screen
        .lines()
        .find(|l| l.contains(profile.as_str()))
        .unwrap_or_default();
    assert!(line.contains("-↻"), "{screen}");
    let marks = screen.matches('↻').count();
    assert!(
        screen.contains("auto-refresh all") && marks == 5,
        "{marks}:\n{screen}"
    );
}
