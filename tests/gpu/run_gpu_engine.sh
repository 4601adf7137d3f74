#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU engine end to end (label gpu): --hasher gpu and hybrid give the verdicts and digests
# --hasher cpu gives, on the shared vectors and on generated models (many small files, shards,
# files crossing several launches); a tampered file is caught by each; a CUDA error forced
# mid-run (test hook OMSIG_FAULT_CUDA) falls back to the CPU with the right verdict under auto
# and hybrid, and fails with a message under --hasher gpu; BLAKE3 models likewise, with a file
# of several slabs whole and cut into pieces.  Exits 77 only where there is no GPU at all (a
# build without CUDA, no device, no driver); a GPU that cannot be used (its self-test refused,
# a CUDA error, a driver too old, memory not registered) fails the test, naming why.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
# shellcheck source=../lib.sh
. tests/lib.sh

need_feature cuda
if ! "$OMSIG" digest testdata/interop/models/nested --hasher gpu >"$tmp/probe" 2>&1; then
    if grep -qE 'no CUDA (device|driver) found|no NVIDIA driver is installed' "$tmp/probe"; then
        echo "SKIP: no GPU: $(cat "$tmp/probe")"
        exit 77
    fi
    echo "FAIL --hasher gpu cannot be used: $(cat "$tmp/probe")"
    exit 1
fi

# models: 3,000 small files of random sizes around the padding boundaries; 8 files that
# cross several launches; the same signed as shards.  Batches of 64 MiB (--buffer-size) keep
# the engine's pinned memory small.
M=$tmp/many
mkdir -p "$M/a" "$M/b"
python3 - "$M" <<'PY'
import os, random, sys
random.seed(7)
root = sys.argv[1]
special = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 4095, 4096, 4097]
for i in range(3000):
    n = special[i] if i < len(special) else random.randrange(0, 20000)
    with open(os.path.join(root, "a" if i % 2 else "b", f"f{i:05}.bin"), "wb") as f:
        f.write(random.randbytes(n))
for i in range(8):
    with open(os.path.join(root, f"big{i:02}.bin"), "wb") as f:
        f.write(random.randbytes(random.randrange(1 << 20, 3 << 20)))
PY
for shape in "" "--shard-size 65536"; do
    want=$("$OMSIG" digest "$M" --hasher cpu $shape)
    for h in gpu hybrid auto; do
        run "digest --hasher $h ${shape:-files}" 0 "^$want\$" "$OMSIG" digest "$M" --hasher $h $shape --buffer-size 64M
    done
    "$OMSIG" sign key "$M" --signature "$tmp/m.sig" --private_key "$P/p256.key.pem" $shape >/dev/null
    for h in cpu gpu hybrid; do
        run "verify --hasher $h ${shape:-files}" 0 'Verification succeeded' \
            "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --hasher $h --buffer-size 64M
    done
    cp -a "$M" "$tmp/t"
    printf 'x' | dd of="$tmp/t/a/f00101.bin" bs=1 seek=0 conv=notrunc status=none
    printf 'y' | dd of="$tmp/t/big07.bin" bs=1 seek=1000000 conv=notrunc status=none
    for h in cpu gpu hybrid; do
        run "tampered --hasher $h ${shape:-files}" 1 'Hash mismatch for .*(f00101|big07)' \
            "$OMSIG" verify key "$tmp/t" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --hasher $h --buffer-size 64M
    done
    rm -rf "$tmp/t"
done

# a CUDA error in the second batch: auto and hybrid finish on the CPU; gpu fails and says why
"$OMSIG" sign key "$M" --signature "$tmp/m.sig" --private_key "$P/p256.key.pem" >/dev/null
for h in hybrid auto; do
    run "CUDA error mid-run, --hasher $h: right verdict" 0 'Verification succeeded' \
        env OMSIG_FAULT_CUDA=1 "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --hasher $h --buffer-size 64M
done
run "CUDA error mid-run, --hasher gpu: fails with the reason" 1 'GPU hashing failed' \
    env OMSIG_FAULT_CUDA=1 "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --hasher gpu --buffer-size 64M

# the shared vectors through the GPU engine, where present: the same script, with every
# verify run by a wrapper that adds --hasher gpu
if [ -d ../shared/vectors ]; then
    printf '#!/bin/sh\nexec "%s" "$@" --hasher gpu --buffer-size 64M\n' "$OMSIG" >"$tmp/omsig-gpu"
    chmod +x "$tmp/omsig-gpu"
    bash tests/vectors/run_vectors.sh "$tmp/omsig-gpu" >"$tmp/v" 2>&1 && ok "shared vectors (--hasher gpu)" \
        || bad "shared vectors (--hasher gpu): $(grep FAIL "$tmp/v" | head -3)"
fi
# BLAKE3 on the device: files around the block, chunk and group edges, and one of three slabs
# (--buffer-size 64M: 64 MiB slabs); --threads 1 keeps it whole, two threads cut it into pieces
# hashed as subtrees.  Digests as the CPU's, verify, a changed byte caught, a CUDA error.
B=$tmp/b3
mkdir -p "$B/d"
python3 - "$B" <<'PY'
import os, random, sys
random.seed(11)
root = sys.argv[1]
for n in [0, 1, 64, 1023, 1024, 1025, 2049, 262144, 262145, 3 * 1048576 + 17]:
    with open(os.path.join(root, "d", f"f{n}.bin"), "wb") as f:
        f.write(random.randbytes(n))
with open(os.path.join(root, "big.bin"), "wb") as f:
    f.write(random.randbytes(2 * 64 * 1048576 + 12345))
PY
for th in 1 2; do
    want=$("$OMSIG" digest "$B" --hash blake3 --hasher cpu --threads $th)
    for h in gpu hybrid; do
        run "blake3 digest --hasher $h --threads $th" 0 "^$want\$" \
            "$OMSIG" digest "$B" --hash blake3 --hasher $h --threads $th --buffer-size 64M
    done
done
"$OMSIG" sign key "$B" --signature "$tmp/b3.sig" --private_key "$P/p256.key.pem" --hash blake3 >/dev/null 2>&1
for h in gpu hybrid; do
    run "blake3 verify --hasher $h" 0 'Verification succeeded' \
        "$OMSIG" verify key "$B" --signature "$tmp/b3.sig" --public_key "$P/p256.pub.pem" --hasher $h --buffer-size 64M
done
printf 'z' | dd of="$B/big.bin" bs=1 seek=100000000 conv=notrunc status=none
run "blake3 tampered --hasher gpu" 1 'Hash mismatch for .*big.bin' \
    "$OMSIG" verify key "$B" --signature "$tmp/b3.sig" --public_key "$P/p256.pub.pem" --hasher gpu --threads 1 --buffer-size 64M
"$OMSIG" sign key "$B" --signature "$tmp/b3.sig" --private_key "$P/p256.key.pem" --hash blake3 >/dev/null 2>&1
run "blake3, CUDA error mid-run, --hasher hybrid: right verdict" 0 'Verification succeeded' \
    env OMSIG_FAULT_CUDA=1 "$OMSIG" verify key "$B" --signature "$tmp/b3.sig" --public_key "$P/p256.pub.pem" --hasher hybrid --threads 1 --buffer-size 64M
run "blake3, CUDA error mid-run, --hasher gpu: fails with the reason" 1 'GPU hashing failed' \
    env OMSIG_FAULT_CUDA=1 "$OMSIG" verify key "$B" --signature "$tmp/b3.sig" --public_key "$P/p256.pub.pem" --hasher gpu --threads 1 --buffer-size 64M

summary
