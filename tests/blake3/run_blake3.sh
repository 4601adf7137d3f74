#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# BLAKE3 against the PyPI `blake3` package in tests/.venv: digests written by
# blake3_expected.py, recomputed by test_blake3 one shot, in random pieces and as random
# aligned subtrees, on every BLAKE3 backend this CPU has (forced with OMSIG_BLAKE3, a test-build
# hook; a build without hooks checks its own choice only), and that the choice left alone is the
# widest.  Usage: run_blake3.sh
# TEST_BLAKE3_BINARY.  77 without the venv or package.
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
py=$here/../.venv/bin/python
if [ ! -x "$py" ] || ! "$py" -c 'import blake3' 2>/dev/null; then
    echo "SKIP: tests/.venv with the blake3 package is missing (tests/interop/setup_venv.sh)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" "$here/blake3_expected.py" "$tmp/expected.txt" || exit 1
. "$here/backends.sh"
rc=0
for b in $(blake3_backends); do
    echo "== backend $b"
    OMSIG_BLAKE3=$b "$bin" "$tmp/expected.txt" >"$tmp/out" 2>&1
    r=$?
    cat "$tmp/out"
    used=$(sed -n 's/^blake3 backend: //p' "$tmp/out")
    if [ "$r" != 0 ]; then
        echo "FAIL: backend $b"
        rc=1
    elif [ "$used" != "$b" ]; then
        echo "NOTE: asked for $b, the library chose $used (a build without test hooks)"
    fi
done
# left alone, the library takes the widest backend this CPU has
widest=$(blake3_backends | tail -n 1)
env -u OMSIG_BLAKE3 "$bin" "$tmp/expected.txt" >"$tmp/out" 2>&1
r=$?
used=$(sed -n 's/^blake3 backend: //p' "$tmp/out")
echo "== default backend: $used (widest here: $widest)"
if [ "$r" != 0 ] || [ "$used" != "$widest" ]; then
    echo "FAIL: the default backend is '$used', not the widest this CPU has ('$widest')"
    rc=1
fi
exit $rc
