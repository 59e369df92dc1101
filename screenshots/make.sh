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

ansi2png() {  # ansi2png IN.ansi OUT.png COLS ROWS [--light]
    local html ud w h
    html=$(mktemp --suffix=.html); ud=$(mktemp -d)
    w=$(( $3 * 845 / 100 + 20 )); h=$(( $4 * 16 + 20 ))
    python3 screenshots/ansi2html.py "$1" "$html" ${5:-}
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

shoot() {  # shoot COLS ROWS [ARGS] [ENV]: a fresh demo, its rows settled
    stop
    sock="tokentop-shots-$$-$1x$2-$RANDOM"
    tmux -L "$sock" -u new-session -d -s shot -x "$1" -y "$2" -e LANG=C.UTF-8 -e TERM=tmux-256color \
        -e COLORTERM=truecolor -e HOME="$home" ${4:+-e "$4"} "$bin ${3:-} demo"
    wait_for 'lakehouse'
    wait_for '✓ fresh'
    sleep 1.2
}

keys() {  # keys KEY... (tmux key names), one at a time (ESC then a letter
          # at once would read as Alt+letter), then a moment to draw
    for key in "$@"; do tmux -L "$sock" send-keys -t shot "$key"; sleep 0.3; done
    sleep 0.3
}

type_text() {  # type_text TEXT (literally)
    tmux -L "$sock" send-keys -t shot -l "$1"; sleep 0.6
}

snap() {  # snap NAME COLS ROWS [--light]
    tmux -L "$sock" capture-pane -t shot -e -p > "$home/$1.ansi"
    ansi2png "$home/$1.ansi" "$out/$1.png" "$2" "$3" ${4:-}
    echo "wrote $out/$1.png"
}

# The selected row moves as tokens arrive: pick one by name, from the top.
select_row() {  # select_row PROFILE
    keys g
    for _ in $(seq 1 20); do
        tmux -L "$sock" capture-pane -t shot -p | grep -q "^▶.* $1 " && return 0
        keys j
    done
}

shoot 80 24; snap table-80x24 80 24
select_row etl-dataproc; keys Enter; type_text 90; snap detail-80x24 80 24
keys Escape d; wait_for 'signature|tokeninfo'; snap decode-80x24 80 24
keys Escape /; type_text dataproc; snap filter-80x24 80 24
keys Escape; select_row etl-dataproc; keys c; snap copy-80x24 80 24
keys Escape s; type_text devstorage.read_only; snap downscope-80x24 80 24
keys Escape '?'; snap help-80x24 80 24
shoot 80 24 "--theme light"; snap table-80x24-light 80 24 --light
shoot 40 12 "" NO_COLOR=1; snap table-40x12-mono 40 12
shoot 120 30; snap table-120x30 120 30
