#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The readers: sizes that straddle page and slot boundaries, io_uring and pread giving the same
# digests (files, shards at unaligned offsets, blake2b, a ring of two slots), O_DIRECT on
# uncached files, the fallback when io_uring is missing, injected read errors and a file
# truncated while it is read.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
# shellcheck source=../lib.sh
. tests/lib.sh

M=$tmp/model
mkdir -p "$M/d"
slot=$((1 << 20))
i=0
for n in 0 1 4095 4096 4097 $((slot - 1)) $slot $((slot + 1)) $((3 * slot + 123)) $((9 * slot)) $((9 * slot + 4097)); do
    head -c "$n" /dev/urandom >"$M/d/f$i-$n.bin"
    i=$((i + 1))
done
# drop the larger files from the page cache so the io_uring reader takes its O_DIRECT path
python3 - "$M/d" <<'PY'
import os, sys
for name in os.listdir(sys.argv[1]):
    fd = os.open(os.path.join(sys.argv[1], name), os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
need_feature test-hooks # fault injection: OMSIG_FAULT_*, OMSIG_LANES
# io_uring cases only where this build and kernel have it (-DOMSIG_IO_URING=OFF has not)
URING=uring
if ! has_feature io_uring || ! "$OMSIG" digest "$M" --io uring >/dev/null 2>&1; then
    URING=
    echo "SKIP io_uring cases: not available in this build or on this kernel"
fi
ref=$("$OMSIG" digest "$M" --io pread --threads 1)
for io in $URING pread auto; do
    for extra in "" "--threads 1" "--buffer-size 1M" "--threads 2 --buffer-size 2M"; do
        # shellcheck disable=SC2086
        run "digest --io $io $extra" 0 "^$ref\$" "$OMSIG" digest "$M" --io $io $extra
    done
    for shape in "--shard-size 4097" "--shard-size 1M" "--hash blake2b" "--hash blake2b --shard-size 5000"; do
        # shellcheck disable=SC2086
        want=$("$OMSIG" digest "$M" --io pread $shape)
        # shellcheck disable=SC2086
        run "digest --io $io $shape" 0 "^$want\$" "$OMSIG" digest "$M" --io $io $shape
    done
done
# every SHA-256 backend (OpenSSL; the SSE kernels, which an AMD CPU with AVX-512 otherwise
# leaves for the AVX-512 ones) and lane count gives the same digests (one lane ending while the
# others go on: the files differ in length)
for env in OMSIG_SHA256=openssl OMSIG_SHA256=sse OMSIG_LANES=1 OMSIG_LANES=2 OMSIG_LANES=3; do
    for io in $URING pread; do
        for shape in "" "--shard-size 4097" "--threads 1"; do
            # shellcheck disable=SC2086
            want=$("$OMSIG" digest "$M" --io pread --threads 1 $shape)
            # shellcheck disable=SC2086
            run "digest $env --io $io $shape" 0 "^$want\$" env $env "$OMSIG" digest "$M" --io $io $shape
        done
    done
done
# the bytes really are the files' bytes: compare with sha256sum of one file
one=$M/d/f9-$((9 * slot)).bin
cp -a "$one" "$tmp/one.bin"
want=$(sha256sum "$tmp/one.bin" | cut -d' ' -f1)
got=$(python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex('$want')).hexdigest())")
run "single file root = sha256(sha256(file)) with ${URING:-pread}" 0 "^sha256:$got\$" "$OMSIG" digest "$tmp/one.bin" --io "${URING:-pread}"

"$OMSIG" sign key "$M" --signature "$tmp/m.sig" --private_key "$P/p256.key.pem" >/dev/null
for io in $URING pread; do
    run "verify --io $io" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --io $io
    run "injected EIO --io $io" 1 "Cannot read '.*f3-4096.bin': Input/output error" \
        env OMSIG_FAULT_READ=5:d/f3-4096.bin "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --io $io
    run "injected EIO in a large file --io $io" 1 "Cannot read '.*f9-9437184.bin': Input/output error" \
        env OMSIG_FAULT_READ=5:d/f9-9437184.bin "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --io $io
    # truncate a file while omsig waits before reading it
    cp -a "$M" "$tmp/t-$io"
    env OMSIG_FAULT_READ=stall:d/f9-9437184.bin "$OMSIG" verify key "$tmp/t-$io" --signature "$tmp/m.sig" \
        --public_key "$P/p256.pub.pem" --io $io --threads 1 >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep 1
    truncate -s 5000 "$tmp/t-$io/d/f9-9437184.bin"
    wait $pid
    rc=$?
    if [ $rc = 1 ] && grep -qE "File '.*f9-9437184.bin' changed while it was being hashed" "$tmp/err"; then
        ok "file truncated while read --io $io"
    else
        bad "file truncated while read --io $io (exit $rc): $(cat "$tmp/err")"
    fi
done
# io_uring that cannot be set up (ENOSYS: old kernel; EPERM: seccomp; ENOMEM: memory limit)
# falls back to pread with the same digests
for e in 38 1 12; do
    run "no io_uring (errno $e): auto falls back" 0 'succeeded' env OMSIG_FAULT_URING=$e "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem"
    run "no io_uring (errno $e): same digest" 0 "^$ref\$" env OMSIG_FAULT_URING=$e "$OMSIG" digest "$M"
done
# a real address-space limit that the ring's mapping does not fit in (sanitizers reserve
# terabytes of address space: not under them)
if [ -n "${OMSIG_TEST_SANITIZER:-}" ]; then
    echo "SKIP ulimit -v: a sanitizer build"
else
    run "ulimit -v: auto falls back" 0 "^$ref\$" bash -c 'ulimit -v 250000 && exec "$@"' _ "$OMSIG" digest "$M" --buffer-size 512M
fi
run "no io_uring: --io uring says so" 2 'io_uring is not available' env OMSIG_FAULT_URING=1 "$OMSIG" verify key "$M" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --io uring
run "bad --io" 2 "Invalid value for '--io'" "$OMSIG" digest "$M" --io mmap

# An uncached file is read with O_DIRECT and stays uncached, run after run: deciding must not
# itself pull pages into the cache (a read probe starts readahead, and the next run would then
# take the slow buffered path).  Checked with cachestat and with the mincore fallback.
C=$tmp/cold
mkdir -p "$C"
head -c $((12 * slot)) /dev/urandom >"$C/w.bin"
want=$("$OMSIG" digest "$C" --io pread)
uncache() { python3 -c 'import os,sys; fd=os.open(sys.argv[1],os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); os.close(fd)' "$1"; }
cached() { fincore --raw --noheadings --output PAGES "$1" 2>/dev/null; }
uncache "$C/w.bin"
if [ -z "$URING" ]; then
    echo "SKIP uncached reads: no io_uring"
elif ! command -v fincore >/dev/null || [ "$(cached "$C/w.bin")" != 0 ]; then
    echo "SKIP uncached reads: no fincore, or $tmp keeps pages cached (tmpfs)"
else
    for hook in "" OMSIG_FAULT_CACHESTAT=1; do
        uncache "$C/w.bin"
        for n in 1 2; do
            run "uncached file, run $n ${hook:-cachestat}: digest" 0 "^$want\$" env $hook "$OMSIG" digest "$C" --io uring
            pages=$(cached "$C/w.bin")
            if [ "$pages" -lt $((3 * slot / 4096)) ]; then
                ok "uncached file, run $n ${hook:-cachestat}: read direct ($pages pages cached after)"
            else
                bad "uncached file, run $n ${hook:-cachestat}: $pages of $((12 * slot / 4096)) pages cached after"
            fi
        done
    done
    cat "$C/w.bin" >/dev/null
    run "cached file: digest" 0 "^$want\$" "$OMSIG" digest "$C" --io uring
    pages=$(cached "$C/w.bin")
    [ "$pages" = $((12 * slot / 4096)) ] && ok "cached file stays cached" || bad "cached file: $pages pages after"
fi
summary
