#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cold-cache verify against the read bound, in pairs: fio (io_uring, O_DIRECT, 1 MiB blocks,
# 16 in flight) and `omsig verify` read the same files, the page cache dropped before every
# run, in alternating order.  A disk whose speed drifts from minute to minute (a virtual disk
# most of all) moves both runs of a round together, so the ratio is taken round by round and
# the median of those ratios is the figure.
#
# Usage (as root, to drop caches): bench/cold_pair.sh [--files N] [--size MiB] [--rounds R]
#                                                     [--dir DIR] [-- extra omsig flags]
# Defaults: 4 files of 768 MiB, 8 rounds, the model under bench/out/cold-model.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
files=4 size=768 rounds=8 dir=$root/bench/out/cold-model
while [ $# -gt 0 ]; do
    case $1 in
    --files) files=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cold_pair.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "cold_pair.sh: dropping the page cache needs root" >&2; exit 2; }
command -v fio >/dev/null || { echo "cold_pair.sh: needs fio (apt-get install fio)" >&2; exit 2; }
omsig=$root/build/omsig
if [ ! -x "$omsig" ]; then
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$root/build" -j"$(nproc)" >/dev/null
fi

model=$dir/model
mkdir -p "$model"
names=()
for i in $(seq 1 "$files"); do
    f=$model/w$i.bin
    if [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" != $((size << 20)) ]; then
        head -c $((size << 20)) /dev/urandom >"$f"
    fi
    names+=("$f")
done
key=$root/testdata/pki/p256.key.pem pub=$root/testdata/pki/p256.pub.pem
"$omsig" sign key "$model" --signature "$dir/model.sig" --private_key "$key" >/dev/null
bytes=$((files * size << 20))

fio_cmd=(fio --name=read --ioengine=io_uring --direct=1 --bs=1M --rw=read --iodepth=16
    --numjobs=1 --group_reporting "--filename=$(IFS=:; echo "${names[*]}")")
omsig_cmd=("$omsig" verify key "$model" --signature "$dir/model.sig" --public_key "$pub" --quiet "$@")

drop() { sync; echo 3 >/proc/sys/vm/drop_caches; sleep 0.3; }
timed() { # prints milliseconds; fails if the command does
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>"$dir/err" || { echo "cold_pair.sh: failed: $* ($(head -c 300 "$dir/err"))" >&2; exit 1; }
    e=$(date +%s%N)
    echo $(((e - s) / 1000000))
}

echo "model: $files x $size MiB ($(awk -v b=$bytes 'BEGIN{printf "%.2f", b/1e9}') GB) in $model"
echo "round  order       fio ms  omsig ms   fio GB/s  omsig GB/s  omsig/fio"
ratios=()
for r in $(seq 1 "$rounds"); do
    if [ $((r % 2)) = 1 ]; then
        drop; tf=$(timed "${fio_cmd[@]}"); drop; to=$(timed "${omsig_cmd[@]}"); order="fio,omsig"
    else
        drop; to=$(timed "${omsig_cmd[@]}"); drop; tf=$(timed "${fio_cmd[@]}"); order="omsig,fio"
    fi
    ratio=$(awk -v a="$tf" -v b="$to" 'BEGIN{printf "%.3f", a/b}')
    ratios+=("$ratio")
    awk -v r="$r" -v o="$order" -v a="$tf" -v b="$to" -v x="$ratio" -v n=$bytes \
        'BEGIN{printf "%5d  %-10s %7d %9d %10.2f %11.2f %10s\n", r, o, a, b, n/a/1e6, n/b/1e6, x}'
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END{
    m = NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
    printf "median omsig/fio throughput ratio over %d rounds: %.3f (range %.3f to %.3f)\n", NR, m, v[1], v[NR]}'
