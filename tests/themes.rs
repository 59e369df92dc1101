//! Themes: the built-in files, inheritance, user themes and their errors,
//! colour depth, and the selected row staying readable in every theme.

#[path = "support/fixtures.rs"]
mod fixtures;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use tokentop::tui::theme::{BUILT_IN, ColorDepth, Slot, Source, Theme, Themes};
use tokentop::tui::view::view;

#[test]
fn the_built_in_list_is_every_file_in_themes_and_each_resolves() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/themes");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("themes/")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".toml").map(String::from)
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
    assert!(listed.len() >= 5, "{listed:?}");
    for (name, _) in BUILT_IN {
        assert_eq!(&Theme::built_in(name).expect(name).name, name);
    }
    let themes = Themes::built_in().expect("themes");
    assert_eq!(themes.names()[0], "default", "default comes first");
}

#[test]
fn default_takes_its_colours_from_the_file_and_mono_has_none() {
    let theme = Theme::built_in("default").expect("default");
    assert_eq!(theme.slot(Slot::TtlFresh).fg, Some(Color::Green));
    assert!(
        theme
            .slot(Slot::TtlExpired)
            .add_modifier
            .contains(Modifier::CROSSED_OUT)
    );
    let mono = Theme::built_in("mono").expect("mono");
    for slot in <Slot as strum::IntoEnumIterator>::iter() {
        assert_eq!(mono.slot(slot).fg, None, "{}", slot.name());
        assert_eq!(mono.slot(slot).bg, None, "{}", slot.name());
    }
}

#[test]
fn a_child_theme_inherits_its_parents_slots_through_its_own_palette() {
    let light = Theme::built_in("light").expect("light");
    let default = Theme::built_in("default").expect("default");
    assert_eq!(
        light.slot(Slot::TtlFresh).fg,
        Some(Color::Rgb(0x1a, 0x7f, 0x37))
    );
    // The slot's modifiers come from default; its colour from light's palette.
    assert_eq!(
        light.slot(Slot::TtlExpired).add_modifier,
        default.slot(Slot::TtlExpired).add_modifier
    );
    assert_eq!(light.slot(Slot::Selection), default.slot(Slot::Selection));
    let solarized = Theme::built_in("solarized").expect("solarized");
    assert_eq!(
        solarized.slot(Slot::TtlCritical).fg,
        Some(Color::Rgb(0xcb, 0x4b, 0x16)),
        "its own slot"
    );
}

#[test]
fn colours_are_drawn_for_the_terminals_depth() {
    assert_eq!(
        ColorDepth::detect(Some("truecolor"), Some("xterm")),
        ColorDepth::TrueColor
    );
    assert_eq!(
        ColorDepth::detect(Some("24bit"), None),
        ColorDepth::TrueColor
    );
    assert_eq!(
        ColorDepth::detect(None, Some("tmux-256color")),
        ColorDepth::Ansi256
    );
    assert_eq!(ColorDepth::detect(None, Some("screen")), ColorDepth::Ansi16);
    assert_eq!(ColorDepth::detect(None, None), ColorDepth::Ansi16);
    let fresh = |depth| {
        let (themes, errors) = Themes::load(Vec::new(), depth);
        assert!(errors.is_empty(), "{errors:?}");
        let mut themes = themes;
        themes.select("light").expect("light");
        themes.current().slot(Slot::TtlFresh).fg
    };
    assert_eq!(
        fresh(ColorDepth::TrueColor),
        Some(Color::Rgb(0x1a, 0x7f, 0x37))
    );
    assert!(matches!(fresh(ColorDepth::Ansi256), Some(Color::Indexed(i)) if i >= 16));
    assert_eq!(fresh(ColorDepth::Ansi16), Some(Color::Green));
}

fn user(text: &str, file: &str) -> Source {
    Source::read(text, file).expect(file)
}

#[test]
fn user_themes_join_the_cycle_and_bad_ones_are_one_error_each() {
    let night = user(
        "[meta]\nname = \"night\"\nparent = \"light\"\n[ttl]\nfresh = { fg = \"#00ff00\" }\n",
        "/home/u/.config/tokentop/themes/night.toml",
    );
    let orphan = user(
        "[meta]\nname = \"orphan\"\nparent = \"nope\"\n",
        "/home/u/.config/tokentop/themes/orphan.toml",
    );
    let bad_colour = user(
        "[meta]\nname = \"neon\"\nparent = \"default\"\n[ttl]\nfresh = { fg = \"neon\" }\n",
        "/home/u/.config/tokentop/themes/neon.toml",
    );
    let (mut themes, errors) = Themes::load(vec![night, orphan, bad_colour], ColorDepth::TrueColor);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("orphan.toml") && errors[0].contains("`nope`"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("neon.toml") && errors[1].contains("ttl.fresh"),
        "{errors:?}"
    );
    assert!(themes.names().contains(&"night".to_string()));
    themes.select("night").expect("night");
    let night = themes.current();
    assert_eq!(night.slot(Slot::TtlFresh).fg, Some(Color::Rgb(0, 255, 0)));
    assert_eq!(
        night.slot(Slot::TtlExpired).fg,
        Some(Color::Rgb(0xcf, 0x22, 0x2e))
    );
}

#[test]
fn theme_file_mistakes_name_the_file_and_what_is_wrong() {
    let err = Source::read("[meta]\nname = \"x\"\n[ttl]\nfrsh = {}\n", "x.toml").expect_err("slot");
    assert!(err.contains("x.toml") && err.contains("ttl.frsh"), "{err}");
    let err = Source::read(
        "[meta]\nname = \"x\"\n[ttl]\nfresh = { fgg = \"red\" }\n",
        "x.toml",
    )
    .expect_err("field");
    assert!(err.contains("x.toml") && err.contains("fgg"), "{err}");
    let err = Theme::parse("[meta]\nname = \"lonely\"\n", "lonely.toml").expect_err("missing");
    assert!(
        err.contains("lonely.toml") && err.contains("missing slot"),
        "{err}"
    );
    let a = user("[meta]\nname = \"a\"\nparent = \"b\"\n", "a.toml");
    let b = user("[meta]\nname = \"b\"\nparent = \"a\"\n", "b.toml");
    let (_, errors) = Themes::load(vec![a, b], ColorDepth::TrueColor);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.contains("loop")), "{errors:?}");
}

/// The selected row's cells, styled as drawn.
fn selected_row_styles(theme: &Theme) -> Vec<(String, ratatui::style::Style)> {
    let app = fixtures::app();
    let mut terminal = Terminal::new(TestBackend::new(100, 24)).expect("terminal");
    terminal.draw(|f| view(&app, theme, f)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let y = (0..24u16)
        .find(|y| buffer[(0, *y)].symbol() == "▶")
        .expect("a selected row");
    (0..100u16)
        .map(|x| (buffer[(x, y)].symbol().to_string(), buffer[(x, y)].style()))
        .collect()
}

/// Whether the selected row's TTL and state keep their own look and no
/// cell is drawn in its background colour.
fn selection_readable(theme: &Theme) -> Result<(), String> {
    let name = &theme.name;
    let cells = selected_row_styles(theme);
    let text: String = cells.iter().map(|c| c.0.as_str()).collect();
    let at = |needle: &str| {
        let x = text
            .find(needle)
            .unwrap_or_else(|| panic!("{name}: no {needle} in {text}"));
        cells[text[..x].chars().count()].1
    };
    // The fixture's selected row is old-adc, expired.
    let (ttl, state, principal) = (at("-1m30s"), at("✗ EXPIRED"), at("me@acme"));
    if ttl == principal || state == principal {
        return Err(format!(
            "{name}: the TTL or state looks like plain text when selected"
        ));
    }
    for (symbol, style) in &cells {
        if let (Some(fg), Some(bg)) = (style.fg, style.bg)
            && fg != Color::Reset
            && fg == bg
        {
            return Err(format!(
                "{name}: `{symbol}` is drawn in its background colour"
            ));
        }
    }
    Ok(())
}

#[test]
fn the_selected_rows_ttl_and_state_stay_readable_in_every_theme() {
    for (name, _) in BUILT_IN {
        let theme = Theme::built_in(name).expect(name);
        assert_eq!(selection_readable(&theme), Ok(()));
    }
    // The check catches a selection whose colour hides the TTL in it.
    let flat = Theme::parse(
        "[meta]\nname = \"flat\"\nparent = \"default\"\n[chrome]\nselection = { bg = \"red\" }\n",
        "flat.toml",
    )
    .expect("flat");
    assert!(selection_readable(&flat).is_err());
}
