#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signing, digest and verification of files/blake3 models: a model of files around BLAKE3's
# chunk and tree edges signed with hash blake3 (through the library: blake3_sign_tool), the
# statement checked (method files, hash_type and algorithm blake3, and each digest equal to
# the PyPI blake3 package's when tests/.venv has it), verified by the command line, the same
# root digest on one and two threads, shards with blake3 signed as files, and a one-byte
# change caught.  Usage: run_blake3_model.sh OMSIG BLAKE3_SIGN_TOOL
set -u
OMSIG=$1
TOOL=$2
cd "$(dirname "$0")/../.."
P=testdata/pki
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
no() { echo "FAIL: $*" >&2; fail=1; }

M=$tmp/model
mkdir -p "$M/nested/dir"
: >"$M/empty"
head -c 1 /dev/urandom >"$M/one"
head -c 1024 /dev/urandom >"$M/chunk"
head -c 1025 /dev/urandom >"$M/nested/chunk+1"
head -c 65537 /dev/urandom >"$M/nested/dir/tree"
head -c $((3 * 1024 * 1024 + 7)) /dev/urandom >"$M/weights.bin"

"$TOOL" sign "$M" "$tmp/b3.sig" "$P/p256.key.pem" || no "sign with blake3"
"$TOOL" sign "$M" "$tmp/b3s.sig" "$P/p256.key.pem" shards || no "sign shards with blake3"

# the statement, read back
py=tests/.venv/bin/python
[ -x "$py" ] && "$py" -c 'import blake3' 2>/dev/null || py=python3
"$py" - "$M" "$tmp/b3.sig" "$tmp/b3s.sig" <<'PY' || fail=1
import base64, json, os, sys
model = sys.argv[1]
try:
    import blake3
except ImportError:
    blake3 = None
    print("the blake3 package is missing: digests not compared", file=sys.stderr)
for sig in sys.argv[2:]:
    env = json.load(open(sig))["dsseEnvelope"]
    st = json.loads(base64.b64decode(env["payload"]))
    ser = st["predicate"]["serialization"]
    assert ser["method"] == "files" and ser["hash_type"] == "blake3", ser
    res = st["predicate"]["resources"]
    assert len(res) == 6, res
    for r in res:
        assert r["algorithm"] == "blake3", r
        assert len(r["digest"]) == 64, r
        if blake3:
            want = blake3.blake3(open(os.path.join(model, r["name"]), "rb").read()).hexdigest()
            assert r["digest"] == want, (r, want)
PY

out=$("$OMSIG" verify key "$M" --signature "$tmp/b3.sig" --public_key "$P/p256.pub.pem" 2>&1) ||
    no "omsig verify of a blake3 bundle: $out"
"$TOOL" verify "$M" "$tmp/b3s.sig" "$P/p256.pub.pem" || no "verify of shards-asked blake3 bundle"

d1=$("$TOOL" digest "$M" 1) && d2=$("$TOOL" digest "$M" 2) || no "digest with blake3"
[ -n "${d1:-}" ] && [ "$d1" = "${d2:-}" ] || no "digest on one and two threads: '${d1:-}' '${d2:-}'"

cp -r "$M" "$tmp/t"
python3 -c 'import sys
f = open(sys.argv[1], "r+b"); f.seek(2000000); b = f.read(1); f.seek(2000000); f.write(bytes([b[0] ^ 1]))' "$tmp/t/weights.bin"
out=$("$OMSIG" verify key "$tmp/t" --signature "$tmp/b3.sig" --public_key "$P/p256.pub.pem" 2>&1) &&
    no "a changed byte verified"
case $out in *"Hash mismatch"*weights.bin*) ;; *) no "changed byte: unexpected message: $out" ;; esac

[ $fail = 0 ] && echo "blake3 model tests passed"
exit $fail
