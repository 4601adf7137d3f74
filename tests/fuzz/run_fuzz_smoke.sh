#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A short fuzzing run of every target (10 s each) plus a replay of every kept crasher: fails
# on any sanitizer report. Skips (77) without clang's libFuzzer.
set -u
cd "$(dirname "$0")/../.." || exit 1
command -v clang >/dev/null || { echo "no clang: skipping" >&2; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' >/tmp/omsig-fz-probe.c
clang -fsanitize=fuzzer /tmp/omsig-fz-probe.c -o /tmp/omsig-fz-probe 2>/dev/null || { echo "no libFuzzer: skipping" >&2; exit 77; }
log=$(mktemp)
bash tests/fuzz/run_fuzz.sh "${FUZZ_SECONDS:-10}" >"$log" 2>&1
cat "$log"
fail=0
grep -qE 'ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error' "$log" && fail=1
for t in bundle statement paths verify escape blake3 cert scan; do
    for c in tests/fuzz/crashers/$t/*; do
        [ -f "$c" ] || continue
        build-fuzz/fuzz_$t "$c" >/dev/null 2>&1 || { echo "FAIL crasher $c"; fail=1; }
    done
done
rm -f "$log"
[ $fail = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
