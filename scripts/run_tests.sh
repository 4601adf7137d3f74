#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds omsig and runs every test. The interop tests use the reference model_signing 1.1.1 in
# tests/.venv, set up here when PyPI can be reached; without it they are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
# python3-dev: the Python package's extension (tests/python); pkg-config, groff, dpkg-dev and
# file: the install, .deb and man page tests (tests/install); lintian: the .deb test's check;
# libp11-dev: PKCS #11 signing; softhsm2 and opensc: its test's token (tests/pkcs11)
source scripts/deps.sh python3-venv python3-dev pkg-config groff dpkg-dev file lintian libp11-dev softhsm2 opensc
if [ ! -x tests/.venv/bin/model_signing ]; then
    bash tests/interop/setup_venv.sh || echo "reference model_signing unavailable: interop tests will skip"
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOMSIG_TEST_HOOKS=ON >/dev/null
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure -j2
