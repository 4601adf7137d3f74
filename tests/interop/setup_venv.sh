#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the reference implementation, model-signing 1.1.1, into the git-ignored
# tests/.venv (1.1.1 imports pyOpenSSL without declaring it, so it is installed too), and the
# PyPI blake3 package the BLAKE3 tests compare with (model-signing depends on it; named anyway).
# Exits 77 when the virtualenv cannot be made or PyPI cannot be reached.
set -uo pipefail
cd "$(dirname "$0")/../.."
VENV=tests/.venv
[ -x "$VENV/bin/model_signing" ] && "$VENV/bin/python" -c 'import blake3' 2>/dev/null && exit 0
if ! { [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"; } ||
    ! timeout 300 "$VENV/bin/python" -m pip install --quiet "model-signing==1.1.1" pyOpenSSL blake3; then
    echo "cannot install model-signing==1.1.1 into $VENV" >&2
    rm -rf "$VENV"
    exit 77
fi
