#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# BLAKE3 interop with model_signing 1.1.1's library API (its command line cannot choose the
# hash): a model it signs with hashing_algorithm="blake3" verifies in omsig, one omsig signs
# with hash blake3 verifies in model_signing, and a changed byte fails in both.  77 without
# the reference in tests/.venv.  Usage: run_blake3_interop.sh OMSIG BLAKE3_SIGN_TOOL
set -u
OMSIG=$1
TOOL=$2
cd "$(dirname "$0")/../.."
P=testdata/pki
py=tests/.venv/bin/python
if [ ! -x "$py" ] || ! "$py" -c 'import model_signing, blake3' 2>/dev/null; then
    echo "SKIP: model_signing and blake3 are not in tests/.venv (tests/interop/setup_venv.sh)"
    exit 77
fi
REF="$py tests/blake3/blake3_reference.py"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
no() { echo "FAIL: $*" >&2; fail=1; }
flip() { # flip one bit of byte $2 of file $1
    python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); b = f.read(1)
f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))' "$1" "$2"
}

M=$tmp/model
mkdir -p "$M/nested"
: >"$M/empty"
head -c 1025 /dev/urandom >"$M/nested/chunk+1"
head -c 3000 /dev/urandom >"$M/config.json"
head -c $((2 * 1024 * 1024 + 3)) /dev/urandom >"$M/weights.bin"
cp -r "$M" "$tmp/t"
flip "$tmp/t/weights.bin" 1500000

# model_signing signs, omsig verifies
$REF sign "$M" "$tmp/ref.sig" "$P/p256.key.pem" || no "model_signing sign with blake3"
grep -q blake3 "$tmp/ref.sig" 2>/dev/null || python3 -c 'import base64,json,sys
p=json.loads(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]))
sys.exit(p["predicate"]["serialization"]["hash_type"] != "blake3")' "$tmp/ref.sig" ||
    no "model_signing's bundle is not blake3"
out=$("$OMSIG" verify key "$M" --signature "$tmp/ref.sig" --public_key "$P/p256.pub.pem" 2>&1) ||
    no "omsig verify of model_signing's blake3 bundle: $out"
out=$("$OMSIG" verify key "$tmp/t" --signature "$tmp/ref.sig" --public_key "$P/p256.pub.pem" 2>&1) &&
    no "omsig verified a changed byte (model_signing's bundle)"
case $out in *"Hash mismatch for "*weights.bin*) ;; *) no "omsig, changed byte: $out" ;; esac
omsig_said=${out#*Signature mismatch: }
omsig_said=${omsig_said%%$'\n'*} # the reference's line; omsig's per-file lines follow it

# omsig signs, model_signing verifies
"$TOOL" sign "$M" "$tmp/omsig.sig" "$P/p256.key.pem" || no "omsig sign with blake3"
$REF verify "$M" "$tmp/omsig.sig" "$P/p256.pub.pem" || no "model_signing verify of omsig's bundle"
$REF verify "$tmp/t" "$tmp/omsig.sig" "$P/p256.pub.pem" 2>"$tmp/err" &&
    no "model_signing verified a changed byte (omsig's bundle)"
ref_said=$(cat "$tmp/err")
case $ref_said in *"Hash mismatch for "*weights.bin*) ;; *) no "model_signing, changed byte: $ref_said" ;; esac
# the same model and change: the same words from both
[ "${ref_said#*Signature mismatch: }" = "$omsig_said" ] ||
    no "mismatch messages differ: model_signing '$ref_said', omsig '$omsig_said'"

# the same root digest both ways
r1=$(python3 -c 'import base64,json,sys
print(json.loads(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]))["subject"][0]["digest"]["sha256"])' "$tmp/ref.sig")
r2=$("$TOOL" digest "$M")
[ -n "$r1" ] && [ "$r1" = "$r2" ] || no "root digests differ: model_signing $r1, omsig $r2"

[ $fail = 0 ] && echo "blake3 interop passed both ways"
exit $fail
