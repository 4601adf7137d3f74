#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SHA-256 kernel compiles for sm_80 and sm_90 without register spills (ptxas -v).
set -u
NVCC=$1 SRC=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for sm in 80 90; do
    if ! "$NVCC" -std=c++17 -O3 -c -arch=sm_$sm -Xptxas -v -I"$SRC/cuda" "$SRC/cuda/sha256_kernel.cu" \
        -o "$tmp/k$sm.o" >"$tmp/log$sm" 2>&1; then
        echo "FAIL sm_$sm: nvcc failed"; cat "$tmp/log$sm"; fail=1; continue
    fi
    regs=$(grep -o 'Used [0-9]* registers' "$tmp/log$sm" | head -1)
    if grep -q 'spill' "$tmp/log$sm" && ! grep 'spill' "$tmp/log$sm" | grep -qv ' 0 bytes spill stores, 0 bytes spill loads'; then
        echo "PASS sm_$sm: no spills ($regs)"
    else
        echo "FAIL sm_$sm: spills or no report"; cat "$tmp/log$sm"; fail=1
    fi
done
exit $fail
