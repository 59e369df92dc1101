//! The dashboard's everyday tools, driven in tmux on the real binary: the
//! filter, the command line, the detail view, copy over OSC 52 (tmux decodes it into a
//! buffer), a reveal that times out, `:readonly`, a user config with a
//! remapped key and with a bad one, and a storm of resizes.

#[path = "support/tmux.rs"]
mod tmux;

use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use tmux::{Tmux, assert_no_raw_tokens, select, selected, ttl_of};

fn fingerprint(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{}", &hex[..8])
}

/// The demo in tmux, once its service account row has a token.
fn demo(t: &Tmux, env: &str) {
    t.start("demo", env);
    t.wait_for("the demo rows", |s| ttl_of(s, "etl-dataproc"));
}

/// The profiles of the table's rows, top to bottom.
fn profiles(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("PROFILE"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches('▶');
            l.split_whitespace().nth(1).map(String::from)
        })
        .collect()
}

fn tmux_buffer(t: &Tmux) -> Option<String> {
    let out = t.tmux(&["show-buffer"]);
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn copy_sends_the_token_with_osc_52_and_tmux_decodes_it() {
    let t = Tmux::new("copy");
    demo(&t, "");
    t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    select(&t, "etl-dataproc");
    let (_, shown) = selected(&t.screen()).expect("a selected row");
    t.keys(&["c"]);
    t.wait_for("the copy menu", |s| {
        s.contains("copy · etl-dataproc").then_some(())
    });
    t.keys(&["1"]);
    let token = t.wait_for("the buffer", |_| tmux_buffer(&t));
    assert_eq!(
        fingerprint(&token),
        shown,
        "the buffer holds the selected row's token"
    );
    let said = t.wait_for("the notice", |s| {
        s.contains("with OSC 52").then(|| s.to_string())
    });
    assert!(said.contains(&shown), "{said}");
    // The header form, through the menu's keys.
    t.keys(&["c", "j", "Enter"]);
    let header = t.wait_for("the header", |_| {
        tmux_buffer(&t).filter(|b| b.starts_with("Authorization: Bearer "))
    });
    assert_eq!(header, format!("Authorization: Bearer {token}"));
    t.keys(&["q"]);
    t.stty_unchanged();
}

#[test]
fn v_shows_the_token_and_masks_it_again_after_ten_seconds() {
    let t = Tmux::new("reveal");
    demo(&t, "");
    select(&t, "etl-dataproc");
    let (_, shown) = selected(&t.screen()).expect("a selected row");
    t.keys(&["v"]);
    let started = Instant::now();
    let screen = loop {
        let screen = t.screen();
        if screen.contains("masked in") {
            break screen;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{screen}");
        std::thread::sleep(Duration::from_millis(100));
    };
    // The lines under the title hold the token, wrapped.
    let token: String = screen
        .lines()
        .skip_while(|l| !l.contains("token · etl-dataproc"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    assert_eq!(fingerprint(&token), shown, "{screen}");
    let masked = loop {
        let screen = t.screen();
        if !screen.contains("masked in") {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never masked:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(masked >= Duration::from_secs(8), "masked after {masked:?}");
    assert_no_raw_tokens(&t.screen());
    t.keys(&["q"]);
    t.stty_unchanged();
}

#[test]
fn filter_and_sort_narrow_and_order_the_table() {
    let t = Tmux::new("filter");
    demo(&t, "");
    t.keys(&["/"]);
    t.tmux(&["send-keys", "-t", "e2e", "-l", "dataproc"]);
    let screen = t.wait_for("the filtered table", |s| {
        s.contains("match /dataproc").then(|| s.to_string())
    });
    let shown = profiles(&screen);
    assert!(!shown.is_empty() && shown.len() < 6, "{screen}");
    assert!(shown.iter().any(|p| p == "etl-dataproc"), "{screen}");
    t.keys(&["Enter", "Escape"]);
    t.wait_for("every row again", |s| {
        (!s.contains("match /")).then_some(())
    });
    t.keys(&[":"]);
    t.tmux(&["send-keys", "-t", "e2e", "-l", "sort prof"]);
    t.keys(&["Tab", "Enter"]);
    let sorted = t.wait_for("rows by profile", |s| {
        let rows = profiles(s);
        let mut by_name = rows.clone();
        by_name.sort();
        (rows.len() > 5 && rows == by_name).then_some(rows)
    });
    assert!(sorted.len() > 5, "{sorted:?}");
    // Enter: the detail, and a job's length typed into it.
    select(&t, "etl-dataproc");
    t.keys(&["Enter", "9", "0"]);
    let detail = t.wait_for("the job's verdict", |s| {
        (s.contains("detail · etl-dataproc") && s.contains("job length    90"))
            .then(|| s.to_string())
    });
    assert!(
        detail.contains("into the job") || detail.contains("to spare"),
        "{detail}"
    );
    assert!(
        detail.contains("provenance") || detail.contains("tokens"),
        "{detail}"
    );
    t.keys(&["Escape"]);
    t.wait_for("the detail closed", |s| {
        (!s.contains("detail · ")).then_some(())
    });
    // :readonly refuses what changes tokens from then on.
    t.keys(&[":"]);
    t.tmux(&["send-keys", "-t", "e2e", "-l", "readonly"]);
    t.keys(&["Enter"]);
    t.wait_for("the header", |s| s.contains("read-only").then_some(()));
    t.keys(&["r"]);
    t.wait_for("the refusal", |s| {
        s.contains("refresh is off").then_some(())
    });
    t.keys(&["q"]);
    t.stty_unchanged();
}

fn with_config(t: &Tmux, text: &str) -> String {
    let dir = t.file(".config/tokentop");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("config.toml"), text).expect("config");
    format!("XDG_CONFIG_HOME={}", t.file(".config").display())
}

#[test]
fn a_user_config_remaps_a_key_and_a_bad_one_is_said_while_defaults_run() {
    let t = Tmux::new("config");
    let env = with_config(
        &t,
        "[ui]\ntheme = \"mono\"\n\n[ui.keys.table]\n\"K\" = \"decode\"\n",
    );
    demo(&t, &env);
    select(&t, "etl-dataproc");
    t.keys(&["K"]);
    t.wait_for("the decode view", |s| {
        s.contains("decode · etl-dataproc").then_some(())
    });
    t.keys(&["Escape", "q"]);
    t.stty_unchanged();

    let t = Tmux::new("badconfig");
    let env = with_config(
        &t,
        "[ui]\ntheme = \"mono\"\n\n[ui.keys.table]\n\"<Hyper-k>\" = \"decode\"\n",
    );
    demo(&t, &env);
    let screen = t.wait_for("the error", |s| {
        s.contains("<Hyper-k>").then(|| s.to_string())
    });
    assert!(screen.contains("config.toml line 5"), "{screen}");
    select(&t, "etl-dataproc");
    t.keys(&["d"]);
    t.wait_for("the decode view by the default key", |s| {
        s.contains("decode · etl-dataproc").then_some(())
    });
    t.keys(&["Escape", "q"]);
    t.stty_unchanged();
}

#[test]
fn a_storm_of_resizes_never_breaks_the_dashboard() {
    let t = Tmux::new("resize");
    demo(&t, "");
    let sizes = [
        (40, 12),
        (200, 60),
        (20, 5),
        (80, 24),
        (1, 1),
        (120, 8),
        (41, 13),
    ];
    for round in 0..10 {
        for (w, h) in sizes {
            let (w, h) = (w.to_string(), h.to_string());
            t.tmux(&["resize-window", "-t", "e2e", "-x", &w, "-y", &h]);
        }
        if round % 3 == 0 {
            t.keys(&["j", "?", "Escape"]);
        }
    }
    t.tmux(&["resize-window", "-t", "e2e", "-x", "40", "-y", "12"]);
    t.wait_for("a 40x12 table", |s| s.contains("tokentop").then_some(()));
    t.tmux(&["resize-window", "-t", "e2e", "-x", "100", "-y", "30"]);
    t.wait_for("the full table again", |s| ttl_of(s, "etl-dataproc"));
    t.keys(&["q"]);
    let screen = t.wait_for("the exit", |s| s.contains("EXIT=").then(|| s.to_string()));
    assert!(screen.contains("EXIT=0"), "{screen}");
    t.stty_unchanged();
    // The mouse and the alternate screen are given back too.
    let modes = t.tmux(&[
        "display",
        "-p",
        "-t",
        "e2e",
        "#{mouse_any_flag} #{alternate_on}",
    ]);
    assert_eq!(String::from_utf8_lossy(&modes.stdout).trim(), "0 0");
}

#[test]
fn a_keeps_a_short_lived_token_alive_without_a_key() {
    let t = Tmux::new("auto");
    t.start("demo", "");
    // lakehouse-batch's tokens live 100 s: kept alive, each is renewed
    // inside the Databricks SDK's 40 s window, without a key.
    t.wait_for("lakehouse-batch's token", |s| ttl_of(s, "lakehouse-batch"));
    select(&t, "lakehouse-batch");
    let (_, first) = selected(&t.screen()).expect("selected");
    t.keys(&["a"]);
    t.wait_for("the header", |s| s.contains("auto-refresh 1").then_some(()));
    t.wait_for("the ↻ mark", |s| {
        s.lines()
            .any(|l| l.contains("lakehouse-batch") && l.contains('↻'))
            .then_some(())
    });
    let deadline = Instant::now() + Duration::from_secs(100);
    loop {
        let screen = t.screen();
        assert_no_raw_tokens(&screen);
        if selected(&screen).is_some_and(|(p, fp)| p == "lakehouse-batch" && fp != first) {
            break;
        }
        assert!(Instant::now() < deadline, "never renewed:\n{screen}");
        std::thread::sleep(Duration::from_millis(500));
    }
    t.keys(&["a"]);
    t.wait_for("auto-refresh off", |s| {
        (!s.contains("auto-refresh 1")).then_some(())
    });
    t.keys(&["q"]);
    t.stty_unchanged();
}
