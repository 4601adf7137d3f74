#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds omsig and verifies the sample model shipped in testdata/ with its signature.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DOMSIG_TEST_HOOKS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
set -x
build/omsig verify key testdata/interop/models/nested \
    --signature testdata/interop/bundles/nested.sig --public_key testdata/pki/p256.pub.pem
