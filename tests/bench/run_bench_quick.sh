#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the benchmark harness on tiny models and checks that it writes its CSV, JSON and plot
# with positive figures, and that `omsig bench` reports each engine. Asserts no speed.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bash bench/run.sh --quick --size 4M --runs 1 --out "$tmp/out" >"$tmp/log" 2>&1 || { echo "bench/run.sh failed:"; cat "$tmp/log"; exit 1; }
for f in results.csv results.json; do
    [ -s "$tmp/out/$f" ] || { echo "FAIL missing $f"; fail=1; }
done
if command -v gnuplot >/dev/null 2>&1; then
    head -c 8 "$tmp/out/throughput.png" | od -An -c | grep -q 'P   N   G' || { echo "FAIL no PNG"; fail=1; }
else
    echo "gnuplot absent: plot not checked"
fi
python3 - "$tmp/out/results.json" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"]
assert rows, "no rows"
shapes = {r["shape"] for r in rows}
assert shapes == {"llm", "dataset", "huge", "sharded"}, shapes
for r in rows:
    assert r["seconds"] > 0 and r["gbps"] > 0 and r["bound_gbps"] > 0 and r["ratio"] > 0, r
assert any(r["tool"] == "omsig" for r in rows)
assert any(r["tool"] == "sha256sum" for r in rows)
print("PASS results.json:", len(rows), "rows")
PY
"$OMSIG" bench testdata/interop/models/nested >"$tmp/b" 2>&1 && grep -q '^cpu ' "$tmp/b" && echo "PASS omsig bench" || { echo "FAIL omsig bench"; cat "$tmp/b"; fail=1; }
"$OMSIG" bench testdata/interop/models/nested --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["engines"][0]["ok"] and d["single_core_gbps"] > 0' && echo "PASS omsig bench --json" || { echo "FAIL omsig bench --json"; fail=1; }
[ $fail = 0 ] && echo "4 passed, 0 failed" || echo "failed"
exit $fail
