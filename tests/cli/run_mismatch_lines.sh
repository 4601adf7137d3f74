#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A digest mismatch: the reference's line first, unchanged (scripts match it), then on the same
# stream one readable line per file: "Digest differs for 'NAME': expected HEX, computed HEX
# (N bytes hashed)", "Extra file 'NAME': ...", "Missing file 'NAME': ...", in the reference's
# order (extra, missing, then the mismatches by name).  --json's problems carry the same, with
# the size of a mismatch.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=$PWD/testdata/pki
PY=$PWD/tests/.venv/bin/python
[ -x "$PY" ] || PY=python3
sha() { sha256sum "$1" | cut -d' ' -f1; }

cd "$tmp" || exit 1
mkdir -p m/sub
printf 'weights one\n' >m/w1.bin
printf 'weights two\n' >m/sub/w2.bin
printf 'gone soon\n' >m/gone.txt
run "sign" 0 '^Signing succeeded$' "$OMSIG" sign key m --signature m.sig --private_key "$P/p256.key.pem"
cp -r m m0
e1=$(sha m/w1.bin) e2=$(sha m/sub/w2.bin)
printf 'weights ONE!\n' >m/w1.bin
printf 'weights 2\n' >m/sub/w2.bin
rm m/gone.txt
printf 'injected\n' >m/injected.py
a1=$(sha m/w1.bin) a2=$(sha m/sub/w2.bin)

run "verify the changed model" 1 "" "$OMSIG" verify key m --signature m.sig --public_key "$P/p256.pub.pem"
first=$(head -n 1 "$tmp/err")
case $first in
"Verification failed with error: Signature mismatch: [\"Extra files found in model 'm': injected.py\", \"Missing files in model 'm': gone.txt\", \"Hash mismatch for 'sub/w2.bin': Expected 'Digest(algorithm='sha256', digest_value=b'"*)
    ok "the reference's line first, as it words it" ;;
*) bad "the first line: $first" ;;
esac
# the reference's list holds the mismatches by name: sub/w2.bin before w1.bin
[ "$(grep -c "Hash mismatch for" <<<"$first")" = 1 ] && grep -q "Hash mismatch for 'w1.bin'" <<<"$first" &&
    ok "both mismatches on the reference's line" || bad "the reference's line: $first"
cat >"$tmp/want" <<EOT
Extra file 'injected.py': in the model, not in the signature
Missing file 'gone.txt': in the signature, not in the model
Digest differs for 'sub/w2.bin': expected $e2, computed $a2 (10 bytes hashed)
Digest differs for 'w1.bin': expected $e1, computed $a1 (13 bytes hashed)
EOT
tail -n +2 "$tmp/err" >"$tmp/lines"
cmp -s "$tmp/want" "$tmp/lines" && ok "one line per file, exactly" || bad "the lines: $(diff "$tmp/want" "$tmp/lines")"
[ -s "$tmp/out" ] && bad "stdout is not empty: $(cat "$tmp/out")" || ok "nothing on stdout"

# --json: the document's problems, and the same lines on stderr
run "verify --json" 1 "" "$OMSIG" verify key m --signature m.sig --public_key "$P/p256.pub.pem" --json
tail -n +2 "$tmp/err" >"$tmp/lines"
cmp -s "$tmp/want" "$tmp/lines" && ok "--json: the lines on stderr" || bad "--json stderr: $(diff "$tmp/want" "$tmp/lines")"
"$PY" - "$tmp/out" "$e1" "$a1" "$e2" "$a2" <<'PY' && ok "--json: problems with digests and sizes" || bad "--json: $(cat "$tmp/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
e1, a1, e2, a2 = sys.argv[2:6]
want = [
    {"kind": "extra", "name": "injected.py", "expected": None, "actual": None, "size": None},
    {"kind": "missing", "name": "gone.txt", "expected": None, "actual": None, "size": None},
    {"kind": "mismatch", "name": "sub/w2.bin", "expected": e2, "actual": a2, "size": 10},
    {"kind": "mismatch", "name": "w1.bin", "expected": e1, "actual": a1, "size": 13},
]
assert doc["problems"] == want, doc["problems"]
PY

# shards: the shard's name and its own size (w1.bin's last shard is 4 bytes)
run "sign m0 in shards of 8 bytes" 0 '^Signing succeeded$' "$OMSIG" sign key m0 --signature s.sig \
    --private_key "$P/p256.key.pem" --shard-size 8
printf 'weights ONE\n' >m0/w1.bin
run "verify the shards" 1 "" "$OMSIG" verify key m0 --signature s.sig --public_key "$P/p256.pub.pem"
grep -qE "^Digest differs for 'w1.bin:8:12': expected [0-9a-f]{64}, computed [0-9a-f]{64} \(4 bytes hashed\)$" "$tmp/err" &&
    ok "shards: a shard's line with its size" || bad "shards: $(cat "$tmp/err")"
[ "$(grep -c . "$tmp/err")" = 2 ] && ok "shards: one line for the one shard" || bad "shards: $(cat "$tmp/err")"
printf 'weights one\n' >m0/w1.bin
# a success prints none of them
run "the signed model" 0 '^Verification succeeded$' "$OMSIG" verify key m0 --signature s.sig --public_key "$P/p256.pub.pem"
[ -s "$tmp/err" ] && bad "success: stderr: $(cat "$tmp/err")" || ok "success: nothing on stderr"

# a name with a control character is escaped on the per-file line too
printf 'x\n' >"m/bad"$'\t'"name"
run "an escaped name" 1 "" "$OMSIG" verify key m --signature m.sig --public_key "$P/p256.pub.pem"
grep -qxF "Extra file 'bad\\tname': in the model, not in the signature" "$tmp/err" &&
    ok "the extra file's name escaped" || bad "escaped: $(cat "$tmp/err")"
summary
