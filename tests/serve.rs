//! `tokentop serve` scraped by a real Prometheus on loopback (1 s scrape):
//! the expiries it stores are the ones `tokentop list --json --from` the
//! same serve gives, a refresh moves one, an
//! injected refresh failure counts as an error and fires the shipped
//! refresh-failing alert, `promtool check metrics`
//! passes on the output, and no secret or fingerprint is in any byte.
//! Needs prometheus and promtool (tests/run.sh installs Debian's package).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokentop::emulator::{Emulator, EmulatorOptions, Fault, FaultEndpoint, FaultPlan};

const BIN: &str = env!("CARGO_BIN_EXE_tokentop");

/// A child killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `serve` on the seeded profiles, keeping the short-lived Databricks
/// token alive (a 95-second window covers the whole of its life).
fn serve(dir: &std::path::Path, profiles: &std::path::Path) -> (Running, String) {
    let (running, url, _) = serve_with(dir, profiles, &[]);
    (running, url)
}

/// `serve` with `extra` arguments: the child, its URL, and the warnings it
/// said before it.
fn serve_with(
    dir: &std::path::Path,
    profiles: &std::path::Path,
    extra: &[&str],
) -> (Running, String, Vec<String>) {
    let config = dir.join("config/tokentop");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("config.toml"),
        "[refresh]\nauto = true\n[refresh.window]\ndatabricks = \"95s\"\n",
    )
    .expect("config");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--profiles"])
        .arg(profiles)
        .args(extra)
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env_remove("CLOUDSDK_CONFIG")
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut before = Vec::new();
    let url = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("serve ended, having said {before:?}"))
            .expect("serve says where");
        match line.trim().strip_prefix("tokentop serve: http") {
            Some(rest) => break format!("http{rest}"),
            None => before.push(line),
        }
    };
    // (Anything serve says before its address is a warning.)
    assert!(before.iter().all(|l| l.contains("warning")), "{before:?}");
    (Running(child), url, before)
}

fn prometheus(dir: &std::path::Path, target: &str) -> (Running, String) {
    let port = free_port();
    // deploy/prometheus/alerts.yml as shipped, but for the refresh-failing
    // alert's 10 minutes: it fires at the first evaluation that sees it.
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/prometheus/alerts.yml"
    ))
    .expect("alerts.yml");
    let (before, failing) = shipped
        .split_once("- alert: TokentopRefreshFailing")
        .expect("the refresh-failing alert");
    assert!(failing.contains("for: 10m"), "{failing}");
    let rules = dir.join("alerts.yml");
    std::fs::write(
        &rules,
        format!(
            "{before}- alert: TokentopRefreshFailing{}",
            failing.replacen("for: 10m", "for: 0s", 1)
        ),
    )
    .expect("rules");
    let rules = rules.display();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - {rules}\nscrape_configs:\n  - job_name: tokentop\n    static_configs:\n      - targets: [\"{target}\"]\n"
        ),
    )
    .expect("prometheus.yml");
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("tsdb").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus must be installed (tests/run.sh installs it)");
    (Running(child), format!("http://127.0.0.1:{port}"))
}

/// What `serve` answers at `url` (the classic text format).
async fn scrape(http: &reqwest::Client, url: &str) -> String {
    let answer = http.get(url).send().await.expect("scrape");
    answer.text().await.expect("body")
}

/// `promtool check metrics` accepts `text`.
fn promtool_checks(text: &str) {
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    std::io::Write::write_all(check.stdin.as_mut().expect("stdin"), text.as_bytes())
        .expect("write");
    let checked = check.wait_with_output().expect("promtool");
    assert!(
        checked.status.success(),
        "promtool check metrics:\n{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// Series of an instant query: (labels, value).
async fn query(http: &reqwest::Client, prometheus: &str, q: &str) -> Vec<(serde_json::Value, f64)> {
    let Ok(answer) = http
        .get(format!("{prometheus}/api/v1/query"))
        .query(&[("query", q)])
        .send()
        .await
    else {
        return Vec::new();
    };
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| {
            let value = s["value"][1].as_str()?.parse().ok()?;
            Some((s["metric"].clone(), value))
        })
        .collect()
}

async fn until<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut f: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if let Some(found) = f().await {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The expiry Prometheus stored for `profile`'s access token, or its ID
/// token when it holds only that (a Cloud Run invoker).
fn expiry_of(series: &[(serde_json::Value, f64)], profile: &str) -> Option<f64> {
    ["access", "id"].iter().find_map(|role| {
        series
            .iter()
            .find(|(labels, _)| labels["profile"] == profile && labels["role"] == *role)
            .map(|(_, v)| *v)
    })
}

/// `tokentop list ARGS` (after `--from` a serve's address): exit status,
/// stdout, stderr.
async fn list(args: Vec<String>) -> (i32, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(BIN)
            .arg("list")
            .args(&args)
            .output()
            .expect("list runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .expect("list joined")
}

/// Every (profile, role, expiry as a Unix time) of a `list --json`
/// document whose token is the only one of its role in its row.
fn listed_expiries(listing: &serde_json::Value) -> Vec<(String, String, f64)> {
    let mut found = Vec::new();
    for row in listing["credentials"].as_array().expect("credentials") {
        let tokens = row["tokens"].as_array().cloned().unwrap_or_default();
        for role in ["access", "id", "refresh", "pat"] {
            let of_role: Vec<_> = tokens.iter().filter(|t| t["role"] == role).collect();
            let [token] = of_role.as_slice() else {
                continue;
            };
            let Some(at) = token["expires_at"].as_str() else {
                continue;
            };
            let at = chrono::DateTime::parse_from_rfc3339(at).expect("an RFC 3339 time");
            let profile = row["profile"].as_str().expect("profile").to_string();
            found.push((
                profile,
                role.to_string(),
                at.timestamp_millis() as f64 / 1000.0,
            ));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_scrapes_the_expiries_a_refresh_moves_them_and_failures_count() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    // lakehouse-batch's tokens live 40 s: renewed after 20, then failing.
    let profiles =
        tokentop::demo::seed_with(&emulator, dir.path(), Duration::from_secs(40)).expect("seed");
    let (_serve, metrics_url) = serve(dir.path(), &profiles);
    let target = metrics_url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics")
        .to_string();
    let (_prometheus, prom) = prometheus(dir.path(), &target);
    let http = reqwest::Client::new();
    // Every credential with a token has its expiry stored, equal to what
    // serve answers (the same token: within a second).
    let stored = until("a scrape with every token", || async {
        let series = query(&http, &prom, "tokentop_token_expiry_timestamp_seconds").await;
        ([
            "etl-dataproc",
            "orders-api",
            "lakehouse",
            "lakehouse-batch",
            "nightly-dataflow",
        ]
        .iter()
        .all(|p| expiry_of(&series, p).is_some()))
        .then_some(series)
    })
    .await;
    // Every expiry `list --json --from` gives (access, ID, refresh and PAT
    // tokens, each the only one of its role in its row) is the one
    // Prometheus stored for that profile and role, within a second.
    // (Listed and stored again until a pair agrees: a renewal may land
    // between the two.)
    let mut differ = Vec::new();
    for _ in 0..20 {
        let (code, json, stderr) =
            list(vec!["--json".into(), "--from".into(), metrics_url.clone()]).await;
        assert!(code == 0 || code == 1, "list --from: {code} {stderr}");
        let listing: serde_json::Value = serde_json::from_str(&json).expect("list --json");
        let listed = listed_expiries(&listing);
        for profile in [
            "etl-dataproc",
            "orders-api",
            "lakehouse",
            "nightly-dataflow",
        ] {
            assert!(
                listed.iter().any(|(p, _, _)| p == profile),
                "{profile} has an expiry in the listing: {listed:?}"
            );
        }
        let series = query(&http, &prom, "tokentop_token_expiry_timestamp_seconds").await;
        differ = listed
            .into_iter()
            .filter(|(profile, role, at)| {
                let kept = series.iter().find(|(labels, _)| {
                    labels["profile"] == profile.as_str() && labels["role"] == role.as_str()
                });
                !kept.is_some_and(|(_, v)| (v - at).abs() <= 1.0)
            })
            .collect();
        if differ.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        differ.is_empty(),
        "Prometheus differs from list --json on {differ:?}"
    );
    let now = chrono::Utc::now().timestamp() as f64;
    for profile in [
        "etl-dataproc",
        "orders-api",
        "lakehouse",
        "nightly-dataflow",
    ] {
        let kept = expiry_of(&stored, profile).expect("stored");
        assert!(
            kept > now && kept < now + 3600.0,
            "{profile}: expires at {kept}, now {now}"
        );
    }

    // Auto-refresh renews the 40-second token: its expiry moves on.
    let first = expiry_of(&stored, "lakehouse-batch").expect("lakehouse-batch");
    let moved = until("a refreshed lakehouse-batch", || async {
        let series = query(&http, &prom, "tokentop_token_expiry_timestamp_seconds").await;
        expiry_of(&series, "lakehouse-batch").filter(|e| *e >= first + 1.0)
    })
    .await;
    assert!(moved > first);

    // Databricks' token endpoint fails from now on: the next renewal is
    // counted as an error (the alert on it is tested by promtool).
    emulator.set_faults(
        FaultEndpoint::DatabricksToken,
        FaultPlan {
            rate: 1.0,
            faults: vec![Fault::ServerError],
        },
    );
    until("a failed refresh counted", || async {
        let q = "tokentop_refresh_total{profile=\"lakehouse-batch\",result=\"error\"}";
        query(&http, &prom, q)
            .await
            .first()
            .filter(|(_, v)| *v >= 1.0)
            .map(|_| ())
    })
    .await;
    let state = query(
        &http,
        &prom,
        "tokentop_credential_state{profile=\"lakehouse-batch\",state=\"error\"}",
    )
    .await;
    assert_eq!(state.first().map(|s| s.1), Some(1.0), "{state:?}");
    // ... and the shipped rule fires on it (its 10 minutes made 0 here).
    until("the refresh-failing alert firing", || async {
        let q = "ALERTS{alertname=\"TokentopRefreshFailing\",alertstate=\"firing\",profile=\"lakehouse-batch\"}";
        query(&http, &prom, q).await.first().map(|_| ())
    })
    .await;
    // list asks the same serve: the failure is in its table and its exit status.
    let (code, table, _) = list(vec!["--from".into(), metrics_url.clone()]).await;
    let failed = table
        .lines()
        .find(|l| l.contains("lakehouse-batch"))
        .unwrap_or_default();
    assert!(failed.contains("error"), "{table}");
    assert_eq!(code, 1, "a refresh failed:\n{table}");

    // promtool reads the output as valid metrics.
    let body = scrape(&http, &metrics_url).await;
    promtool_checks(&body);

    // No secret and no fingerprint, in any byte served.
    for needle in ["ya29.", "eyJ", "dapi", "sha256:", "BEGIN", "secret"] {
        assert!(!body.contains(needle), "`{needle}` in the metrics:\n{body}");
    }
    for file in std::fs::read_dir(dir.path()).expect("dir").flatten() {
        let text = std::fs::read_to_string(file.path()).unwrap_or_default();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        for key in ["client_secret", "private_key", "refresh_token"] {
            if let Some(secret) = parsed[key].as_str().filter(|s| s.len() > 8) {
                assert!(
                    !body.contains(secret),
                    "{key} of {} served",
                    file.path().display()
                );
            }
        }
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bearer_token_from_a_file_guards_the_metrics_but_not_health() {
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, "s3cr3t-scrape-token\n").expect("token file");
    let file = token_file.display().to_string();
    // Readable by others: serve starts, and says so.
    std::fs::set_permissions(
        &token_file,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .expect("chmod");
    let (_serve, metrics_url, said) =
        serve_with(dir.path(), &profiles, &["--bearer-token-file", &file]);
    assert!(
        said.iter()
            .any(|l| l.contains("can be read by other users")),
        "{said:?}"
    );
    let http = reqwest::Client::new();
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.expect("answer").status().as_u16()
    };
    assert_eq!(status(http.get(&metrics_url)).await, 401);
    assert_eq!(
        status(http.get(&metrics_url).bearer_auth("wrong")).await,
        401
    );
    assert_eq!(
        status(http.get(&metrics_url).bearer_auth("s3cr3t-scrape-token")).await,
        200
    );
    let health = metrics_url.replace("/metrics", "/healthz");
    assert_eq!(status(http.get(&health)).await, 200);
    // Classic text for curl, OpenMetrics for whoever asks for it.
    let classic = http
        .get(&metrics_url)
        .bearer_auth("s3cr3t-scrape-token")
        .send()
        .await
        .expect("answer");
    assert!(
        classic.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain")
    );
    let body = classic.text().await.expect("body");
    assert!(
        !body.contains("# EOF") && body.contains("# TYPE tokentop_credential_state gauge"),
        "{body}"
    );
    let open = http
        .get(&metrics_url)
        .bearer_auth("s3cr3t-scrape-token")
        .header("accept", "application/openmetrics-text; version=1.0.0")
        .send()
        .await
        .expect("answer");
    assert!(open.text().await.expect("body").ends_with("# EOF\n"));

    // list --from: refused without the token, naming what to give; with it,
    // the families; never plain http off this machine.
    let base = metrics_url.trim_end_matches("/metrics").to_string();
    let (code, _, said) = list(vec!["--from".into(), base.clone()]).await;
    assert_eq!(code, 3, "{said}");
    assert!(
        said.contains("401") && said.contains("--bearer-token-file"),
        "{said}"
    );
    let wrong = dir.path().join("wrong-token");
    std::fs::write(&wrong, "not-the-token\n").expect("write");
    let (code, _, said) = list(vec![
        "--from".into(),
        base.clone(),
        "--bearer-token-file".into(),
        wrong.display().to_string(),
    ])
    .await;
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("refused the bearer token given"), "{said}");
    let (code, families, said) = list(vec![
        "--from".into(),
        base,
        "--bearer-token-file".into(),
        file.clone(),
        "--format".into(),
        "openmetrics".into(),
    ])
    .await;
    assert!(code == 0 || code == 1, "{said}");
    assert!(
        families.contains("tokentop_token_expiry_timestamp_seconds{")
            && families.ends_with("# EOF\n"),
        "{families}"
    );
    let (code, _, said) = list(vec!["--from".into(), "http://192.0.2.1:9464".into()]).await;
    assert_eq!(code, 3, "{said}");
    assert!(
        said.contains("plain http") && said.contains("ssh -N -L"),
        "{said}"
    );
    emulator.shutdown().await;
}

/// README's cron line for node_exporter's textfile collector, run as
/// written (but for its folder, the binary's path and the profiles file)
/// while a credential's refresh fails: the file is written, and whole.
#[tokio::test(flavor = "multi_thread")]
async fn readmes_cron_line_writes_the_textfile_while_a_refresh_fails() {
    let readme = include_str!("../README.md");
    let line = readme
        .lines()
        .find(|l| l.starts_with("*/5 * * * * "))
        .expect("README's cron line");
    let command = line.splitn(6, ' ').nth(5).expect("the command");
    let emulator = Emulator::start(EmulatorOptions::default())
        .await
        .expect("emulator");
    emulator.set_faults(
        FaultEndpoint::DatabricksToken,
        FaultPlan {
            rate: 1.0,
            faults: vec![Fault::ServerError],
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let profiles = tokentop::demo::seed(&emulator, dir.path()).expect("seed");
    let textfile = dir.path().join("textfile");
    std::fs::create_dir(&textfile).expect("textfile dir");
    let command = command
        .replace(
            "d=/var/lib/node_exporter/textfile",
            &format!("d='{}'", textfile.display()),
        )
        .replace(
            "tokentop list",
            &format!("'{BIN}' list --profiles '{}'", profiles.display()),
        );
    let home = dir.path().join("home");
    let (config, state) = (dir.path().join("config"), dir.path().join("state"));
    let status = tokio::task::spawn_blocking(move || {
        Command::new("sh")
            .args(["-c", &command])
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", config)
            .env("XDG_STATE_HOME", state)
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .env_remove("CLOUDSDK_CONFIG")
            .status()
            .expect("sh")
    })
    .await
    .expect("joined");
    assert!(status.success(), "{status:?}");
    let names: Vec<String> = std::fs::read_dir(&textfile)
        .expect("textfile dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["tokentop.prom"], "only the finished file is left");
    let written = std::fs::read_to_string(textfile.join("tokentop.prom")).expect("written");
    assert!(
        written.contains("tokentop_credential_state{")
            && written.contains("result=\"error\"")
            && !written.contains("# EOF"),
        "{written}"
    );
    promtool_checks(&written);
    emulator.shutdown().await;
}
