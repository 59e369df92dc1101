//! A private tmux server driving the real binary, for the end-to-end tests.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_tokentop");

/// A tmux server of our own (its own socket), so no user session is touched.
pub struct Tmux {
    socket: String,
    home: tempfile::TempDir,
}

impl Tmux {
    pub fn new(name: &str) -> Self {
        let home = tempfile::tempdir().expect("tempdir");
        Self {
            socket: format!("tokentop-e2e-{name}-{}", std::process::id()),
            home,
        }
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux must be installed (tests/run.sh installs it)")
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Opens a 100x30 pane running `command`, with a UTF-8 locale, a
    /// tmux TERM and the private HOME.
    pub fn open(&self, command: &[&str]) {
        let home = format!("HOME={}", self.home.path().display());
        let mut args = vec![
            "-u",
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            "100",
            "-y",
            "30",
        ];
        args.extend([
            "-e",
            "LANG=C.UTF-8",
            "-e",
            "TERM=tmux-256color",
            "-e",
            &home,
            "-e",
            "PS1=$ ",
        ]);
        args.extend(command);
        let out = self.tmux(&args);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `tokentop ARGS` wrapped in a shell that saves the terminal
    /// modes before and after and prints the exit status.
    pub fn start(&self, args: &str, env: &str) {
        let script = format!(
            "stty -a > {before}; env {env} {BIN} {args}; echo EXIT=$?; stty -a > {after}; sleep 60",
            before = self.file("stty-before").display(),
            after = self.file("stty-after").display(),
        );
        self.open(&["sh", "-c", &script]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-t", "e2e", "-p"]).stdout)
            .into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "e2e", key]);
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Polls the screen until `check` finds what it wants.
    pub fn wait_for<T>(&self, what: &str, check: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            assert_no_raw_tokens(&screen);
            if let Some(found) = check(&screen) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn stty_unchanged(&self) {
        let read = |p: &Path| {
            std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        };
        let (before, after) = (
            read(&self.file("stty-before")),
            read(&self.file("stty-after")),
        );
        assert!(
            before.contains(" icanon") && before.contains(" echo"),
            "{before}"
        );
        assert_eq!(before, after, "terminal modes differ after exit");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// Google access tokens start `ya29.`, JWTs `eyJ`: neither may be on screen.
pub fn assert_no_raw_tokens(screen: &str) {
    assert!(
        !screen.contains("ya29.") && !screen.contains("eyJ"),
        "a raw token is on screen:\n{screen}"
    );
}

/// The pid of the program the pane's shell started (tokentop).
pub fn child_of_pane(t: &Tmux) -> String {
    let pane = t.tmux(&["list-panes", "-t", "e2e", "-F", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&pane.stdout).trim().to_string();
    t.wait_for("tokentop's pid", |_| {
        let out = Command::new("pgrep").args(["-P", &shell]).output().ok()?;
        let pid = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()?
            .to_string();
        (!pid.is_empty()).then_some(pid)
    })
}

/// The demo's private folders under `tmp`.
pub fn demo_folders(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().contains("tokentop-demo-"))
                .collect()
        })
        .unwrap_or_default()
}

/// The selected row's detail line: `PROFILE exp HH:MM:SS token sha256:XXXXXXXX from ...`.
pub fn selected(screen: &str) -> Option<(String, String)> {
    let line = screen
        .lines()
        .find(|l| l.contains(" token sha256:") && l.contains(" from "))?;
    let profile = line.split_whitespace().next()?.to_string();
    let fingerprint = line
        .split("token ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .to_string();
    Some((profile, fingerprint))
}

/// The TTL of `profile`'s row in seconds, from a countdown like `1m38s`.
pub fn ttl_of(screen: &str, profile: &str) -> Option<i64> {
    // The PROFILE column may cut a long name with `…`.
    let shown = |w: &str| {
        w == profile || (w.ends_with('…') && profile.starts_with(w.trim_end_matches('…')))
    };
    let line = screen
        .lines()
        .map(|l| l.trim_start().trim_start_matches('▶'))
        .find(|l| l.split_whitespace().nth(1).is_some_and(shown))?;
    line.split_whitespace().find_map(parse_ttl)
}

/// Seconds in a countdown like `1m38s`.
pub fn parse_ttl(word: &str) -> Option<i64> {
    let (mut total, mut number) = (0i64, String::new());
    for c in word.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' | 's' if !number.is_empty() => {
                let n: i64 = number.parse().ok()?;
                total += n * match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                };
                number.clear();
            }
            _ => return None,
        }
    }
    number.is_empty().then_some(total)
}

/// Selects `profile`: from the first row (g) down with j, again from the
/// top if rows arriving meanwhile moved it above the selection.
pub fn select(t: &Tmux, profile: &str) {
    for _ in 0..5 {
        t.keys(&["g"]);
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(150));
            if selected(&t.screen()).is_some_and(|(p, _)| p == profile) {
                return;
            }
            t.keys(&["j"]);
        }
    }
    t.wait_for(profile, |s| selected(s).filter(|(p, _)| p == profile));
}
