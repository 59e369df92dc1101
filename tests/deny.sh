#!/usr/bin/env bash
# Supply-chain checks with cargo-deny 0.20.2 and the policy in deny.toml:
# licenses, banned crates (OpenSSL, native-tls, rsa), crate sources (crates.io
# only), then security advisories from the RustSec database.
#
# Installs cargo-deny 0.20.2 into ~/.cargo/bin when it is missing or another
# version (about 3.5 min on 2 cores). `bans licenses sources` need no network.
# `advisories` needs the database from github.com. When it cannot be fetched:
#   - with a copy from an earlier run under $CARGO_HOME/advisory-dbs, the check
#     runs against that copy (`--offline`) and says how old it is;
#   - with none, it prints a loud NOT CHECKED line and does not fail.
# Any other failure, advisories found included, fails.
#
#   TOKENTOP_CARGO_LOCK=/tmp/x.lock tests/deny.sh   # hold this flock(1) lock while installing
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CARGO_DENY_VERSION=0.20.2

# shellcheck source=tests/lib.sh
source tests/lib.sh

if [[ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]]; then
    step "installing cargo-deny $CARGO_DENY_VERSION"
    locked cargo install cargo-deny --locked --version "$CARGO_DENY_VERSION"
fi

step "cargo deny check bans licenses sources"
cargo deny --locked check bans licenses sources

step "cargo deny check advisories"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo deny --locked check advisories 2>&1 | tee "$log" || status=${PIPESTATUS[0]}
if [[ $status -eq 0 ]]; then
    exit 0
fi

# Only "the database could not be downloaded" is excused: cargo-deny stopped
# at the fetch (no advisory diagnostics), and git or HTTP said the network
# or the host could not be reached.
unfetchable() {
    grep -q 'failed to fetch advisory database' "$log" &&
        ! grep -q -E '^(error|warning)\[' "$log" &&
        grep -q -i -E 'could not resolve host|unable to access|error sending request|failed to connect|connection (refused|timed out|reset)|network is unreachable|operation timed out|dns error|failed to lookup address|temporary failure in name resolution' "$log"
}
if ! unfetchable; then
    echo "advisories: FAILED (exit $status)" >&2
    exit "$status"
fi

cache=""
for dir in "${CARGO_HOME:-$HOME/.cargo}"/advisory-dbs/advisory-db-*/; do
    [[ -d $dir/crates ]] && cache=${dir%/}
done
if [[ -n $cache ]]; then
    fetched=$(git -C "$cache" log -1 --format=%cs 2>/dev/null || echo "an unknown date")
    echo "advisories: the database could not be fetched; checking against the copy in $cache (last commit $fetched)"
    cargo deny --locked --offline check advisories
    echo "advisories: checked against a STALE database (last commit $fetched), not today's"
    exit 0
fi

printf '\n%s\n' "################################################################################"
echo "advisories: NOT CHECKED — the advisory database could not be fetched (offline)"
printf '%s\n\n' "################################################################################"
