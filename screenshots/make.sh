#!/usr/bin/env bash
# Regenerates the PNGs in screenshots/ from a real `tokentop demo` run in
# tmux: capture-pane with colours -> aha (HTML) -> headless chromium (PNG).
# Usage: screenshots/make.sh [path/to/tokentop]   (default: target/release/tokentop)
# Needs tmux, aha and chromium (installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=${1:-target/release/tokentop}
[[ -x $bin ]] || cargo build --release --locked
for tool in tmux aha chromium; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$tool"; }
done
out=screenshots
sock=""
home=$(mktemp -d)
stop() { [[ -n $sock ]] && tmux -L "$sock" kill-server 2>/dev/null || true; }
trap 'stop; rm -rf "$home"' EXIT

ansi2png() {  # ansi2png IN.ansi OUT.png COLS ROWS
    local html ud w h
    html=$(mktemp --suffix=.html); ud=$(mktemp -d)
    w=$(( $3 * 845 / 100 + 20 )); h=$(( $4 * 16 + 20 ))
    { echo '<!doctype html><meta charset="utf-8"><style>html,body{margin:0;background:#000;color:#ddd}
pre{margin:10px;font:14px/16px "DejaVu Sans Mono",monospace}</style><pre>'
      aha --no-header --black < "$1" | sed "s/color:dimgray;background-color/color:black;background-color/g"
      echo '</pre>'; } > "$html"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$ud" --hide-scrollbars --window-size="$w,$h" --screenshot="$2" "file://$html" 2>/dev/null
    rm -rf "$html" "$ud"
}

wait_for() {  # wait_for REGEX
    for _ in $(seq 1 100); do
        tmux -L "$sock" capture-pane -t shot -p | grep -Eq "$1" && return 0
        sleep 0.1
    done
    echo "timed out waiting for /$1/" >&2; tmux -L "$sock" capture-pane -t shot -p >&2; return 1
}

shoot() {  # shoot NAME COLS ROWS [ENV] -- then keys are sent by the caller
    stop
    sock="tokentop-shots-$$-$1-$2x$3"
    tmux -L "$sock" -u new-session -d -s shot -x "$2" -y "$3" -e LANG=C.UTF-8 -e TERM=tmux-256color \
        -e HOME="$home" ${4:+-e "$4"} "$bin demo"
    wait_for 'lakehouse'
    wait_for '✓ fresh'
    sleep 1.2
}

snap() {  # snap NAME COLS ROWS
    tmux -L "$sock" capture-pane -t shot -e -p > "$home/$1.ansi"
    ansi2png "$home/$1.ansi" "$out/$1.png" "$2" "$3"
    echo "wrote $out/$1.png"
}

shoot table 80 24; snap table-80x24 80 24
tmux -L "$sock" send-keys -t shot j d; wait_for 'signature|tokeninfo'; sleep 0.5; snap decode-80x24 80 24
tmux -L "$sock" send-keys -t shot Escape; sleep 0.3; tmux -L "$sock" send-keys -t shot '?'; sleep 0.5; snap help-80x24 80 24
shoot table 40 12 NO_COLOR=1; snap table-40x12-mono 40 12
shoot table 120 30; snap table-120x30 120 30
