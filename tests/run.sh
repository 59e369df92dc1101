#!/usr/bin/env bash
# tokentop's one test command. Installs what the tests need (tmux, procps, a
# Secret Service (dbus-daemon, dbus-bin, gnome-keyring, libsecret-tools), Prometheus
# (prometheus and promtool, Debian's package), Node.js with
# oidc-provider (npm ci in tests/oidc), a Python venv with the reference
# clients, cargo-deny and cargo-fuzz), then
# runs, in order: format and lint checks, every Rust test (unit, engine
# against the emulator, hostile input and the fault run, TUI snapshots, the
# real binary in tmux, `serve` scraped by a real Prometheus), the alert rules'
# promtool tests, the emulator's conformance check against google-auth
# and databricks-sdk, the discovery corpus (in every home of tests/corpus,
# tokentop picks the Application Default Credential google-auth's default()
# picks, and sees gcloud's accounts), the Databricks corpus (every profile of
# every home in tests/databricks_corpus resolved as databricks-sdk's Config
# resolves it), the supply-chain policy (deny.toml), and a bounded fuzz
# run of every parser (FUZZ_SECONDS per target, 15 by default).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=tests/lib.sh
source tests/lib.sh

# --- what the tests need ------------------------------------------------------
need_apt=()
command -v tmux >/dev/null || need_apt+=(tmux)
command -v pgrep >/dev/null || need_apt+=(procps)
command -v bash >/dev/null || need_apt+=(bash)
command -v g++ >/dev/null || need_apt+=(g++)   # libFuzzer, for tests/fuzz.sh
# A real Secret Service on a private D-Bus session, for the OS keyring test.
command -v dbus-run-session >/dev/null || need_apt+=(dbus-daemon)
command -v dbus-send >/dev/null || need_apt+=(dbus-bin)
command -v gnome-keyring-daemon >/dev/null || need_apt+=(gnome-keyring)
command -v secret-tool >/dev/null || need_apt+=(libsecret-tools)
# A real OpenID Connect provider (oidc-provider, on Node.js) for tests/oidc.rs.
command -v npm >/dev/null || need_apt+=(nodejs npm)
command -v curl >/dev/null || need_apt+=(curl)   # plays the person in tests/oidc/approve_device.sh
command -v promtool >/dev/null || need_apt+=(prometheus)   # tests/serve.rs and the alert rules' tests
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [[ ${#need_apt[@]} -gt 0 ]]; then
    step "installing ${need_apt[*]}"
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# --- static checks ------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

# --- a real OpenID Connect provider for the tests -----------------------------
step "oidc-provider (npm ci in tests/oidc)"
(cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)

# --- Rust tests (one debug build serves them all) ----------------------------
step "cargo build"
cargo build --locked
export CI=true   # insta: a snapshot mismatch fails and writes no .snap.new
step "Rust tests"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --locked --no-fail-fast
else
    cargo test --locked --no-fail-fast
fi

# --- the alert rules, by promtool ---------------------------------------------
step "promtool: deploy/prometheus alert rules and their unit tests"
promtool check rules deploy/prometheus/alerts.yml
(cd deploy/prometheus && promtool test rules alerts_test.yml)

# --- the emulator against the real Python clients ----------------------------
step "conformance: google-auth and databricks-sdk against tokentop emulator"
tests/conformance/run.sh "${CARGO_TARGET_DIR:-target}/debug/tokentop" emulator

# --- discovery against google-auth's own default() ---------------------------
step "corpus: the active ADC and gcloud's accounts in every home of tests/corpus, against google-auth"
tests/corpus/run.sh "${CARGO_TARGET_DIR:-target}/debug/tokentop"
step "databricks corpus: every profile of every home in tests/databricks_corpus, against databricks-sdk's Config"
tests/databricks_corpus/run.sh "${CARGO_TARGET_DIR:-target}/debug/tokentop"

# --- supply chain and fuzzing -------------------------------------------------
step "cargo deny (deny.toml)"
tests/deny.sh
step "fuzz every parser for ${FUZZ_SECONDS:=15} s"
FUZZ_SECONDS=$FUZZ_SECONDS tests/fuzz.sh

step "all tests passed"
