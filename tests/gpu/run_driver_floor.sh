#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The driver floor (label quick, with the stand-in CUDA runtime): a driver older than this
# build's CUDA runtime needs (OMSIG_FAKE_CUDA_DRIVER) is refused in one line naming both CUDA
# versions and both driver branches, and that line reaches --hasher gpu's error, auto's
# engine_reason and omsig bench; a driver of the runtime's major version, older or newer in
# its minor, is used; no driver at all says so.  Exits 77 when the stand-in has no
# OMSIG_FAKE_CUDA_DRIVER switch.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
grep -q OMSIG_FAKE_CUDA_DRIVER tests/gpu/fake_cuda.c ||
    { echo "SKIP: the stand-in CUDA runtime has no OMSIG_FAKE_CUDA_DRIVER switch"; exit 77; }
# enough files for auto to consider a GPU (OMSIG_GPU_MIN_STREAMS, 1024)
M=$tmp/model
mkdir -p "$M"
for i in $(seq 0 1099); do printf 'file %d\n' "$i" >"$M/f$i.txt"; done
want=$("$OMSIG" digest "$M" --hasher cpu)
runtime=$(grep -hoE 'define CUDART_VERSION +[0-9]+' "${CUDA_INCLUDE:-/usr/local/cuda/include}/cuda_runtime_api.h" 2>/dev/null | grep -oE '[0-9]+$')
rt=${runtime:-13000}
major=$((rt / 1000))
old=$(((major - 1) * 1000 + 20))   # x.2 of the major before: 12.2 (driver 535) for CUDA 13
floor_re="the NVIDIA driver supports CUDA $((old / 1000))\.2 \(driver [0-9]+\) but this build's GPU engine needs CUDA $major\.0 \(driver [0-9]+ or newer\): update the driver"

export OMSIG_FAKE_CUDA_DRIVER=$old
run "--hasher gpu on an old driver fails naming both versions" 1 "$floor_re" \
    "$OMSIG" digest "$M" --hasher gpu
[ "$(grep -c . "$tmp/err")" = 1 ] && ok "the reason is one line" || bad "the reason is one line: $(cat "$tmp/err")"
run "auto on an old driver: the CPU, and engine_reason says why" 0 "\"engine_reason\":[[:space:]]*\"cpu: $floor_re" \
    "$OMSIG" digest "$M" --hasher auto --json
grep -qE "\"root_digest\":[[:space:]]*\"${want#sha256:}\"" "$tmp/out" && ok "auto's digest is the CPU's" ||
    bad "auto's digest is the CPU's: $(head -c 400 "$tmp/out")"
run "bench on an old driver: gpu_reason names both versions" 0 "\"gpu_reason\":[[:space:]]*\"$floor_re" \
    "$OMSIG" bench "$M" --json
run "bench's text says it too" 0 "$floor_re" "$OMSIG" bench "$M"
if [ "$major" -ge 13 ]; then
    run "a CUDA 13 build tells a CUDA 12 driver of a CUDA 12 build" 1 "or use a build made with CUDA 12" \
        "$OMSIG" digest "$M" --hasher gpu
fi
OMSIG_FAKE_CUDA_DRIVER=11080 run "a CUDA 11.8 driver names R520" 1 "CUDA 11\.8 \(driver 520\)" \
    "$OMSIG" digest "$M" --hasher gpu

# the runtime's own major version: older minor (minor version compatibility) and newer
for v in $((major * 1000)) $((major * 1000 + 90)) $(((major + 1) * 1000)); do
    OMSIG_FAKE_CUDA_DRIVER=$v run "a CUDA $((v / 1000)).$((v % 1000 / 10)) driver is used" 0 "^$want\$" \
        "$OMSIG" digest "$M" --hasher gpu
done
OMSIG_FAKE_CUDA_DRIVER=0 run "no driver at all says so" 1 "no NVIDIA driver is installed" \
    "$OMSIG" digest "$M" --hasher gpu
summary
