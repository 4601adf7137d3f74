#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Python package: `pip install ./python` into a fresh virtualenv (the install test), then
# pytest on python/tests there: the native API, and omsig.model_signing beside model_signing
# 1.1.1 when tests/.venv holds it (those tests skip otherwise), and verified load beside
# safetensors' own loader when numpy and safetensors install from the package index (those tests
# skip when it cannot be reached).  The package is built with the test hooks, for the test of
# the window between verify and load.  Skips (77) without python3's venv module.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-python3}
"$PY" -c 'import venv, ensurepip' 2>/dev/null || { echo "python3 venv not available: skipping" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PY" -m venv "$tmp/v" || { echo "FAIL: cannot create a virtualenv" >&2; exit 1; }
# what the build and the tests need from the package index: without it they cannot run (skip);
# with it, a package that does not build fails
"$tmp/v/bin/pip" install -q --retries 1 --timeout 20 scikit-build-core pytest 2>"$tmp/pip.err" || {
    cat "$tmp/pip.err" >&2; echo "the package index cannot be reached (scikit-build-core, pytest): skipping" >&2; exit 77; }
"$tmp/v/bin/pip" install -q -C cmake.define.OMSIG_TEST_HOOKS=ON ./python 2>"$tmp/pip.err" || {
    cat "$tmp/pip.err" >&2; echo "FAIL: pip install ./python" >&2; exit 1; }
"$tmp/v/bin/pip" install -q --retries 1 --timeout 20 numpy safetensors 2>"$tmp/pip.err" ||
    echo "note: numpy and safetensors did not install; the verified-load tests that need them skip" >&2
"$tmp/v/bin/python" -c "import omsig, omsig.model_signing; print('omsig', omsig.__version__, 'built with:', omsig.build_features())" || exit 1
ref=$here/tests/.venv/bin/python
if [ -x "$ref" ] && "$ref" -c 'import model_signing' 2>/dev/null; then
    if [ "$("$ref" -c 'import sys; print(sys.version_info[:2])')" = "$("$tmp/v/bin/python" -c 'import sys; print(sys.version_info[:2])')" ]; then
        export OMSIG_REFERENCE_SITE=$("$ref" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    else
        echo "note: tests/.venv has another Python version; the side-by-side tests skip" >&2
    fi
fi
cd "$tmp" && OMSIG_REPO=$here "$tmp/v/bin/python" -m pytest -q -rs -p no:cacheprovider "$here/python/tests"
