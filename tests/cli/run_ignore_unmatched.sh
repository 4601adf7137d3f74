#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An --ignore-paths entry that matches nothing in the model is a warning, not an error: it names
# the entry, says that ignore paths are taken relative to the current directory (as the
# reference takes them), where this one leads, and the model's own file when one has that name.
# Entries that match (a file, a folder, the model itself) say nothing.  sign, verify, digest.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=$PWD/testdata/pki

cd "$tmp" || exit 1
mkdir -p m/sub
printf 'w\n' >m/weights.bin
printf 'x\n' >m/sub/x.txt
printf 'k\n' >m/keep.txt
W_REL="--ignore-paths 'weights.bin' matches nothing in the model 'm': ignore paths are taken relative to the current directory, not to the model, and this one names '$tmp/weights.bin'; to ignore the model's own, give 'm/weights.bin'"
W_NONE="--ignore-paths 'm/nothere' matches nothing in the model 'm': ignore paths are taken relative to the current directory, not to the model, and this one names '$tmp/m/nothere'"
W_ABS="--ignore-paths '/nonexistent/x' matches nothing in the model 'm'"

# stderr NAME WANT...: stderr of the last run is exactly the lines WANT
stderr_is() {
    local name=$1
    shift
    if [ $# = 0 ]; then : >"$tmp/want"; else printf '%s\n' "$@" >"$tmp/want"; fi
    cmp -s "$tmp/want" "$tmp/err" && ok "$name: the warnings" || bad "$name: $(diff "$tmp/want" "$tmp/err")"
}

run "sign with entries that match nothing" 0 '^Signing succeeded$' "$OMSIG" sign key m --signature m.sig \
    --private_key "$P/p256.key.pem" --ignore-paths weights.bin --ignore-paths m/nothere --ignore-paths /nonexistent/x
stderr_is "sign" "$W_REL" "$W_NONE" "$W_ABS"
run "sign with entries that match" 0 '^Signing succeeded$' "$OMSIG" sign key m --signature m2.sig \
    --private_key "$P/p256.key.pem" --ignore-paths m/sub --ignore-paths ./m/weights.bin
stderr_is "sign, matching entries" # nothing

# the issue's stumble: a file added to the model, ignored by its name inside the model
printf 'extra\n' >m/extra.bin
run "verify: the entry relative to the model ignores nothing" 1 "" "$OMSIG" verify key m --signature m.sig \
    --public_key "$P/p256.pub.pem" --ignore-paths extra.bin
W_EXTRA="--ignore-paths 'extra.bin' matches nothing in the model 'm': ignore paths are taken relative to the current directory, not to the model, and this one names '$tmp/extra.bin'; to ignore the model's own, give 'm/extra.bin'"
[ "$(head -n 1 "$tmp/err")" = "$W_EXTRA" ] && ok "verify: the warning comes first" || bad "verify: $(cat "$tmp/err")"
grep -qxF "Verification failed with error: Signature mismatch: [\"Extra files found in model 'm': extra.bin\"]" "$tmp/err" &&
    ok "verify: the verdict is the reference's" || bad "verify: $(cat "$tmp/err")"
run "verify: as the warning says" 0 '^Verification succeeded$' "$OMSIG" verify key m --signature m.sig \
    --public_key "$P/p256.pub.pem" --ignore-paths m/extra.bin
stderr_is "verify, matching entry" # nothing
run "verify: --json" 0 "" "$OMSIG" verify key m --signature m.sig --public_key "$P/p256.pub.pem" \
    --ignore-paths m/extra.bin --ignore-paths m/nothere --json
grep -qF "\"warnings\":	[\"$W_NONE\"]" "$tmp/out" && ok "verify --json: in warnings" || bad "verify --json: $(cat "$tmp/out")"
stderr_is "verify --json: on stderr too" "$W_NONE"
run "verify: --log-level ERROR drops it" 0 '^Verification succeeded$' "$OMSIG" --log-level ERROR verify key m \
    --signature m.sig --public_key "$P/p256.pub.pem" --ignore-paths m/extra.bin --ignore-paths m/nothere
stderr_is "verify: --log-level ERROR" # nothing
# through a symlink out of the model: resolved as the reference resolves it, outside
mkdir -p elsewhere && ln -s ../elsewhere m/lnk
run "verify: an entry through a link out of the model" 0 "" "$OMSIG" verify key m --signature m.sig \
    --public_key "$P/p256.pub.pem" --ignore-paths m/extra.bin --ignore-paths m/lnk --allow_symlinks
grep -qxF -- "--ignore-paths 'm/lnk' matches nothing in the model 'm': ignore paths are taken relative to the current directory, not to the model, and this one names '$tmp/elsewhere'" "$tmp/err" &&
    ok "verify: the link's target named" || bad "link: $(cat "$tmp/err")"
rm m/lnk
# the model itself, and from inside the model
run "verify: the model itself matches" 1 "" "$OMSIG" verify key m --signature m.sig \
    --public_key "$P/p256.pub.pem" --ignore-paths m
grep -q "matches nothing" "$tmp/err" && bad "the model itself: $(cat "$tmp/err")" || ok "the model itself: no warning"
(cd m && "$OMSIG" verify key . --signature ../m.sig --public_key "$P/p256.pub.pem" --ignore-paths extra.bin) \
    >"$tmp/out" 2>"$tmp/err" && ok "from inside the model: relative entries match" || bad "inside: $(cat "$tmp/err")"
stderr_is "from inside the model" # nothing

# digest, and a single-file model: only the file itself matches it
run "digest" 0 '^sha256:' "$OMSIG" digest m --ignore-paths m/extra.bin --ignore-paths m/nothere
stderr_is "digest" "$W_NONE"
run "digest of a file" 0 '^sha256:' "$OMSIG" digest m/weights.bin --ignore-paths m/sub
stderr_is "digest of a file" "--ignore-paths 'm/sub' matches nothing in the model 'm/weights.bin': ignore paths are taken relative to the current directory, not to the model, and this one names '$tmp/m/sub'"
summary
