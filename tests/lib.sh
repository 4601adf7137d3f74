# SPDX-License-Identifier: Apache-2.0
# Shared by the shell tests: PASS/FAIL counting, a scratch folder, one way to run a case.
# Source it after `set -u`.  It sets pass, fail and tmp: a folder removed at exit, on disk
# (/var/tmp unless TMPDIR says otherwise) so that O_DIRECT and the page cache behave as they
# do for a real model.
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/omsig-test.XXXXXX") || exit 1
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# run NAME WANT_EXIT PATTERN cmd... : the exit code must be WANT_EXIT and PATTERN (grep -E;
# empty: anything) must appear in stdout or stderr, which stay in $tmp/out and $tmp/err.
run() {
    local name=$1 want=$2 pat=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" = "$want" ] && { [ -z "$pat" ] || cat "$tmp/out" "$tmp/err" | grep -qE -- "$pat"; }; then
        ok "$name"
    else
        bad "$name (exit $rc, want $want): $(cat "$tmp/out" "$tmp/err" | head -c 600)"
    fi
}

# The last line of a test: the counts, and its exit status.
summary() {
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
}

# has_feature WORD: the omsig under test ($OMSIG) was built with it ("cuda", "io_uring",
# "test-hooks"; `omsig --version` lists them).
has_feature() { "$OMSIG" --version 2>/dev/null | grep -qE "^features:.*\b$1\b"; }
# need_feature WORD: skip the whole test (exit 77) without it.
need_feature() {
    has_feature "$1" || { echo "SKIP: this omsig was built without $1"; exit 77; }
}
# The readers to try: io_uring only where this build has it.
io_modes() { if has_feature io_uring; then echo "uring pread"; else echo "pread"; fi; }
