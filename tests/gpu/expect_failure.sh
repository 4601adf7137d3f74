#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# expect_failure.sh PATTERN CMD...: passes when CMD fails (exit 1: neither a pass nor a skip)
# and its output matches PATTERN (grep -E).  For the tests that must fail on a broken device.
set -u
pat=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 20
if [ "$rc" = 1 ] && printf '%s\n' "$out" | grep -qE -- "$pat"; then
    echo "PASS: failed as it must (exit 1, output matching '$pat')"
    exit 0
fi
echo "FAIL: wanted exit 1 and output matching '$pat'; got exit $rc"
exit 1
