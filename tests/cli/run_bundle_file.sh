#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The bundle file that signing writes: created as any new file is (umask 027 gives 0640), a
# replaced file keeps its mode, a --signature that names a symlink writes the file it points to
# and keeps the link (relative links, chains, dangling links), still through a temporary file
# and a rename: nothing is left beside it.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
N=testdata/interop/models/nested
S=(sign key "$N" --private_key $P/p256.key.pem)
mode() { stat -c %a "$1"; }
verifies() { "$OMSIG" verify key "$N" --signature "$1" --public_key $P/p256.pub.pem >/dev/null 2>&1; }

for u in 027 022 002 077; do
    (umask $u && "$OMSIG" "${S[@]}" --signature "$tmp/u$u.sig" >/dev/null 2>&1)
    want=$(printf '%o' $((0666 & ~8#$u)))
    [ "$(mode "$tmp/u$u.sig")" = "$want" ] && ok "umask $u: $want" || bad "umask $u: $(mode "$tmp/u$u.sig"), want $want"
done
chmod 600 "$tmp/u022.sig"
(umask 022 && "$OMSIG" "${S[@]}" --signature "$tmp/u022.sig" >/dev/null 2>&1)
[ "$(mode "$tmp/u022.sig")" = 600 ] && ok "a replaced bundle keeps its mode" || bad "replaced: $(mode "$tmp/u022.sig")"

mkdir -p "$tmp/d/real"
"$OMSIG" "${S[@]}" --signature "$tmp/d/real/target.sig" >/dev/null 2>&1
chmod 640 "$tmp/d/real/target.sig"
ln -s real/target.sig "$tmp/d/link.sig"
run "through a relative symlink" 0 '^Signing succeeded$' "$OMSIG" "${S[@]}" --signature "$tmp/d/link.sig" --shard-size 1K
[ -L "$tmp/d/link.sig" ] && [ "$(readlink "$tmp/d/link.sig")" = real/target.sig ] && ok "the link stays" || bad "the link was replaced"
grep -q '"shards"' <(python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]).decode())' "$tmp/d/real/target.sig") &&
    ok "the target holds the new bundle" || bad "the target was not written"
[ "$(mode "$tmp/d/real/target.sig")" = 640 ] && ok "the target keeps its mode" || bad "target mode $(mode "$tmp/d/real/target.sig")"
ln -s "$tmp/d/link.sig" "$tmp/d/link2.sig"
run "through a chain of two links" 0 '^Signing succeeded$' "$OMSIG" "${S[@]}" --signature "$tmp/d/link2.sig"
[ -L "$tmp/d/link2.sig" ] && [ -L "$tmp/d/link.sig" ] && verifies "$tmp/d/real/target.sig" && ok "both links stay, the target verifies" ||
    bad "chain: $(ls -la "$tmp/d")"
ln -s real/new.sig "$tmp/d/dangling.sig"
run "through a dangling link" 0 '^Signing succeeded$' "$OMSIG" "${S[@]}" --signature "$tmp/d/dangling.sig"
[ -L "$tmp/d/dangling.sig" ] && verifies "$tmp/d/real/new.sig" && ok "the link's target is created" || bad "dangling: $(ls -la "$tmp/d" "$tmp/d/real")"
run "verify through the link" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature "$tmp/d/link.sig" --public_key $P/p256.pub.pem
left=$(find "$tmp" -name '*.tmp*' | head -3)
[ -z "$left" ] && ok "no temporary file left" || bad "left: $left"
run "a directory that does not exist" 1 "Cannot write the signature '.*nodir/x.sig': No such file or directory" \
    "$OMSIG" "${S[@]}" --signature "$tmp/nodir/x.sig"
summary
