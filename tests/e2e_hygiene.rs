//! Secret hygiene, end to end: a demo session in tmux that refreshes,
//! decodes and revokes, then a search for every secret of the demo's in
//! everything tokentop left where others could see it: the screen, the log,
//! the audit journal, and the argv and environment of its process and of
//! any child (tokentop starts none today; the check covers one that would).

#[path = "support/secrets.rs"]
mod secrets;
#[path = "support/tmux.rs"]
mod tmux;

use secrets::{assert_no_secrets, demo_secrets};
use std::process::Command;
use tmux::{Tmux, child_of_pane, demo_folders};

/// argv and environment of `pid` and of each of its children, as text.
fn process_texts(pid: &str) -> String {
    let mut pids = vec![pid.to_string()];
    if let Ok(out) = Command::new("pgrep").args(["-P", pid]).output() {
        pids.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string),
        );
    }
    let mut text = String::new();
    for pid in pids {
        for file in ["cmdline", "environ"] {
            let raw = std::fs::read(format!("/proc/{pid}/{file}")).unwrap_or_default();
            text.push_str(&String::from_utf8_lossy(&raw).replace('\0', " "));
            text.push('\n');
        }
    }
    text
}

#[test]
fn a_demo_session_leaves_no_secret_anywhere() {
    let t = Tmux::new("hygiene");
    let tmp = t.file("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    t.start(
        "demo --log-level debug",
        &format!("TMPDIR={}", tmp.display()),
    );
    let mut screens = vec![t.wait_for("the table", |s| {
        s.contains("etl-dataproc").then(|| s.to_string())
    })];
    let folder = demo_folders(&tmp).pop().expect("the demo's folder");
    let secrets = demo_secrets(&folder);
    let pid = child_of_pane(&t);

    // Refresh and decode the top row (a Databricks JWT), once every row
    // has its token and the soonest expiry is on top.
    t.wait_for("the Databricks row on top with its token", |s| {
        s.lines()
            .any(|l| l.starts_with("lakehouse-batch ") && l.contains(" token sha256:"))
            .then_some(())
    });
    t.keys(&["r"]);
    t.keys(&["d"]);
    screens.push(t.wait_for("a decoded token", |s| {
        s.contains("signature verified").then(|| s.to_string())
    }));
    t.keys(&["Escape"]);
    // Revoke the Google user's token (fourth row: 100 s, two of 3 min, 8 min).
    t.keys(&["j", "j", "j"]);
    t.wait_for("the user row selected", |s| {
        s.lines()
            .any(|l| l.starts_with("nightly-dataflow ") && l.contains(" token sha256:"))
            .then_some(())
    });
    t.keys(&["x"]);
    screens.push(t.wait_for("the confirmation", |s| {
        s.contains("y revoke").then(|| s.to_string())
    }));
    t.keys(&["y"]);
    screens.push(t.wait_for("the revocation", |s| {
        s.contains("revoked").then(|| s.to_string())
    }));
    // The doctor sends the revoked token to its target and says why it
    // is refused: the report shows no secret either.
    t.keys(&["p"]);
    screens.push(t.wait_for("the doctor's report", |s| {
        (s.contains("doctor · nightly-dataflow") && s.contains("✗ revoked")).then(|| s.to_string())
    }));
    t.keys(&["Escape"]);
    let journal = std::fs::read_to_string(folder.join("audit.jsonl")).expect("journal");
    assert!(
        journal.contains("\"action\":\"revoke\"") && journal.contains("\"action\":\"refresh\""),
        "{journal}"
    );
    let process = process_texts(&pid);
    assert!(process.contains("demo"), "read the process: {process}");

    t.keys(&["q"]);
    t.wait_for("exit", |s| s.contains("EXIT=0").then_some(()));
    let log = std::fs::read_to_string(t.file(".local/state/tokentop/tokentop.log")).expect("log");
    assert!(log.contains("job finished"), "{log}");
    for (what, text) in [
        ("screen", screens.join("\n")),
        ("journal", journal),
        ("log", log),
        ("argv and environment", process),
    ] {
        assert!(
            !text.contains("ya29.") && !text.contains("eyJ"),
            "a token in the {what}:\n{text}"
        );
        assert_no_secrets(&text, &secrets);
    }
}
