#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Help is wrapped as click wraps it: at the terminal's width ($COLUMNS first) but at most 80,
# less 2, and never narrower than 50.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh

helps=("" "verify" "sign" "verify key" "verify certificate" "verify sigstore" "sign key"
    "sign certificate" "sign sigstore" "digest" "bench")
# widest COLUMNS MAX: every help's longest line is at most MAX with that $COLUMNS
widest() {
    local cols=$1 max=$2 h w worst=0 where=
    for h in "${helps[@]}"; do
        # shellcheck disable=SC2086
        w=$(env ${cols:+COLUMNS=$cols} "$OMSIG" $h --help | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
        [ "$w" -gt "$worst" ] && worst=$w where="omsig $h --help"
    done
    if [ "$worst" -le "$max" ] && [ "$worst" -ge $((max - 12)) ]; then
        ok "COLUMNS=${cols:-unset}: longest line $worst (at most $max)"
    else
        bad "COLUMNS=${cols:-unset}: longest line $worst in $where, want at most $max"
    fi
}
unset COLUMNS
widest "" 78 </dev/null
widest 200 78
widest 80 78
widest 72 70
widest 60 58
widest 30 50
widest junk 78
summary
