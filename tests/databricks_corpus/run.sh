#!/usr/bin/env bash
# Databricks corpus: does tokentop read every profile of a .databrickscfg --
# host, auth type, account, cloud, scopes, errors, and the profile used when
# none is named -- as databricks-sdk resolves it, in every home under
# tests/databricks_corpus/homes?
#
# usage: databricks_corpus/run.sh TOKENTOP_BIN [--only NAME,...] [--no-oracle]
#        databricks_corpus/run.sh --oracle-only [--only NAME,...]
#        databricks_corpus/run.sh --regenerate [--only NAME,...]
#   e.g. databricks_corpus/run.sh target/debug/tokentop
#   --oracle-only: databricks-sdk's verdicts against the committed expected.json
#   --regenerate:  rewrite each home's expected.json from databricks-sdk
#   --no-oracle:   compare with the committed expected.json without running the SDK
#
# Environment: CONFORMANCE_VENV = venv to create/reuse (default:
#   tests/conformance/.venv, the one tests/conformance/run.sh uses).
# Runnable from any directory. Exits non-zero on any disagreement or drift.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,18p' "$0" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${CONFORMANCE_VENV:-$here/../conformance/.venv}"

args=("$@")
case "$1" in
    --oracle-only | --regenerate) ;;
    *)
        bin="$1"
        if [[ "$bin" == */* ]]; then
            bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
        fi
        if ! command -v "$bin" >/dev/null; then
            echo "run.sh: tokentop binary not found or not executable: $1" >&2
            exit 2
        fi
        args=("$bin" "${@:2}")
        ;;
esac

# --- Python reference client --------------------------------------------------
# databricks-sdk, pinned in tests/reference_venv.sh. The homes and their
# expected.json are committed, so build.py is not needed here.
# shellcheck source=tests/reference_venv.sh
source "$here/../reference_venv.sh"
reference_venv "$venv"

if [[ "$1" == --regenerate ]]; then
    echo "== databricks-sdk: rewriting expected.json in $here/homes"
    exec "$venv/bin/python" "$here/oracle.py" "$here/homes" --write "${@:2}"
fi

# --- compare -----------------------------------------------------------------------
# compare.py and oracle.py build each child's environment from scratch (HOME,
# PATH and the fixture's env), so nothing of the caller's DATABRICKS_* leaks in.
echo "== databricks corpus: $here/homes"
exec "$venv/bin/python" "$here/compare.py" "$here/homes" "${args[@]}"
