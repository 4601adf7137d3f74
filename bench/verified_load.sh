#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Verified load against what users do today, on one model of several files, hot (or cold with
# --cold, as root): (a) load alone: bench/plain_load.c reads every file into memory;
# (b) verify, then load: `omsig verify` followed by (a); (c) verified load:
# examples/verified_load.c verifies and loads into host memory in one read (omsig_verify_to).
# Prints the median of --runs runs of each and the ratios (c)/(a) and (c)/(b).
#
#   bench/verified_load.sh [--size 2G] [--files 4] [--runs 5] [--dir DIR] [--build DIR] [--cold]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size=2G files=4 runs=5 dir=/var/tmp/omsig-verified-load-bench build=$here/build cold=0
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --cold) cold=1; shift ;;
    *) echo "usage: $0 [--size 2G] [--files 4] [--runs 5] [--dir DIR] [--build DIR] [--cold]" >&2; exit 2 ;;
    esac
done
if [ $cold -eq 1 ] && [ "$(id -u)" -ne 0 ]; then
    echo "--cold drops the page cache: run as root" >&2
    exit 2
fi
bytes=$(numfmt --from=iec "$size")
[ -x "$build/omsig" ] && [ -x "$build/verified_load" ] && [ -x "$build/plain_load" ] || {
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j"$(nproc)" --target omsig_cli verified_load plain_load >/dev/null
}
key=$here/testdata/pki/p256.key.pem pub=$here/testdata/pki/p256.pub.pem
model=$dir/model sig=$dir/model.sig
each=$((bytes / files))
if [ ! -f "$sig" ] || [ "$(cat "$dir/shape" 2>/dev/null)" != "$files x $each" ]; then
    rm -rf "$dir"
    mkdir -p "$model"
    for i in $(seq 1 "$files"); do
        name=$(printf 'model-%05d-of-%05d.safetensors' "$i" "$files")
        head -c "$each" /dev/urandom >"$model/$name"
    done
    printf '{"architectures": ["bench"]}\n' >"$model/config.json"
    "$build/omsig" sign key "$model" --signature "$sig" --private_key "$key" >/dev/null
    echo "$files x $each" >"$dir/shape"
fi
mapfile -t list < <(find "$model" -type f | sort)

prepare() { # the cache as the run wants it
    if [ $cold -eq 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; else cat "${list[@]}" >/dev/null; fi
}
seconds() { # seconds CMD...: wall time of one run, output discarded
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo "scale=4; ($t1 - $t0) / 1000000000" | bc
}
load_alone() { "$build/plain_load" "${list[@]}"; }
verify_then_load() {
    "$build/omsig" verify key "$model" --signature "$sig" --public_key "$pub" && load_alone
}
verified_load() { "$build/verified_load" "$model" "$sig" "$pub"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

declare -A t
for what in load_alone verify_then_load verified_load; do
    samples=()
    for _ in $(seq 1 "$runs"); do
        prepare
        samples+=("$(seconds "$what")")
    done
    t[$what]=$(printf '%s\n' "${samples[@]}" | median)
done
gib=$(echo "scale=2; $bytes / 1073741824" | bc)
cache=$([ $cold -eq 1 ] && echo cold || echo hot)
echo "model: $files files, $gib GiB, $cache, median of $runs runs, $(nproc) cores"
printf '%-40s %8s s  %6.2f GB/s\n' "(a) load alone (plain_load)" "${t[load_alone]}" \
    "$(echo "$bytes / ${t[load_alone]} / 1000000000" | bc -l)"
printf '%-40s %8s s  %6.2f GB/s\n' "(b) omsig verify, then load" "${t[verify_then_load]}" \
    "$(echo "$bytes / ${t[verify_then_load]} / 1000000000" | bc -l)"
printf '%-40s %8s s  %6.2f GB/s\n' "(c) verified load (omsig_verify_to)" "${t[verified_load]}" \
    "$(echo "$bytes / ${t[verified_load]} / 1000000000" | bc -l)"
printf '(c)/(a) = %.2f   (c)/(b) = %.2f\n' "$(echo "${t[verified_load]} / ${t[load_alone]}" | bc -l)" \
    "$(echo "${t[verified_load]} / ${t[verify_then_load]}" | bc -l)"
