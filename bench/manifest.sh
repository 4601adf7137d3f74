#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What verify spends on the signature file of a large tree before it reads the model: a tree
# of many small files (100,000 in 100 folders) is signed with a key, then build/manifest_parse
# (bench/manifest_parse.c) reads, checks and parses its bundle RUNS times in one process and
# prints each stage's median, wall-clock and CPU.  With --peer BUILD_DIR another build's
# manifest_parse (the same program, built from another version of the library) is run on the
# same bundle, in alternating rounds, and the ratio of the medians is printed.  Then the peak
# memory of a whole `omsig verify` of the tree (/usr/bin/time -v), for each build.
#
# Usage: bench/manifest.sh [--files N] [--runs R] [--rounds K] [--dir DIR] [--build DIR]
#                          [--peer BUILD_DIR]
# Defaults: 100,000 files, 11 runs a round, 3 rounds, the tree under bench/out/manifest-model,
# build/ (configured with -DOMSIG_BUILD_BENCH=ON, the default).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
files=100000 runs=11 rounds=3 dir=$root/bench/out/manifest-model build=$root/build peer=
while [ $# -gt 0 ]; do
    case $1 in
    --files) files=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --peer) peer=$(cd "$2" && pwd); shift 2 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "manifest.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for b in "$build" ${peer:+"$peer"}; do
    [ -x "$b/manifest_parse" ] && [ -x "$b/omsig" ] ||
        { echo "manifest.sh: $b needs omsig and manifest_parse (cmake --build $b --target omsig_cli manifest_parse)" >&2; exit 2; }
done
key=$root/testdata/pki/p256.key.pem pub=$root/testdata/pki/p256.pub.pem
model=$dir/model sig=$dir/model.sig
if [ ! -f "$sig" ] || [ "$(cat "$dir/files" 2>/dev/null)" != "$files" ]; then
    rm -rf "$dir" && mkdir -p "$model"
    echo "making $files files in $model ..."
    python3 - "$model" "$files" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, "d%03d" % (i * 100 // n))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
        f.write(b"%d\n" % i * 4)
EOF
    "$build/omsig" sign key "$model" --signature "$sig" --private_key "$key" >/dev/null
    echo "$files" >"$dir/files"
fi
echo "bundle: $(stat -c %s "$sig") bytes, $files resources; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

# total_ms BUILD OUT: one round's median of the whole, wall-clock and CPU (two numbers); the
# round's table in OUT
total_ms() {
    "$1/manifest_parse" "$runs" "$sig" "$pub" | tee "$2" | awk '/^  total /{print $2, $4}'
}
ours=() theirs=()
for ((k = 1; k <= rounds; k++)); do
    ours+=("$(total_ms "$build" "$dir/this.txt")")
    [ -n "$peer" ] && theirs+=("$(total_ms "$peer" "$dir/peer.txt")")
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
show() { # NAME ROUNDS...: the median over rounds of the rounds' medians
    local name=$1
    shift
    local w c
    w=$(printf '%s\n' "$@" | awk '{print $1}' | median)
    c=$(printf '%s\n' "$@" | awk '{print $2}' | median)
    printf '%s: total %.1f ms wall, %.1f ms CPU (median of %d rounds)\n' "$name" "$w" "$c" $# >&2
    echo "$w $c"
}
echo "the last round, $build:" && cat "$dir/this.txt"
[ -n "$peer" ] && echo "the last round, $peer:" && cat "$dir/peer.txt"
o=$(show "$build" "${ours[@]}")
if [ -n "$peer" ]; then
    t=$(show "$peer" "${theirs[@]}")
    awk -v o="$o" -v t="$t" 'BEGIN {split(o, a, " "); split(t, b, " ");
        printf "peer / this: %.2fx wall, %.2fx CPU\n", b[1] / a[1], b[2] / a[2]}'
fi
if [ -x /usr/bin/time ]; then
    for b in "$build" ${peer:+"$peer"}; do
        /usr/bin/time -v "$b/omsig" verify key "$model" --signature "$sig" --public_key "$pub" \
            >/dev/null 2>"$dir/time.txt" || { echo "verify failed: $(head -3 "$dir/time.txt")"; exit 1; }
        echo "peak RSS of a verify with $b/omsig: $(awk '/Maximum resident/{print $6}' "$dir/time.txt") KiB"
    done
fi
