#!/usr/bin/env bash
# Fuzzes tokentop's parsers (the targets in fuzz/) for a bounded time each and
# fails if any target finds a crash, a hang or a broken invariant.
#
#   FUZZ_SECONDS=20 tests/fuzz.sh              # seconds per target (default 20)
#   FUZZ_TARGETS="jwt profiles" tests/fuzz.sh  # a subset
#   TOKENTOP_CARGO_LOCK=/tmp/x.lock ...        # hold this flock(1) lock while cargo builds
#
# Installs cargo-fuzz 0.13.2 into ~/.cargo/bin when it is missing or another
# version. Works on stable Rust: `-s none` turns off AddressSanitizer, which
# needs nightly (tokentop forbids unsafe code, so libFuzzer's coverage-guided
# search and Rust's own checks are what matter). Builds once with debug
# assertions, so integer overflow panics too.
#
# Each target starts from fuzz/seeds/<target> and keeps what it learns in
# fuzz/corpus/<target> (not committed). A failing input is written to
# fuzz/artifacts/<target>/; replay it with
#   cd fuzz && cargo fuzz run -s none -a <target> artifacts/<target>/<file>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
read -r -a targets <<<"${FUZZ_TARGETS:-jwt google_json profiles databrickscfg}"
build_flags=(-s none -a)

# shellcheck source=tests/lib.sh
source tests/lib.sh

if [[ ! $FUZZ_SECONDS =~ ^[1-9][0-9]*$ ]]; then
    echo "FUZZ_SECONDS must be a positive number of seconds, not '$FUZZ_SECONDS'" >&2
    exit 2
fi

if [[ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    step "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    locked cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

cd fuzz
step "cargo fuzz build ${build_flags[*]}"
start=$SECONDS
locked cargo fuzz build "${build_flags[@]}"
echo "built in $((SECONDS - start)) s"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()
summary=()
for target in "${targets[@]}"; do
    step "fuzz $target for ${FUZZ_SECONDS} s"
    [[ -d seeds/$target ]] || { echo "no seeds/$target" >&2; exit 2; }
    mkdir -p "corpus/$target"
    log="$logs/$target.log"
    # -timeout: one input taking this long is a failure (a hang), not a pause.
    status=0
    cargo fuzz run "${build_flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    runs=${runs:-0}
    line=$(printf '%-14s %12s executions  %9s/s' "$target" "$runs" "$((runs / FUZZ_SECONDS))")
    if [[ $status -ne 0 ]]; then
        failed+=("$target")
        summary+=("$line  FAILED")
        echo "FAILED: cargo fuzz run exited with $status:"
        # From the panic (or libFuzzer's report) to cargo-fuzz's reproduce hint.
        awk '/panicked at|==[0-9]+== ERROR|^ERROR: libFuzzer/ { on = 1 }
             on && !/^#[0-9]+/ { print }
             /^Error: Fuzz target exited/ { exit }' "$log" | head -n 80
    else
        summary+=("$line  ok")
        grep -E '^Done|^stat::number_of_executed_units' "$log" || true
    fi
done

step "fuzz summary (${FUZZ_SECONDS} s per target)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzzing found failures in: ${failed[*]} (inputs under fuzz/artifacts/)" >&2
    exit 1
fi
