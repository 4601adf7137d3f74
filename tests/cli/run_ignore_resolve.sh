#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --ignore-paths is resolved as the reference resolves it (Python's Path.resolve): symlinks are
# followed component by component, so "lnk/.." is the parent of the link's target, not the
# directory that holds the link. Each case has an expected verdict; with the reference in
# tests/.venv its verdict is compared too.
# Usage: tests/cli/run_ignore_resolve.sh OMSIG_BINARY
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
# shellcheck source=../lib.sh
. tests/lib.sh
REF=$ROOT/tests/.venv/bin/model_signing
[ -x "$REF" ] || { echo "note: $REF absent; the reference's verdicts are not compared"; REF=; }
KEY=$ROOT/testdata/hostile/key.pem
PUB=$ROOT/testdata/hostile/key.pub.pem

# base/m is the model; its links lead out of it and back into it
B=$tmp/base
mkdir -p "$B/m/sub/deeper" "$B/elsewhere2/inner" "$B/abs"
echo weights >"$B/m/weights.bin"
echo deep >"$B/m/sub/deeper/keep.txt"
ln -s ../elsewhere2/inner "$B/m/lnk"        # out of the model
ln -s sub/deeper "$B/m/lnk2"                # inside it
ln -s lnk2 "$B/m/lnk3"                      # a link to a link
ln -s "$B/abs" "$B/m/lnkabs"                # absolute target
ln -s loop "$B/loop"                        # a loop, outside (signing refuses one inside)
cd "$B" || exit 1
"$OMSIG" sign key m --signature "$tmp/m.sig" --private_key "$KEY" --allow_symlinks >/dev/null 2>&1 ||
    { bad "signing the model"; summary; exit; }
# files the signature does not cover, each to be ignored (or not) through a link
echo evil >m/evil.py
echo evil >m/sub/evil2.py

# case NAME WANT_EXIT IGNORE_PATH...: verify from $B with each path as --ignore-paths
case_() {
    local name=$1 want=$2
    shift 2
    local args=(verify key m --signature "$tmp/m.sig" --public_key "$PUB" --allow_symlinks)
    for p in "$@"; do args+=(--ignore-paths "$p"); done
    run "$name" "$want" "" "$OMSIG" "${args[@]}"
    if [ -n "$REF" ]; then
        "$REF" "${args[@]}" >"$tmp/ref.out" 2>&1
        local rc=$?
        [ "$rc" = "$want" ] && ok "$name: the reference agrees (exit $rc)" ||
            bad "$name: the reference exits $rc, want $want: $(tail -c 300 "$tmp/ref.out")"
    fi
}

# the issue's case: m/lnk/.. is base/elsewhere2, so evil.py is not ignored
case_ "lnk/../evil.py is outside the model" 1 m/lnk/../evil.py m/sub/evil2.py
grep -q "Extra files.*evil.py" "$tmp/out" "$tmp/err" && ok "evil.py is named as an extra file" ||
    bad "evil.py is not named as an extra file: $(cat "$tmp/err")"
case_ "the same, absolute" 1 "$B/m/lnk/../evil.py" m/sub/evil2.py
# m/lnk2/.. is m/sub: m/lnk2/../evil2.py is m/sub/evil2.py
case_ "lnk2/../evil2.py is sub/evil2.py" 0 m/lnk2/../evil2.py m/evil.py
case_ "lnk3 (a link to lnk2)/../evil2.py is sub/evil2.py" 0 m/lnk3/../evil2.py m/evil.py
case_ "lnk2/../evil2.py alone leaves evil.py an extra file" 1 m/lnk2/../evil2.py
# lnkabs leads to base/abs: lnkabs/.. is base, whatever the link's own directory
case_ "lnkabs/../m/evil.py is m/evil.py" 0 m/lnkabs/../m/evil.py m/sub/evil2.py
case_ "lnkabs/../base/m/evil.py is outside the model" 1 m/lnkabs/../base/m/evil.py m/sub/evil2.py
case_ "../base/m through the working directory" 0 ../base/m/evil.py ../base/m/sub/evil2.py
case_ "a missing component keeps the rest as written" 0 m/nope/../evil.py m/sub/evil2.py
# Python gives up on a loop and keeps the rest as written: loop/../m/evil.py is m/evil.py
case_ "a symlink loop keeps the rest as written" 0 loop/../m/evil.py m/sub/evil2.py
case_ "plain paths" 0 m/evil.py m/sub/evil2.py
# the model path given through a link resolves the same way
cd "$B/m/sub" || exit 1
run "ignore path relative to a working directory inside the model" 0 "" "$OMSIG" verify key "$B/m" \
    --signature "$tmp/m.sig" --public_key "$PUB" --allow_symlinks --ignore-paths ../lnk2/../evil2.py \
    --ignore-paths ../evil.py

summary
