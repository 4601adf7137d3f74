#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU feeder's read rate without a GPU: `digest --hasher gpu` over every file of DIR with
# the stand-in CUDA runtime in its discarding mode (OMSIG_FAKE_CUDA_DISCARD=1: copies and
# kernels do nothing, so only the feeder's reads, opens and bookkeeping are timed; the test hook
# OMSIG_GPU_SKIP_SELF_TEST lets such a device be set up), against
# `cat` with one process per core over the same files, in turns, in the same run.
#
# Usage: bench/gpu_feeder.sh DIR [--rounds R] [--cold] [--cli PATH] [-- extra omsig flags]
#   --rounds R  turns of each (default 3); the best turn of each is the figure
#   --cold      drop the page cache before every run (root)
#   --cli PATH  the CLI built against the stand-in (default build/tests/omsig_fakegpu_cli,
#               built with -DOMSIG_TEST_HOOKS=ON)
# Prints each run, then both rates, and last `feeder/cat speed ratio: X.XX` (above 1: the
# feeder is faster).  The feeder's time is the whole `omsig digest` command (walk, plan and
# hashing); its hashing phase alone is printed too.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="" rounds=3 cold=0 cli=$root/build/tests/omsig_fakegpu_cli
while [ $# -gt 0 ]; do
    case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --cold) cold=1; shift ;;
    --cli) cli=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "gpu_feeder.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) dir=$1; shift ;;
    esac
done
[ -n "$dir" ] && [ -d "$dir" ] || { echo "gpu_feeder.sh: give a directory (see --help)" >&2; exit 2; }
[ -x "$cli" ] || { echo "gpu_feeder.sh: no stand-in CLI at $cli (build with -DOMSIG_TEST_HOOKS=ON)" >&2; exit 2; }
[ "$cold" = 0 ] || [ "$(id -u)" = 0 ] || { echo "gpu_feeder.sh: --cold needs root" >&2; exit 2; }
command -v jq >/dev/null || { echo "gpu_feeder.sh: needs jq" >&2; exit 2; }

bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
files=$(find "$dir" -type f | wc -l)
cores=$(nproc)
echo "DIR: $dir: $files files, $bytes bytes; $cores cores; $rounds rounds; cache: $([ $cold = 1 ] && echo cold || echo hot)"

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a < b ? a : b) }'; }
settle() {
    if [ "$cold" = 1 ]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
}
run_cat() {
    find "$dir" -type f -print0 | xargs -0 -P"$cores" -n 256 cat >/dev/null
}
run_feeder() {
    OMSIG_FAKE_CUDA_DISCARD=1 OMSIG_GPU_SKIP_SELF_TEST=1 "$cli" digest "$dir" --hasher gpu --json "$@"
}

# one untimed pass of each brings the page cache and the dentries to the state of the rounds
if [ "$cold" = 0 ]; then run_cat; run_feeder "$@" >/dev/null; fi
best_feed=1e30 best_hash=1e30 best_cat=1e30
for r in $(seq 1 "$rounds"); do
    settle
    t0=$(now); out=$(run_feeder "$@"); t1=$(now)
    feed=$(calc "$t1 - $t0")
    hash=$(echo "$out" | jq -r '.hash_seconds')
    [ "$(echo "$out" | jq -r '.exit_code')" = 0 ] || { echo "gpu_feeder.sh: the feeder failed: $out" >&2; exit 1; }
    settle
    t0=$(now); run_cat; t1=$(now)
    cat_s=$(calc "$t1 - $t0")
    printf 'round %d: feeder %.3f s (hashing phase %.3f s), cat %.3f s\n' "$r" "$feed" "$hash" "$cat_s"
    best_feed=$(min "$feed" "$best_feed")
    best_hash=$(min "$hash" "$best_hash")
    best_cat=$(min "$cat_s" "$best_cat")
done
printf 'feeder: %.3f GB/s (%.3f s; hashing phase %.3f s, %.3f GB/s)\n' \
    "$(calc "$bytes / $best_feed / 1e9")" "$best_feed" "$best_hash" "$(calc "$bytes / $best_hash / 1e9")"
printf 'cat -P%d: %.3f GB/s (%.3f s)\n' "$cores" "$(calc "$bytes / $best_cat / 1e9")" "$best_cat"
printf 'feeder/cat speed ratio: %.2f\n' "$(calc "$best_cat / $best_feed")"
