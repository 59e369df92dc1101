//! The real binary in tmux, driven as a person would: start the demo, wait for
//! rows, refresh, decode, quit; and check the terminal is given back exactly as
//! it was, after `q` and after a panic. Needs tmux (tests/run.sh installs it).

#[path = "support/tmux.rs"]
mod tmux;

use std::process::Command;
use std::time::Duration;
use tmux::{
    BIN, Tmux, assert_no_raw_tokens, child_of_pane, demo_folders, parse_ttl, select, selected,
    ttl_of,
};

#[test]
fn demo_refresh_decode_and_quit_in_tmux() {
    let t = Tmux::new("demo");
    // The user's real credential files: the demo must neither show nor touch them.
    let dbcfg = t.file(".databrickscfg");
    let adc = t.file(".config/gcloud/application_default_credentials.json");
    std::fs::write(&dbcfg, "[real-workspace]\nhost = https://real.cloud.databricks.com\nclient_id = a\nclient_secret = b\n").expect("write");
    std::fs::create_dir_all(adc.parent().expect("parent")).expect("mkdir");
    let adc_text = r#"{"type":"authorized_user","client_id":"c","client_secret":"s","refresh_token":"1//real","account":"real-user@example.com"}"#;
    std::fs::write(&adc, adc_text).expect("write");
    t.start("demo --log-level debug", "");
    // All five sample rows arrive with countdowns.
    let profiles = [
        "etl-dataproc",
        "nightly-dataflow",
        "orders-api",
        "lakehouse",
        "lakehouse-batch",
    ];
    // And the metadata server's two service accounts, as on a Dataproc
    // worker, an impersonated Dataflow worker and a federated CI identity.
    let screen = t.wait_for("five live rows and the metadata server's", |s| {
        let all = profiles
            .iter()
            .chain(&[
                "metadata",
                "metadata:etl-runner",
                "dataflow-worker",
                "ci-federated",
            ])
            .all(|p| ttl_of(s, p).is_some());
        (all && selected(s).is_some()).then(|| s.to_string())
    });
    // The doctor's two samples too: billing-api and reports-oidc.
    assert!(screen.contains("13 credentials"), "{screen}");
    assert!(
        !screen.contains("real-workspace") && !screen.contains("real-user"),
        "{screen}"
    );

    // The top row (soonest expiry) is selected.
    let (profile, before) = selected(&screen).expect("a selected row");
    assert_eq!(profile, "lakehouse-batch", "{screen}");
    let ttl_before = ttl_of(&screen, &profile).expect("ttl");

    // The countdown ticks on its own.
    t.wait_for("the TTL to tick", |s| {
        ttl_of(s, &profile).filter(|ttl| *ttl < ttl_before)
    });

    // r: a new token (new fingerprint) and the TTL goes back up.
    std::thread::sleep(Duration::from_millis(1200));
    let ttl_ticked = ttl_of(&t.screen(), &profile).expect("ttl");
    t.keys(&["r"]);
    let after = t.wait_for("a new fingerprint", |s| {
        selected(s).map(|(_, fp)| fp).filter(|fp| *fp != before)
    });
    assert_ne!(after, before);
    let ttl_after = ttl_of(&t.screen(), &profile).expect("ttl after refresh");
    assert!(
        ttl_after > ttl_ticked,
        "TTL {ttl_ticked}s -> {ttl_after}s after refresh"
    );

    // d: the Databricks JWT, verified against the issuer's JWKS.
    t.keys(&["d"]);
    let decoded = t.wait_for("a verified signature", |s| {
        s.contains("signature verified").then(|| s.to_string())
    });
    assert!(
        decoded.contains("at+jwt") && decoded.contains("all-apis"),
        "{decoded}"
    );
    t.keys(&["Escape"]);
    t.wait_for("the decode view to close", |s| {
        (!s.contains("signature verified")).then_some(())
    });

    // Unknown keys do nothing: no overlay, same selection; and the
    // dashboard still answers keys afterwards.
    t.keys(&["Z", "%"]);
    std::thread::sleep(Duration::from_millis(500)); // time for a (wrong) overlay to be drawn
    let screen = t.screen();
    assert!(!screen.contains('┌'), "an overlay opened:\n{screen}");
    assert_eq!(
        selected(&screen).map(|s| s.0).as_deref(),
        Some("lakehouse-batch"),
        "{screen}"
    );
    t.keys(&["j"]);
    t.wait_for("the selection to move", |s| {
        selected(s).filter(|(p, _)| p != "lakehouse-batch")
    });

    // x on the impersonated Dataflow worker: refused, honestly, with what
    // would cut access instead; nothing is revoked.
    for _ in 0..12 {
        if selected(&t.screen()).is_some_and(|(p, _)| p == "dataflow-worker") {
            break;
        }
        t.keys(&["j"]);
    }
    t.wait_for("the impersonated row selected", |s| {
        selected(s).filter(|(p, _)| p == "dataflow-worker")
    });
    t.keys(&["x"]);
    t.wait_for("the refusal", |s| {
        s.contains("Google cannot revoke an impersonated token")
            .then_some(())
    });

    // s on it: the scopes typed, Enter, and a narrower token in a row
    // of its own under it.
    t.keys(&["s"]);
    t.wait_for("the downscope form", |s| {
        s.contains("downscope · dataflow-worker").then_some(())
    });
    t.tmux(&["send-keys", "-t", "e2e", "-l", "devstorage.read_only"]);
    t.keys(&["Enter"]);
    let child_row = |s: &str| {
        let lines: Vec<&str> = s.lines().collect();
        lines.windows(2).find_map(|pair| {
            (pair[0].contains("dataflow-worker ") && pair[1].contains("└ downscoped"))
                .then(|| pair[1].to_string())
        })
    };
    let row = t.wait_for("the downscoped row under its source", |s| {
        child_row(s).filter(|row| row.contains("devstorage") && row.contains("✓ fresh"))
    });
    assert!(row.contains(" down "), "its kind: {row}");
    assert!(!t.screen().contains("downscope · "), "the form closed");

    // r on the child derives a new one from its source; D drops the row.
    t.keys(&["j"]);
    t.wait_for("the child selected", |s| {
        s.lines()
            .any(|l| l.starts_with("▶") && l.contains("└ downscoped"))
            .then_some(())
    });
    t.keys(&["r"]);
    t.wait_for("a re-derived token", |s| {
        s.contains("dataflow-worker/downscoped: new token sha256:")
            .then_some(())
    });
    t.keys(&["D"]);
    t.wait_for("the row dropped", |s| {
        (s.contains("dataflow-worker/downscoped: dropped") && child_row(s).is_none()).then_some(())
    });

    // A Cloud Storage boundary, built in the form: Tab to the bucket, a
    // rule added with Enter, asked for with Enter on an empty bucket.
    t.wait_for("the source selected again", |s| {
        selected(s).filter(|(p, _)| p == "dataflow-worker")
    });
    t.keys(&["s", "Tab"]);
    t.tmux(&["send-keys", "-t", "e2e", "-l", "acme-logs"]);
    t.keys(&["Enter"]);
    t.wait_for("the rule listed", |s| {
        s.contains("rule 1: acme-logs: storage.objectViewer")
            .then_some(())
    });
    t.keys(&["Enter"]);
    t.wait_for("the bounded token", |s| {
        s.contains("dataflow-worker/downscoped: downscoped token sha256:")
            .then_some(())
    });

    // The federated identity: x refused with what cuts access, and a
    // boundary exchanged at STS from its federated token.
    t.keys(&["g"]);
    for _ in 0..12 {
        if selected(&t.screen()).is_some_and(|(p, _)| p == "ci-federated") {
            break;
        }
        t.keys(&["j"]);
    }
    t.wait_for("the federated row selected", |s| {
        selected(s).filter(|(p, _)| p == "ci-federated")
    });
    t.keys(&["x"]);
    t.wait_for("the federated refusal", |s| {
        s.contains("Google cannot revoke a federated token")
            .then_some(())
    });
    t.keys(&["s", "Tab"]);
    t.tmux(&["send-keys", "-t", "e2e", "-l", "ci-artifacts"]);
    t.keys(&["Enter", "Enter"]);
    t.wait_for("the federated token bounded", |s| {
        s.contains("ci-federated/downscoped: downscoped token sha256:")
            .then_some(())
    });

    // Esc puts the before/after panel away (q there would only close it);
    // q: exit 0, the shell's screen is back, terminal modes as they were.
    t.keys(&["Escape"]);
    t.wait_for("the panel closed", |s| {
        (!s.contains(" new token · ")).then_some(())
    });
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| {
        s.lines()
            .find(|l| l.starts_with("EXIT="))
            .map(str::to_string)
    });
    assert_eq!(end, "EXIT=0");
    assert!(
        !t.screen().contains("PLATFORM"),
        "the alternate screen was left"
    );
    t.stty_unchanged();
    assert_eq!(
        std::fs::read_to_string(&adc).expect("read"),
        adc_text,
        "the real ADC file is untouched"
    );
    assert!(
        std::fs::read_to_string(&dbcfg)
            .expect("read")
            .starts_with("[real-workspace]")
    );
    // The log (asked for with --log-level) records the jobs, and no token.
    let log_path = t.file(".local/state/tokentop/tokentop.log");
    let log = std::fs::read_to_string(&log_path).expect("log file");
    assert!(
        log.contains("job finished") && log.contains("action=\"refresh\""),
        "{log}"
    );
    assert!(
        !log.contains("ya29.") && !log.contains("eyJ"),
        "a raw token in the log:\n{log}"
    );
}

#[test]
fn a_panic_restores_the_terminal() {
    let t = Tmux::new("panic");
    t.start("demo", "TOKENTOP_TEST_PANIC=1 RUST_BACKTRACE=0");
    let end = t.wait_for("exit", |s| {
        s.lines()
            .find(|l| l.starts_with("EXIT="))
            .map(str::to_string)
    });
    assert_eq!(end, "EXIT=101", "a panic exits with 101");
    let screen = t.screen();
    assert!(
        screen.contains("panicking on purpose"),
        "the panic message is readable:\n{screen}"
    );
    t.stty_unchanged();
}

#[test]
fn ttl_words_parse() {
    assert_eq!(parse_ttl("1m38s"), Some(98));
    assert_eq!(parse_ttl("45s"), Some(45));
    assert_eq!(parse_ttl("1h05m"), Some(3900));
    assert_eq!(parse_ttl("fresh"), None);
}

#[test]
fn ctrl_z_gives_the_terminal_back_and_fg_resumes() {
    let t = Tmux::new("suspend");
    // Job control needs an interactive shell: Ctrl-Z and fg as a person does.
    t.open(&["bash", "--norc", "--noprofile", "-i"]);
    let before = format!("stty -a > {}", t.file("stty-before").display());
    t.tmux(&["send-keys", "-t", "e2e", &before, "Enter"]);
    t.tmux(&["send-keys", "-t", "e2e", &format!("{BIN} demo"), "Enter"]);
    t.wait_for("the table", |s| s.contains("PLATFORM").then_some(()));
    t.keys(&["C-z"]);
    t.wait_for("the shell to report it stopped", |s| {
        (!s.contains("PLATFORM") && s.contains("Stopped")).then_some(())
    });
    t.keys(&["fg", "Enter"]);
    t.wait_for("the table again", |s| s.contains("PLATFORM").then_some(()));
    t.keys(&["q"]);
    // Wait until tokentop has exited (the shell has no child left), or its
    // input reader could swallow what is typed next.
    let pane = t.tmux(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&pane.stdout).trim().to_string();
    t.wait_for("tokentop to exit", |_| {
        let children = Command::new("pgrep").args(["-P", &shell]).output().ok()?;
        (!children.status.success()).then_some(())
    });
    let after = format!("echo EXIT=$?; stty -a > {}", t.file("stty-after").display());
    t.tmux(&["send-keys", "-t", "e2e", &after, "Enter"]);
    let end = t.wait_for("exit", |s| {
        s.lines()
            .find(|l| l.starts_with("EXIT="))
            .map(str::to_string)
    });
    assert_eq!(end, "EXIT=0");
    t.wait_for("stty", |_| {
        let size = t.file("stty-after").metadata().ok()?.len();
        (size > 0).then_some(())
    });
    t.stty_unchanged();
}

#[test]
fn every_terminating_signal_restores_the_terminal_and_removes_the_demo_keys() {
    use std::os::unix::fs::PermissionsExt;
    for signal in ["INT", "QUIT", "TERM", "HUP"] {
        let t = Tmux::new(&format!("signal-{signal}"));
        let tmp = t.file("tmp");
        std::fs::create_dir_all(&tmp).expect("mkdir");
        t.start("demo", &format!("TMPDIR={}", tmp.display()));
        t.wait_for("the table", |s| s.contains("lakehouse").then_some(()));
        let folders = demo_folders(&tmp);
        assert_eq!(folders.len(), 1, "{folders:?}");
        let mode = folders[0].metadata().expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the demo's keys are private");
        let pid = child_of_pane(&t);
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill");
        assert!(killed.success());
        let end = t.wait_for("exit", |s| {
            s.lines()
                .find(|l| l.starts_with("EXIT="))
                .map(str::to_string)
        });
        assert_eq!(end, "EXIT=0", "SIG{signal} quits cleanly");
        t.wait_for("stty", |_| {
            let size = t.file("stty-after").metadata().ok()?.len();
            (size > 0).then_some(())
        });
        t.stty_unchanged();
        assert!(
            demo_folders(&tmp).is_empty(),
            "SIG{signal} left the demo's keys behind"
        );
    }
}

#[test]
fn demo_doctor_names_a_wrong_cloud_run_audience_in_tmux() {
    let t = Tmux::new("doctor");
    t.start("demo", "");
    t.wait_for("the Cloud Run rows", |s| {
        (ttl_of(s, "billing-api").is_some() && ttl_of(s, "orders-api").is_some()).then_some(())
    });
    // An ID token minted for another service: p says so, with both URLs.
    select(&t, "billing-api");
    t.keys(&["p"]);
    let report = t.wait_for("the diagnosis", |s| {
        s.contains("audience is not this Cloud Run service's URL")
            .then(|| s.to_string())
    });
    assert!(
        report.contains("token aud: https://billing-api-x7k2q-uc.a.run.app")
            && report.contains("HTTP 401")
            && report.contains("doctor · billing-api"),
        "{report}"
    );
    assert_no_raw_tokens(&report);
    t.keys(&["Escape"]);
    t.wait_for("the view to close", |s| (!s.contains('┌')).then_some(()));
    // The service's own audience and the invoker role: accepted.
    select(&t, "orders-api");
    t.keys(&["p"]);
    t.wait_for("accepted", |s| {
        (s.contains("doctor · orders-api") && s.contains("✓ accepted")).then_some(())
    });
    t.keys(&["Escape", "q"]);
    t.stty_unchanged();
}

#[test]
fn a_token_pasted_into_decode_is_never_shown() {
    let t = Tmux::new("decode");
    t.start("decode", "");
    t.wait_for("the prompt", |s| {
        s.contains("Paste the token").then_some(())
    });
    let pasted = "ya29.a0-pasted-secret-value-1234567890";
    t.tmux(&["send-keys", "-t", "e2e", "-l", pasted]);
    t.keys(&["Enter"]);
    let screen = t.wait_for("the answer", |s| s.contains("EXIT=").then(|| s.to_string()));
    assert!(!screen.contains("pasted-secret"), "{screen}");
    assert!(
        screen.contains("not a JWT") && screen.contains("EXIT=1"),
        "{screen}"
    );
    t.stty_unchanged();
}

#[test]
fn read_only_shows_what_is_cached_and_refuses_a_refresh_in_tmux() {
    let t = Tmux::new("readonly");
    t.start("--readonly demo", "");
    // The Databricks CLI's cached login shows; nothing is asked of an issuer.
    let screen = t.wait_for("the header", |s| {
        (s.contains("read-only") && ttl_of(s, "dev").is_some()).then(|| s.to_string())
    });
    assert!(ttl_of(&screen, "etl-dataproc").is_none(), "{screen}");
    t.keys(&["r"]);
    t.wait_for("the refusal", |s| {
        s.contains("read-only: refresh is off").then_some(())
    });
    t.keys(&["q"]);
    t.stty_unchanged();
}
