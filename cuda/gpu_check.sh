#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# gpu_check.sh - on a machine with an NVIDIA GPU, nvcc and CMake but no package registry:
# builds omsig with CUDA, runs the gpu-labelled tests, and measures the GPU engine against its
# bounds in one run (8 minutes at most on an H100/H200 with 16 cores):
#   - the kernel on device-resident data: 1, 1k, 16k, 64k and 256k streams of 1 MiB;
#   - the pinned host-to-device copy rate;
#   - end to end, hot: digest --hasher gpu of 20,000 files of 1 MiB, against that copy rate;
#   - cpu, gpu, hybrid and auto on 16 files of 1 GiB and on 20,000 files of 1 MiB;
#   - BLAKE3: the kernels on one device-resident file of 1 GiB and of 16 GiB, against the
#     device's peak memory bandwidth and its 32-bit integer issue rate (test_gpu_blake3 and the
#     engine's BLAKE3 runs are among the gpu tests), and digest --hash blake3 of the 16 files
#     of 1 GiB with cpu, gpu and auto.
# Prints one table last and writes CSV (and the logs) to $OUT, or to ./gpu-check-out.
#
# The Debian packages the build needs (cJSON, liburing, OpenSSL's headers) are used from the
# system when present, else from .deb files carried in DEB_DIR (default .deps/debs), unpacked
# with dpkg -x into a prefix under the output folder, never into /.  Fetch them where a
# registry can be reached:
#   mkdir -p .deps/debs && (cd .deps/debs && apt-get download libcjson1 libcjson-dev \
#       liburing2 liburing-dev libssl-dev libssl3)
#
# Usage: bash cuda/gpu_check.sh [DEB_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEBS=${1:-.deps/debs}
OUT=${OUT:-$ROOT/gpu-check-out}
mkdir -p "$OUT"
LOG=$OUT/log.txt
CSV=$OUT/gpu_check.csv
WORK=${WORK:-/var/tmp/omsig-gpu-check}
say() { echo "== $*" | tee -a "$LOG"; }
: >"$LOG"
echo "what,shape,engine,streams,bytes,seconds,gb_per_s,note" >"$CSV"

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$LOG"
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
[ -x "$NVCC" ] || { echo "no nvcc: install the CUDA toolkit" | tee -a "$LOG"; exit 1; }

# ---- dependencies: the system's, or the carried .debs -------------------------------------
PREFIX=$OUT/prefix
cmake_extra=()
if [ ! -f /usr/include/cjson/cJSON.h ] || [ ! -f /usr/include/liburing.h ] || [ ! -f /usr/include/openssl/evp.h ]; then
    if ! ls "$DEBS"/*.deb >/dev/null 2>&1; then
        echo "missing cJSON, liburing or OpenSSL headers and no .deb files in $DEBS" | tee -a "$LOG"
        exit 1
    fi
    say "unpacking $(ls "$DEBS"/*.deb | wc -l) carried packages into $PREFIX"
    for d in "$DEBS"/*.deb; do dpkg -x "$d" "$PREFIX"; done
    cmake_extra+=(-DCMAKE_PREFIX_PATH="$PREFIX/usr" -DCMAKE_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu")
    export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# ---- build and the gpu tests --------------------------------------------------------------
B=$WORK/build
say "build (CUDA, sm_80 and sm_90)"
t0=$(date +%s)
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DOMSIG_CUDA=ON -DOMSIG_TEST_HOOKS=ON \
    -DCMAKE_CUDA_COMPILER="$NVCC" "${cmake_extra[@]}" >>"$LOG" 2>&1 || { tail -30 "$LOG"; exit 1; }
cmake --build "$B" -j"$(nproc)" >>"$LOG" 2>&1 || { tail -40 "$LOG"; exit 1; }
grep -E "spill|registers" "$LOG" | sort -u | tee -a "$OUT/ptxas.txt"
say "built in $(($(date +%s) - t0)) s; gpu tests"
(cd "$B" && ctest -L gpu --output-on-failure --timeout 300) 2>&1 | tee "$OUT/gpu_tests.txt" | tail -15
OMSIG=$B/omsig
"$OMSIG" bench testdata/interop/models/nested 2>&1 | tee -a "$LOG" | head -12

# ---- the kernel and the copy, on device-resident data -------------------------------------
say "kernel and copy rates"
"$B/bench_gpu" | tee "$OUT/bench_gpu.csv"
copy=$(awk -F, '$1 == "h2d_pinned" {print $5}' "$OUT/bench_gpu.csv")
membw=$(awk -F, '$1 == "mem_bandwidth_peak" {print $5}' "$OUT/bench_gpu.csv")
intops=$(awk -F, '$1 == "int32_ops_peak" {print $5}' "$OUT/bench_gpu.csv")
awk -F, -v OFS=, 'NR > 1 {print $1, "device-resident", "gpu", $2, $3, $4, $5, ""}' "$OUT/bench_gpu.csv" >>"$CSV"

# ---- end to end, hot ------------------------------------------------------------------------
mkdir -p "$WORK/small" "$WORK/large"
say "making 20,000 files of 1 MiB and 16 files of 1 GiB in $WORK"
head -c $((1 << 20)) /dev/urandom >"$WORK/seed1m"
if [ ! -f "$WORK/small/d19/f00999.bin" ]; then
    for d in $(seq 0 19); do
        mkdir -p "$WORK/small/d$d"
        (for f in $(seq -w 0 999); do cp "$WORK/seed1m" "$WORK/small/d$d/f$f.bin"; printf '%s' "$d$f" | dd of="$WORK/small/d$d/f$f.bin" conv=notrunc status=none; done) &
    done
    wait
fi
if [ ! -f "$WORK/large/g15.bin" ]; then
    head -c $((1 << 30)) /dev/urandom >"$WORK/large/g00.bin"
    for i in $(seq -w 1 15); do cp "$WORK/large/g00.bin" "$WORK/large/g$i.bin" && printf '%s' "$i" | dd of="$WORK/large/g$i.bin" conv=notrunc status=none & done
    wait
fi
cat "$WORK"/small/*/* "$WORK"/large/* >/dev/null # hot: in the page cache

run_engine() { # shape dir engine runs [digest flags...]
    local shape=$1 dir=$2 eng=$3 runs=$4 best=0 s bytes reason
    shift 4
    for r in $(seq 1 "$runs"); do
        "$OMSIG" digest "$dir" --hasher "$eng" --json "$@" >"$OUT/run.json" 2>>"$LOG" || { echo "$eng on $shape failed" | tee -a "$LOG"; return; }
        s=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["hash_seconds"])' "$OUT/run.json")
        if [ "$best" = 0 ] || python3 -c "import sys; sys.exit(0 if $s < $best else 1)"; then best=$s; fi
    done
    bytes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$OUT/run.json")
    streams=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"])' "$OUT/run.json")
    reason=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("engine", "") + ": " + d.get("engine_reason", "").replace(",", ";"))' "$OUT/run.json")
    echo "end-to-end,$shape,$eng,$streams,$bytes,$best,$(python3 -c "print(round($bytes / $best / 1e9, 2))"),$reason" >>"$CSV"
}
say "cpu, gpu, hybrid, auto (best of 3, hashing seconds)"
for eng in cpu gpu hybrid auto; do
    run_engine "20000 x 1 MiB" "$WORK/small" "$eng" 3
    run_engine "16 x 1 GiB" "$WORK/large" "$eng" 2
done
say "BLAKE3: cpu, gpu, auto on 16 files of 1 GiB (best of 2)"
for eng in cpu gpu auto; do
    run_engine "16 x 1 GiB blake3" "$WORK/large" "$eng" 2 --hash blake3
done

# ---- the table ------------------------------------------------------------------------------
say "results (CSV: $CSV)"
python3 - "$CSV" "$copy" "${membw:-0}" "${intops:-0}" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
copy = float(sys.argv[2] or 0)
membw = float(sys.argv[3] or 0)
intops = float(sys.argv[4] or 0)
# BLAKE3 per 64-byte block: 7 rounds x 8 G x 12 operations (2 three-input adds, 2 adds, 4 xors,
# 4 rotates) and the 8 output xors, about 680; a parent per chunk adds 1/16: ~11.2 per byte
b3_ops_per_byte = 680 * 17 / 16 / 64
print(f"{'what':<12} {'shape':<16} {'engine':<7} {'streams':>8} {'GB/s':>8}  note")
for r in rows:
    note = r["note"]
    if r["what"] == "end-to-end" and r["engine"] == "gpu" and copy:
        note = f"{float(r['gb_per_s']) / copy:.2f}x the pinned copy rate ({copy} GB/s)"
    if r["what"].startswith("blake3_") and membw:
        note = (f"{float(r['gb_per_s']) / membw:.2f}x the memory bandwidth ({membw:.0f} GB/s); "
                f"{float(r['gb_per_s']) / (intops / b3_ops_per_byte):.2f}x the integer bound "
                f"({intops / b3_ops_per_byte:.0f} GB/s at {b3_ops_per_byte:.1f} ops/byte)")
    print(f"{r['what']:<12} {r['shape']:<16} {r['engine']:<7} {r['streams']:>8} {float(r['gb_per_s']):>8.2f}  {note}")
e2e = {(r["shape"], r["engine"]): float(r["gb_per_s"]) for r in rows if r["what"] == "end-to-end"}
for shape in ("20000 x 1 MiB", "16 x 1 GiB"):
    got = {k[1]: v for k, v in e2e.items() if k[0] == shape}
    if len(got) == 4:
        best = max(got["cpu"], got["gpu"], got["hybrid"])
        print(f"{shape}: auto at {got['auto'] / best:.2f}x the best of cpu, gpu and hybrid; "
              f"hybrid {got['hybrid'] / max(got['cpu'], got['gpu']):.2f}x the better of cpu and gpu")
got = {k[1]: v for k, v in e2e.items() if k[0] == "16 x 1 GiB blake3"}
if len(got) == 3:
    print(f"16 x 1 GiB blake3: gpu {got['gpu'] / got['cpu']:.2f}x cpu; auto at "
          f"{got['auto'] / max(got['cpu'], got['gpu']):.2f}x the better of the two")
PY
