#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The CUDA runtime is set up only when the engine choice needs a GPU (label quick, with the
# stand-in CUDA runtime, which creates OMSIG_FAKE_CUDA_TOUCHED at its first call): a small
# model's verify and digest, and --version, never call it; --hasher gpu on the small model,
# and auto on a model with enough files for a GPU, do.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
grep -q OMSIG_FAKE_CUDA_TOUCHED tests/gpu/fake_cuda.c ||
    { echo "SKIP: the stand-in CUDA runtime has no OMSIG_FAKE_CUDA_TOUCHED switch"; exit 77; }
P=$PWD/testdata/pki
M=testdata/interop/models/nested
S=testdata/interop/bundles/nested.sig
export OMSIG_FAKE_CUDA_TOUCHED=$tmp/touched

# called yes|no NAME WANT_EXIT PATTERN cmd...: run, and whether the runtime was called
called() {
    local want=$1 name=$2 got=no
    shift
    rm -f "$OMSIG_FAKE_CUDA_TOUCHED"
    run "$@"
    [ -e "$OMSIG_FAKE_CUDA_TOUCHED" ] && got=yes
    if [ "$got" = "$want" ]; then ok "$name: CUDA runtime called: $got"; else bad "$name: CUDA runtime called: $got"; fi
}

called no "version" 0 '^omsig' "$OMSIG" --version
called no "small model, verify" 0 'Verification succeeded' \
    "$OMSIG" verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem"
called no "small model, digest" 0 '^sha256:' "$OMSIG" digest "$M"
called yes "small model, --hasher gpu" 0 'Verification succeeded' \
    "$OMSIG" verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem" --hasher gpu

# enough files for auto to consider a GPU (OMSIG_GPU_MIN_STREAMS, 1024)
B=$tmp/big
mkdir -p "$B"
for i in $(seq 0 1099); do printf 'file %d\n' "$i" >"$B/f$i.txt"; done
run "large model signed" 0 '' "$OMSIG" sign key "$B" --signature "$tmp/big.sig" \
    --private_key "$P/p256.key.pem" --hasher cpu
called yes "1,100 files, auto" 0 'Verification succeeded' \
    "$OMSIG" verify key "$B" --signature "$tmp/big.sig" --public_key "$P/p256.pub.pem"
summary
