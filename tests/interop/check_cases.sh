#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs omsig against the reference-signed bundles listed in
# testdata/interop/cases.tsv (and the reference outcomes in extra_cases.tsv).
# Usage: check_cases.sh OMSIG_BINARY   (CHECK_EXTRA=0 skips extra_cases.tsv)
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 OMSIG_BINARY (a path to the built omsig)" >&2
  exit 2
fi
OMSIG=$(realpath "$1")

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

DIR=testdata/interop
CASES="$DIR/cases.tsv"
EXTRA="$DIR/extra_cases.tsv"

if [ ! -f "$CASES" ]; then
  echo "check_cases.sh: $CASES is missing (run tests/interop/make_interop.sh); skipping" >&2
  exit 77
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# first_line FILE: the first line of FILE, for failure messages.
first_line() { head -n 1 "$1" 2>/dev/null || true; }

# split LINE: fills FIELDS with the tab-separated fields of LINE (keeps empty ones).
split() {
  FIELDS=()
  readarray -d $'\t' -t FIELDS < <(printf '%s' "$1")
}

# extra_args TEXT: fills EXTRA_ARGS from a space-separated field ("-" = none).
extra_args() {
  EXTRA_ARGS=()
  if [ -n "$1" ] && [ "$1" != "-" ]; then
    read -r -a EXTRA_ARGS <<<"$1"
  fi
}

# run_verify METHOD MODEL BUNDLE MATERIAL: runs omsig verify, sets RC, output in $TMP.
run_verify() {
  local method="$1" model="$2" bundle="$3" material="$4" opt
  case "$method" in
    key) opt=--public_key ;;
    certificate) opt=--certificate_chain ;;
    *) echo "unknown method $method" >"$TMP/err"; RC=99; return ;;
  esac
  set +e
  "$OMSIG" verify "$method" "$DIR/$model" --signature "$DIR/$bundle" "$opt" "$material" \
    ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} >"$TMP/out" 2>"$TMP/err"
  RC=$?
  set -e
}

while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in '#'* | '') continue ;; esac
  split "$line"
  if [ "${#FIELDS[@]}" -lt 7 ]; then
    fail "malformed row in $CASES: $line"
    continue
  fi
  c="${FIELDS[0]}" method="${FIELDS[1]}" model="${FIELDS[2]}" bundle="${FIELDS[3]}"
  material="${FIELDS[4]}" digest="${FIELDS[6]}"
  extra_args "${FIELDS[5]}"

  problems=()
  run_verify "$method" "$model" "$bundle" "$material"
  if [ "$RC" -ne 0 ]; then
    problems+=("verify exit $RC (expected 0): $(first_line "$TMP/err")")
  elif ! grep -qx 'Verification succeeded' "$TMP/out"; then
    problems+=("verify stdout: $(first_line "$TMP/out")")
  fi

  set +e
  got="$("$OMSIG" digest "$DIR/$model" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"} 2>"$TMP/err")"
  drc=$?
  set -e
  if [ "$drc" -ne 0 ]; then
    problems+=("digest exit $drc: $(first_line "$TMP/err")")
  elif [ "$got" != "sha256:$digest" ]; then
    problems+=("digest '$got' (expected sha256:$digest)")
  fi

  if [ "${#problems[@]}" -eq 0 ]; then
    pass "$c ($method)"
  else
    fail "$c ($method): $(printf '%s; ' "${problems[@]}")"
  fi
done <"$CASES"

if [ "${CHECK_EXTRA:-1}" != "0" ] && [ -f "$EXTRA" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '#'* | '') continue ;; esac
    split "$line"
    if [ "${#FIELDS[@]}" -lt 7 ]; then
      fail "malformed row in $EXTRA: $line"
      continue
    fi
    c="${FIELDS[0]}" method="${FIELDS[1]}" model="${FIELDS[2]}" bundle="${FIELDS[3]}"
    material="${FIELDS[4]}" want="${FIELDS[6]}"
    extra_args "${FIELDS[5]}"
    # the outcomes are model_signing 1.1.1's, which checks a chain at the leaf's notBefore
    [ "$method" = certificate ] && EXTRA_ARGS+=(--verify-time signing)
    run_verify "$method" "$model" "$bundle" "$material"
    if [ "$RC" -eq "$want" ]; then
      pass "extra/$c ($method, exit $RC)"
    else
      msg="$(first_line "$TMP/err")"
      [ -n "$msg" ] || msg="$(first_line "$TMP/out")"
      fail "extra/$c ($method): exit $RC, reference exit $want: $msg"
    fi
  done <"$EXTRA"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
