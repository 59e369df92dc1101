#!/usr/bin/env bash
# approve_device.sh ISSUER USER_CODE LOGIN: plays the person at another
# device in oidc-provider's development pages: confirms the code, signs in
# as LOGIN (any password), consents. Prints the page's headline.
set -euo pipefail
B=$1; UC=$2; LOGIN=${3:-alice}; J=$(mktemp)
trap 'rm -f "$J" "$J.out"' EXIT
# The next page's URL, from a redirect; the page said otherwise is shown.
loc() {
    local headers next
    headers=$(cat)
    next=$(grep -i '^location:' <<<"$headers" | tr -d '\r' | awk '{print $2}' | sed "s#^/#$B/#")
    [ -n "$next" ] || { printf 'no redirect:\n%s\n' "$headers" >&2; cat "$J.out" >&2; exit 1; }
    echo "$next"
}
P=$(curl -s -c "$J" -b "$J" "$B/device?user_code=$UC")
X=$(grep -o 'name="xsrf" value="[^"]*"' <<<"$P" | cut -d'"' -f4)
I1=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - -d "xsrf=$X" -d "user_code=$UC" -d confirm=yes "$B/device" | loc)
R1=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - -d prompt=login -d "login=$LOGIN" -d password=x "$I1" | loc)
I2=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - "$R1" | loc)
R2=$(curl -s -c "$J" -b "$J" -o "$J.out" -D - -d prompt=consent "$I2" | loc)
curl -s -c "$J" -b "$J" "$R2" | grep -o '<h1>[^<]*</h1>'
