# Helpers shared by tokentop's test scripts (sourced, not run).

# Prints a step heading, with the time since the script started.
step() { printf '\n== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

# Runs a command, holding the flock(1) lock $TOKENTOP_CARGO_LOCK when it is set
# (so two checkouts on one machine build one at a time).
locked() {
    if [[ -n ${TOKENTOP_CARGO_LOCK:-} ]]; then
        flock "$TOKENTOP_CARGO_LOCK" "$@"
    else
        "$@"
    fi
}
