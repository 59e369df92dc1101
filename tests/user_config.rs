//! The user's `[ui]` config and themes: remapped keys, columns, accents,
//! themes, and mistakes that are one clear line while the defaults run.

#[path = "support/fixtures.rs"]
mod fixtures;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use std::sync::Arc;
use tokentop::engine::protocol::{Command, Update};
use tokentop::model::FixedClock;
use tokentop::tui::action::Action;
use tokentop::tui::app::App;
use tokentop::tui::event::{Effect, Event};
use tokentop::tui::keymap::Layer;
use tokentop::tui::overlay::Overlay;
use tokentop::tui::startup::{self, Start};
use tokentop::tui::theme::ColorDepth;

const CONFIG: &str = "/home/dana/.config/tokentop/config.toml";

fn app_with(config: &str, themes: &[(&str, &str)], theme: Option<&str>) -> App {
    let start = Start {
        theme: theme.map(String::from),
        config: Some((CONFIG.to_string(), config.to_string())),
        themes: themes
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect(),
        ..Start::default()
    };
    let clock = Arc::new(FixedClock::at(fixtures::t0()));
    let mut app = startup::app(&start, ColorDepth::TrueColor, clock).expect("app");
    app.update(Event::Engine(Box::new(Update::Snapshot {
        rows: fixtures::rows(),
        source_errors: vec![],
        skipped: vec![],
        settled: true,
    })));
    app
}

fn press(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

#[test]
fn a_remapped_key_does_its_new_action_and_help_and_hints_follow() {
    let mut app = app_with(
        "trusted_endpoints = []\n\n[ui.keys.table]\n\"K\" = \"revoke\"\n\"r\" = \"reload\"\n",
        &[],
        None,
    );
    assert!(app.config_errors.is_empty(), "{:?}", app.config_errors);
    assert!(press(&mut app, 'K').is_empty());
    assert!(matches!(
        app.overlays.last(),
        Some(Overlay::ConfirmRevoke { .. })
    ));
    press(&mut app, 'n');
    assert_eq!(press(&mut app, 'r'), vec![Effect::Send(Command::Reload)]);
    assert_eq!(app.keymap.key_for(Action::Revoke, Layer::Table), Some("K"));
    let help = app
        .keymap
        .bindings(Layer::Table)
        .iter()
        .find(|b| b.on == "K")
        .map(|b| b.desc.clone());
    assert_eq!(help.as_deref(), Some("Revoke the token (asks first)"));
}

#[test]
fn a_bad_key_is_one_error_naming_file_line_and_table_and_the_defaults_run() {
    let mut app = app_with(
        "[ui]\ntheme = \"light\"\n[ui.keys.table]\n\"<Ctl-x>\" = \"revoke\"\n",
        &[],
        None,
    );
    assert_eq!(app.config_errors.len(), 1, "{:?}", app.config_errors);
    let error = &app.config_errors[0];
    assert!(
        error.contains(CONFIG)
            && error.contains("line 4")
            && error.contains("[ui.keys.table]")
            && error.contains("<Ctl-x>"),
        "{error}"
    );
    assert_eq!(
        app.themes.current().name,
        "default",
        "the whole [ui] is left out"
    );
    assert!(press(&mut app, 'x').is_empty());
    assert!(
        matches!(app.overlays.last(), Some(Overlay::ConfirmRevoke { .. })),
        "x still revokes"
    );
}

#[test]
fn an_unknown_action_or_field_names_its_line() {
    let app = app_with("[ui.keys.table]\n\"K\" = \"explode\"\n", &[], None);
    let error = &app.config_errors[0];
    assert!(
        error.contains("line 2") && error.contains("explode"),
        "{error}"
    );
    let app = app_with("[ui]\ncolour = \"red\"\n", &[], None);
    let error = &app.config_errors[0];
    assert!(
        error.contains("line 2") && error.contains("colour"),
        "{error}"
    );
    let app = app_with("[ui]\ncolumns = [\"ttl\", \"colour\"]\n", &[], None);
    let error = &app.config_errors[0];
    assert!(
        error.contains("line 2") && error.contains("`colour`") && error.contains("principal"),
        "{error}"
    );
    let app = app_with("[ui.accent]\n\"prod*\" = \"crimson\"\n", &[], None);
    assert!(
        app.config_errors[0].contains("crimson"),
        "{:?}",
        app.config_errors
    );
}

#[test]
fn theme_columns_and_accents_come_from_the_config_and_the_flag_wins() {
    let text = "[ui]\ntheme = \"solarized\"\ncolumns = [\"profile\", \"TTL\", \"state\"]\n[ui.accent]\n\"orders-*\" = \"red\"\n\"*\" = \"#808080\"\n";
    let app = app_with(text, &[], None);
    assert!(app.config_errors.is_empty(), "{:?}", app.config_errors);
    assert_eq!(app.themes.current().name, "solarized");
    assert_eq!(
        app.config.columns.as_deref(),
        Some(&["profile".to_string(), "ttl".into(), "state".into()][..])
    );
    assert_eq!(app.config.accent("orders-api"), Some(Color::Red));
    assert_eq!(
        app.config.accent("lakehouse"),
        Some(Color::Rgb(128, 128, 128))
    );
    let app = app_with(text, &[], Some("mono"));
    assert_eq!(app.themes.current().name, "mono");
    let app = app_with("[ui]\ntheme = \"neon\"\n", &[], None);
    assert!(
        app.config_errors[0].contains("no theme `neon`"),
        "{:?}",
        app.config_errors
    );
}

#[test]
fn user_themes_load_and_a_broken_one_is_said_without_hiding_the_rest() {
    let themes = [
        (
            "/home/dana/.config/tokentop/themes/night.toml",
            "[meta]\nname = \"night\"\nparent = \"default\"\n[palette]\nok = \"#00ff00\"\n",
        ),
        (
            "/home/dana/.config/tokentop/themes/broken.toml",
            "[meta]\nname = \"broken\"\n[ttl\n",
        ),
    ];
    let app = app_with("[ui]\ntheme = \"night\"\n", &themes, None);
    assert_eq!(app.themes.current().name, "night");
    assert_eq!(app.config_errors.len(), 1, "{:?}", app.config_errors);
    assert!(
        app.config_errors[0].contains("broken.toml line 3"),
        "{:?}",
        app.config_errors
    );
}

#[test]
fn without_colour_mono_is_the_one_theme_and_t_says_why() {
    assert!(tokentop::config::monochrome("xterm-mono"));
    assert!(tokentop::config::monochrome("dumb"));
    assert!(!tokentop::config::monochrome("xterm-256color"));
    let start = Start {
        theme: Some("mono".into()),
        colourless: true,
        ..Start::default()
    };
    let clock = Arc::new(FixedClock::at(fixtures::t0()));
    let mut app = startup::app(&start, ColorDepth::Ansi16, clock).expect("app");
    assert_eq!(app.themes.names(), ["mono"]);
    press(&mut app, 't');
    assert_eq!(app.themes.current().name, "mono");
    let said = app.status.as_ref().map(|s| s.1.clone()).unwrap_or_default();
    assert!(said.contains("colours are off"), "{said}");
}
