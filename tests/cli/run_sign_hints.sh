#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signing with --shard-size or --hash blake2b says that model_signing's CLI cannot verify the
# result (it hashes whole files with sha256); plain signing says nothing; --json carries the
# note in "warnings"; --log-level ERROR leaves it out.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
N=testdata/interop/models/nested
S=(sign key "$N" --private_key $P/p256.key.pem)

run "plain signing: no note" 0 '^Signing succeeded$' "$OMSIG" "${S[@]}" --signature "$tmp/a.sig"
[ -s "$tmp/err" ] && bad "plain: $(cat "$tmp/err")" || ok "plain: stderr empty"
run "--shard-size" 0 "^Note: model_signing's CLI cannot verify this signature \\(a shards manifest, --shard-size\\)" \
    "$OMSIG" "${S[@]}" --signature "$tmp/b.sig" --shard-size 1K
grep -qx 'Signing succeeded' "$tmp/out" && ok "--shard-size: signed" || bad "--shard-size: $(cat "$tmp/out")"
run "  omsig verifies it" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature "$tmp/b.sig" --public_key $P/p256.pub.pem
run "--hash blake2b" 0 "^Note: model_signing's CLI cannot verify this signature \\(blake2b digests, --hash blake2b\\)" \
    "$OMSIG" "${S[@]}" --signature "$tmp/c.sig" --hash blake2b
run "both" 0 "shards manifest, --shard-size, of blake2b digests, --hash blake2b" \
    "$OMSIG" "${S[@]}" --signature "$tmp/d.sig" --hash blake2b --shard-size 1M
run "--hash sha256: no note" 0 '^Signing succeeded$' "$OMSIG" "${S[@]}" --signature "$tmp/e.sig" --hash sha256
[ -s "$tmp/err" ] && bad "sha256: $(cat "$tmp/err")" || ok "sha256: stderr empty"
run "--json: in warnings" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" "${S[@]}" --signature "$tmp/f.sig" --shard-size 1K --json
python3 -c 'import json,sys; sys.exit(not any("cannot verify" in w for w in json.load(open(sys.argv[1]))["warnings"]))' "$tmp/out" &&
    ok "--json: the note is a warning" || bad "--json: $(cat "$tmp/out")"
run "--log-level ERROR: no note" 0 '^Signing succeeded$' "$OMSIG" --log-level ERROR "${S[@]}" --signature "$tmp/g.sig" --shard-size 1K
[ -s "$tmp/err" ] && bad "ERROR: $(cat "$tmp/err")" || ok "ERROR: stderr empty"
run "a failed signing: no note" 1 '^Signing failed with error: ' "$OMSIG" sign key "$tmp/nope" --private_key $P/p256.key.pem \
    --signature "$tmp/h.sig" --shard-size 1K
grep -q Note "$tmp/err" && bad "failed: $(cat "$tmp/err")" || ok "failed: no note"
summary
