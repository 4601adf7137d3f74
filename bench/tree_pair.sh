#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A tree of many files verified against the plain way to hash it on every core, in pairs: two
# `openssl dgst -sha256` processes, each over half of the files (`xargs`), against `omsig
# verify` of the signed tree (and, with --peer, the same verify by another omsig build), in
# rotating order in each round.  The figure is the median of the per-round ratios
# peer time / omsig time, so that a machine whose speed drifts moves both runs of a round.
#
# Usage: bench/tree_pair.sh [--files N] [--kib K] [--folders F] [--rounds R] [--cold]
#                           [--peer OMSIG_BINARY] [--dir DIR] [-- extra omsig verify flags]
# Defaults: 100,000 files of 4 KiB in 100 folders, 7 rounds, hot, the tree under
# bench/out/tree-N-K.  --cold (root) drops the page cache before every run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
files=100000 kib=4 folders=100 rounds=7 cold=0 peer= dir=
while [ $# -gt 0 ]; do
    case $1 in
    --files) files=$2; shift 2 ;;
    --kib) kib=$2; shift 2 ;;
    --folders) folders=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --cold) cold=1; shift ;;
    --peer) peer=$(realpath "$2"); shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --) shift; break ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "tree_pair.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[ "$cold" = 0 ] || [ "$(id -u)" = 0 ] || { echo "tree_pair.sh: --cold needs root" >&2; exit 2; }
command -v openssl >/dev/null || { echo "tree_pair.sh: needs openssl" >&2; exit 2; }
omsig=$root/build/omsig
if [ ! -x "$omsig" ]; then
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$root/build" -j"$(nproc)" --target omsig_cli >/dev/null
fi
dir=${dir:-$root/bench/out/tree-$files-$kib}
model=$dir/model
if [ ! -f "$dir/complete" ]; then # made once, from a fixed seed, kept between runs
    rm -rf "$model" && mkdir -p "$model"
    python3 - "$model" "$files" "$kib" "$folders" <<'PY'
import os, random, sys
model, files, kib, folders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(27)
per = (files + folders - 1) // folders
for i in range(files):
    d = os.path.join(model, "d%04d" % (i // per))
    if i % per == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.bin" % i), "wb") as f:
        f.write(rng.randbytes(kib * 1024))
PY
    touch "$dir/complete"
fi
key=$root/testdata/pki/p256.key.pem pub=$root/testdata/pki/p256.pub.pem
[ -f "$dir/model.sig" ] ||
    "$omsig" sign key "$model" --signature "$dir/model.sig" --private_key "$key" >/dev/null
(cd "$model" && find . -type f | sort >"$dir/list" && split -n l/2 "$dir/list" "$dir/half.")

pair_cmd=(bash -c "cd '$model' && { xargs -a '$dir/half.aa' openssl dgst -sha256 >/dev/null &
    xargs -a '$dir/half.ab' openssl dgst -sha256 >/dev/null; wait; }")
verify() { "$1" verify key "$model" --signature "$dir/model.sig" --public_key "$pub" "${@:2}"; }
drop() { [ "$cold" = 0 ] || { sync; echo 3 >/proc/sys/vm/drop_caches; sleep 0.3; }; }
timed() { # milliseconds; fails if the command does
    local s e
    drop
    s=$(date +%s%N)
    "$@" >/dev/null 2>"$dir/err" || { echo "tree_pair.sh: failed: $* ($(head -c 300 "$dir/err"))" >&2; exit 1; }
    e=$(date +%s%N)
    echo $(((e - s) / 1000000))
}
verify "$omsig" "$@" >/dev/null || { echo "tree_pair.sh: the tree does not verify" >&2; exit 1; }

median() { sort -g | awk '{v[NR]=$1} END{printf "%.3f (range %.3f to %.3f)", NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2, v[1], v[NR]}'; }
echo "tree: $files files of $kib KiB in $folders folders, $([ $cold = 1 ] && echo cold || echo hot), $rounds rounds"
echo "round  openssl-pair ms  omsig ms  pair/omsig${peer:+  peer ms  peer/omsig}"
r_pair=() r_peer=()
for r in $(seq 1 "$rounds"); do
    # the order rotates, so that no run always follows the same one
    tp= to= tq=
    for k in 0 1 2; do
        case $(((r + k) % 3)) in
        0) tp=$(timed "${pair_cmd[@]}") ;;
        1) to=$(timed verify "$omsig" "$@") ;;
        2) [ -z "$peer" ] || tq=$(timed verify "$peer" "$@") ;;
        esac
    done
    r_pair+=("$(awk -v a="$tp" -v b="$to" 'BEGIN{printf "%.3f", a/b}')")
    line=$(printf '%5d %16d %9d %11s' "$r" "$tp" "$to" "${r_pair[-1]}")
    if [ -n "$peer" ]; then
        r_peer+=("$(awk -v a="$tq" -v b="$to" 'BEGIN{printf "%.3f", a/b}')")
        line+=$(printf ' %8d %11s' "$tq" "${r_peer[-1]}")
    fi
    echo "$line"
done
echo "median openssl-pair/omsig time ratio: $(printf '%s\n' "${r_pair[@]}" | median)"
[ -z "$peer" ] || echo "median peer/omsig time ratio: $(printf '%s\n' "${r_peer[@]}" | median)"
