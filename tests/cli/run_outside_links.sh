#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A Hugging Face or NIM cache verified with --allow_symlinks: every file is a symlink into
# ../../blobs/.  One line says how many point outside the model (and how to list them),
# --log-level DEBUG lists each, --quiet says nothing, --json lists each in "warnings".
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
C=$tmp/models--org--name
mkdir -p "$C/blobs" "$C/snapshots/abc123/sub"
for f in config.json model.safetensors tokenizer.json sub/extra.bin; do
    b=$(printf '%s' "$f" | sha256sum | cut -c1-16)
    echo "content of $f" >"$C/blobs/$b"
    case $f in sub/*) ln -s "../../../blobs/$b" "$C/snapshots/abc123/$f" ;; *) ln -s "../../blobs/$b" "$C/snapshots/abc123/$f" ;; esac
done
S=$C/snapshots/abc123
run "sign the snapshot" 0 '^Signing succeeded$' "$OMSIG" sign key "$S" --signature "$tmp/hf.sig" --private_key $P/p256.key.pem --allow_symlinks
V=(verify key "$S" --signature "$tmp/hf.sig" --public_key $P/p256.pub.pem --allow_symlinks)
run "verify: one summary line" 0 '^Verification succeeded$' "$OMSIG" "${V[@]}"
[ "$(grep -c 'points outside the model' "$tmp/err")" = 1 ] && ok "one line for 4 symlinks" || bad "lines: $(cat "$tmp/err")"
grep -q 'and 3 more symlinks point outside the model .*--log-level DEBUG lists them' "$tmp/err" &&
    ok "it says how many and how to list them" || bad "summary: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/err")" = 1 ] && ok "nothing else on stderr" || bad "stderr: $(cat "$tmp/err")"
run "--quiet: nothing" 0 '^Verification succeeded$' "$OMSIG" "${V[@]}" --quiet
[ -s "$tmp/err" ] && bad "--quiet: $(cat "$tmp/err")" || ok "--quiet: stderr empty"
run "DEBUG: each one" 0 '^Verification succeeded$' "$OMSIG" --log-level DEBUG "${V[@]}"
[ "$(grep -c "^Symlink '.*' points outside the model, to '.*blobs/.*'; it is hashed as '.*'$" "$tmp/err")" = 4 ] &&
    ok "DEBUG: four lines" || bad "DEBUG: $(cat "$tmp/err")"
run "--json: each one in warnings" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" "${V[@]}" --json
n=$(python3 -c 'import json,sys; print(sum("points outside the model" in w for w in json.load(open(sys.argv[1]))["warnings"]))' "$tmp/out")
[ "$n" = 4 ] && ok "--json: 4 warnings" || bad "--json: $n warnings"
[ "$(grep -c 'points outside the model' "$tmp/err")" = 1 ] && ok "--json: one line on stderr" || bad "--json stderr: $(cat "$tmp/err")"
run "signing says it once too" 0 '^Signing succeeded$' "$OMSIG" sign key "$S" --signature "$tmp/hf2.sig" --private_key $P/p256.key.pem --allow_symlinks
[ "$(grep -c 'points outside the model' "$tmp/err")" = 1 ] && ok "sign: one line" || bad "sign: $(cat "$tmp/err")"
# one symlink: its own line, as before
mkdir -p "$tmp/one" && echo w >"$tmp/one/w.bin" && echo o >"$tmp/outside" && ln -s "$tmp/outside" "$tmp/one/link"
run "one symlink: its line" 0 '^Signing succeeded$' "$OMSIG" sign key "$tmp/one" --signature "$tmp/one.sig" --private_key $P/p256.key.pem --allow_symlinks
grep -qx "Symlink '.*one/link' points outside the model, to '.*outside'; it is hashed as 'link'" "$tmp/err" &&
    ok "one symlink: the warning itself" || bad "one: $(cat "$tmp/err")"
# links inside the model are not warned about
ln -s w.bin "$tmp/one/inner"
rm "$tmp/one/link"
run "a symlink inside the model" 0 '^Signing succeeded$' "$OMSIG" sign key "$tmp/one" --signature "$tmp/one.sig" --private_key $P/p256.key.pem --allow_symlinks
[ -s "$tmp/err" ] && bad "inside: $(cat "$tmp/err")" || ok "inside: no warning"
summary
