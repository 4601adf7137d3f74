#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SHA-256 and BLAKE3 kernels compile for sm_80 and sm_90 without register spills
# (ptxas -v); prints each kernel's registers.
set -u
NVCC=$1 SRC=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for k in sha256_kernel blake3_kernel; do
    for sm in 80 90; do
        log=$tmp/$k.$sm
        if ! "$NVCC" -std=c++17 -O3 -c -arch=sm_$sm -Xptxas -v -I"$SRC/cuda" -I"$SRC/src/hash" \
            "$SRC/cuda/$k.cu" -o "$tmp/$k.$sm.o" >"$log" 2>&1; then
            echo "FAIL $k sm_$sm: nvcc failed"; cat "$log"; fail=1; continue
        fi
        regs=$(grep -o 'Used [0-9]* registers' "$log" | sort -u | tr '\n' ' ')
        if grep -q 'spill' "$log" && ! grep 'spill' "$log" | grep -qv ' 0 bytes spill stores, 0 bytes spill loads'; then
            echo "PASS $k sm_$sm: no spills (${regs% })"
        else
            echo "FAIL $k sm_$sm: spills or no report"; cat "$log"; fail=1
        fi
    done
done
exit $fail
