#!/usr/bin/env bash
# Conformance check: the real Python reference clients (google-auth,
# databricks-sdk) against the emulator; and, when a tokentop binary is at
# hand, tokentop's tokens against google-auth's for the same credential
# files (tokentop_vs_google_auth.py).
#
# usage: conformance/run.sh SERVER [ARGS...]
#   SERVER ARGS... --credentials-dir DIR   must start the emulator, write the
#   sample credentials into DIR, print one line
#   "READY google=<url> databricks=<url> metadata=<host:port> sts=<url> iam=<url>" on stdout and
#   serve until killed.
#   e.g.  conformance/run.sh target/debug/emu-serve
#         conformance/run.sh target/debug/tokentop emulator
#
# Environment: CONFORMANCE_VENV = venv to create/reuse
#   (default: <this dir>/.venv); READY_TIMEOUT = seconds to wait (default 60);
#   CONFORMANCE_TOKENTOP = the tokentop binary to compare (default: SERVER
#   when it is named tokentop; none: those checks are skipped).
# Runnable from any directory. Exits non-zero on any failure.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    sed -n '2,19p' "$0" >&2
    exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="$1"
shift
if [[ "$server" == */* ]]; then
    server="$(cd "$(dirname "$server")" && pwd)/$(basename "$server")"
fi
if ! command -v "$server" >/dev/null; then
    echo "run.sh: server binary not found or not executable: $server" >&2
    exit 2
fi

venv="${CONFORMANCE_VENV:-$here/.venv}"
tokentop="${CONFORMANCE_TOKENTOP:-}"
if [[ -z "$tokentop" && "$(basename "$server")" == tokentop ]]; then
    tokentop="$server"
fi
if [[ -n "$tokentop" ]]; then
    if [[ "$tokentop" == */* ]]; then
        tokentop="$(cd "$(dirname "$tokentop")" && pwd)/$(basename "$tokentop")"
    fi
    if ! command -v "$tokentop" >/dev/null; then
        echo "run.sh: tokentop binary not found or not executable: $tokentop" >&2
        exit 2
    fi
fi
ready_timeout="${READY_TIMEOUT:-60}"
work="$(mktemp -d "${TMPDIR:-/tmp}/emu-conformance.XXXXXX")"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        # The server runs in its own process group (setsid): end the whole group.
        kill -- "-$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- Python reference clients ----------------------------------------------
# shellcheck source=tests/reference_venv.sh
source "$here/../reference_venv.sh"
reference_venv "$venv"

# --- start the emulator -----------------------------------------------------
creds="$work/creds"
echo "== starting: $server${*:+ $*} --credentials-dir $creds"
launcher=()
command -v setsid >/dev/null && launcher=(setsid)
"${launcher[@]}" "$server" "$@" --credentials-dir "$creds" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!

ready=""
deadline=$((SECONDS + ready_timeout))
while [[ $SECONDS -lt $deadline ]]; do
    ready="$(grep -m1 '^READY ' "$work/server.out" || true)"
    [[ -n "$ready" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "run.sh: server exited before READY" >&2
        cat "$work/server.out" "$work/server.err" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "run.sh: no READY line within ${ready_timeout}s" >&2
    cat "$work/server.out" "$work/server.err" >&2
    exit 1
fi
echo "== $ready"
google_url="$(sed -nE 's/.*google=([^ ]+).*/\1/p' <<<"$ready")"
databricks_url="$(sed -nE 's/.*databricks=([^ ]+).*/\1/p' <<<"$ready")"
metadata_host="$(sed -nE 's/.*metadata=([^ ]+).*/\1/p' <<<"$ready")"
sts_url="$(sed -nE 's/.*sts=([^ ]+).*/\1/p' <<<"$ready")"
iam_url="$(sed -nE 's/.*iam=([^ ]+).*/\1/p' <<<"$ready")"
if [[ -z "$google_url" || -z "$databricks_url" || -z "$metadata_host" || -z "$sts_url" || -z "$iam_url" ]]; then
    echo "run.sh: malformed READY line: $ready" >&2
    exit 1
fi

# --- run the oracle -----------------------------------------------------------
# Isolate the clients from the caller's environment: no proxies for loopback,
# no ambient Databricks/Google configuration. google-auth finds the metadata
# server through GCE_METADATA_HOST (values) and GCE_METADATA_IP (the ping).
mkdir -p "$work/home"
status=0
env -u DATABRICKS_HOST -u DATABRICKS_TOKEN -u DATABRICKS_CLIENT_ID \
    -u DATABRICKS_CLIENT_SECRET -u DATABRICKS_CONFIG_PROFILE -u DATABRICKS_AUTH_TYPE \
    -u GOOGLE_APPLICATION_CREDENTIALS -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy \
    -u GOOGLE_CLOUD_PROJECT -u GCLOUD_PROJECT -u CLOUDSDK_CONFIG -u GCE_METADATA_ROOT \
    -u GCE_METADATA_MTLS_MODE -u NO_GCE_CHECK \
    NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
    HOME="$work/home" DATABRICKS_CONFIG_FILE="$creds/databrickscfg" \
    GCE_METADATA_HOST="$metadata_host" GCE_METADATA_IP="$metadata_host" \
    "$venv/bin/python" "$here/oracle.py" "$creds" "$google_url" "$databricks_url" \
    "$metadata_host" "$sts_url" "$iam_url" ${tokentop:+"$tokentop"} || status=$?

if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: the server died during the checks" >&2
    cat "$work/server.err" >&2
    status=1
fi
if [[ $status -ne 0 ]]; then
    echo "== CONFORMANCE FAILED (exit $status); server stderr:" >&2
    cat "$work/server.err" >&2
    exit "$status"
fi
echo "== CONFORMANCE PASSED"
