#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU engine and the device tests on a stand-in device that is absent, lies or breaks
# (tests/gpu/fake_cuda.c's switches).  The device tests skip only where there is no device or
# no driver at all; a driver too old, a wrong self-test digest, a refused registration or any
# other CUDA error fails them, naming why.  --hasher gpu fails with the reason when set-up
# fails (out of memory in cudaMalloc, cudaHostRegister refused, a driver older than the build)
# and when a sticky error strikes mid-run (a launch, a stream wait, a synchronisation);
# --hasher auto then still gives the right verdict on the CPU, and hybrid puts the unfinished
# streams back for its CPU workers.  A digest corrupted mid-run is a failed verification, never
# a pass.  Four stand-in devices give the right digests.
# Arguments: the omsig built on the stand-in runtime, and the device tests built on it.
set -u
OMSIG=$(realpath "$1")
KERNEL_TEST=$(realpath "$2")
B3_TEST=$(realpath "$3")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
# shellcheck source=../lib.sh
. tests/lib.sh
ENGINE_TEST=tests/gpu/run_gpu_engine.sh
too_old='supports CUDA 12\.2 .*needs CUDA 13\.[0-9]'

# ---- the device tests: skip only when nothing is there ----------------------------------------
run "engine test, no device: skips" 77 'SKIP: no GPU: .*no CUDA device found' \
    env OMSIG_FAKE_CUDA_NO_DEVICE=1 bash "$ENGINE_TEST" "$OMSIG"
run "engine test, no driver: skips" 77 'SKIP: no GPU: .*no (CUDA|NVIDIA) driver' \
    env OMSIG_FAKE_CUDA_DRIVER=0 bash "$ENGINE_TEST" "$OMSIG"
run "engine test, driver too old: fails naming both versions" 1 "FAIL .*$too_old" \
    env OMSIG_FAKE_CUDA_DRIVER=12020 bash "$ENGINE_TEST" "$OMSIG"
run "engine test, registration refused: fails" 1 'FAIL .*cudaHostRegister.*out of memory' \
    env OMSIG_FAKE_CUDA_FAIL=cudaHostRegister:1 bash "$ENGINE_TEST" "$OMSIG"
run "engine test, the runtime fails to start: fails" 1 'FAIL .*CUDA runtime cannot start: unknown error' \
    env OMSIG_FAKE_CUDA_FAIL=cudaGetDeviceCount:1 bash "$ENGINE_TEST" "$OMSIG"
run "engine test, a device that swallows bytes: fails" 1 'FAIL .*self-test gave a wrong' \
    env OMSIG_FAKE_CUDA_DISCARD=1 bash "$ENGINE_TEST" "$OMSIG"
for t in "$KERNEL_TEST" "$B3_TEST"; do
    n=$(basename "$t")
    run "$n, no device: skips" 77 'SKIP: no CUDA device' env OMSIG_FAKE_CUDA_NO_DEVICE=1 "$t"
    run "$n, no driver: skips" 77 'SKIP: no CUDA driver' env OMSIG_FAKE_CUDA_DRIVER=0 "$t"
    run "$n, driver too old: fails naming both versions" 1 "FAIL: .*$too_old" env OMSIG_FAKE_CUDA_DRIVER=12020 "$t"
    run "$n, the runtime fails to start: fails" 1 'FAIL: cudaGetDeviceCount: unknown error' \
        env OMSIG_FAKE_CUDA_FAIL=cudaGetDeviceCount:1 "$t"
done

# ---- the engine --------------------------------------------------------------------------------
# 1,100 small files (enough for auto to set the device up) and one of 5 MiB that crosses some
# 300 launches of 16 KiB jobs; batches of 64 MiB (--buffer-size), so the set-up's known-answer
# tests take 49 SHA-256 and 20 BLAKE3 launches.
M=$tmp/m
mkdir -p "$M/d"
python3 - "$M" <<'PY'
import os, random, sys
random.seed(24)
root = sys.argv[1]
for i in range(1100):
    with open(os.path.join(root, "d", f"f{i:04}.bin"), "wb") as f:
        f.write(random.randbytes(random.randrange(0, 6000)))
with open(os.path.join(root, "big.bin"), "wb") as f:
    f.write(random.randbytes(5 << 20))
PY
want=$("$OMSIG" digest "$M" --hasher cpu)
"$OMSIG" sign key "$M" --signature "$tmp/m.sig" --private_key "$P/p256.key.pem" >/dev/null
verify() { # verify ENV... -- OPTIONS...
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    env "${envs[@]}" "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" \
        --buffer-size 64M "$@"
}
# auto_cpu NAME WHY ENV...: auto verifies, on the CPU, and its reason names why not the GPU
auto_cpu() {
    local name=$1 why=$2
    shift 2
    run "$name: --hasher auto verifies on the CPU" 0 '"verdict":[[:space:]]*"success"' \
        verify "$@" -- --hasher auto --json
    grep -qE "\"engine\":[[:space:]]*\"cpu\"" "$tmp/out" && grep -qE "\"engine_reason\":.*$why" "$tmp/out" \
        && ok "$name: auto says why" || bad "$name: auto says why: $(grep engine "$tmp/out")"
}

# set-up refused: out of memory, registration refused, a driver older than the build
for f in cudaMalloc:1 cudaMalloc:5 cudaHostRegister:1 cudaStreamCreateWithFlags:2 cudaEventCreateWithFlags:3; do
    run "FAIL=$f: --hasher gpu fails with the reason" 1 "GPU hashing is not available: cannot set up the GPU: .*${f%%:*}" \
        verify OMSIG_FAKE_CUDA_FAIL=$f -- --hasher gpu
    auto_cpu "FAIL=$f" "cannot set up the GPU: .*${f%%:*}" OMSIG_FAKE_CUDA_FAIL=$f
done
run "driver older than the build: --hasher gpu fails naming both versions" 1 "GPU hashing is not available: .*$too_old" \
    verify OMSIG_FAKE_CUDA_DRIVER=12020 -- --hasher gpu
auto_cpu "driver older than the build" "$too_old" OMSIG_FAKE_CUDA_DRIVER=12020
run "self-test mismatch: --hasher gpu fails" 1 'GPU hashing is not available: the GPU self-test gave a wrong SHA-256' \
    verify OMSIG_FAKE_CUDA_CORRUPT=1 -- --hasher gpu
auto_cpu "self-test mismatch" "the GPU self-test gave a wrong SHA-256" OMSIG_FAKE_CUDA_CORRUPT=1

# sticky errors mid-run: the first and second launches after the set-up's, the first batch's
# wait for its copy, the run's second synchronisation.  Hybrid's device hashes what its CPU
# workers leave, perhaps one batch: only the first batch's failures are sure to strike there.
# One reader group (OMSIG_GPU_GROUPS=1), so that the call that failed is the one reported;
# with several, another group may meet the sticky error first, in another call.
struck=0
for f in omsig_cuda_sha256_launch:50 omsig_cuda_sha256_launch:51 cudaStreamWaitEvent:2 cudaEventSynchronize:2; do
    run "FAIL=$f mid-run: --hasher gpu fails with the reason" 1 \
        "GPU hashing failed: .*${f%%:*}.*unspecified launch failure" \
        verify OMSIG_GPU_GROUPS=1 OMSIG_FAKE_CUDA_FAIL=$f -- --hasher gpu
    run "FAIL=$f mid-run, reader groups: --hasher gpu fails with a CUDA error" 1 \
        "GPU hashing failed: .*unspecified launch failure" \
        verify OMSIG_GPU_GROUPS=3 OMSIG_FAKE_CUDA_FAIL=$f -- --hasher gpu
    run "FAIL=$f mid-run, reader groups: --hasher hybrid verifies" 0 'Verification succeeded' \
        verify OMSIG_GPU_GROUPS=3 OMSIG_FAKE_CUDA_FAIL=$f -- --hasher hybrid
    run "FAIL=$f mid-run: --hasher hybrid verifies" 0 'Verification succeeded' \
        verify OMSIG_GPU_GROUPS=1 OMSIG_FAKE_CUDA_FAIL=$f -- --hasher hybrid
    # whether the device reaches that call before the CPU workers have taken everything is a
    # race; where it did, the run must say that the CPU hashes the rest (counted below)
    if grep -qE 'GPU hashing stopped .*unspecified launch failure.*the CPU hashes the rest' "$tmp/out" "$tmp/err"; then
        struck=$((struck + 1))
    elif grep -q 'GPU hashing stopped' "$tmp/out" "$tmp/err"; then
        bad "FAIL=$f mid-run: hybrid's warning names the failure: $(cat "$tmp/out" "$tmp/err" | head -c 300)"
    fi
    run "FAIL=$f mid-run: --hasher auto verifies" 0 'Verification succeeded' verify OMSIG_FAKE_CUDA_FAIL=$f -- --hasher auto
done

[ "$struck" -ge 1 ] && ok "mid-run failures struck hybrid's device $struck times of 4, the CPU hashing the rest" \
    || bad "no mid-run failure struck hybrid's device: the fallback was not exercised"

# a digest corrupted after the self-tests (the 1,000th: the run's) fails the verification
run "a digest corrupted mid-run: verification fails" 1 'Hash mismatch' \
    verify OMSIG_FAKE_CUDA_CORRUPT=1000 -- --hasher gpu

# a device that swallows bytes after the set-up (the feeder's benchmark): the run goes through,
# its digest meaningless
run "DISCARD after the set-up: the run completes" 0 '^sha256:' \
    env OMSIG_FAKE_CUDA_DISCARD=70 "$OMSIG" digest "$M" --hasher gpu --buffer-size 64M
grep -qx "$want" "$tmp/out" && bad "DISCARD after the set-up: the digest is not the model's" \
    || ok "DISCARD after the set-up: the digest is not the model's"

# BLAKE3: the first launch after the set-up's fails
B=$tmp/b3
mkdir -p "$B"
head -c 3000017 /dev/urandom >"$B/a.bin"
head -c 4097 /dev/urandom >"$B/b.bin"
b3want=$("$OMSIG" digest "$B" --hash blake3 --hasher cpu)
# With one reader group the failing launch is the first call to see the error; with several,
# another group's wait on the same device may meet the sticky error first and report it.
run "BLAKE3, a launch fails mid-run: --hasher gpu fails with the reason" 1 'GPU hashing failed: .*omsig_cuda_blake3_launch' \
    env OMSIG_GPU_GROUPS=1 OMSIG_FAKE_CUDA_FAIL=omsig_cuda_blake3_launch:21 "$OMSIG" digest "$B" --hash blake3 --hasher gpu --buffer-size 64M
run "BLAKE3, a launch fails mid-run, reader groups: --hasher gpu fails with a CUDA error" 1 \
    'GPU hashing failed: .*unspecified launch failure' \
    env OMSIG_GPU_GROUPS=3 OMSIG_FAKE_CUDA_FAIL=omsig_cuda_blake3_launch:21 "$OMSIG" digest "$B" --hash blake3 --hasher gpu --buffer-size 64M
run "BLAKE3, a launch fails mid-run: --hasher hybrid gives the digest" 0 "^$b3want\$" \
    env OMSIG_FAKE_CUDA_FAIL=omsig_cuda_blake3_launch:21 "$OMSIG" digest "$B" --hash blake3 --hasher hybrid --buffer-size 64M

# four devices: the right digests
for h in gpu hybrid; do
    run "4 devices: --hasher $h digest" 0 "^$want\$" \
        env OMSIG_FAKE_CUDA_DEVICES=4 "$OMSIG" digest "$M" --hasher $h --buffer-size 64M
done
run "4 devices: BLAKE3 --hasher gpu digest" 0 "^$b3want\$" \
    env OMSIG_FAKE_CUDA_DEVICES=4 "$OMSIG" digest "$B" --hash blake3 --hasher gpu --buffer-size 64M

summary
