#!/usr/bin/env bash
# Fidelity corpus: does tokentop pick the same Application Default Credential
# as google-auth, and see gcloud's accounts as gcloud does, in every home
# under tests/corpus/homes?
#
# usage: corpus/run.sh TOKENTOP_BIN [--only NAME,...] [--oracle-out FILE]
#        corpus/run.sh --oracle-only [--only NAME,...] [--emulator TOKENTOP_BIN]
#   e.g. corpus/run.sh target/debug/tokentop
#   Homes with "metadata": true get `TOKENTOP_BIN emulator`'s metadata server;
#   --oracle-only skips them unless --emulator names a tokentop binary.
#
# Environment: CONFORMANCE_VENV = venv to create/reuse (default:
#   tests/conformance/.venv, the one tests/conformance/run.sh uses).
# Runnable from any directory. Exits non-zero on any disagreement.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,14p' "$0" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${CONFORMANCE_VENV:-$here/../conformance/.venv}"

args=("$@")
if [[ "$1" != --oracle-only ]]; then
    bin="$1"
    if [[ "$bin" == */* ]]; then
        bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    fi
    if ! command -v "$bin" >/dev/null; then
        echo "run.sh: tokentop binary not found or not executable: $1" >&2
        exit 2
    fi
    args=("$bin" "${@:2}")
fi

# --- Python reference client --------------------------------------------------
# The venv tests/conformance/run.sh uses. The homes are committed, so
# build.py (and cryptography, which made its test keys) is not needed here.
# shellcheck source=tests/reference_venv.sh
source "$here/../reference_venv.sh"
reference_venv "$venv"

# --- compare -----------------------------------------------------------------------
# compare.py builds each child's environment from scratch (HOME, PATH and the
# fixture's env), so nothing of the caller's GOOGLE_*/CLOUDSDK_* leaks in.
echo "== corpus: $here/homes"
exec "$venv/bin/python" "$here/compare.py" "$here/homes" "${args[@]}"
