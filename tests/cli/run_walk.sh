#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The tree listed on several threads (walk_parallel.c) against the one-thread walk (test hook
# OMSIG_WALK_SERIAL): the same files on a clean tree (folders of many files, runs of names
# stat'ed by other threads, nesting, dot-files, ignore paths, empty folders), and on a tree
# with a problem the same exit and the same message, the one the reference's order meets
# first, whichever thread met a problem first.  Also under a low descriptor limit.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
need_feature test-hooks
P=testdata/pki
M=$tmp/m
mkdir -p "$M/big" "$M/empty" "$M/.hidden" "$M/skip/deep"
for d in $(seq 1 24); do
    mkdir -p "$M/d$d/sub/deeper"
    for f in $(seq 1 30); do printf '%s' "$d-$f" >"$M/d$d/f$f.txt"; done
    printf 'x%s' "$d" >"$M/d$d/sub/deeper/leaf.bin"
done
for f in $(seq 1 700); do printf '%s' "$f" >"$M/big/n$f"; done # three runs of 256 and more
echo dot >"$M/.hidden/.file"
echo skip >"$M/skip/deep/s.txt"
: >"$M/empty-file"

# same NAME: digest of the model with each walk; both exits and outputs must agree
same() {
    local name=$1
    shift
    "$OMSIG" "$@" >"$tmp/p.out" 2>"$tmp/p.err"
    local rp=$?
    OMSIG_WALK_SERIAL=1 "$OMSIG" "$@" >"$tmp/s.out" 2>"$tmp/s.err"
    local rs=$?
    if [ "$rp" = "$rs" ] && cmp -s "$tmp/p.out" "$tmp/s.out" && cmp -s "$tmp/p.err" "$tmp/s.err"; then
        ok "$name (exit $rp)"
    else
        bad "$name: parallel exit $rp, serial exit $rs: $(head -c 300 "$tmp/p.err") / $(head -c 300 "$tmp/s.err")"
    fi
}

run "the digest of the tree succeeds" 0 "^sha256:[0-9a-f]{64}$" "$OMSIG" digest "$M"
same "a clean tree: the same digest" digest "$M"
same "ignore paths: the same digest" digest "$M" --ignore-paths "$M/skip" --ignore-paths "$M/d3/sub"
"$OMSIG" sign key "$M" --signature "$tmp/m.sig" --private_key $P/p256.key.pem --quiet >/dev/null ||
    bad "sign the tree"
run "the tree verifies" 0 '^Verification succeeded$' \
    "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem
run "under ulimit -n 32 the tree verifies" 0 '^Verification succeeded$' \
    bash -c "ulimit -n 32 && exec '$OMSIG' verify key '$M' --signature '$tmp/m.sig' --public_key $P/p256.pub.pem"
echo extra >"$M/d9/sub/extra.txt"
same "a file added: the same verdict" verify key "$M" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem
rm "$M/d9/sub/extra.txt"

# one problem at a time, then two in different folders
ln -s ../f1.txt "$M/d17/sub/link"
same "a symlink deep in the tree" digest "$M"
run "a symlink deep in the tree is named" 1 "d17/sub/link' because it is a symlink" "$OMSIG" digest "$M"
ln -s ../d2 "$M/d5/dirlink"
same "two symlinks in two folders" digest "$M"
same "two symlinks, verify" verify key "$M" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem
rm "$M/d17/sub/link" "$M/d5/dirlink"
mkfifo "$M/big/pipe"
same "a fifo among 700 names" digest "$M"
rm "$M/big/pipe"
ln -s f1.txt "$M/big/zz-link"
mkfifo "$M/d20/pipe"
same "a fifo and a symlink" digest "$M"
rm "$M/big/zz-link" "$M/d20/pipe"
run "the tree verifies again" 0 '^Verification succeeded$' \
    "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem

# The files' opens and closes go through io_uring (reader_uring.c, add_path): with strace,
# a verify of the tree's 1,447 files makes an openat2 per folder, not per file; with the test
# hook that stands for a kernel without IORING_OP_OPENAT2 the files are opened one by one.
if has_feature io_uring; then
    V=("$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem)
    run "a kernel without opens in the ring: the tree verifies" 0 '^Verification succeeded$' \
        env OMSIG_URING_NO_OPEN=1 "${V[@]}"
    if command -v strace >/dev/null; then
        opens() { strace -f -qq -c -U name,calls -e trace=openat2 "$@" 2>&1 >/dev/null |
            awk '$1 == "openat2" { print $2 }'; }
        n=$(opens "${V[@]}")
        if [ -n "$n" ] && [ "$n" -lt 200 ]; then ok "opens in the ring: $n openat2 calls for 1,447 files"
        else bad "opens in the ring: ${n:-no} openat2 calls for 1,447 files"; fi
        n=$(opens env OMSIG_URING_NO_OPEN=1 "${V[@]}")
        if [ -n "$n" ] && [ "$n" -ge 1447 ]; then ok "opens without the ring: $n openat2 calls"
        else bad "opens without the ring: ${n:-no} openat2 calls, want one a file"; fi
    else
        echo "strace absent: the count of opens not checked"
    fi
fi
summary
