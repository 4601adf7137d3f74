#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Two parts of the command line's contract: `--json=VALUE` (any attached value, before or after
# the command) is a usage error that still prints exactly one JSON document; and `--shard-size`
# above 2^53, which no verifier accepts (the statement holds it as a JSON number), is refused
# before anything is written, with the limit in the message.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
N=testdata/interop/models/nested
PY=tests/.venv/bin/python
[ -x "$PY" ] || PY=python3

# one_doc NAME: stdout of the last run is exactly one JSON object, a usage error whose message
# is the "does not take a value" one
one_doc() {
    if "$PY" - "$tmp/out" <<'PY'; then ok "$1: one JSON document"; else bad "$1: stdout: $(head -c 400 "$tmp/out")"; fi
import json, sys
text = open(sys.argv[1]).read()
doc, end = json.JSONDecoder().raw_decode(text)
assert text[end:].strip() == "", "more than one document"
assert doc["verdict"] == "usage_error" and doc["exit_code"] == 2, doc
assert doc["error"]["kind"] == "usage", doc
assert doc["error"]["message"] == "Option '--json' does not take a value.", doc
PY
}
jcase() {
    local name=$1
    shift
    run "$name" 2 "" "$OMSIG" "$@"
    [ "$(cat "$tmp/err")" = "Error: Option '--json' does not take a value." ] && ok "$name: stderr" ||
        bad "$name: stderr: $(cat "$tmp/err")"
    one_doc "$name"
}
jcase "verify --json=1" verify key "$N" --signature x.sig --public_key $P/p256.pub.pem --json=1
jcase "verify --json= (empty value)" verify key "$N" --signature x.sig --public_key $P/p256.pub.pem --json=
jcase "verify --json=true before the model" verify key --json=true "$N" --signature x.sig --public_key $P/p256.pub.pem
jcase "digest --json=yes" digest "$N" --json=yes
jcase "sign --json=pretty" sign key "$N" --signature "$tmp/j.sig" --private_key $P/p256.key.pem --json=pretty
[ -e "$tmp/j.sig" ] && bad "sign --json=pretty wrote a signature" || ok "sign --json=pretty wrote nothing"
jcase "top level --json=1" --json=1 verify key "$N" --signature x.sig --public_key $P/p256.pub.pem
jcase "--json and --json=1" verify key "$N" --json --signature x.sig --public_key $P/p256.pub.pem --json=1
# the flag without a value is unchanged
run "--json alone still a report" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" digest "$N" --json

LIMIT="is above 2^53 bytes (9007199254740992), the largest shard size a verifier accepts."
# scase NAME SIZE ARGS...: SIZE refused with the limit, nothing written
scase() {
    local name=$1 size=$2
    shift 2
    rm -f "$tmp/s.sig"
    run "$name" 2 "" "$OMSIG" "$@" --shard-size "$size"
    [ "$(tail -n 1 "$tmp/err")" = "Error: Invalid value for '--shard-size': '$size' $LIMIT" ] &&
        ok "$name: the limit in the message" || bad "$name: $(tail -n 1 "$tmp/err")"
    [ -e "$tmp/s.sig" ] && bad "$name: a signature was written" || ok "$name: nothing written"
}
scase "sign 2^53+1" 9007199254740993 sign key "$N" --signature "$tmp/s.sig" --private_key $P/p256.key.pem
scase "sign 2^64-1" 18446744073709551615 sign key "$N" --signature "$tmp/s.sig" --private_key $P/p256.key.pem
scase "sign 8388609G" 8388609G sign key "$N" --signature "$tmp/s.sig" --private_key $P/p256.key.pem
scase "sign certificate" 9007199254740993 sign certificate "$N" --signature "$tmp/s.sig" \
    --private_key $P/leaf-p256.key.pem --signing_certificate $P/leaf-p256.cert.pem
scase "digest too" 9007199254740993 digest "$N"
run "sign --json: one document" 2 "" "$OMSIG" sign key "$N" --signature "$tmp/s.sig" \
    --private_key $P/p256.key.pem --shard-size 9007199254740993 --json
grep -qF "$LIMIT" "$tmp/out" && ok "sign --json: the limit in the document" || bad "sign --json: $(cat "$tmp/out")"
# 2^53 itself is what the verifier still accepts: signed and verified
run "sign 2^53 (8388608G)" 0 '^Signing succeeded$' "$OMSIG" sign key "$N" --signature "$tmp/max.sig" \
    --private_key $P/p256.key.pem --shard-size 8388608G
run "  verifies" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature "$tmp/max.sig" \
    --public_key $P/p256.pub.pem
# 2^53-1: its 15-digit rounding reads back within cJSON's epsilon, so it must be written whole
run "sign 2^53-1" 0 '^Signing succeeded$' "$OMSIG" sign key "$N" --signature "$tmp/max1.sig" \
    --private_key $P/p256.key.pem --shard-size 9007199254740991
run "  verifies" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature "$tmp/max1.sig" \
    --public_key $P/p256.pub.pem
summary
