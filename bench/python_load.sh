#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Verified load from Python (omsig.load_safetensors) against safetensors.numpy.load_file of the
# same files alone, and against `omsig verify` followed by load_file, on one safetensors model
# of several files; hot (page cache) or cold (--cold: drop_caches before each run, as root).
# Each load runs in a fresh process, the three alternated; medians, ratios and peak memory
# (ru_maxrss) are printed by bench/python_load.py.
# Usage: bench/python_load.sh [--size 3G] [--files 4] [--runs 5] [--dir DIR] [--build DIR] [--cold]
# Needs python3-venv, and numpy and safetensors from the package index.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
size=3G files=4 runs=5 dir=/var/tmp/omsig-python-load-bench build=$here/build cold=
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --cold) cold=--cold; shift ;;
    -h | --help) sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/python_load.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
if [ -n "$cold" ] && [ "$(id -u)" -ne 0 ]; then
    echo "--cold drops the page cache: run as root" >&2
    exit 2
fi
[ -x "$build/omsig" ] || {
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOMSIG_CUDA=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target omsig_cli >/dev/null
}
bytes=$(numfmt --from=iec "$size")
mkdir -p "$dir"
venv=$dir/venv
# the package is rebuilt when the sources changed (the tree's state, committed or not)
stamp=$(cd "$here" && git rev-parse HEAD:python HEAD:src HEAD:include && git diff HEAD -- python src include | sha256sum)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$dir/built" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "$here/python" numpy safetensors
    echo "$stamp" >"$dir/built"
fi
key=$here/testdata/pki/p256.key.pem pub=$here/testdata/pki/p256.pub.pem
model=$dir/model sig=$dir/model.sig
py=("$venv/bin/python" "$here/bench/python_load.py" --model "$model" --sig "$sig" --pub "$pub"
    --omsig "$build/omsig")
if [ ! -f "$sig" ] || [ "$(cat "$dir/shape" 2>/dev/null)" != "$files x $bytes" ]; then
    rm -rf "$model" "$sig"
    "${py[@]}" --make "$bytes" "$files"
    "$build/omsig" sign key "$model" --signature "$sig" --private_key "$key" >/dev/null
    echo "$files x $bytes" >"$dir/shape"
fi
"${py[@]}" --runs "$runs" $cold
