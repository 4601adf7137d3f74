#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Python binding's speed, each figure measured in one run beside its peer (bench/README.md):
#   1. in-process verify of the tiny sample model (testdata/interop/models/nested), omsig.verify
#      against model_signing 1.1.1's API (verifying.Config().verify), in one process;
#   2. a --size GiB model (three files of random bytes, in the page cache), omsig.verify against
#      `omsig verify`, runs alternated;
#   3. four such models of --four-size MiB from four Python threads at once against one after
#      another, each verify with one hashing thread (so the 2-core case shows the GIL released).
# Usage: bench/python.sh [--size GiB] [--four-size MiB] [--runs N] [--dir DIR]
# Needs python3-venv, and tests/.venv with model_signing for figure 1 (else it is left out).
set -euo pipefail
size=3 four=512 runs=5 dir=
while [ $# -gt 0 ]; do
    case $1 in
    --size) size=$2; shift 2 ;;
    --four-size) four=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    -h | --help) sed -n '3,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/python.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
if [ ! -x "$build/omsig" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOMSIG_CUDA=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" >/dev/null
fi
work=$(mktemp -d "${dir:-${TMPDIR:-/tmp}}/omsig-pybench.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/v"
"$work/v/bin/pip" install -q "$root/python"
ref=$root/tests/.venv/bin/python
refsite=
if [ -x "$ref" ] && "$ref" -c 'import model_signing' 2>/dev/null; then
    refsite=$("$ref" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
fi
OMSIG_REFERENCE_SITE=$refsite "$work/v/bin/python" "$root/bench/python_bench.py" \
    --root "$root" --omsig "$build/omsig" --work "$work" --size "$size" --four-size "$four" \
    --runs "$runs"
