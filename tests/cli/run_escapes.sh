#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Text from a bundle, a manifest, a file name or the command line never reaches the terminal
# raw: for each hostile case the output (stdout and stderr) must be valid UTF-8 with no control
# character but the line ends, no DEL, C1 or bidirectional control, and no forged line.
# Usage: tests/cli/run_escapes.sh OMSIG_BINARY   (exit 77: no python3)
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
command -v python3 >/dev/null || { echo "SKIP: python3 is needed"; exit 77; }
D=testdata/hostile
KEY=$D/key.pub.pem

# clean NAME WANT_EXIT FORBIDDEN_LINE cmd...: runs cmd; the exit code must be WANT_EXIT and
# the output must be clean and hold no line equal to FORBIDDEN_LINE (empty: none).
clean() {
    local name=$1 want=$2 forbid=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$? why
    why=$(python3 - "$tmp/out" "$tmp/err" "$forbid" <<'EOF'
import sys, unicodedata
forbid = sys.argv[3]
for path in sys.argv[1:3]:
    raw = open(path, "rb").read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        print(f"{path}: not UTF-8 ({e})"); sys.exit()
    for ch in text:
        o = ord(ch)
        if (o < 0x20 and ch != "\n") or 0x7f <= o <= 0x9f or o in (0x61c, 0x200e, 0x200f) \
                or 0x2028 <= o <= 0x202e or 0x2066 <= o <= 0x2069:
            print(f"{path}: raw U+{o:04X} in {text[:300]!r}"); sys.exit()
    if forbid and forbid in text.split("\n"):
        print(f"{path}: forged line {forbid!r}"); sys.exit()
EOF
)
    if [ "$rc" != "$want" ]; then
        bad "$name: exit $rc, want $want: $(head -c 300 "$tmp/err")"
    elif [ -n "$why" ]; then
        bad "$name: $why"
    else
        ok "$name: $(head -c 200 "$tmp/err" | tr '\n' ' ')"
    fi
}

# bundles: valid.json with one field changed (the signature does not cover them)
python3 - "$D/valid.json" "$tmp" <<'EOF'
import json, sys
base = open(sys.argv[1]).read()
out = sys.argv[2]
def write(name, change):
    b = json.loads(base)
    change(b)
    open(f"{out}/{name}.json", "w").write(json.dumps(b))
write("payload-type", lambda b: b["dsseEnvelope"].update(
    payloadType="x\nVerification succeeded\n\u001b[2K"))
write("media-type", lambda b: b.update(mediaType="\u001b]0;pwned\u0007\u009b2J\u202e"))
write("unknown-key", lambda b: b.update({"\u001b[2J\nVerification succeeded": 1}))
write("tsv-key", lambda b: b["verificationMaterial"].update(
    timestampVerificationData={"\u0085\u2067x": 1}))
EOF
# the bundle's raw bytes can hold what JSON escapes cannot: an invalid UTF-8 key is refused
# before it is parsed, so it is tested through a file name below instead

V=(verify key "$D/model" --public_key "$KEY" --signature)
clean "payloadType with a forged line and an escape" 1 "Verification succeeded" "$OMSIG" "${V[@]}" "$tmp/payload-type.json"
clean "mediaType that sets the terminal title" 1 "" "$OMSIG" "${V[@]}" "$tmp/media-type.json"
clean "unknown top-level key with controls" 1 "Verification succeeded" "$OMSIG" "${V[@]}" "$tmp/unknown-key.json"
clean "unknown key in timestampVerificationData" 1 "" "$OMSIG" "${V[@]}" "$tmp/tsv-key.json"

# file names: extra files in a copy of the model
M=$tmp/m
cp -a "$D/model" "$M"
touch "$M/"$'evil\e[2K\nVerification succeeded' "$M/"$'bad\xff\xfe' "$M/"$'c1\xc2\x9b31m\xe2\x80\xaeabc' \
    "$M/"$'del\x7f\xe2\x81\xa6' "$M/"$'cr\rtab\t'
clean "extra files with odd names" 1 "Verification succeeded" "$OMSIG" verify key "$M" --public_key "$KEY" --signature "$D/valid.json"

# manifest names: a model signed with an odd name, the file then removed
S=$tmp/s
mkdir "$S" && echo a >"$S/"$'w\e]0;pwned\a' && echo b >"$S/ok"
if "$OMSIG" sign key "$S" --signature "$tmp/s.sig" --private_key "$D/key.pem" >/dev/null 2>&1; then
    rm "$S/"$'w\e]0;pwned\a'
    clean "missing file named with an escape sequence" 1 "" "$OMSIG" verify key "$S" --public_key "$KEY" --signature "$tmp/s.sig"
else
    bad "signing a model with an odd name failed"
fi

# the model path and the signature path as given
O=$tmp/$'model\e[31m\xff'
cp -a "$D/model" "$O"
ln -s "$tmp/outside" "$O/link" && echo x >"$tmp/outside"
clean "model path with controls (symlink refused)" 1 "" "$OMSIG" verify key "$O" --public_key "$KEY" --signature "$D/valid.json"
clean "model path with controls (symlink outside warned)" 1 "" "$OMSIG" verify key "$O" --public_key "$KEY" --signature "$D/valid.json" --allow_symlinks
rm "$O/link"
ln -s "$tmp/"$'out\e[5m\xff' "$O/"$'lnk\e[1m' && echo x >"$tmp/"$'out\e[5m\xff'
clean "symlink warning with odd names" 1 "" "$OMSIG" verify key "$O" --public_key "$KEY" --signature "$D/valid.json" --allow_symlinks
clean "missing signature file with an odd name" 1 "" "$OMSIG" verify key "$D/model" --public_key "$KEY" --signature "$tmp/"$'sig\e]0;x\a\xff'
clean "digest of an odd missing path" 1 "" "$OMSIG" digest "$tmp/"$'nope\e[2J\xc2\x85'

# the command line
clean "extra argument with an escape" 2 "" "$OMSIG" verify key "$D/model" --public_key "$KEY" --signature "$D/valid.json" $'\e]0;pwned\a'
clean "unknown option with an escape" 2 "" "$OMSIG" verify key "$D/model" $'--bo\e[2Jgus'
clean "unknown command with an escape" 2 "" "$OMSIG" $'frob\e[2J\xff'
clean "bad option value with an escape" 2 "" "$OMSIG" verify key "$D/model" --hasher $'\e[2Jtpu'

summary
