#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs `omsig verify key` on every hostile bundle listed in testdata/hostile/cases.tsv and
# checks each is rejected cleanly (exit 1, named error) without opening files outside the model.
# Usage: tests/hostile/run_hostile.sh OMSIG_BINARY   (exit 77 = skipped: corpus absent)

set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 OMSIG_BINARY" >&2
    exit 2
fi

# Resolve the binary before changing directory.
BIN=$1
case $BIN in
    /*) ;;
    */*) BIN=$PWD/$BIN ;;
    *) BIN=$(command -v -- "$BIN" || echo "$PWD/$BIN") ;;
esac

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd) || exit 2
cd "$ROOT" || exit 2

DATA=testdata/hostile
TSV=$DATA/cases.tsv
if [ ! -f "$TSV" ]; then
    echo "SKIP: $TSV not found (run $DATA/make_hostile.py)"
    exit 77
fi
if [ ! -x "$BIN" ]; then
    echo "error: $BIN is not an executable file" >&2
    exit 2
fi

PREFIX="Verification failed with error: "
TIMEOUT=20
MODEL=$DATA/model
PUBKEY=$DATA/key.pub.pem

TMP=$(mktemp -d "${TMPDIR:-/tmp}/omsig-hostile.XXXXXX") || exit 2
trap 'rm -rf -- "$TMP"' EXIT

# strace is optional; it must also be allowed to ptrace here (containers may forbid it).
STRACE_FILTER=
if command -v strace >/dev/null 2>&1; then
    for filter in open,openat,openat2 open,openat; do
        if strace -f -e trace=$filter -o /dev/null true >/dev/null 2>&1; then
            STRACE_FILTER=$filter
            break
        fi
    done
    [ -n "$STRACE_FILTER" ] || echo "note: strace unusable here; file-access checks skipped"
else
    echo "note: strace not found; file-access checks skipped"
fi

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1: $2"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# First line of a file, NULs and control characters removed, at most 200 characters.
first_line() { head -c 65536 -- "$1" | tr -d '\000' | head -n 1 | tr -d '\r' | cut -c1-200; }

run_omsig() { # run_omsig SIGNATURE [EXTRA...]  -> stdout in $TMP/out, stderr in $TMP/err
    local sig=$1
    shift
    timeout -k 5 "$TIMEOUT" "$BIN" verify key "$MODEL" --signature "$sig" \
        --public_key "$PUBKEY" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
}

# --- positive controls ---------------------------------------------------------
for valid in valid.json valid-shards.json valid-blake2b.json; do
    [ -f "$DATA/$valid" ] || continue
    run_omsig "$DATA/$valid"
    rc=$?
    if [ "$rc" -eq 0 ]; then
        pass "$valid" "verifies (exit 0)"
    else
        fail "$valid" "expected exit 0, got $rc: $(first_line "$TMP/err")"
    fi
done

# --- hostile cases ------------------------------------------------------------------
while IFS=$'\t' read -r file expected _desc extra <&3; do
    case $file in '' | '#'*) continue ;; esac
    extra_args=()
    [ -n "${extra:-}" ] && read -r -a extra_args <<<"$extra"
    label=$file
    [ -n "${extra:-}" ] && label="$file [$extra]"
    sig=$DATA/cases/$file

    if [ ! -f "$sig" ]; then
        fail "$label" "case file $sig missing"
        continue
    fi

    run_omsig "$sig" "${extra_args[@]}"
    rc=$?
    err=$(head -c 65536 -- "$TMP/err" | tr -d '\000')
    msg=${err#"$PREFIX"}
    trimmed=${msg//[[:space:]]/}
    problem=
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        problem="timed out after ${TIMEOUT}s (exit $rc)"
    elif [ "$rc" -gt 128 ]; then
        problem="killed by signal $((rc - 128))"
    elif [ "$rc" -eq 0 ]; then
        problem="accepted (exit 0)"
    elif [ "$rc" -ne 1 ]; then
        problem="exit code $rc, expected 1: $(first_line "$TMP/err")"
    elif grep -q "Verification succeeded" "$TMP/out"; then
        problem="stdout says 'Verification succeeded'"
    elif [ "${err:0:${#PREFIX}}" != "$PREFIX" ]; then
        problem="stderr does not start with '$PREFIX': $(first_line "$TMP/err")"
    elif [ -z "$trimmed" ]; then
        problem="empty error message"
    else
        found=
        IFS='|' read -r -a alts <<<"$expected"
        for alt in "${alts[@]}"; do
            if [ -n "$alt" ] && [[ ${msg,,} == *"${alt,,}"* ]]; then
                found=1
                break
            fi
        done
        [ -n "$found" ] || problem="message lacks '$expected': $(first_line "$TMP/err")"
    fi

    # Checked even when the case already failed (reading outside the model is the most
    # important thing to report), but not after a timeout, which would only repeat.
    if [ -n "$STRACE_FILTER" ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ]; then
        log=$TMP/strace.log
        rm -f -- "$log"
        timeout -k 5 "$TIMEOUT" strace -f -s 8192 -e trace="$STRACE_FILTER" -o "$log" \
            "$BIN" verify key "$MODEL" --signature "$sig" --public_key "$PUBKEY" \
            "${extra_args[@]}" </dev/null >/dev/null 2>&1
        trace_problem=
        if [ ! -s "$log" ]; then
            trace_problem="strace produced no log"
        elif hit=$(grep -m 1 -E 'outside-secret|/etc/passwd' "$log"); then
            trace_problem="opened a file outside the model: $(printf '%s' "$hit" | cut -c1-200)"
        fi
        if [ -n "$trace_problem" ]; then
            problem=${problem:+$problem; }$trace_problem
        fi
    fi

    if [ -n "$problem" ]; then
        fail "$label" "$problem"
    else
        pass "$label" "$(printf '%s' "$msg" | head -n 1 | cut -c1-160)"
    fi
done 3<"$TSV"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
