#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# gpu_check.sh - the GPU engine checked on a machine with an NVIDIA GPU, nvcc and CMake but no
# package registry, in two parts of under 5 minutes each (16 cores), every step under timeout:
#
#   correctness  build with CUDA; every gpu-labelled test, a skip counted as a failure;
#                compute-sanitizer memcheck and racecheck on the kernel tests (test_gpu_kernel,
#                test_gpu_blake3); the engine's self-test through `omsig digest --hasher gpu`
#                of a small model, against --hasher cpu, and `omsig bench` on it.
#   speed        the kernel at 1 to 256k streams and the pinned copy rate (bench_gpu); the
#                feeder's rate (bench/gpu_feeder.sh); cpu, gpu, hybrid and auto end to end on
#                three shapes made here (16,384 x 1 MiB, 65,536 x 4 KiB, 8 x 1 GiB, and the
#                last with BLAKE3 too); verified load's speed where this tree has its bench.
#   all          both, one after the other.
#
# Exits non-zero when any step failed, timed out or skipped.  Everything it writes lands flat
# in $OUT (default ./gpu-check-out), at most six files: <part>.log, correctness_ctest.txt,
# correctness_sanitizer.txt, speed.csv, build.log.  The build, the data and the unpacked
# packages live under $WORK (default /var/tmp/omsig-gpu-check), never under $OUT.
#
# The packages the build needs (cJSON, liburing, OpenSSL's headers, jq) come from the system
# when present, else from the .deb files in DEB_DIR (default .deps/debs; fetch them with
# cuda/gpu_debs.sh), unpacked with dpkg -x into $WORK/prefix.
#
# --dry-run runs every step that needs no GPU here, with the stand-in CUDA runtime
# (omsig_fakegpu_cli, built with the tests) in place of the device, and smaller data, so that
# the script's own time is known; the steps that need a device say so and count as neither.
#
# Usage: bash cuda/gpu_check.sh correctness|speed|all [--dry-run] [DEB_DIR]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
part=${1:-}
case $part in correctness | speed | all) shift ;; *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;; esac
dry=0
if [ "${1:-}" = --dry-run ]; then dry=1; shift; fi
# a dry run on a small machine builds and hashes with fewer cores: its limits are 4 times longer
slow=1
[ $dry = 1 ] && slow=4
DEBS=${1:-.deps/debs}
set -a # the steps run in child shells: every variable from here on is theirs too
OUT=${OUT:-$ROOT/gpu-check-out}
WORK=${WORK:-/var/tmp/omsig-gpu-check}
B=$WORK/build
JOBS=$(nproc)
PART_SECONDS=${PART_SECONDS:-290} # each part's deadline: steps get what is left of it
mkdir -p "$OUT" "$WORK"
if [ "$part" = all ]; then
    rc=0
    bash "$0" correctness $([ $dry = 1 ] && echo --dry-run) "$DEBS" || rc=1
    bash "$0" speed $([ $dry = 1 ] && echo --dry-run) "$DEBS" || rc=1
    exit $rc
fi
LOG=$OUT/$part.log
: >"$LOG"
start=$(date +%s)
passed=0 failed=0 skipped=0 dry_steps=0
now() { date +%s.%N; }

# step NAME SECONDS cmd...: runs cmd under timeout (what is left of the part's deadline when
# that is less), its output appended to $STEP_LOG (default the part's log); exit 0 passes,
# 77 is a skip, anything else fails.  Prints one line per step.
step() {
    local name=$1 secs=$2 rc t0 dt left verdict
    shift 2
    secs=$((secs * slow))
    left=$((start + PART_SECONDS * slow - $(date +%s)))
    [ "$left" -lt "$secs" ] && secs=$left
    t0=$(now)
    echo "== $name ($(date +%T), at most ${secs}s)" >>"${STEP_LOG:-$LOG}"
    if [ "$secs" -le 0 ]; then
        rc=124
    else
        # a shell function runs in a child bash, which timeout can stop with all it started
        if declare -F "$1" >/dev/null; then
            export -f "$1"
            timeout -k 5 "$secs" bash -c '"$@"' step "$@" >>"${STEP_LOG:-$LOG}" 2>&1
        else
            timeout -k 5 "$secs" "$@" >>"${STEP_LOG:-$LOG}" 2>&1
        fi
        rc=$?
    fi
    dt=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')
    case $rc in
    0) verdict=PASS; passed=$((passed + 1)) ;;
    77) verdict=SKIP; skipped=$((skipped + 1)) ;;
    124 | 137) verdict="FAIL (timed out after ${secs}s)"; failed=$((failed + 1)) ;;
    *) verdict="FAIL (exit $rc)"; failed=$((failed + 1)) ;;
    esac
    printf '%-44s %7ss  %s\n' "$name" "$dt" "$verdict" | tee -a "$LOG"
}
# a step that needs the device, in a dry run
needs_device() {
    dry_steps=$((dry_steps + 1))
    printf '%-44s %7s   %s\n' "$1" "-" "DRY RUN: needs the device" | tee -a "$LOG"
}
finish() {
    local t=$(($(date +%s) - start))
    echo "$part: $passed passed, $failed failed, $skipped skipped$([ $dry = 1 ] && echo ", $dry_steps need the device (dry run)") in ${t}s" | tee -a "$LOG"
    [ "$failed" = 0 ] && [ "$skipped" = 0 ]
}

echo "$part$([ $dry = 1 ] && echo ' (dry run)'): $(date -u +%FT%TZ), $JOBS cores, $(uname -r)" | tee -a "$LOG"
command -v nvidia-smi >/dev/null &&
    nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.max,pcie.link.width.max --format=csv,noheader 2>&1 | tee -a "$LOG"
NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
[ -x "$NVCC" ] || { echo "no nvcc: the CUDA toolkit is needed" | tee -a "$LOG"; exit 1; }
"$NVCC" --version | tail -1 >>"$LOG"

# ---- the packages: the system's, or the carried .debs unpacked outside $OUT ----------------
PREFIX=$WORK/prefix
CMAKE_EXTRA=""
missing=0
for h in cjson/cJSON.h liburing.h openssl/evp.h; do [ -f "/usr/include/$h" ] || missing=1; done
command -v jq >/dev/null || missing=1
if [ $missing = 1 ]; then
    if ls "$DEBS"/*.deb >/dev/null 2>&1; then
        echo "unpacking $(ls "$DEBS"/*.deb | wc -l) carried packages into $PREFIX" | tee -a "$LOG"
        for d in "$DEBS"/*.deb; do dpkg -x "$d" "$PREFIX"; done
        CMAKE_EXTRA="-DCMAKE_PREFIX_PATH=$PREFIX/usr -DCMAKE_LIBRARY_PATH=$PREFIX/usr/lib/x86_64-linux-gnu"
        export LD_LIBRARY_PATH="$PREFIX/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        export PATH="$PATH:$PREFIX/usr/bin"
    else
        echo "cJSON, liburing, OpenSSL's headers or jq are missing and $DEBS has no .deb files (cuda/gpu_debs.sh)" | tee -a "$LOG"
    fi
fi

# ---- the build: Release with CUDA (sm_80, sm_90) and the tests' hooks -----------------------
build() { # targets...
    cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DOMSIG_CUDA=ON -DOMSIG_TEST_HOOKS=ON \
        -DCMAKE_CUDA_COMPILER="$NVCC" $CMAKE_EXTRA &&
        cmake --build "$B" -j"$JOBS" ${1:+--target "$@"}
}
STEP_LOG=$OUT/build.log step "build ($part)" 200 build $([ "$part" = speed ] && echo omsig_cli bench_gpu omsig_fakegpu_cli)
grep -hE "spill|Used [0-9]+ registers" "$OUT/build.log" | sort -u | head -8 >>"$LOG"
OMSIG=$B/omsig
FAKE=$B/tests/omsig_fakegpu_cli
[ $dry = 1 ] && OMSIG=$FAKE # the stand-in device in place of the GPU
[ -x "$OMSIG" ] || { echo "the build made no $OMSIG" | tee -a "$LOG"; finish; exit 1; }

# ---- correctness ------------------------------------------------------------------------------
# every test of a label; a test not run or skipped fails the step
ctest_all() { # ctest arguments...
    local o=$WORK/ctest.out rc
    (cd "$B" && ctest --no-tests=error --output-on-failure --timeout 150 "$@") >"$o" 2>&1
    rc=$?
    cat "$o"
    if grep -qE '\*\*\*Skipped|Not Run|Disabled' "$o"; then
        echo "skipped or not run: $(grep -cE '\*\*\*Skipped|Not Run|Disabled' "$o") tests: a skip on a GPU machine is a failure"
        return 1
    fi
    return $rc
}
# the kernel test under a compute-sanitizer tool; a leak or an error fails it, and so does a skip
sanitize() { # tool test
    compute-sanitizer --tool "$1" --error-exitcode 99 $([ "$1" = memcheck ] && echo --leak-check full) "$B/tests/$2"
    local rc=$?
    [ $rc = 77 ] && echo "$2 skipped under compute-sanitizer: no usable device"
    [ $rc = 77 ] && return 1
    return $rc
}
# digest --hasher gpu of a small model: the engine's self-test passes and the digest is the CPU's
self_test() {
    local m=$WORK/model
    rm -rf "$m" && mkdir -p "$m"
    python3 -c "
import os, random, sys
random.seed(3)
for i in range(1500):
    open(os.path.join(sys.argv[1], f'f{i:04}.bin'), 'wb').write(random.randbytes(random.randrange(0, 300000)))
" "$m" || return 1
    local want got
    want=$("$OMSIG" digest "$m" --hasher cpu) || return 1
    got=$("$OMSIG" digest "$m" --hasher gpu --log-level DEBUG) || return 1
    echo "cpu $want"
    echo "gpu $got"
    [ "$want" = "$got" ] || { echo "the GPU's digest differs from the CPU's"; return 1; }
    "$OMSIG" bench "$m" --json | tee "$WORK/bench.json"
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['gpu_available'] else 1)" "$WORK/bench.json" ||
        { echo "omsig bench: no GPU"; return 1; }
}

# what this build needs of the driver: the toolkit it was made with, its machine code and PTX
driver_floor() {
    grep -h "GPU engine: CUDA runtime" "$OUT/build.log" | tail -1
    strings -a "$B/omsig" | grep -m1 -o "Cuda compilation tools, release [0-9.]*" || return 1
    if command -v cuobjdump >/dev/null; then
        cuobjdump --list-elf --list-ptx "$B/omsig" || return 1
        cuobjdump --dump-ptx "$B/omsig" | grep -m2 -E '^[.](version|target)'
    fi
    command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=driver_version --format=csv,noheader
    return 0
}

if [ "$part" = correctness ]; then
    step "driver floor of this build" 20 driver_floor
    if [ $dry = 1 ]; then
        # the same engine test on the stand-in device, and the stand-in's fault switches
        STEP_LOG=$OUT/correctness_ctest.txt step "engine tests, stand-in device" 240 \
            ctest_all -R '^(gpu_engine_host|gpu_driver_floor)$'
        needs_device "gpu-labelled tests"
    else
        STEP_LOG=$OUT/correctness_ctest.txt step "gpu-labelled tests (skip = failure)" 200 ctest_all -L gpu
    fi
    command -v compute-sanitizer >/dev/null || [ $dry = 1 ] ||
        echo "no compute-sanitizer on the PATH" | tee -a "$LOG"
    for t in test_gpu_kernel test_gpu_blake3; do
        for tool in memcheck racecheck; do
            if [ $dry = 1 ]; then needs_device "compute-sanitizer $tool $t"; continue; fi
            STEP_LOG=$OUT/correctness_sanitizer.txt step "compute-sanitizer $tool $t" 50 sanitize $tool $t
        done
    done
    step "self-test: digest --hasher gpu = cpu, bench" 40 self_test
    finish
    exit
fi

# ---- speed --------------------------------------------------------------------------------------
CSV=$OUT/speed.csv
echo "what,shape,engine,streams,bytes,seconds,gb_per_s,note" >"$CSV"
if [ $dry = 1 ]; then
    needs_device "kernel 1..256k streams, pinned copy rate"
else
    kernel_rates() {
        "$B/bench_gpu" >"$WORK/bench_gpu.csv" || return 1
        cat "$WORK/bench_gpu.csv"
        awk -F, -v OFS=, 'NR > 1 {print $1, "device-resident", "gpu", $2, $3, $4, $5, ""}' "$WORK/bench_gpu.csv" >>"$CSV"
    }
    step "kernel 1..256k streams, pinned copy rate" 60 kernel_rates
fi

# the shapes: made with one process per core; 1/64 of the sizes in a dry run
D=$WORK/data
scale=1
[ $dry = 1 ] && scale=64
make_data() {
    python3 - "$D" "$scale" "$JOBS" <<'PY'
import os, sys
from concurrent.futures import ProcessPoolExecutor
root, scale, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shapes = {"small": (16384 // scale, 1 << 20), "tiny": (65536 // scale, 4096), "large": (8, (1 << 30) // scale)}
seed = os.urandom(1 << 20)
def make(args):
    name, first, count, size = args
    d = os.path.join(root, name, f"d{first // 1024:03}")
    os.makedirs(d, exist_ok=True)
    for i in range(first, first + count):
        with open(os.path.join(d, f"f{i:06}.bin"), "wb") as f:
            left, k = size, 0
            while left > 0:
                piece = seed[: min(left, len(seed))]
                f.write(i.to_bytes(8, "little") + k.to_bytes(8, "little") + piece[16:])
                left -= len(piece)
                k += 1
    return count
work = []
for name, (n, size) in shapes.items():
    if os.path.exists(os.path.join(root, f".{name}.done")):
        continue
    per = 1 if size >= (64 << 20) else 1024
    work += [(name, s, min(per, n - s), size) for s in range(0, n, per)]
with ProcessPoolExecutor(jobs) as ex:
    made = sum(ex.map(make, work))
for name in shapes:
    open(os.path.join(root, f".{name}.done"), "w").close()
print(f"made {made} files")
PY
    # hot: every shape in the page cache
    find "$D" -type f -print0 | xargs -0 -P"$JOBS" -n 256 cat >/dev/null
    du -sh "$D"/* | tee -a "$LOG"
}
step "make the shapes" 90 make_data

# the feeder's read rate against cat, one process per core (the stand-in device discards)
if [ -f bench/gpu_feeder.sh ]; then
    feeder() {
        bash bench/gpu_feeder.sh "$D/$1" --rounds 2 --cli "$FAKE" | tee "$WORK/feeder.txt" || return 1
        local r
        r=$(sed -n 's/^feeder\/cat speed ratio: //p' "$WORK/feeder.txt")
        echo "feeder,$1,gpu-feeder,,,,,feeder/cat ${r}" >>"$CSV"
        [ -n "$r" ]
    }
    step "feeder/cat ratio, 1 MiB files" 40 feeder small
    step "feeder/cat ratio, 4 KiB files" 40 feeder tiny
else
    echo "the feeder's own bench (bench/gpu_feeder.sh) is not in this tree: end to end gpu on hot files shows the feeder's rate" | tee -a "$LOG"
fi

# end to end, hot: the best of two hashing times of each engine on each shape
run_engine() { # shape engine [digest flags...]
    local shape=$1 eng=$2 best="" s j=$WORK/run.json
    shift 2
    for r in 1 2; do
        "$OMSIG" digest "$D/$shape" --hasher "$eng" --json "$@" >"$j" || { cat "$j"; return 1; }
        s=$(jq -r .hash_seconds "$j")
        if [ -z "$best" ] || awk -v a="$s" -v b="$best" 'BEGIN {exit !(a < b)}'; then best=$s; fi
    done
    jq -r --arg shape "$shape$([ $# -gt 0 ] && echo " $*")" --arg eng "$eng" --arg best "$best" \
        '["end-to-end", $shape, $eng, .files, .bytes, $best, (.bytes / ($best | tonumber) / 1e9 * 100 | round / 100),
          (.engine_reason | gsub(","; ";"))] | map(tostring) | join(",")' "$j" | tee -a "$CSV"
}
for shape in small tiny large; do
    for eng in cpu gpu hybrid auto; do step "$eng on $shape" 30 run_engine $shape $eng; done
done
for eng in cpu gpu auto; do step "$eng on large, BLAKE3" 30 run_engine large $eng --hash blake3; done

# verified load (a model's pieces handed to their consumer from the slots they were hashed in)
if [ -f bench/verified_load.sh ]; then
    step "verified load, 8 x 1 GiB" 60 bash bench/verified_load.sh "$D/large" --cli "$OMSIG"
else
    echo "verified load's speed: no bench/verified_load.sh in this tree (not run)" | tee -a "$LOG"
fi

echo "results (CSV: speed.csv)" | tee -a "$LOG"
{ column -s, -t <"$CSV" 2>/dev/null || cat "$CSV"; } | tee -a "$LOG"
finish
