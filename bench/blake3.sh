#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# BLAKE3 against SHA-256 and b3sum on one hot file, in one run, as ratios (bench/README-blake3.md).
# Usage: bench/blake3.sh [--size GiB] [--runs N] [--dir DIR] [--omsig PATH]
#
# Pairs, each run in turn (A B A B ...) so that drift of a shared machine hits both alike; the
# figure of a pair is the median wall time of each side and their ratio (and the same of the
# CPU time, user + system, steadier where other work shares the cores):
#   1. omsig digest --hash blake3 (every core)   vs  omsig digest (SHA-256: one file, one core)
#   2. omsig digest --hash blake3 (every core)   vs  b3sum (every core)
#   3. omsig digest --hash blake3 --threads 1    vs  b3sum --num-threads 1
#   4. omsig verify of the file signed with --hash blake3   vs  b3sum (every core)
#   5. omsig verify of that signature   vs  omsig digest --hash blake3
# The file is random bytes read once into the page cache before timing.
set -euo pipefail
size=3 runs=5 dir= omsig=
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --omsig) omsig=$2; shift 2 ;;
    -h | --help) sed -n '3,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/blake3.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$omsig" ]; then
    omsig=$root/build-bench/omsig
    if [ ! -x "$omsig" ]; then
        cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DOMSIG_CUDA=OFF >/dev/null
        cmake --build "$root/build-bench" -j"$(nproc)" >/dev/null
    fi
fi
if ! command -v b3sum >/dev/null 2>&1; then
    echo "b3sum is not installed (apt-get install b3sum): pairs 2 and 3 are left out" >&2
fi
own=
if [ -z "$dir" ]; then
    dir=$(mktemp -d)
    own=1
fi
cleanup() { [ -z "$own" ] || rm -rf "$dir"; }
trap cleanup EXIT
mkdir -p "$dir/m"
f=$dir/m/weights.bin
want=$((size << 30))
if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" != "$want" ]; then
    head -c "$want" /dev/urandom >"$f"
fi
cat "$f" >/dev/null
# signed once with a test key, for the verify pairs
sig=$dir/b3.sig
"$omsig" sign key "$dir/m" --signature "$sig" --private-key "$root/testdata/pki/p256.key.pem" \
    --hash blake3 >/dev/null 2>&1 || { echo "signing the file failed" >&2; exit 1; }
verify=("$omsig" verify key "$dir/m" --signature "$sig" --public-key "$root/testdata/pki/p256.pub.pem")

# wall and CPU (user + system) seconds of one run of "$@", its output thrown away: on a shared
# machine the CPU time is the steadier figure, the wall time the one a user waits
wall() {
    local TIMEFORMAT='%R %U %S' t
    t=$({ time "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; } 2>&1) || exit 1
    case $t in failed:*) echo "$t" >&2; exit 1 ;; esac
    awk -v t="$t" 'BEGIN { split(t, v, " "); printf "%.6f %.6f\n", v[1], v[2] + v[3] }'
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# pair NAME_A NAME_B -- A... -- B...: prints both medians (wall, and CPU seconds), in GB/s,
# and A's speed over B's
pair() {
    local na=$1 nb=$2 a=() b=() ta=() tb=()
    shift 3
    while [ "$1" != -- ]; do a+=("$1"); shift; done
    shift
    b=("$@")
    "${a[@]}" >/dev/null 2>&1 && "${b[@]}" >/dev/null 2>&1 # warm-up
    for _ in $(seq "$runs"); do
        ta+=("$(wall "${a[@]}")")
        tb+=("$(wall "${b[@]}")")
    done
    local ma mb ca cb
    ma=$(printf '%s\n' "${ta[@]}" | cut -d' ' -f1 | median)
    mb=$(printf '%s\n' "${tb[@]}" | cut -d' ' -f1 | median)
    ca=$(printf '%s\n' "${ta[@]}" | cut -d' ' -f2 | median)
    cb=$(printf '%s\n' "${tb[@]}" | cut -d' ' -f2 | median)
    awk -v na="$na" -v nb="$nb" -v ma="$ma" -v mb="$mb" -v ca="$ca" -v cb="$cb" -v bytes="$want" 'BEGIN {
        printf "%-34s %6.3f s %6.2f GB/s   CPU %6.3f s\n", na, ma, bytes / ma / 1e9, ca
        printf "%-34s %6.3f s %6.2f GB/s   CPU %6.3f s\n", nb, mb, bytes / mb / 1e9, cb
        printf "%-34s %6.2fx   CPU time ratio %5.2fx\n\n", "speed ratio (first / second)", mb / ma, cb / ca }'
}

echo "one hot file of $size GiB, $(nproc) cores, medians of $runs runs in turn"
echo
pair "omsig blake3" "omsig sha256" -- "$omsig" digest "$dir/m" --hash blake3 -- "$omsig" digest "$dir/m"
if command -v b3sum >/dev/null 2>&1; then
    pair "omsig blake3" "b3sum" -- "$omsig" digest "$dir/m" --hash blake3 -- b3sum "$f"
    pair "omsig blake3, 1 thread" "b3sum, 1 thread" -- "$omsig" digest "$dir/m" --hash blake3 --threads 1 \
        -- b3sum --num-threads 1 "$f"
    pair "omsig verify (blake3)" "b3sum" -- "${verify[@]}" -- b3sum "$f"
fi
pair "omsig verify (blake3)" "omsig digest --hash blake3" -- "${verify[@]}" \
    -- "$omsig" digest "$dir/m" --hash blake3
