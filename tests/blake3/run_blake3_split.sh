#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One large BLAKE3 file on every core: files around the piece sizes (1 MiB pieces and up,
# whole pieces, a last partial piece, a last partial chunk) hashed with 1 to 4 workers, the
# file split into subtrees (blake3_split.c), on every BLAKE3 backend this CPU has (forced with
# the OMSIG_BLAKE3 test hook), against the PyPI blake3 package; sign with 3 workers, verify
# with 1 and 4, a changed byte in the middle piece caught.  77 without the package in
# tests/.venv.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
# shellcheck source=../lib.sh
. tests/lib.sh
py=tests/.venv/bin/python
if [ ! -x "$py" ] || ! "$py" -c 'import blake3' 2>/dev/null; then
    echo "SKIP: tests/.venv with the blake3 package is missing (tests/interop/setup_venv.sh)"
    exit 77
fi
# shellcheck source=backends.sh
. tests/blake3/backends.sh
mib=$((1 << 20))
for n in $((2 * mib - 1)) $((2 * mib)) $((2 * mib + 1)) $((5 * mib + 1024)) $((16 * mib)) $((37 * mib + 123)); do
    M=$tmp/m$n
    mkdir -p "$M"
    head -c "$n" /dev/urandom >"$M/w.bin"
    want=$("$py" -c 'import blake3, hashlib, sys
d = blake3.blake3(open(sys.argv[1], "rb").read()).digest()
print("sha256:" + hashlib.sha256(d).hexdigest())' "$M/w.bin")
    for b in $(blake3_backends); do
        for t in 1 2 3 4; do
            run "$n bytes, $t workers, $b" 0 "^$want\$" env OMSIG_BLAKE3=$b "$OMSIG" digest "$M" --hash blake3 --threads $t
        done
    done
done
M=$tmp/m$((37 * mib + 123))
"$OMSIG" sign key "$M" --signature "$tmp/s.sig" --private_key "$P/p256.key.pem" --hash blake3 --threads 3 >/dev/null 2>&1
for t in 1 4; do
    run "verify, $t workers" 0 'Verification succeeded' "$OMSIG" verify key "$M" --signature "$tmp/s.sig" --public_key "$P/p256.pub.pem" --threads $t
done
printf 'x' | dd of="$M/w.bin" bs=1 seek=$((20 * mib + 7)) conv=notrunc status=none
run "changed byte in a middle piece" 1 'Hash mismatch' "$OMSIG" verify key "$M" --signature "$tmp/s.sig" --public_key "$P/p256.pub.pem" --threads 4
summary
