#!/usr/bin/env bash
# approve_browser.sh ISSUER AUTH_URL LOGIN: plays the person's browser in
# oidc-provider's development pages: opens the sign-in address, signs in as
# LOGIN (any password), consents, and prints the address the issuer sends
# the browser back to (without following it).
set -euo pipefail
B=$1; URL=$2; LOGIN=${3:-alice}; J=$(mktemp)
trap 'rm -f "$J" "$J.out"' EXIT
# The next page's URL, from a redirect; the page said otherwise is shown.
loc() {
    local headers next
    headers=$(cat)
    next=$(grep -i '^location:' <<<"$headers" | tr -d '\r' | awk '{print $2}' | sed "s#^/#$B/#")
    [ -n "$next" ] || { printf 'no redirect:\n%s\n' "$headers" >&2; cat "$J.out" >&2; exit 1; }
    echo "$next"
}
I1=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - "$URL" | loc)
R1=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - -d prompt=login -d "login=$LOGIN" -d password=x "$I1" | loc)
I2=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - "$R1" | loc)
R2=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - -d prompt=consent "$I2" | loc)
curl -s -c "$J" -b "$J" -o "$J.out" -D - "$R2" | loc
