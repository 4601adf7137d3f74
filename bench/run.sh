#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmarks omsig against the tools users run today on synthetic models of known shapes.
# Usage: bench/run.sh [--quick] [--size S] [--out DIR] [--cold] [--runs N]
# Writes DIR/results.csv, DIR/results.json and DIR/throughput.png; prints the table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ ! -x "$root/build/omsig" ]; then
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$root/build" -j"$(nproc)" >/dev/null
fi
if ! command -v gnuplot >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || true
fi
exec python3 "$here/bench.py" --omsig "$root/build/omsig" --root "$root" "$@"
