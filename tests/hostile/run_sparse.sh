#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Files the signature does not cover, added to a model signed with shards:
#  1. sparse files of 2^63-1 bytes (shard counts near 2^60, whose size products wrap): no
#     crash, exit 1 with an "Extra files" failure;
#  2. three sparse 16 TiB files against a 1 MiB-shard bundle: refused in under 10 s and under
#     200 MB of peak memory, each file named once;
#  6. an empty file (no shards, so nothing to compare): the verdict stays success, but a
#     warning names the file, in text and in --json.
# 1 and 2 need sparse files that large: on a tmpfs the test mounts when run as root (or on a
# filesystem that allows them); otherwise they are skipped, and the script exits 77 when
# nothing else failed. Each run is capped (timeout, ulimit -v) so a regression cannot take the
# machine down. Usage: tests/hostile/run_sparse.sh OMSIG_BINARY
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
KEY=testdata/hostile/key.pem
PUB=testdata/hostile/key.pub.pem
MAX_KB=$((200 * 1024))
BIG=9223372036854775807      # 2^63-1
TIB16=$((16 << 40))

# capped CMD...: runs CMD with at most 60 s and 4 GiB of address space; output in $tmp/out,
# $tmp/err; the peak RSS in kB in $tmp/kb (empty when it cannot be measured)
# (sanitizers reserve terabytes of address space: under them only the time is capped, and the
# peak RSS check still holds memory to account)
vlimit=$((4 << 20))
[ -n "${OMSIG_TEST_SANITIZER:-}" ] && vlimit=unlimited
capped() {
    : >"$tmp/kb"
    if [ -x /usr/bin/time ]; then
        (ulimit -v "$vlimit"; exec timeout -k 5 60 /usr/bin/time -v -o "$tmp/time" "$@") \
            >"$tmp/out" 2>"$tmp/err" </dev/null
        local rc=$?
        sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time" 2>/dev/null >"$tmp/kb"
        return $rc
    fi
    (ulimit -v "$vlimit"; exec timeout -k 5 60 "$@") >"$tmp/out" 2>"$tmp/err" </dev/null
}

describe() { # the exit code in words
    case $1 in
        124 | 137) echo "timed out (exit $1)" ;;
        1[2-9][0-9]) echo "killed by signal $(($1 - 128))" ;;
        *) echo "exit $1" ;;
    esac
}

# --- 6: an empty file, any filesystem -------------------------------------------------------
E=$tmp/empty-model
mkdir -p "$E"
head -c 10000 /dev/zero | tr '\0' 'w' >"$E/weights.bin"
if "$OMSIG" sign key "$E" --signature "$tmp/empty.sig" --private_key "$KEY" --shard-size 4096 >/dev/null 2>&1; then
    : >"$E/__init__.py"
    run "6: an empty file added to a shards model still verifies" 0 'Verification succeeded' \
        "$OMSIG" verify key "$E" --signature "$tmp/empty.sig" --public_key "$PUB"
    if grep -v '^Verification succeeded$' "$tmp/out" "$tmp/err" | grep -q '__init__\.py'; then
        ok "6: a warning names __init__.py"
    else
        bad "6: no warning names __init__.py: $(cat "$tmp/out" "$tmp/err" | head -c 400)"
    fi
    "$OMSIG" verify key "$E" --signature "$tmp/empty.sig" --public_key "$PUB" --json >"$tmp/out" 2>/dev/null
    if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["verdict"]=="success" and any("__init__.py" in w for w in d["warnings"]) else 1)' "$tmp/out" 2>/dev/null; then
        ok "6: --json: success, with a warning naming __init__.py"
    else
        bad "6: --json: no success with a warning naming __init__.py: $(head -c 400 "$tmp/out")"
    fi
else
    bad "6: signing the model with shards failed"
fi

# --- 1 and 2: sparse files of 2^63-1 and 16 TiB ----------------------------------------------
S=$tmp/sparse
mkdir -p "$S"
mounted=
if ! truncate -s "$BIG" "$S/probe" 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64m,mode=0755 omsig-sparse "$S" 2>/dev/null; then
        mounted=1
        trap 'umount "$S" 2>/dev/null; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
    fi
fi
rm -f "$S/probe"
if ! truncate -s "$BIG" "$S/probe" 2>/dev/null; then
    echo "SKIP 1, 2: no filesystem here takes a file of 2^63-1 bytes (run as root to mount a tmpfs)"
    summary
    rc=$?
    [ $rc = 0 ] && [ "$pass" -gt 0 ] && exit 77
    exit $rc
fi
rm -f "$S/probe"

# one-file models, signed with small shards
mk_model() { # mk_model DIR SHARD SIG
    mkdir -p "$1" && printf 'one small file\n' >"$1/weights.bin"
    "$OMSIG" sign key "$1" --signature "$3" --private_key "$KEY" --shard-size "$2" >/dev/null 2>&1
}

# 1a: --shard-size 8 and two such files (a release build died with SIGSEGV)
M1=$S/m1
if mk_model "$M1" 8 "$tmp/m1.sig"; then
    truncate -s "$BIG" "$M1/huge-a" "$M1/huge-b"
    capped "$OMSIG" verify key "$M1" --signature "$tmp/m1.sig" --public_key "$PUB"
    rc=$?
    if [ "$rc" = 1 ] && grep -q 'Extra files found' "$tmp/err" && grep -q huge-a "$tmp/err" && grep -q huge-b "$tmp/err"; then
        ok "1: two files of 2^63-1 bytes, 8-byte shards: Extra files, no crash"
    else
        bad "1: two files of 2^63-1 bytes, 8-byte shards: $(describe $rc): $(head -c 300 "$tmp/err")"
    fi
else
    bad "1: signing the one-file model with 8-byte shards failed"
fi

# 1b: --shard-size 4096 and 1,024 such files (ASan saw a heap-buffer-overflow)
M2=$S/m2
if mk_model "$M2" 4096 "$tmp/m2.sig"; then
    (cd "$M2" && seq -f 'huge-%g' 1 1024 | xargs truncate -s "$BIG")
    capped "$OMSIG" verify key "$M2" --signature "$tmp/m2.sig" --public_key "$PUB"
    rc=$?
    if [ "$rc" = 1 ] && grep -q 'Extra files found' "$tmp/err"; then
        ok "1: 1,024 files of 2^63-1 bytes, 4 KiB shards: Extra files, no crash"
    else
        bad "1: 1,024 files of 2^63-1 bytes, 4 KiB shards: $(describe $rc): $(head -c 300 "$tmp/err")"
    fi
else
    bad "1: signing the one-file model with 4 KiB shards failed"
fi

# 2: three 16 TiB files against 1 MiB shards: quick, bounded, each named once
M3=$S/m3
if mk_model "$M3" 1M "$tmp/m3.sig"; then
    truncate -s "$TIB16" "$M3/big-1" "$M3/big-2" "$M3/big-3"
    start=$(date +%s%N)
    capped "$OMSIG" verify key "$M3" --signature "$tmp/m3.sig" --public_key "$PUB"
    rc=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    kb=$(cat "$tmp/kb")
    # once on the reference's line, and once on the per-file line that follows it
    counts=$(for f in big-1 big-2 big-3; do grep "Signature mismatch" "$tmp/err" | grep -o "$f" | wc -l; done | tr '\n' ' ')
    counts="$counts$(for f in big-1 big-2 big-3; do grep -c "^Extra file '$f:" "$tmp/err"; done | tr '\n' ' ')"
    if [ "$rc" != 1 ] || ! grep -q 'Extra files found' "$tmp/err"; then
        bad "2: three 16 TiB files, 1 MiB shards: $(describe $rc) after $ms ms: $(head -c 300 "$tmp/err")"
    elif [ "$ms" -ge 10000 ]; then
        bad "2: three 16 TiB files, 1 MiB shards: took $ms ms (limit 10 s)"
    elif [ -n "$kb" ] && [ "$kb" -ge "$MAX_KB" ]; then
        bad "2: three 16 TiB files, 1 MiB shards: peak memory $kb kB (limit $MAX_KB)"
    elif [ "$counts" != "1 1 1 1 1 1 " ]; then
        bad "2: each extra file should be named once; counts $counts: $(head -c 300 "$tmp/err")"
    else
        ok "2: three 16 TiB files, 1 MiB shards: refused in $ms ms, peak ${kb:-?} kB, each named once"
    fi
else
    bad "2: signing the one-file model with 1 MiB shards failed"
fi

[ -n "$mounted" ] && { rm -rf "${S:?}"/*; }
summary
