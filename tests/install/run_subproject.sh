#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# omsig built inside another project (add_subdirectory, without CUDA, the program or the bench
# to keep it short): omsig::omsig links and verifies a model, omsig's tests and install rules
# stay out of the parent project.
# Usage: tests/install/run_subproject.sh   (exit 77: no cmake or cc)
set -u
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
# shellcheck source=../lib.sh
. tests/lib.sh
for t in cmake cc; do
    command -v "$t" >/dev/null || { echo "SKIP: $t is needed"; exit 77; }
done
B=$tmp/build
if cmake -S tests/install/subproject -B "$B" -DOMSIG_SOURCE_DIR="$SRC" -DOMSIG_CUDA=OFF \
    -DOMSIG_BUILD_CLI=OFF -DOMSIG_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Release >"$tmp/log" 2>&1 &&
    cmake --build "$B" -j2 >>"$tmp/log" 2>&1; then
    ok "add_subdirectory(omsig) builds and links omsig::omsig"
else
    bad "add_subdirectory: $(tail -c 2000 "$tmp/log")"
    summary
    exit 1
fi
run "consumer of omsig::omsig verifies" 0 ": success, " "$B/consumer_subdir" \
    "$SRC/testdata/interop/models/nested" "$SRC/testdata/interop/bundles/nested.sig" \
    "$SRC/testdata/pki/p256.pub.pem"
echo "  $(cat "$tmp/out")"
if grep -q 'add_test' "$B/omsig/CTestTestfile.cmake" 2>/dev/null; then
    bad "omsig's tests were added to the parent project"
else
    ok "omsig's tests stay out of the parent project"
fi
if grep -q 'libomsig' "$B/omsig/cmake_install.cmake" 2>/dev/null; then
    bad "omsig's install rules are in the parent project (OMSIG_INSTALL defaults to OFF there)"
else
    ok "omsig's install rules stay out of the parent project"
fi
summary
